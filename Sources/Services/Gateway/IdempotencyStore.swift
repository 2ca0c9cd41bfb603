import PaystormRuntime
import Synchronization

/// The idempotency store: a thin shell around `IdempotencyStateMachine` that reads the time
/// from its runtime.
///
/// Every method decides and mutates under one lock without suspending, so two requests racing
/// on one key are ordered by the lock: the first reserves the key, the second sees `.inUse`.
/// Use `IdempotencyGate` rather than calling `begin` and `complete` by hand.
///
/// A lock rather than an actor: nothing here suspends, and an actor hop there and back costs
/// two executor jobs, twice for every request that carries a key.
public final class IdempotencyStore: Sendable {
    private let runtime: any Runtime
    private let machine: Mutex<IdempotencyStateMachine>

    public init(runtime: any Runtime, configuration: IdempotencyStateMachine.Configuration = .standard) {
        self.runtime = runtime
        self.machine = Mutex(IdempotencyStateMachine(configuration: configuration))
    }

    /// See `IdempotencyStateMachine.begin`.
    public func begin(
        _ key: IdempotencyKey, fingerprint: RequestFingerprint
    )
        -> IdempotencyStateMachine.Decision
    {
        let now = runtime.now()
        return machine.withLock { $0.begin(key, fingerprint: fingerprint, now: now) }
    }

    /// See `IdempotencyStateMachine.complete`.
    @discardableResult
    public func complete(_ token: IdempotencyStateMachine.Token, response: StoredResponse) -> Bool {
        let now = runtime.now()
        return machine.withLock { $0.complete(token, response: response, now: now) }
    }

    /// See `IdempotencyStateMachine.restore`.
    public func restore(_ key: IdempotencyKey, response: StoredResponse, completedAt: SimTime) {
        let now = runtime.now()
        machine.withLock { $0.restore(key, response: response, completedAt: completedAt, now: now) }
    }

    /// See `IdempotencyStateMachine.abandon`.
    @discardableResult
    public func abandon(_ token: IdempotencyStateMachine.Token) -> Bool {
        machine.withLock { $0.abandon(token) }
    }

    /// Counters, after evicting what has expired by now.
    public func statistics() -> IdempotencyStateMachine.Statistics {
        let now = runtime.now()
        return machine.withLock { machine in
            machine.evictExpired(now: now)
            return machine.statistics
        }
    }
}
