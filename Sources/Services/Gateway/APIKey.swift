import Crypto
import PaystormRuntime

/// A secret API key as a merchant holds it: `sk_test_` followed by 64 lower-case hex digits.
///
/// Keys are drawn from the run's seeded `RandomStream`, so a seed reproduces the keys; the
/// gateway keeps only `hash`, never the secret itself. `description` redacts the secret so that
/// a key printed in a log or a report does not leak.
public struct APIKey: Hashable, Sendable, CustomStringConvertible {
    /// The prefix of test-mode secret keys, as Stripe spells it.
    public static let testPrefix = "sk_test_"
    /// The prefix of test-mode restricted keys. The gateway authenticates them like secret
    /// keys; what they may do is the caller's to decide (the HTTP server lets them read only).
    public static let restrictedTestPrefix = "rk_test_"

    /// Whether `presented` has the shape of a test-mode key the gateway stores: a secret or a
    /// restricted key's prefix followed by at least one character.
    public static func hasKeyPrefix(_ presented: String) -> Bool {
        (presented.hasPrefix(testPrefix) || presented.hasPrefix(restrictedTestPrefix))
            && presented.utf8.count > testPrefix.utf8.count
    }
    /// Random bytes in a key (256 bits).
    public static let randomBytesCount = 32

    /// The full secret, e.g. `sk_test_9f2c...`. Give it to the merchant; never store it.
    public let secret: String

    /// Wraps a secret that a merchant presented (not validated: authentication decides).
    public init(secret: String) { self.secret = secret }

    /// A fresh key drawn from `random`.
    public static func generate(using random: inout RandomStream) -> APIKey {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(randomBytesCount)
        while bytes.count < randomBytesCount {
            var word = random.next()
            for _ in 0..<8 {
                bytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return APIKey(secret: testPrefix + Hex.encode(bytes))
    }

    /// The SHA-256 of the secret: what the key store keeps.
    public var hash: APIKeyHash { APIKeyHash(of: secret) }

    /// `sk_test_...` with all but the last four characters hidden.
    public var description: String {
        let visible = secret.suffix(4)
        return Self.testPrefix + "****" + visible
    }
}

/// The SHA-256 digest of an API key's secret.
///
/// Compared in constant time: a lookup that stops at the first differing byte would let an
/// attacker learn a stored hash byte by byte.
public struct APIKeyHash: Hashable, Sendable {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// A digest kept from before (a journal's record of an issued key).
    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Hashes `secret` with SHA-256.
    public init(of secret: String) {
        // Hashed from the string's own storage and read from the digest's bytes in place: a
        // copy of the key into an array, and the digest read through swift-crypto's
        // unspecialized iterator, were three allocations on every request.
        var secret = secret
        var hasher = SHA256()
        secret.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        bytes = hasher.finalize().withUnsafeBytes { Array($0) }
    }

    /// The first 8 bytes, used to find candidates in the store before the full constant-time
    /// comparison.
    var prefix: UInt64 {
        var value: UInt64 = 0
        for byte in bytes.prefix(8) { value = value << 8 | UInt64(byte) }
        return value
    }

    /// True if `other` is the same digest, looking at every byte.
    public func matches(_ other: APIKeyHash) -> Bool {
        ConstantTime.equals(bytes, other.bytes)
    }
}
