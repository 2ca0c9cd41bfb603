import Core
import PaystormRuntime

/// Per-merchant token buckets with a bounded table.
///
/// A pure value that `APIGateway` holds behind its lock. The table holds at most `merchantsMax` buckets. When
/// it is full, buckets that have refilled completely are forgotten first: a full bucket behaves
/// exactly like a new one, so forgetting it changes no answer. If every bucket is still
/// refilling, the least recently used one is forgotten and counted in `activeEvictions`: that
/// merchant gets a fresh (full) bucket early. A limiter that fails open under memory pressure is
/// the usual choice; denying an innocent merchant because others are busy would be worse.
public struct RateLimiter: Sendable {
    /// What `check` decided.
    public enum Decision: Hashable, Sendable {
        case allowed
        case rateLimited(retryAfter: Duration)
    }

    public let bucketConfiguration: TokenBucket.Configuration
    /// Buckets held at most.
    public let merchantsMax: Int
    private var buckets: [MerchantID: TokenBucket] = [:]
    /// Requests allowed so far.
    public private(set) var allowedCount: Int64 = 0
    /// Requests refused so far.
    public private(set) var limitedCount: Int64 = 0
    /// Full (idle) buckets forgotten to make room.
    public private(set) var idleEvictions: Int64 = 0
    /// Still-refilling buckets forgotten because the table was full of them.
    public private(set) var activeEvictions: Int64 = 0

    /// - Throws: `GatewayError.invalidConfiguration` if `merchantsMax` is not positive.
    public init(bucket: TokenBucket.Configuration, merchantsMax: Int = 100_000) throws(GatewayError) {
        guard merchantsMax > 0 else { throw .invalidConfiguration("merchantsMax must be positive") }
        self.bucketConfiguration = bucket
        self.merchantsMax = merchantsMax
    }

    /// Buckets currently held.
    public var trackedMerchants: Int { buckets.count }

    /// Spends one of `merchant`'s tokens, or says how long until one is earned.
    public mutating func check(_ merchant: MerchantID, now: SimTime) -> Decision {
        if buckets[merchant] == nil {
            if buckets.count >= merchantsMax { makeRoom(now: now) }
            buckets[merchant] = TokenBucket(configuration: bucketConfiguration, now: now)
        }
        switch buckets[merchant]!.take(now: now) {
        case .allowed:
            allowedCount += 1
            return .allowed
        case .denied(let retryAfter):
            limitedCount += 1
            return .rateLimited(retryAfter: retryAfter)
        }
    }

    /// Forgets every full bucket; if none is full, the least recently refilled one.
    private mutating func makeRoom(now: SimTime) {
        let before = buckets.count
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        idleEvictions += Int64(before - buckets.count)
        guard buckets.count >= merchantsMax else { return }
        // Ties broken by merchant id so that the choice does not depend on dictionary order.
        if let oldest = buckets.min(by: {
            ($0.value.refilledAt, $0.key) < ($1.value.refilledAt, $1.key)
        }) {
            buckets[oldest.key] = nil
            activeEvictions += 1
        }
    }
}
