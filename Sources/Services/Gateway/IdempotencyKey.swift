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
}
