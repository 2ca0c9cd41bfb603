import Core
import PaystormRuntime

/// The API gateway's state for a slice of the merchants: their API key hashes and their
/// rate-limit buckets. Sharded like the merchants, so authentication is not one actor's queue.
actor GatewayShard {
    private var keys: APIKeyStore
    private var limiter: RateLimiter
    private var random: RandomStream

    init(random: RandomStream, bucket: TokenBucket.Configuration) throws(GatewayError) {
        keys = try APIKeyStore()
        limiter = try RateLimiter(bucket: bucket)
        self.random = random
    }

    func issueKey(for merchant: MerchantID) throws(GatewayError) -> APIKey {
        try keys.issue(for: merchant, using: &random)
    }

    /// Authenticates the presented key for `merchant` and takes a rate-limit token.
    func admit(_ presented: String, merchant: MerchantID, now: SimTime) throws(GatewayError) {
        guard try keys.authenticate(presented) == merchant else { throw .authenticationFailed }
        if case .rateLimited(let retryAfter) = limiter.check(merchant, now: now) {
            throw .rateLimited(retryAfter: retryAfter)
        }
    }

    var limitedCount: Int64 { limiter.limitedCount }
}
