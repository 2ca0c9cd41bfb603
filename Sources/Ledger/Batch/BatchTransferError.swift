/// Why a `BatchLedger` refused one transfer of a batch. Nothing of a refused transfer is booked.
///
/// One byte, so that a batch's refusals are a compact list (TigerBeetle's
/// `create_transfers` results) and a batch that is all accepted answers with an empty one.
public enum BatchTransferError: UInt8, Error, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Ids 0 and `UInt64.max` are reserved.
    case idInvalid = 1
    /// A transfer with this id is booked already (in an earlier batch or earlier in this one):
    /// booking it again would apply it twice.
    case idExists
    case amountNotPositive
    case debitAccountNotFound
    case creditAccountNotFound
    case accountsMustBeDifferent
    /// The debit account's posted debits would not fit in Int64.
    case debitsOverflow
    /// The credit account's posted credits would not fit in Int64.
    case creditsOverflow
    /// The debit account's limit (`debitsMustNotExceedCredits`) does not allow the debit.
    case insufficientFunds
    /// The credit account's limit (`creditsMustNotExceedDebits`) does not allow the credit.
    case exceedsDebits
    /// The ledger holds as many transfers as it was sized for.
    case ledgerFull

    /// A short stable code, for counting refusals by reason.
    public var reason: String {
        switch self {
        case .idInvalid: "id_invalid"
        case .idExists: "id_exists"
        case .amountNotPositive: "amount_not_positive"
        case .debitAccountNotFound: "debit_account_not_found"
        case .creditAccountNotFound: "credit_account_not_found"
        case .accountsMustBeDifferent: "accounts_must_be_different"
        case .debitsOverflow: "debits_overflow"
        case .creditsOverflow: "credits_overflow"
        case .insufficientFunds: "insufficient_funds"
        case .exceedsDebits: "exceeds_debits"
        case .ledgerFull: "ledger_full"
        }
    }

    public var description: String { reason }
}

/// A refused transfer of a batch: its position in the batch and why.
public struct BatchRefusal: Sendable, Hashable, CustomStringConvertible {
    public var index: Int32
    public var error: BatchTransferError

    public init(index: Int32, error: BatchTransferError) {
        self.index = index
        self.error = error
    }

    public var description: String { "#\(index): \(error)" }
}
