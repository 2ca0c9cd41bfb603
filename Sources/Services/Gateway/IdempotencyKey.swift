import Core

/// An idempotency key as the store knows it: the client's string scoped to its merchant.
///
/// Two merchants may pick the same string (`order-42`) without seeing each other's responses,
/// as with Stripe, where keys are scoped to the account.
public struct IdempotencyKey: Hashable, Sendable, CustomStringConvertible {
    /// Stripe's limit on a key's length, in characters.
    public static let lengthMax = 255

    public let merchant: MerchantID
    public let value: String

    /// - Throws: `GatewayError.idempotencyKeyEmpty` or `.idempotencyKeyTooLong`.
    public init(merchant: MerchantID, value: String) throws(GatewayError) {
        guard !value.isEmpty else { throw .idempotencyKeyEmpty }
        // Counting characters walks grapheme breaks; a key of at most `lengthMax` UTF-8 bytes
        // (every key a client of the run sends) has at most that many characters.
        if value.utf8.count > Self.lengthMax {
            let length = value.count
            guard length <= Self.lengthMax else { throw .idempotencyKeyTooLong(length: length) }
        }
        self.merchant = merchant
        self.value = value
    }

    public var description: String { "\(merchant)/\(value)" }

    /// FNV-1a of `description`, folded from its parts without making the string: which of a
    /// system's idempotency stores keeps the key, asked on every request that carries one.
    var descriptionHash: UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        merchant.withDescriptionUTF8 { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        }
        hash = (hash ^ UInt64(UInt8(ascii: "/"))) &* prime
        for byte in value.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    /// A 64-bit digest of the key (merchant and string), for a key remembered without its
    /// answer (`IdempotencyStateMachine`'s capacity policy). FNV-1a, then a finalizer that
    /// spreads every input bit over the word: stable across processes, so a seed reproduces a
    /// run. Two keys sharing a digest can only make a new key look used (a clear error), never
    /// replay another key's answer.
    var digest: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var merchantBits = merchant.rawValue
        for _ in 0..<8 {
            hash = (hash ^ (merchantBits & 0xff)) &* 0x0000_0100_0000_01b3
            merchantBits >>= 8
        }
        for byte in value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
