import Core
import Ledger

/// How each step of a payment moves money in the ledger: pure functions from the facts of a
/// payment to balanced transfers. Keeping the chart of accounts in one place is what lets the
/// settlement invariant ("payouts equal captured less fees, refunds and disputes") be checked
/// against the ledger rather than against the code that booked it.
///
/// P is the presentment currency (what the customer pays), S the merchant's settlement currency.
/// - authorization: a *pending* transfer, network receivable ← customer funds (P): the hold;
/// - capture: *post* the hold (in part for a partial capture; the rest is released), then move
///   the captured amount from customer funds to the merchant less the fee; across currencies
///   the move goes through the FX account in both currencies, converted at the rate locked at
///   capture: the FX account keeps the spread and rounding remainder;
/// - void, expiry, reversal: *void* the hold;
/// - refund and dispute: merchant → network payable (through FX across currencies); a dispute
///   also takes the dispute fee, returned (with the amount) if the merchant wins;
/// - payout: merchant → bank (S).
public enum PaymentBookkeeping {
    public struct Parties: Sendable, Hashable, Codable {
        public var merchant: MerchantID
        public var network: PaymentNetwork
        public var presentment: Currency
        public var settlement: Currency

        public init(
            merchant: MerchantID, network: PaymentNetwork, presentment: Currency, settlement: Currency
        ) {
            self.merchant = merchant
            self.network = network
            self.presentment = presentment
            self.settlement = settlement
        }
    }

    /// Transfer codes, for reading the ledger's entries.
    public enum Code {
        public static let authorizationHold: UInt16 = 10
        public static let capture: UInt16 = 11
        public static let captureConversion: UInt16 = 12
        public static let refund: UInt16 = 13
        public static let dispute: UInt16 = 14
        public static let disputeFee: UInt16 = 15
        public static let disputeWon: UInt16 = 16
        public static let payout: UInt16 = 17
        public static let networkSettlement: UInt16 = 18
        public static let bankReturn: UInt16 = 19
    }

    public static func authorizationHold(_ id: TransferID, _ parties: Parties, amount: Int64) -> Transfer {
        Transfer(
            id: id, currency: parties.presentment,
            debit: .networkReceivable(parties.network, parties.presentment),
            credit: .customerFunds(parties.presentment), amount: amount, code: Code.authorizationHold,
            phase: .pending)
    }

    /// The capture's movement of funds to the merchant. `settled` is the captured amount in S
    /// (the same as `captured` when P == S); `fee` is in S. Without `booksFeeRevenue` (a planted
    /// bug only) the fee leaves the merchant's share and lands nowhere: the transfer does not
    /// balance.
    public static func capture(
        _ ids: (TransferID, TransferID), _ parties: Parties, captured: Int64, settled: Int64, fee: Int64,
        booksFeeRevenue: Bool = true
    ) -> [Transfer] {
        var transfers: [Transfer] = []
        capture(
            ids, parties, captured: captured, settled: settled, fee: fee, booksFeeRevenue: booksFeeRevenue,
            into: &transfers)
        return transfers
    }

    /// `capture`, appended to `transfers` (a capture's booking holds the hold's post first):
    /// an array of its own was an allocation on every capture.
    public static func capture(
        _ ids: (TransferID, TransferID), _ parties: Parties, captured: Int64, settled: Int64, fee: Int64,
        booksFeeRevenue: Bool = true, into transfers: inout [Transfer]
    ) {
        let (first, second) = ids
        let P = parties.presentment
        let S = parties.settlement
        func distribute(_ id: TransferID, from source: AccountID) -> Transfer {
            // Sized once: a one-leg literal grown by appends was up to three allocations.
            var legs: [Transfer.Leg] = []
            legs.reserveCapacity(3)
            legs.append(.debit(source, settled))
            if settled - fee != 0 {
                legs.append(
                    settled - fee > 0
                        ? .credit(.merchantBalance(parties.merchant, S), settled - fee)
                        : .debit(.merchantBalance(parties.merchant, S), fee - settled))
            }
            if fee > 0, booksFeeRevenue {
                legs.append(.credit(.feesRevenue(S), fee))
            }
            return Transfer(id: id, currency: S, legs: legs, code: Code.capture)
        }
        let start = transfers.count
        if P == S {
            transfers.append(distribute(first, from: .customerFunds(P)))
        } else {
            transfers.append(
                Transfer(
                    id: first, currency: P, debit: .customerFunds(P), credit: .fx(P), amount: captured,
                    code: Code.captureConversion))
            transfers.append(distribute(second, from: .fx(S)))
        }
        removeZeros(from: &transfers, start: start)
    }

    /// `nonZero` on `transfers[start...]`, in place.
    static func removeZeros(from transfers: inout [Transfer], start: Int) {
        guard transfers[start...].contains(where: { $0.legs.contains { $0.amount == 0 } }) else { return }
        let kept = nonZero(Array(transfers[start...]))
        transfers.removeSubrange(start...)
        transfers.append(contentsOf: kept)
    }

    /// Drops transfers that would move nothing (and zero legs): an amount that converts to no
    /// minor unit of the other currency leaves its rounding in the FX account, as every
    /// conversion's remainder does, and the ledger never sees a zero-amount transfer.
    static func nonZero(_ transfers: [Transfer]) -> [Transfer] {
        // Most bookings have no zero leg: they are kept as they are, where a removal on each
        // transfer's shared legs copied them and a new array held the copies.
        guard transfers.contains(where: { $0.legs.contains { $0.amount == 0 } }) else { return transfers }
        return transfers.compactMap { transfer in
            var kept = transfer
            kept.legs.removeAll { $0.amount == 0 }
            return kept.legs.isEmpty ? nil : kept
        }
    }

    /// Money going back to the network (a refund, or a dispute's amount): `amount` in P,
    /// `settled` its value in S at the payment's locked rate.
    public static func toNetwork(
        _ ids: (TransferID, TransferID), _ parties: Parties, amount: Int64, settled: Int64, code: UInt16
    ) -> [Transfer] {
        let (first, second) = ids
        let P = parties.presentment
        let S = parties.settlement
        let payable = AccountID.networkPayable(parties.network, P)
        if P == S {
            return nonZero([
                Transfer(
                    id: first, currency: P, debit: .merchantBalance(parties.merchant, P), credit: payable,
                    amount: amount, code: code)
            ])
        }
        return nonZero([
            Transfer(
                id: first, currency: S, debit: .merchantBalance(parties.merchant, S), credit: .fx(S),
                amount: settled, code: code),
            Transfer(id: second, currency: P, debit: .fx(P), credit: payable, amount: amount, code: code),
        ])
    }

    /// A won dispute: the network returns the amount (to the receivable side) and the fee is
    /// given back.
    public static func disputeWon(
        _ ids: (TransferID, TransferID, TransferID), _ parties: Parties, amount: Int64, settled: Int64,
        fee: Int64
    ) -> [Transfer] {
        let (first, second, third) = ids
        let P = parties.presentment
        let S = parties.settlement
        var transfers: [Transfer] = []
        if P == S {
            transfers.append(
                Transfer(
                    id: first, currency: P, debit: .networkPayable(parties.network, P),
                    credit: .merchantBalance(parties.merchant, P), amount: amount, code: Code.disputeWon))
        } else {
            transfers.append(
                Transfer(
                    id: first, currency: P, debit: .networkPayable(parties.network, P), credit: .fx(P),
                    amount: amount, code: Code.disputeWon))
            transfers.append(
                Transfer(
                    id: second, currency: S, debit: .fx(S), credit: .merchantBalance(parties.merchant, S),
                    amount: settled, code: Code.disputeWon))
        }
        if fee > 0 {
            transfers.append(
                Transfer(
                    id: third, currency: S, debit: .feesRevenue(S),
                    credit: .merchantBalance(parties.merchant, S),
                    amount: fee, code: Code.disputeWon))
        }
        return nonZero(transfers)
    }

    /// A returned bank debit: the rail will not pay the captured amount (`amount` in P), so the
    /// receivable is cleared and the merchant gives back what the capture credited (`settled`,
    /// its value in S at the rate locked at capture). The processing fee is not given back
    /// (Stripe keeps it on failed bank debits).
    public static func bankReturn(
        _ ids: (TransferID, TransferID), _ parties: Parties, amount: Int64, settled: Int64
    ) -> [Transfer] {
        let (first, second) = ids
        let P = parties.presentment
        let S = parties.settlement
        let receivable = AccountID.networkReceivable(parties.network, P)
        if P == S {
            return nonZero([
                Transfer(
                    id: first, currency: P, debit: .merchantBalance(parties.merchant, P), credit: receivable,
                    amount: amount, code: Code.bankReturn)
            ])
        }
        return nonZero([
            Transfer(
                id: first, currency: S, debit: .merchantBalance(parties.merchant, S), credit: .fx(S),
                amount: settled, code: Code.bankReturn),
            Transfer(
                id: second, currency: P, debit: .fx(P), credit: receivable, amount: amount,
                code: Code.bankReturn),
        ])
    }

    public static func disputeFee(_ id: TransferID, _ parties: Parties, fee: Int64) -> Transfer {
        Transfer(
            id: id, currency: parties.settlement,
            debit: .merchantBalance(parties.merchant, parties.settlement),
            credit: .feesRevenue(parties.settlement), amount: fee, code: Code.disputeFee)
    }

    public static func payout(
        _ id: TransferID, merchant: MerchantID, currency: Currency, amount: Int64
    ) -> Transfer {
        Transfer(
            id: id, currency: currency, debit: .merchantBalance(merchant, currency), credit: .bank(currency),
            amount: amount, code: Code.payout)
    }
}
