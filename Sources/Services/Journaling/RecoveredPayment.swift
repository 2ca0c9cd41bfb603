import Core
import Ledger

/// A payment as recovery rebuilds it from the journal: who, how much, in which state. Equal to
/// `RecoveredPayment(record)` of the live payment when nothing was lost.
public struct RecoveredPayment: Sendable, Hashable, Codable, CustomStringConvertible {
    public let id: PaymentID
    public var merchant: MerchantID
    public var currency: Currency
    public var network: PaymentNetwork?
    public var state: PaymentState
    public var amountMinorUnits: Int64
    public var amountCapturableMinorUnits: Int64
    public var amountCapturedMinorUnits: Int64
    public var amountRefundedMinorUnits: Int64
    public var disputeAmountMinorUnits: Int64
    public var disputeStatus: DisputeStatus?
    public var isSettled: Bool
    public var isAuthenticated: Bool

    /// Why the amounts are impossible, or nil: `0 <= refunded <= captured <= amount`, capturable
    /// within the amount, a dispute within what was captured.
    public var amountViolation: String? {
        if amountMinorUnits <= 0 { return "\(id): amount \(amountMinorUnits) not positive" }
        if amountCapturableMinorUnits < 0 || amountCapturableMinorUnits > amountMinorUnits {
            return "\(id): capturable \(amountCapturableMinorUnits) outside 0...\(amountMinorUnits)"
        }
        if amountCapturedMinorUnits < 0 || amountCapturedMinorUnits > amountMinorUnits {
            return "\(id): captured \(amountCapturedMinorUnits) outside 0...\(amountMinorUnits)"
        }
        if amountRefundedMinorUnits < 0 || amountRefundedMinorUnits > amountCapturedMinorUnits {
            return
                "\(id): refunded \(amountRefundedMinorUnits) outside 0...\(amountCapturedMinorUnits) captured"
        }
        if disputeAmountMinorUnits < 0 || disputeAmountMinorUnits > amountCapturedMinorUnits {
            return
                "\(id): disputed \(disputeAmountMinorUnits) outside 0...\(amountCapturedMinorUnits) captured"
        }
        return nil
    }

    public var description: String {
        "\(id) \(state) \(amountMinorUnits) \(currency.code) (captured \(amountCapturedMinorUnits), "
            + "refunded \(amountRefundedMinorUnits))"
    }
}

// Apart from the declaration, so that the memberwise initializer (recovery's, from a record's
// fields) is synthesized.
extension RecoveredPayment {
    /// The live payment's image, to compare with what recovery rebuilt.
    public init(_ record: PaymentRecord) {
        let payment = record.payment
        self.init(
            id: record.id, merchant: record.merchant, currency: payment.amount.currency,
            network: record.network,
            state: payment.state, amountMinorUnits: payment.amount.minorUnits,
            amountCapturableMinorUnits: payment.amountCapturableMinorUnits,
            amountCapturedMinorUnits: payment.amountCapturedMinorUnits,
            amountRefundedMinorUnits: payment.amountRefundedMinorUnits,
            disputeAmountMinorUnits: payment.dispute?.amountMinorUnits ?? 0,
            disputeStatus: payment.dispute?.status, isSettled: payment.isSettled,
            isAuthenticated: payment.isAuthenticated)
    }
}
