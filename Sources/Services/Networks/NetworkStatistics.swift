import Core

/// Counters of one network's activity.
public struct NetworkStatistics: Hashable, Sendable {
    public var authorizations: Int64 = 0
    public var approvals: Int64 = 0
    public var declines: Int64 = 0
    /// Declines by code.
    public var declinesByCode: [DeclineCode: Int64] = [:]
    /// Authorizations answered with `.timedOut`.
    public var timeouts: Int64 = 0
    /// Of those, how many the issuer had decided (an inquiry finds them).
    public var timeoutsProcessed: Int64 = 0
    /// Requests refused or lost because the network was down.
    public var outageRejections: Int64 = 0
    public var captures: Int64 = 0
    public var refunds: Int64 = 0
    public var reversals: Int64 = 0
    public var inquiries: Int64 = 0
    /// Bank debits that will be or were returned.
    public var returns: Int64 = 0
    /// Return notices dropped unreported because too many were due (bounded queue).
    public var returnNoticesDropped: Int64 = 0
    /// Disputes the issuer charged back.
    public var chargebacks: Int64 = 0
    /// Authorization records forgotten to stay within `authorizationsMax`.
    public var recordsEvicted: Int64 = 0
    /// Settlement lines not kept because a day's file was full.
    public var settlementLinesDropped: Int64 = 0

    public init() {}
}
