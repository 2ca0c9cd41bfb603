import Core
import PaystormRuntime

/// The front door of the simulated API: authenticates a request's API key and spends a token
/// of its merchant's rate limit, in one step without suspending.
///
/// A thin actor around `APIKeyStore` and `RateLimiter`. Idempotency is the next step and lives in
/// `IdempotencyGate`, because it must wrap the work itself, not just admit it. Keys are drawn from
/// the stream `runtime.randomStream("gateway.api-keys", stream)`, so a seed reproduces them; the
/// `PaymentSystem` runs one gateway per merchant shard, each on its own stream number, so that no
/// two shards can issue the same secret.
public actor APIGateway {
    private let runtime: any Runtime
    private var keys: APIKeyStore
    private var limiter: RateLimiter
    private var random: RandomStream
    /// Requests refused for a bad key.
    public private(set) var authenticationFailures: Int64 = 0

    public init(runtime: any Runtime, keys: APIKeyStore, rateLimiter: RateLimiter, stream: UInt64 = 0) {
        self.runtime = runtime
        self.keys = keys
        self.limiter = rateLimiter
        self.random = runtime.randomStream("gateway.api-keys", stream)
    }

    /// Issues a new secret key for `merchant`; only its hash is kept.
    /// - Throws: `GatewayError.invalidConfiguration` when the key store is full.
    public func issueKey(for merchant: MerchantID) throws(GatewayError) -> APIKey {
        try keys.issue(for: merchant, using: &random)
    }

    /// Accepts a key issued before a restart (its hash came from the journal).
    func registerKey(_ hash: APIKeyHash, for merchant: MerchantID) throws(GatewayError) {
        try keys.register(hash, for: merchant)
    }

    /// Draws the next keys from stream `stream`: a restarted gateway must not hand out the
    /// secrets its previous life drew from the same stream.
    func drawKeys(fromStream stream: UInt64) {
        random = runtime.randomStream("gateway.api-keys", stream)
    }

    /// Revokes `key`. - Returns: true if it was known.
    @discardableResult
    public func revoke(_ key: APIKey) -> Bool { keys.revoke(key) }

    /// Authenticates `apiKey` and applies its merchant's rate limit.
    /// - Parameter claimed: the merchant the request names (its URL's account), if any: a valid
    ///   key of another merchant is refused like a bad key, before any rate-limit token is spent.
    /// - Returns: the merchant the request acts for.
    /// - Throws: `GatewayError.authenticationFailed` or `.rateLimited(retryAfter:)`.
    @discardableResult
    public func admit(apiKey: String, for claimed: MerchantID? = nil) throws(GatewayError) -> MerchantID {
        let merchant: MerchantID
        do {
            merchant = try keys.authenticate(apiKey)
        } catch {
            authenticationFailures += 1
            throw error
        }
        if let claimed, claimed != merchant {
            authenticationFailures += 1
            throw .authenticationFailed
        }
        switch limiter.check(merchant, now: runtime.now()) {
        case .allowed: return merchant
        case .rateLimited(let retryAfter): throw .rateLimited(retryAfter: retryAfter)
        }
    }

    /// The rate limiter's counters (allowed, limited, evictions).
    public func rateLimiterSnapshot() -> RateLimiter { limiter }
}
