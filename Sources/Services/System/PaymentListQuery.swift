import Core
import PaystormRuntime

/// What a merchant asks of its payments (`GET /v1/payment_intents`): newest first, `limit` at
/// most, after the cursor `startingAfter`, optionally only those in one of Stripe's statuses
/// and those created at or after an instant.
public struct PaymentListQuery: Sendable, Hashable {
    /// At most this many (Stripe: 1 to 100, 10 by default).
    public var limit: Int
    /// The id of the last payment of the previous page (Stripe's `starting_after`).
    public var startingAfter: PaymentID?
    /// A Stripe status name (`requires_capture`, `succeeded`, `canceled`...), or nil for all.
    public var status: String?
    /// Only payments created at or after this instant of the system's clock (`created[gte]`).
    public var createdAtOrAfter: SimTime?

    public static let limitMax = 100

    public init(
        limit: Int = 10, startingAfter: PaymentID? = nil, status: String? = nil,
        createdAtOrAfter: SimTime? = nil
    ) {
        self.limit = min(max(limit, 1), Self.limitMax)
        self.startingAfter = startingAfter
        self.status = status
        self.createdAtOrAfter = createdAtOrAfter
    }
}
