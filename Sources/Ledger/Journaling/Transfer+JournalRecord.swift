import Core
import Journal

/// The mapping between the ledger's `Transfer` and the journal's `LedgerTransferRecord`.
///
/// The Journal module knows only integers; this is the one place that says how a transfer's
/// currency, phase and account ids become those integers and back. The two directions are
/// exact inverses for every transfer the ledger can apply (checked by the round-trip test).
extension Transfer {
    /// The journal's image of this transfer.
    public var journalRecord: LedgerTransferRecord {
        let phase: LedgerTransferRecord.Phase
        var pendingID: UInt64 = 0
        switch self.phase {
        case .single: phase = .single
        case .pending: phase = .pending
        case .post(let pending):
            phase = .post
            pendingID = pending.rawValue
        case .void(let pending):
            phase = .void
            pendingID = pending.rawValue
        }
        return LedgerTransferRecord(
            transferID: id.rawValue, currencyIndex: UInt8(truncatingIfNeeded: currency.index), code: code,
            phase: phase, pendingID: pendingID,
            legs: legs.map { leg in
                LedgerTransferRecord.Leg(
                    accountOwner: leg.account.owner, accountTag: leg.account.tag, side: leg.side.rawValue,
                    amount: leg.amount)
            })
    }

    /// The transfer a journal record describes.
    /// - Throws: `JournalError.invalidField` for a currency index or side this build does not
    ///   know (a record from a newer build, or corruption that passed the checksum).
    public init(journalRecord record: LedgerTransferRecord) throws(JournalError) {
        guard Int(record.currencyIndex) < Currency.all.count else {
            throw .invalidField(
                "LedgerTransferRecord.currencyIndex", reason: "unknown currency index \(record.currencyIndex)"
            )
        }
        let phase: Phase =
            switch record.phase {
            case .single: .single
            case .pending: .pending
            case .post: .post(pending: TransferID(record.pendingID))
            case .void: .void(pending: TransferID(record.pendingID))
            }
        var legs: [Leg] = []
        legs.reserveCapacity(record.legs.count)
        for leg in record.legs {
            guard let side = Side(rawValue: leg.side) else {
                throw .invalidField("LedgerTransferRecord.legs.side", reason: "unknown side \(leg.side)")
            }
            legs.append(Leg(AccountID(owner: leg.accountOwner, tag: leg.accountTag), side, leg.amount))
        }
        self.init(
            id: TransferID(record.transferID), currency: Currency.all[Int(record.currencyIndex)], legs: legs,
            code: record.code, phase: phase)
    }
}
