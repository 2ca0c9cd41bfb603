/// Which of the runner's requests get its connections first when they are all busy.
///
/// The runner's connections are shared by every client it plays (merchants' backends and
/// their dashboards), so without an order its own queue would make a dashboard's reads delay a
/// customer's checkout, which clients with connections of their own would not. The order is
/// Stripe's load shedder's (critical work, then writes, then reads): a step of a payment
/// already made first, so that work begun is finished before new work starts; then a new
/// payment; then the read traffic.
public enum RequestPriority: Int, CaseIterable, Sendable, Comparable {
    /// A later step of a payment already made (capture, cancel, refund, its final check) and the
    /// run's own set-up (onboarding, the audit, fault switches): never shed.
    case followUp
    /// A new payment's create.
    case payment
    /// The read traffic (status checks, list queries, balance, payouts).
    case read

    public static func < (lhs: RequestPriority, rhs: RequestPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}
