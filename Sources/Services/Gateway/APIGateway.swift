import Core
import PaystormRuntime

/// The front door of the simulated API: authenticates a request's API key and spends a token
/// of its merchant's rate limit, in one step without suspending.
///
/// A thin actor around `APIKeyStore` and `RateLimiter`. Idempotency is the next step and lives in
/// `IdempotencyGate`, because it must wrap the work itself, not just admit it. Keys are drawn from
/// the stream `runtime.randomStream("gateway.api-keys")`, so a seed reproduces them.
public actor APIGateway {
    private let runtime: any Runtime
    private var keys: APIKeyStore
    private var limiter: RateLimiter
    private var random: RandomStream
    /// Requests refused for a bad key.
    public private(set) var authenticationFailures: Int64 = 0

    public init(runtime: any Runtime, keys: APIKeyStore, rateLimiter: RateLimiter) {
        self.runtime = runtime
        self.keys = keys
        self.limiter = rateLimiter
        self.random = runtime.randomStream("gateway.api-keys")
    }

    /// Issues a new secret key for `merchant`; only its hash is kept.
    /// - Throws: `GatewayError.invalidConfiguration` when the key store is full.
    public func issueKey(for merchant: MerchantID) throws(GatewayError) -> APIKey {
        try keys.issue(for: merchant, using: &random)
    }

    /// Revokes `key`. - Returns: true if it was known.
    @discardableResult
    public func revoke(_ key: APIKey) -> Bool { keys.revoke(key) }

    /// Authenticates `apiKey` and applies its merchant's rate limit.
    /// - Returns: the merchant the request acts for.
    /// - Throws: `GatewayError.authenticationFailed` or `.rateLimited(retryAfter:)`.
    public func admit(apiKey: String) throws(GatewayError) -> MerchantID {
        let merchant: MerchantID
        do {
            merchant = try keys.authenticate(apiKey)
        } catch {
            authenticationFailures += 1
            throw error
        }
        switch limiter.check(merchant, now: runtime.now()) {
        case .allowed: return merchant
        case .rateLimited(let retryAfter): throw .rateLimited(retryAfter: retryAfter)
        }
    }

    /// The rate limiter's counters (allowed, limited, evictions).
    public func rateLimiterSnapshot() -> RateLimiter { limiter }
}
