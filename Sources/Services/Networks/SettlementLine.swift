import Core

/// One payment's movements in one day's settlement file, as the network believes them.
///
/// The ledger is reconciled against these: for each payment and day the ledger's captured,
/// refunded and returned amounts must equal the network's.
public struct SettlementLine: Hashable, Sendable, Codable {
    public let paymentID: PaymentID
    public let network: CardNetworkKind
    /// The settlement day (whole days of run time since the start).
    public let day: Int64
    public let currency: Currency
    public var capturedMinorUnits: Int64
    public var refundedMinorUnits: Int64
    /// Bank rail: a debit that came back instead of settling.
    public var returnedMinorUnits: Int64
    public var returnCode: BankReturnCode?

    /// What the network pays (positive) or takes back (negative) for this payment on this day.
    public var netMinorUnits: Int64 { capturedMinorUnits - refundedMinorUnits - returnedMinorUnits }
}
