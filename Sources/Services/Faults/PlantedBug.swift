/// Bugs a test can plant in the services to prove that the swarm finds them (mutation testing:
/// a checker that never fails proves nothing).
///
/// The services read the bug from `PaymentSystemConfiguration.plantedBug`, given to the system
/// by whoever builds it (nil: none), never from a task-local on a payment's path. A run takes it
/// as an option (`ScenarioRunner.run(..., plantedBug:)`, `Swarm.run(..., plantedBug:)`, which
/// `paystorm swarm --plant-bug` passes), so it reaches the runs it is given to and no other
/// test running in the process at the time.
public enum PlantedBug: String, Sendable, CaseIterable {
    /// The idempotency gate runs every request, even a retry of a key it already answered: a
    /// client retry charges twice.
    case ignoreIdempotencyKeys = "ignore_idempotency_keys"
    /// A capture takes the fee from the merchant's share but books no fee-revenue leg: the
    /// transfer does not balance.
    case bookFeeWithoutCounterLeg = "book_fee_without_counter_leg"
    /// After an authorization times out, the orchestrator sends it again instead of inquiring or
    /// reversing (a blind retry). When the first request had reached the issuer, the network
    /// refuses the duplicate, the payment is declined, and the issuer's approval stays on the
    /// customer's card with nothing to release it.
    case retryAuthorizationAfterTimeout = "retry_authorization_after_timeout"
    /// A capture's movement of funds is booked a second time under fresh transfer ids (a retried
    /// booking that does not reuse its ids, so the ledger's exactly-once check cannot see it):
    /// the merchant is credited twice.
    case bookCaptureTwice = "book_capture_twice"
    /// A partial capture posts part of the hold (which releases the rest) and then voids the
    /// hold as well, releasing the remainder a second time.
    case releaseCaptureRemainderTwice = "release_capture_remainder_twice"
    /// A full refund of a partially captured payment refunds the authorized amount rather than
    /// the captured one: more than was captured goes back.
    case refundBeyondCaptured = "refund_beyond_captured"
    /// The API answers without journaling its acknowledgement first: a crash right after would
    /// lose a payment the client was told about.
    case acknowledgeWithoutJournal = "acknowledge_without_journal"
    /// A transition that names several events (a capture: `charge.captured` and
    /// `payment_intent.succeeded`) emits only the first: a webhook the merchant never gets.
    case dropEvent = "drop_event"
    /// A refund's `charge.refunded` is emitted twice (a retried hand-over that mints a second
    /// event).
    case emitEventTwice = "emit_event_twice"
    /// A restarted webhook dispatcher (`service_crash`) starts with an empty queue instead of
    /// rebuilding the owed events from the journal: what the dead one held, and what was
    /// emitted while it was down, never reaches the merchants.
    case restartWithoutRebuild = "restart_without_rebuild"
}

extension IdempotencyGate {
    /// `PlantedBug.ignoreIdempotencyKeys`: runs the operation without looking the key up.
    static func performIgnoringKey(
        _ operation: () async -> IdempotentOutcome
    ) async -> IdempotencyGateResult {
        switch await operation() {
        case .completed(let response): .executed(response)
        case .rejectedBeforeWork(let response), .retryableFailure(let response): .rejected(response)
        }
    }
}
