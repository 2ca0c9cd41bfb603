/// A dispute (chargeback) on a captured payment: how much the cardholder disputes and how far
/// the dispute has come.
public struct PaymentDispute: Hashable, Sendable, Codable, CustomStringConvertible {
    /// At most what was captured and not refunded.
    public internal(set) var amountMinorUnits: Int64
    public internal(set) var status: DisputeStatus
    /// Whether the disputed amount (and the dispute fee) is currently withdrawn from the
    /// merchant: from the chargeback's opening (or an inquiry's escalation into one) until it is
    /// won; stays withdrawn when lost. Never for an inquiry.
    public var isFundsWithdrawn: Bool {
        switch status {
        case .warningNeedsResponse, .warningUnderReview, .warningClosed, .won: false
        case .needsResponse, .underReview, .lost: true
        }
    }

    public var description: String { "dispute \(status) of \(amountMinorUnits)" }
}
