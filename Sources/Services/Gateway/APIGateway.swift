import Core
import PaystormRuntime
import Synchronization

/// The front door of the simulated API: authenticates a request's API key and spends a token
/// of its merchant's rate limit, in one step without suspending.
///
/// A thin, locked shell around `APIKeyStore` and `RateLimiter` (a lock, not an actor: nothing
/// here suspends, and every request is admitted here, so a hop there and back would cost two
/// executor jobs a request). Idempotency is the next step and lives in
/// `IdempotencyGate`, because it must wrap the work itself, not just admit it. Keys are drawn from
/// the stream `runtime.randomStream("gateway.api-keys", stream)`, so a seed reproduces them; the
/// `PaymentSystem` runs one gateway per merchant shard, each on its own stream number, so that no
/// two shards can issue the same secret.
package final class APIGateway: Sendable {
    private struct State {
        var keys: APIKeyStore
        var limiter: RateLimiter
        var random: RandomStream
        var authenticationFailures: Int64 = 0
    }

    private let runtime: any Runtime
    private let state: Mutex<State>

    /// Requests refused for a bad key.
    public var authenticationFailures: Int64 { state.withLock { $0.authenticationFailures } }

    public init(runtime: any Runtime, keys: APIKeyStore, rateLimiter: RateLimiter, stream: UInt64 = 0) {
        self.runtime = runtime
        self.state = Mutex(
            State(keys: keys, limiter: rateLimiter, random: runtime.randomStream("gateway.api-keys", stream)))
    }

    /// Issues a new secret key for `merchant`; only its hash is kept.
    /// - Throws: `GatewayError.invalidConfiguration` when the key store is full.
    public func issueKey(for merchant: MerchantID) throws(GatewayError) -> APIKey {
        try state.withLock { (state) throws(GatewayError) in
            try state.keys.issue(for: merchant, using: &state.random)
        }
    }

    /// Accepts a key issued before a restart (its hash came from the journal).
    func registerKey(_ hash: APIKeyHash, for merchant: MerchantID) throws(GatewayError) {
        try state.withLock { (state) throws(GatewayError) in try state.keys.register(hash, for: merchant) }
    }

    /// Draws the next keys from stream `stream`: a restarted gateway must not hand out the
    /// secrets its previous life drew from the same stream.
    func drawKeys(fromStream stream: UInt64) {
        let random = runtime.randomStream("gateway.api-keys", stream)
        state.withLock { $0.random = random }
    }

    /// Revokes `key`. - Returns: true if it was known.
    @discardableResult
    public func revoke(_ key: APIKey) -> Bool { state.withLock { $0.keys.revoke(key) } }

    /// Authenticates `apiKey` and applies its merchant's rate limit.
    /// - Parameter claimed: the merchant the request names (its URL's account), if any: a valid
    ///   key of another merchant is refused like a bad key, before any rate-limit token is spent.
    /// - Returns: the merchant the request acts for.
    /// - Throws: `GatewayError.authenticationFailed` or `.rateLimited(retryAfter:)`.
    @discardableResult
    public func admit(apiKey: String, for claimed: MerchantID? = nil) throws(GatewayError) -> MerchantID {
        guard APIKey.hasKeyPrefix(apiKey) else {
            state.withLock { $0.authenticationFailures += 1 }
            throw .authenticationFailed
        }
        return try admit(hash: APIKeyHash(of: apiKey), for: claimed)
    }

    /// The same for a key the caller hashed already (and checked for its prefix): a server
    /// that looks the key up in stores of its own hashes it once for all of them.
    @discardableResult
    public func admit(hash: APIKeyHash, for claimed: MerchantID? = nil) throws(GatewayError) -> MerchantID {
        let now = runtime.now()
        return try state.withLock { (state) throws(GatewayError) in
            let merchant: MerchantID
            do throws(GatewayError) {
                merchant = try state.keys.authenticate(hash: hash)
            } catch {
                state.authenticationFailures += 1
                throw error
            }
            if let claimed, claimed != merchant {
                state.authenticationFailures += 1
                throw .authenticationFailed
            }
            switch state.limiter.check(merchant, now: now) {
            case .allowed: return merchant
            case .rateLimited(let retryAfter): throw .rateLimited(retryAfter: retryAfter)
            }
        }
    }

    /// The merchant that owns `apiKey`, if this gateway issued it; spends no rate-limit token
    /// and counts no failure (a caller that does not know the merchant asks every gateway).
    func owner(of hash: APIKeyHash) -> MerchantID? {
        state.withLock { try? $0.keys.authenticate(hash: hash) }
    }

    /// The rate limiter's counters (allowed, limited, evictions).
    public func rateLimiterSnapshot() -> RateLimiter { state.withLock { $0.limiter } }
}
