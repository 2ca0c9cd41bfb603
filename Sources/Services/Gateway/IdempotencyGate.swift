/// What an idempotent operation reports back to the gate.
public enum IdempotentOutcome: Hashable, Sendable {
    /// Work began; the response (success or error) is stored and replayed to retries.
    case completed(StoredResponse)
    /// The request failed validation before any work began; nothing is stored and the client
    /// may retry with the same key (Stripe does the same).
    case rejectedBeforeWork(StoredResponse)
    /// Work began but none of it was made durable (the journal refused an append): nothing is
    /// stored, and the client's retry with the same key runs again and resumes that work.
    case retryableFailure(StoredResponse)
}

/// What the gate answered.
public enum IdempotencyGateResult: Hashable, Sendable {
    /// The operation ran now and its response was stored.
    case executed(StoredResponse)
    /// A retry: the stored first response, the operation did not run.
    case replayed(StoredResponse)
    /// The operation rejected the request before work began; not stored.
    case rejected(StoredResponse)

    /// The response to send, whichever way it came.
    public var response: StoredResponse {
        switch self {
        case .executed(let response), .replayed(let response), .rejected(let response): response
        }
    }
}

/// Begins, runs and completes an idempotent operation in one call, so no caller can forget to
/// complete or abandon a key.
///
/// The reservation happens under the store's lock before the operation's first suspension; a
/// duplicate arriving while the operation awaits gets `GatewayError.idempotencyKeyInUse` and the
/// operation runs once. The operation runs on the caller's executor, not the store's, so a slow
/// payment does not hold the store.
public struct IdempotencyGate: Sendable {
    public let store: IdempotencyStore
    /// Whether the gate ignores keys (`PlantedBug.ignoreIdempotencyKeys`, a mutation test).
    let ignoresKeys: Bool

    public init(store: IdempotencyStore) { self.init(store: store, ignoresKeys: false) }

    init(store: IdempotencyStore, ignoresKeys: Bool) {
        self.store = store
        self.ignoresKeys = ignoresKeys
    }

    /// Runs `operation` unless `key` was already used.
    /// - Throws: `GatewayError.idempotencyKeyInUse`, `.idempotencyParametersMismatch`,
    ///   `.idempotencyStoreFull` or `.idempotencyAnswerDropped`; the operation did not run.
    public func perform(
        key: IdempotencyKey, fingerprint: RequestFingerprint,
        operation: () async -> IdempotentOutcome
    ) async throws(GatewayError) -> IdempotencyGateResult {
        if ignoresKeys { return await Self.performIgnoringKey(operation) }
        let token: IdempotencyStateMachine.Token
        switch store.begin(key, fingerprint: fingerprint) {
        case .proceed(let granted): token = granted
        case .replay(let response): return .replayed(response)
        case .inUse: throw .idempotencyKeyInUse
        case .mismatch: throw .idempotencyParametersMismatch
        case .storeFull: throw .idempotencyStoreFull
        case .answerDropped: throw .idempotencyAnswerDropped
        }
        switch await operation() {
        case .completed(let response):
            store.complete(token, response: response)
            return .executed(response)
        case .rejectedBeforeWork(let response), .retryableFailure(let response):
            store.abandon(token)
            return .rejected(response)
        }
    }
}
