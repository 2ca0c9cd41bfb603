import Core
import Ledger

/// A payment as the journal shows it: who, through which network, and Core's `Payment` (state
/// and amounts). Equal to `RecoveredPayment(record)` of the live payment when nothing was lost.
///
/// The amounts are Core's own value: a record whose amounts break `Payment`'s invariants is
/// refused where it is read (`Payment(restoring:...)` checks them), and recovery counts it as a
/// violation of `boundsInvariant` and leaves it out.
public struct RecoveredPayment: Sendable, Hashable, Codable, CustomStringConvertible {
    public let id: PaymentID
    public var merchant: MerchantID
    public var network: PaymentNetwork?
    public var payment: Payment

    static let boundsInvariant = "payment_amounts_within_bounds"

    public var description: String { "\(id) \(payment)" }
}

// Apart from the declaration, so that the memberwise initializer is synthesized.
extension RecoveredPayment {
    /// The live payment's image, to journal or to compare with what recovery rebuilt.
    public init(_ record: PaymentRecord) {
        self.init(id: record.id, merchant: record.merchant, network: record.network, payment: record.payment)
    }
}
