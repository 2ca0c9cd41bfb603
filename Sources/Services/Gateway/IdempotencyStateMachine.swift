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
/// Capacity policy: at most `entriesMax` keys (in flight and completed). Expired entries are
/// evicted first (oldest completion first, amortised O(1)). An in-flight entry is never evicted,
/// and a completed one never before its retention window: evicting it early could let a retry
/// charge twice. When the store is full of entries it must keep, `begin` answers `.storeFull`
/// (HTTP 503, counted) and the client retries later.
public struct IdempotencyStateMachine: Sendable {
    /// How long keys are kept and how many at most.
    public struct Configuration: Hashable, Sendable {
        /// Completed entries are kept at least this long after completion (Stripe: 24 hours).
        public let retention: Duration
        /// Entries held at most, in flight and completed together.
        public let entriesMax: Int

        /// - Throws: `GatewayError.invalidConfiguration` for a non-positive retention or bound.
        public init(
            retention: Duration = .seconds(86_400), entriesMax: Int = 1_000_000
        )
            throws(GatewayError)
        {
            guard retention > .zero else { throw .invalidConfiguration("retention must be positive") }
            guard entriesMax > 0 else { throw .invalidConfiguration("entriesMax must be positive") }
            self.retention = retention
            self.entriesMax = entriesMax
        }

        private init(unchecked retention: Duration, entriesMax: Int) {
            self.retention = retention
            self.entriesMax = entriesMax
        }

        /// 24 hours, one million entries.
        public static let standard = Configuration(unchecked: .seconds(86_400), entriesMax: 1_000_000)
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
        /// Entries held now (in flight and completed).
        public var entries: Int = 0
        /// Entries in flight now.
        public var inFlight: Int = 0
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

    public let configuration: Configuration
    private var entries: [IdempotencyKey: Entry] = [:]
    /// Completed entries in completion order; times only grow, so the front expires first.
    private var expiries: Deque<Expiry> = []
    private var nextGeneration: UInt64 = 1
    private var inFlightCount = 0
    private var counters = Statistics()

    public init(configuration: Configuration = .standard) {
        self.configuration = configuration
    }

    public var statistics: Statistics {
        var result = counters
        result.entries = entries.count
        result.inFlight = inFlightCount
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
            guard entries.count < configuration.entriesMax else {
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
        counters.completed += 1
        expiries.append(
            Expiry(key: token.key, generation: generation, expiresAt: now + configuration.retention))
        return true
    }

    /// Puts back a key answered before a restart, with its answer, kept for the retention
    /// window from `completedAt` (a key already past it is not restored). The request's
    /// fingerprint was not journaled, so a restored key replays to any parameters.
    public mutating func restore(
        _ key: IdempotencyKey, response: StoredResponse, completedAt: SimTime, now: SimTime
    ) {
        let expiresAt = completedAt + configuration.retention
        guard entries[key] == nil, expiresAt > now, entries.count < configuration.entriesMax else { return }
        let generation = nextGeneration
        nextGeneration += 1
        entries[key] = .completed(.recovered, response, generation: generation)
        counters.completed += 1
        // Restored in journal order, so completion times (and expiries) stay sorted.
        expiries.append(
            Expiry(
                key: key, generation: generation,
                expiresAt: max(expiresAt, expiries.last?.expiresAt ?? expiresAt)))
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

    /// Forgets completed entries whose retention window has passed at `now`.
    public mutating func evictExpired(now: SimTime) {
        while let first = expiries.first, first.expiresAt <= now {
            expiries.removeFirst()
            if case .completed(_, _, let generation) = entries[first.key], generation == first.generation {
                entries[first.key] = nil
                counters.expired += 1
            }
        }
    }
}
