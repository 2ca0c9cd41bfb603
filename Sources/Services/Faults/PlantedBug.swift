/// Bugs a test can plant in the services to prove that the swarm finds them (mutation testing:
/// a checker that never fails proves nothing).
///
/// Off unless a task sets one with `PlantedBug.$active.withValue(.x) { ... }`. A task-local
/// value flows into every task the run starts (the runtimes' `spawn` creates unstructured tasks,
/// which inherit task-locals) and into no other test running in the same process at the same
/// time, which a global flag would break.
public enum PlantedBug: String, Sendable, CaseIterable {
    /// The idempotency gate runs every request, even a retry of a key it already answered: a
    /// client retry charges twice.
    case ignoreIdempotencyKeys = "ignore_idempotency_keys"
    /// A capture takes the fee from the merchant's share but books no fee-revenue leg: the
    /// transfer does not balance.
    case bookFeeWithoutCounterLeg = "book_fee_without_counter_leg"

    /// The bug planted for the current task, if any.
    @TaskLocal public static var active: PlantedBug?
}

extension IdempotencyGate {
    /// `PlantedBug.ignoreIdempotencyKeys`: runs the operation without looking the key up.
    static func performIgnoringKey(
        _ operation: () async -> IdempotentOutcome
    ) async -> IdempotencyGateResult {
        switch await operation() {
        case .completed(let response): .executed(response)
        case .rejectedBeforeWork(let response): .rejected(response)
        }
    }
}
