import Core
import Ledger
import PaystormRuntime

/// Turns the ledger transfers of one booking into the balance transactions they are for the
/// merchant: a pure function of the transfers (and the time), so that the live system and a
/// journal scan derive the same ones.
///
/// Each transaction's figures are read from the merchant's own legs (what its balance moved)
/// and the fee legs: `net` is exactly the merchant balance's movement, so that the nets of an
/// export add up to the ledger's balance of every merchant. A movement that leaves the
/// merchant's balance unchanged (a capture whose fee equals its value) has no transaction.
public enum BalanceTransactionDerivation {
    /// A charge's funds are available for payout this long after the capture (Stripe's
    /// standard two-day schedule in the US).
    public static let chargeAvailabilityDelaySeconds: Int64 = 2 * 86_400

    public static func derive(
        _ transfers: [Transfer], payment: PaymentID, at time: SimTime, clock: UnixClock = .standard
    ) -> [BalanceTransaction] {
        typealias Code = PaymentBookkeeping.Code
        let created = clock.seconds(at: time)
        var result: [BalanceTransaction] = []
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
        var conversion: (captured: Int64, currency: Currency)?
        for transfer in transfers {
            if transfer.code == Code.captureConversion {
                conversion = (transfer.legs.first { $0.side == .debit }?.amount ?? 0, transfer.currency)
                continue
            }
            guard
                let merchantLeg = transfer.legs.first(where: { $0.account.kind == .merchantBalance }),
                let merchant = merchantLeg.account.merchant
            else { continue }
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
                result.append(
                    BalanceTransaction(
                        id: BalanceTransactionID(transfer.id.rawValue).description, merchant: merchant,
                        amount: moved, currency: transfer.currency.code.lowercased(), created: created,
                        availableOn: created, exchangeRate: nil, fee: 0, feeDetails: [], net: moved,
                        source: PayoutID(transfer.id.rawValue).description, type: .payout,
                        reportingCategory: "payout"))
            default:
                continue
            }
        }
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
            rate = exchangeRate(
                settled: charge.amount, in: charge.currency, captured: conversion.captured,
                in: conversion.currency)
        }
        make(
            charge, .charge, "charge", source: ChargeID(payment.rawValue).description,
            feeDescription: "Processing fee", exchangeRate: rate,
            availableOn: created + chargeAvailabilityDelaySeconds)
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

    /// Settlement units per presentment unit, to six decimals, half-even, from the two booked
    /// amounts in minor units (integer arithmetic: `settled × 10^p × 10^6 / (captured × 10^s)`).
    static func exchangeRate(
        settled: Int64, in settlement: Currency, captured: Int64, in presentment: Currency
    )
        -> String
    {
        let numerator =
            Int128(settled) * FixedPoint.powerOfTen(presentment.exponent) * 1_000_000
        let denominator = Int128(captured) * FixedPoint.powerOfTen(settlement.exponent)
        let micros = FixedPoint.divide(numerator, by: denominator, rounding: .halfEven)
        let whole = micros / 1_000_000
        let fraction = String(micros % 1_000_000)
        return "\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
