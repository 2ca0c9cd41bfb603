import Core
import PaystormRuntime

/// The gateway's table of API keys: hashes only, each mapped to its merchant.
///
/// A plain value that `APIGateway` holds behind its lock. Authentication hashes the presented secret, finds
/// candidates by the hash's first 8 bytes, and confirms with a constant-time comparison of the
/// whole digest. Bounded by `keysMax`.
public struct APIKeyStore: Sendable {
    /// Keys the store holds at most; issuing beyond it is refused.
    public let keysMax: Int
    private var entries: [UInt64: [(hash: APIKeyHash, merchant: MerchantID)]] = [:]
    /// Keys currently stored.
    public private(set) var count = 0

    /// - Throws: `GatewayError.invalidConfiguration` if `keysMax` is not positive.
    public init(keysMax: Int = 1_000_000) throws(GatewayError) {
        guard keysMax > 0 else { throw .invalidConfiguration("keysMax must be positive") }
        self.keysMax = keysMax
    }

    /// Draws a new key for `merchant` and stores its hash. A merchant may hold several keys
    /// (rolling keys, as Stripe allows).
    /// - Throws: `GatewayError.invalidConfiguration` when the store is full.
    public mutating func issue(
        for merchant: MerchantID, using random: inout RandomStream
    )
        throws(GatewayError) -> APIKey
    {
        let key = APIKey.generate(using: &random)
        try register(key.hash, for: merchant)
        return key
    }

    /// Stores an already computed hash for `merchant`.
    /// - Throws: `GatewayError.invalidConfiguration` when the store is full.
    public mutating func register(_ hash: APIKeyHash, for merchant: MerchantID) throws(GatewayError) {
        guard count < keysMax else {
            throw .invalidConfiguration("API key store is full (\(keysMax) keys)")
        }
        if entries[hash.prefix]?.contains(where: { $0.hash.matches(hash) }) == true { return }
        entries[hash.prefix, default: []].append((hash, merchant))
        count += 1
    }

    /// Forgets `key`; later requests with it fail authentication.
    /// - Returns: true if the key was stored.
    @discardableResult
    public mutating func revoke(_ key: APIKey) -> Bool {
        let hash = key.hash
        guard var bucket = entries[hash.prefix],
            let index = bucket.firstIndex(where: { $0.hash.matches(hash) })
        else { return false }
        bucket.remove(at: index)
        entries[hash.prefix] = bucket.isEmpty ? nil : bucket
        count -= 1
        return true
    }

    /// The merchant that owns the presented secret.
    /// - Throws: `GatewayError.authenticationFailed` for an unknown, revoked or malformed key.
    public func authenticate(_ presented: String) throws(GatewayError) -> MerchantID {
        guard APIKey.hasKeyPrefix(presented) else { throw .authenticationFailed }
        return try authenticate(hash: APIKeyHash(of: presented))
    }

    /// The merchant that owns the key whose hash the caller computed (once, for several stores).
    public func authenticate(hash: APIKeyHash) throws(GatewayError) -> MerchantID {
        var owner: MerchantID?
        // Look at every candidate even after a match, so timing does not depend on its position.
        for candidate in entries[hash.prefix] ?? [] where candidate.hash.matches(hash) {
            owner = candidate.merchant
        }
        guard let owner else { throw .authenticationFailed }
        return owner
    }
}
