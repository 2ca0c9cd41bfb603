/// A dispute (chargeback) on a captured payment: how much the cardholder disputes and how far
/// the dispute has come.
public struct PaymentDispute: Hashable, Sendable, Codable, CustomStringConvertible {
    /// At most what was captured and not refunded.
    public internal(set) var amountMinorUnits: Int64
    public internal(set) var status: DisputeStatus
    /// Whether the disputed amount is currently withdrawn from the merchant: from opening (unless
    /// an inquiry) until the dispute is won; stays withdrawn when lost.
    public var isFundsWithdrawn: Bool {
        switch status {
        case .warningNeedsResponse, .won: false
        case .needsResponse, .underReview, .lost: true
        }
    }

    public var description: String { "dispute \(status) of \(amountMinorUnits)" }
}
