import PaystormRuntime

/// The idempotency store as an actor: a thin shell around `IdempotencyStateMachine` that reads
/// the time from its runtime.
///
/// Every method decides and mutates without suspending, so two requests racing on one key are
/// ordered by the actor: the first reserves the key, the second sees `.inUse`. Use
/// `IdempotencyGate` rather than calling `begin` and `complete` by hand.
public actor IdempotencyStore {
    private let runtime: any Runtime
    private var machine: IdempotencyStateMachine

    public init(runtime: any Runtime, configuration: IdempotencyStateMachine.Configuration = .standard) {
        self.runtime = runtime
        self.machine = IdempotencyStateMachine(configuration: configuration)
    }

    /// See `IdempotencyStateMachine.begin`.
    public func begin(
        _ key: IdempotencyKey, fingerprint: RequestFingerprint
    )
        -> IdempotencyStateMachine.Decision
    {
        machine.begin(key, fingerprint: fingerprint, now: runtime.now())
    }

    /// See `IdempotencyStateMachine.complete`.
    @discardableResult
    public func complete(_ token: IdempotencyStateMachine.Token, response: StoredResponse) -> Bool {
        machine.complete(token, response: response, now: runtime.now())
    }

    /// See `IdempotencyStateMachine.restore`.
    public func restore(_ key: IdempotencyKey, response: StoredResponse, completedAt: SimTime) {
        machine.restore(key, response: response, completedAt: completedAt, now: runtime.now())
    }

    /// See `IdempotencyStateMachine.abandon`.
    @discardableResult
    public func abandon(_ token: IdempotencyStateMachine.Token) -> Bool {
        machine.abandon(token)
    }

    /// Counters, after evicting what has expired by now.
    public func statistics() -> IdempotencyStateMachine.Statistics {
        machine.evictExpired(now: runtime.now())
        return machine.statistics
    }
}
