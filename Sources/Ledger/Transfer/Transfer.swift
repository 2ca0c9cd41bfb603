import Core

/// A balanced movement of money between ledger accounts, in one currency.
///
/// Debit legs and credit legs sum to the same amount, so every transfer leaves the sum of all
/// balances unchanged. A transfer is applied at most once per `id`, however often it is
/// submitted.
///
/// Two-phase transfers: a `.pending` transfer places holds (it counts against account limits but
/// moves no balance); a later `.post` transfer with its own id moves all or part of the held
/// amounts and releases the rest, or a `.void` transfer releases them all. Build those with
/// `Transfer.post(_:of:amounts:)` and `Transfer.void(_:of:)`, which copy the pending transfer's
/// accounts: a post or void must name the same accounts, sides and leg order as its pending
/// transfer.
public struct Transfer: Hashable, Sendable, CustomStringConvertible {
    /// Debit or credit. A debit lowers a (credit-normal) balance, a credit raises it.
    public enum Side: UInt8, Hashable, Sendable {
        case debit = 0
        case credit = 1
    }

    /// One line of a transfer.
    public struct Leg: Hashable, Sendable, CustomStringConvertible {
        public var account: AccountID
        /// Minor units, positive (a post may use 0 to release a leg's hold entirely).
        public var amount: Int64
        public var side: Side

        public init(_ account: AccountID, _ side: Side, _ amount: Int64) {
            self.account = account
            self.amount = amount
            self.side = side
        }

        public static func debit(_ account: AccountID, _ amount: Int64) -> Leg {
            Leg(account, .debit, amount)
        }
        public static func credit(_ account: AccountID, _ amount: Int64) -> Leg {
            Leg(account, .credit, amount)
        }

        public var description: String { "\(side == .debit ? "Dr" : "Cr") \(account) \(amount)" }
    }

    /// Single-phase, or which step of a two-phase transfer this is.
    public enum Phase: Hashable, Sendable {
        /// Moves the amounts now.
        case single
        /// Holds the amounts until a post or void.
        case pending
        /// Moves the leg amounts of this transfer (each at most the held amount) and releases the
        /// rest of the holds of the pending transfer `pending`.
        case post(pending: TransferID)
        /// Releases every hold of the pending transfer `pending`.
        case void(pending: TransferID)
    }

    public var id: TransferID
    public var currency: Currency
    public var legs: [Leg]
    /// Why the money moves, in the caller's vocabulary (Services defines the codes).
    public var code: UInt16
    public var phase: Phase

    public init(id: TransferID, currency: Currency, legs: [Leg], code: UInt16 = 0, phase: Phase = .single) {
        self.id = id
        self.currency = currency
        self.legs = legs
        self.code = code
        self.phase = phase
    }

    /// A two-leg transfer of `amount` from `debit` to `credit`.
    public init(
        id: TransferID, currency: Currency, debit: AccountID, credit: AccountID, amount: Int64,
        code: UInt16 = 0, phase: Phase = .single
    ) {
        self.init(
            id: id, currency: currency, legs: [.debit(debit, amount), .credit(credit, amount)], code: code,
            phase: phase)
    }

    /// Posts `pending`: moves `amounts[i]` on its leg `i` (all of each hold when `amounts` is nil)
    /// and releases the rest. The amounts must balance, like any transfer's.
    public static func post(_ id: TransferID, of pending: Transfer, amounts: [Int64]? = nil) -> Transfer {
        var legs = pending.legs
        if let amounts {
            for index in legs.indices { legs[index].amount = index < amounts.count ? amounts[index] : 0 }
        }
        return Transfer(
            id: id, currency: pending.currency, legs: legs, code: pending.code,
            phase: .post(pending: pending.id))
    }

    /// Posts `amount` of a two-leg (or equal-legged) pending transfer: every leg moves `amount`.
    public static func post(_ id: TransferID, of pending: Transfer, amount: Int64) -> Transfer {
        // Set in the legs' copy: an array of amounts to pass was an allocation on every capture.
        var legs = pending.legs
        for index in legs.indices { legs[index].amount = amount }
        return Transfer(
            id: id, currency: pending.currency, legs: legs, code: pending.code,
            phase: .post(pending: pending.id))
    }

    /// Voids `pending`: releases all its holds.
    public static func void(_ id: TransferID, of pending: Transfer) -> Transfer {
        Transfer(
            id: id, currency: pending.currency, legs: pending.legs, code: pending.code,
            phase: .void(pending: pending.id))
    }

    /// The pending transfer a post or void resolves.
    public var pendingID: TransferID? {
        switch phase {
        case .single, .pending: nil
        case .post(let pending), .void(let pending): pending
        }
    }

    public var description: String {
        "\(id) \(currency) \(phase) [" + legs.map(\.description).joined(separator: ", ") + "]"
    }
}
