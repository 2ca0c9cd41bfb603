/// What a server's admin audit route says about its own books, read once a run over the wire
/// has ended.
public struct TargetAudit: Sendable {
    /// Every currency's ledger sums to zero.
    public var ledgerBalanced: Bool
    /// The ledger's sum per currency (lowercase ISO code): zero in a balanced ledger.
    public var ledgerSumByCurrency: [String: Int64]
    /// Webhook events the server dead-lettered.
    public var webhooksDeadLettered: Int

    public init(ledgerBalanced: Bool, ledgerSumByCurrency: [String: Int64], webhooksDeadLettered: Int) {
        self.ledgerBalanced = ledgerBalanced
        self.ledgerSumByCurrency = ledgerSumByCurrency
        self.webhooksDeadLettered = webhooksDeadLettered
    }
}

/// A target that can also read the server's audit (`GET /admin/audit`): nil when the route
/// is not there, and the run then says which checks it could not make.
public protocol AuditableTarget: PaymentTarget {
    func audit() async -> TargetAudit?
}
