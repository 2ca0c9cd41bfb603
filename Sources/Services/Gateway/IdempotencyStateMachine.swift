import DequeModule
import PaystormRuntime

/// Stripe's idempotency rules as a synchronous state machine.
///
/// A key goes through: absent → in flight (`begin` answered `.proceed`) → completed (`complete`
/// stored the response) → expired (evicted after the retention window), or in flight → absent
/// again (`abandon`: the request failed validation before any work began, so nothing is stored
/// and the client may retry). `IdempotencyStore` holds one of these behind a lock and never awaits
/// between `begin`'s check and its reservation, which is what makes a concurrent duplicate see
/// `.inUse` instead of running the work a second time.
///
/// Capacity policy, by time and by count. A completed key is kept for the retention window; its
/// stored answer (the bulk of an entry: the response body and the request's fingerprint) only
/// while it is one of the newest `answersMax`. Past that the oldest answer is dropped and the key
/// is remembered as a 64-bit digest until its window ends: a retry then gets
/// `.answerDropped` (a clear error, HTTP 409) and the work never runs twice. A key is never
/// forgotten before its window (forgetting it could let a retry charge twice), and an in-flight
/// entry is never evicted. At most `entriesMax` keys are held (in flight, answered and
/// dropped); when the store is full of keys it must keep, `begin` answers `.storeFull` (HTTP
/// 503, counted) and the client retries later. So memory is bounded by
/// `answersMax` answers plus `entriesMax` small entries, whatever the rate of answers.
public struct IdempotencyStateMachine: Sendable {
    /// How long keys are kept and how many at most.
    public struct Configuration: Hashable, Sendable {
        /// Completed entries are kept at least this long after completion (Stripe: 24 hours).
        public let retention: Duration
        /// Keys held at most: in flight, answered, and answered with the answer dropped.
        public let entriesMax: Int
        /// Completed keys that keep their stored answer, at most (the newest ones); see the
        /// capacity policy.
        public let answersMax: Int

        /// Answers kept per store unless configured: a system holds one store per payment
        /// shard (16 by default), so about 131,000 answers, a few seconds to a minute of a
        /// busy run's answers, which covers a client's retries.
        public static let answersMaxDefault = 8_192

        /// - Throws: `GatewayError.invalidConfiguration` for a non-positive retention or bound.
        public init(
            retention: Duration = .seconds(86_400), entriesMax: Int = 1_000_000,
            answersMax: Int = Configuration.answersMaxDefault
        )
            throws(GatewayError)
        {
            guard retention > .zero else { throw .invalidConfiguration("retention must be positive") }
            guard entriesMax > 0 else { throw .invalidConfiguration("entriesMax must be positive") }
            guard answersMax > 0 else { throw .invalidConfiguration("answersMax must be positive") }
            self.retention = retention
            self.entriesMax = entriesMax
            self.answersMax = answersMax
        }

        private init(unchecked retention: Duration, entriesMax: Int, answersMax: Int) {
            self.retention = retention
            self.entriesMax = entriesMax
            self.answersMax = answersMax
        }

        /// 24 hours, one million keys, `answersMaxDefault` answers.
        public static let standard = Configuration(
            unchecked: .seconds(86_400), entriesMax: 1_000_000, answersMax: answersMaxDefault)
    }

    /// Proof that a caller owns a key's in-flight entry; needed to complete or abandon it.
    /// A stale token (its entry was abandoned and the key begun again) is refused.
    public struct Token: Hashable, Sendable {
        public let key: IdempotencyKey
        let generation: UInt64
    }

    /// What `begin` decided.
    public enum Decision: Hashable, Sendable {
        /// First use (or first since expiry or abandonment): do the work, then `complete`.
        case proceed(Token)
        /// A retry of a completed request: answer with the first response, do nothing else.
        case replay(StoredResponse)
        /// The first request with this key is still running (Stripe's 409).
        case inUse
        /// The key was first used with other parameters (Stripe's `idempotency_error`).
        case mismatch
        /// Full of entries that must be kept (see the capacity policy).
        case storeFull
        /// The key was answered within its retention window, but its answer was dropped to
        /// bound memory: the work is not run again, and the client learns the key was used.
        case answerDropped
    }

    /// Counters since creation.
    public struct Statistics: Hashable, Sendable {
        public var proceeded: Int64 = 0
        public var replayed: Int64 = 0
        public var inUse: Int64 = 0
        public var mismatched: Int64 = 0
        public var storeFull: Int64 = 0
        public var completed: Int64 = 0
        public var abandoned: Int64 = 0
        public var expired: Int64 = 0
        /// Answers dropped to stay within `answersMax`, and retries refused because of it.
        public var answersDropped: Int64 = 0
        public var answerDroppedRetries: Int64 = 0
        /// Entries held now (in flight and completed with their answer).
        public var entries: Int = 0
        /// Entries in flight now.
        public var inFlight: Int = 0
        /// Keys held now whose answer was dropped.
        public var droppedKeys: Int = 0
    }

    private enum Entry: Sendable {
        case inFlight(RequestFingerprint, generation: UInt64)
        case completed(RequestFingerprint, StoredResponse, generation: UInt64)
    }

    private struct Expiry: Sendable {
        let key: IdempotencyKey
        let generation: UInt64
        let expiresAt: SimTime
    }

    /// A key whose answer was dropped, until its retention window ends.
    private struct DroppedKey: Sendable {
        let digest: UInt64
        let expiresAt: SimTime
    }

    public let configuration: Configuration
    private var entries: [IdempotencyKey: Entry] = [:]
    /// Completed entries in completion order; times only grow, so the front expires first, and
    /// the front is also the oldest answer, the first to drop.
    private var expiries: Deque<Expiry> = []
    /// Keys whose answer was dropped, by digest (a few bytes each instead of the answer, the
    /// key and the fingerprint), with the end of their window; `droppedOrder` in drop order,
    /// which is completion order, so its front expires first too.
    private var droppedKeys: [UInt64: SimTime] = [:]
    private var droppedOrder: Deque<DroppedKey> = []
    private var nextGeneration: UInt64 = 1
    private var inFlightCount = 0
    private var answerCount = 0
    private var counters = Statistics()

    public init(configuration: Configuration = .standard) {
        self.configuration = configuration
    }

    public var statistics: Statistics {
        var result = counters
        result.entries = entries.count
        result.inFlight = inFlightCount
        result.droppedKeys = droppedKeys.count
        return result
    }

    /// Decides what a request with `key` and `fingerprint` arriving at `now` may do, and reserves
    /// the key when the answer is `.proceed`.
    public mutating func begin(
        _ key: IdempotencyKey, fingerprint: RequestFingerprint, now: SimTime
    )
        -> Decision
    {
        evictExpired(now: now)
        switch entries[key] {
        case .inFlight(let first, _):
            if first != fingerprint {
                counters.mismatched += 1
                return .mismatch
            }
            counters.inUse += 1
            return .inUse
        case .completed(let first, let response, _):
            if first != fingerprint && first != .recovered {
                counters.mismatched += 1
                return .mismatch
            }
            counters.replayed += 1
            return .replay(response)
        case nil:
            if droppedKeys[key.digest] != nil {
                counters.answerDroppedRetries += 1
                return .answerDropped
            }
            guard hasRoom else {
                counters.storeFull += 1
                return .storeFull
            }
            let generation = nextGeneration
            nextGeneration += 1
            entries[key] = .inFlight(fingerprint, generation: generation)
            inFlightCount += 1
            counters.proceeded += 1
            return .proceed(Token(key: key, generation: generation))
        }
    }

    /// Stores the response of the work that `token` began; later retries replay it.
    /// - Returns: false for a stale or unknown token (nothing changes).
    @discardableResult
    public mutating func complete(_ token: Token, response: StoredResponse, now: SimTime) -> Bool {
        guard case .inFlight(let fingerprint, let generation) = entries[token.key],
            generation == token.generation
        else { return false }
        entries[token.key] = .completed(fingerprint, response, generation: generation)
        inFlightCount -= 1
        answerCount += 1
        counters.completed += 1
        expiries.append(
            Expiry(key: token.key, generation: generation, expiresAt: now + configuration.retention))
        dropOldestAnswers()
        return true
    }

    /// Puts back a key answered before a restart, with its answer, kept for the retention
    /// window from `completedAt` (a key already past it is not restored). The request's
    /// fingerprint was not journaled, so a restored key replays to any parameters.
    public mutating func restore(
        _ key: IdempotencyKey, response: StoredResponse, completedAt: SimTime, now: SimTime
    ) {
        let expiresAt = completedAt + configuration.retention
        guard entries[key] == nil, droppedKeys[key.digest] == nil, expiresAt > now, hasRoom else { return }
        let generation = nextGeneration
        nextGeneration += 1
        entries[key] = .completed(.recovered, response, generation: generation)
        answerCount += 1
        counters.completed += 1
        // Restored in journal order, so completion times (and expiries) stay sorted.
        expiries.append(
            Expiry(
                key: key, generation: generation,
                expiresAt: max(expiresAt, expiries.last?.expiresAt ?? expiresAt)))
        dropOldestAnswers()
    }

    /// Releases a key whose request failed validation before any work began: nothing is stored,
    /// and the next request with the key proceeds.
    /// - Returns: false for a stale or unknown token (nothing changes).
    @discardableResult
    public mutating func abandon(_ token: Token) -> Bool {
        guard case .inFlight(_, let generation) = entries[token.key], generation == token.generation
        else { return false }
        entries[token.key] = nil
        inFlightCount -= 1
        counters.abandoned += 1
        return true
    }

    /// Forgets completed entries and dropped keys whose retention window has passed at `now`.
    public mutating func evictExpired(now: SimTime) {
        while let first = expiries.first, first.expiresAt <= now {
            expiries.removeFirst()
            if case .completed(_, _, let generation) = entries[first.key], generation == first.generation {
                entries[first.key] = nil
                answerCount -= 1
                counters.expired += 1
            }
        }
        while let first = droppedOrder.first, first.expiresAt <= now {
            droppedOrder.removeFirst()
            // Two keys with one digest share a slot, kept until the later one's window ends.
            if droppedKeys[first.digest] == first.expiresAt {
                droppedKeys[first.digest] = nil
                counters.expired += 1
            }
        }
    }

    /// Room for one more key (see the capacity policy).
    private var hasRoom: Bool { entries.count + droppedKeys.count < configuration.entriesMax }

    /// Drops the oldest answers beyond `answersMax`, keeping their keys as digests: the front of
    /// `expiries` is the oldest completion.
    private mutating func dropOldestAnswers() {
        while answerCount > configuration.answersMax, let first = expiries.popFirst() {
            guard case .completed(_, _, let generation) = entries[first.key], generation == first.generation
            else { continue }
            entries[first.key] = nil
            answerCount -= 1
            counters.answersDropped += 1
            let digest = first.key.digest
            // Completion order is expiry order, so a slot shared by two digests keeps the later.
            droppedKeys[digest] = max(droppedKeys[digest] ?? first.expiresAt, first.expiresAt)
            droppedOrder.append(DroppedKey(digest: digest, expiresAt: first.expiresAt))
        }
    }
}
