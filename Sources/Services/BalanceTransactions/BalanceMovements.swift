import Core
import Ledger

/// The merchant-balance movements of one booking, grouped by what they are for the merchant
/// (charge, refund, dispute, dispute won, bank return): each group becomes one balance
/// transaction, identified by its first transfer, so a booking split over several transfers
/// still reads as one movement.
struct BalanceMovements {
    /// One grouped movement: the merchant's balance moved by `net`, gross `amount`, `fee`.
    struct Group {
        var firstTransfer: TransferID
        var merchant: MerchantID
        var currency: Currency
        var amount: Int64 = 0
        var fee: Int64 = 0
        var net: Int64 = 0
    }

    var charge: Group?
    var dispute: Group?
    var disputeWon: Group?
    var refund: Group?
    var bankReturn: Group?
    /// What the capture took in the presentment currency, when it was converted.
    var conversion: (captured: Int64, currency: Currency)?

    /// Adds `transfer` to its group. A payout is not grouped: its transaction comes back at once.
    mutating func add(_ transfer: Transfer, created: Int64) -> BalanceTransaction? {
        typealias Code = PaymentBookkeeping.Code
        if transfer.code == Code.captureConversion {
            conversion = (transfer.legs.first { $0.side == .debit }?.amount ?? 0, transfer.currency)
            return nil
        }
        guard
            let merchantLeg = transfer.legs.first(where: { $0.account.kind == .merchantBalance }),
            let merchant = merchantLeg.account.merchant
        else { return nil }
        var moved: Int64 = 0
        for leg in transfer.legs where leg.account.kind == .merchantBalance {
            moved += leg.side == .credit ? leg.amount : -leg.amount
        }
        let feeCredited = transfer.legs.filter { $0.account.kind == .feesRevenue && $0.side == .credit }
            .reduce(Int64(0)) { $0 + $1.amount }
        let feeDebited = transfer.legs.filter { $0.account.kind == .feesRevenue && $0.side == .debit }
            .reduce(Int64(0)) { $0 + $1.amount }
        func add(_ group: inout Group?, amount: Int64, fee: Int64) {
            if group == nil {
                group = Group(firstTransfer: transfer.id, merchant: merchant, currency: transfer.currency)
            }
            group!.amount += amount
            group!.fee += fee
            group!.net += moved
        }
        switch transfer.code {
        case Code.capture:
            add(&charge, amount: moved + feeCredited, fee: feeCredited)
        case Code.refund:
            add(&refund, amount: moved, fee: 0)
        case Code.dispute:
            add(&dispute, amount: moved, fee: 0)
        case Code.disputeFee:
            add(&dispute, amount: 0, fee: -moved)
        case Code.disputeWon:
            // The fee given back comes from fees revenue; the amount from the network side.
            add(&disputeWon, amount: moved - feeDebited, fee: -feeDebited)
        case Code.bankReturn:
            add(&bankReturn, amount: moved, fee: 0)
        case Code.payout:
            return BalanceTransaction(
                id: BalanceTransactionID(transfer.id.rawValue).description, merchant: merchant,
                amount: moved, currency: transfer.currency.code.lowercased(), created: created,
                availableOn: created, exchangeRate: nil, fee: 0, feeDetails: [], net: moved,
                source: PayoutID(transfer.id.rawValue).description, type: .payout,
                reportingCategory: "payout")
        default:
            break
        }
        return nil
    }

    /// One transaction per group, in a fixed order: charge, refund, dispute, dispute won, bank
    /// return.
    func transactions(payment: PaymentID, transfers: [Transfer], created: Int64) -> [BalanceTransaction] {
        var result: [BalanceTransaction] = []
        func make(
            _ group: Group?, _ type: BalanceTransaction.Kind, _ category: String, source: String,
            feeDescription: String, exchangeRate: String? = nil, availableOn: Int64? = nil
        ) {
            guard let group else { return }
            let currency = group.currency.code.lowercased()
            result.append(
                BalanceTransaction(
                    id: BalanceTransactionID(group.firstTransfer.rawValue).description,
                    merchant: group.merchant,
                    amount: group.amount, currency: currency, created: created,
                    availableOn: availableOn ?? created,
                    exchangeRate: exchangeRate, fee: group.fee,
                    feeDetails: group.fee == 0
                        ? []
                        : [
                            BalanceTransaction.FeeDetail(
                                amount: group.fee, currency: currency, type: "stripe_fee",
                                description: feeDescription)
                        ],
                    net: group.net, source: source, type: type, reportingCategory: category))
        }
        var rate: String?
        if let conversion, let charge, conversion.captured > 0 {
            rate = BalanceTransactionDerivation.exchangeRate(
                settled: charge.amount, in: charge.currency, captured: conversion.captured,
                in: conversion.currency)
        }
        make(
            charge, .charge, "charge", source: ChargeID(payment.rawValue).description,
            feeDescription: "Processing fee", exchangeRate: rate,
            availableOn: created + BalanceTransactionDerivation.chargeAvailabilityDelaySeconds)
        let refundID =
            PaymentOrchestrator.networkRefundID(transfers) ?? RefundID(refund?.firstTransfer.rawValue ?? 0)
        make(refund, .refund, "refund", source: refundID.description, feeDescription: "")
        make(
            dispute, .adjustment, "dispute", source: DisputeID(payment.rawValue).description,
            feeDescription: "Dispute fee")
        make(
            disputeWon, .adjustment, "dispute_reversal", source: DisputeID(payment.rawValue).description,
            feeDescription: "Dispute fee returned")
        make(
            bankReturn, .paymentFailureRefund, "payment_failure_refund",
            source: ChargeID(payment.rawValue).description, feeDescription: "")
        return result
    }
}
