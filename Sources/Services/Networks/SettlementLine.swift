import Core
import Ledger

/// One payment's movements in one day's settlement file, as the network believes them.
///
/// The ledger is reconciled against these (`SettlementReconciliation`): for each payment and day
/// the ledger's captured, refunded, charged-back and returned amounts must equal the network's.
public struct SettlementLine: Hashable, Sendable, Codable {
    public let paymentID: PaymentID
    public let network: PaymentNetwork
    /// The settlement day (whole days of run time since the start).
    public let day: Int64
    public let currency: Currency
    public var capturedMinorUnits: Int64
    public var refundedMinorUnits: Int64
    /// Bank rail: a debit that came back instead of settling.
    public var returnedMinorUnits: Int64
    public var returnCode: BankReturnCode?
    /// Card networks: the amount the issuer took back when a dispute opened.
    public var chargedBackMinorUnits: Int64 = 0
    /// Card networks: a chargeback given back because the merchant won the dispute.
    public var chargebackReversedMinorUnits: Int64 = 0

    /// What the network pays (positive) or takes back (negative) for this payment on this day.
    public var netMinorUnits: Int64 {
        capturedMinorUnits - refundedMinorUnits - returnedMinorUnits - chargedBackMinorUnits
            + chargebackReversedMinorUnits
    }
}
