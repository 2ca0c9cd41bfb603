import Crypto

/// A webhook signing secret with its HMAC key schedule done once.
///
/// Why: every delivery attempt is signed by the dispatcher and verified by the endpoint, and
/// keying HMAC-SHA256 (padding the key, hashing the inner and outer pads, three arrays) cost
/// as much as the signature itself on a webhook body of a few hundred bytes. Both sides keep
/// one of these per secret and start each signature from a copy of the keyed state.
///
/// The keyed state is two `SHA256` hashers that have taken the key's inner and outer pads
/// (RFC 2104), not an `HMAC<SHA256>`: swift-crypto's `HMAC` is generic over its hash function
/// and not specialized across the module boundary, so each attempt's two HMACs looked up
/// generic metadata and walked `DataProtocol` regions (about as much CPU as the SHA-256 blocks
/// themselves in a realtime profile), where `SHA256`'s own buffer entry points are
/// specialized. `WebhookSignerTests` checks the result against `HMAC<SHA256>` byte for byte.
public struct WebhookSigningKey: @unchecked Sendable {
    // @unchecked: `SHA256` is a value whose context is copy-on-write; `inner` and `outer` are
    // never mutated, only copied, so sharing them between threads shares nothing written.

    /// SHA-256 after the key's inner pad (`K ^ 0x36...`).
    private let inner: SHA256
    /// SHA-256 after the key's outer pad (`K ^ 0x5c...`).
    private let outer: SHA256

    /// - Parameter secret: the signing secret (`whsec_…`); only its keyed hash states are kept.
    public init(secret: String) {
        // The key as one block: hashed first if longer than a block, then padded with zeros.
        var block = [UInt8](repeating: 0, count: Self.blockByteCount)
        let key = Array(secret.utf8)
        if key.count > Self.blockByteCount {
            SHA256.hash(data: key).withUnsafeBytes { digest in
                for (index, byte) in digest.enumerated() { block[index] = byte }
            }
        } else {
            for (index, byte) in key.enumerated() { block[index] = byte }
        }
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// SHA-256's block: the length a key is padded (or hashed) to.
    private static let blockByteCount = 64

    /// The lower-case hex HMAC-SHA256 of `"<timestamp>.<payload>"`, as UTF-8 bytes.
    func signatureHex(payload: [UInt8], timestamp: Int64) -> [UInt8] {
        var innerHash = inner
        // One update with the whole message, laid out in a stack buffer: copying the payload
        // once is cheaper than three calls into swift-crypto.
        withDecimalDigits(of: timestamp) { digits in
            withUnsafeTemporaryAllocation(byteCount: digits.count + 1 + payload.count, alignment: 1) {
                message in
                message.copyMemory(from: digits)
                message[digits.count] = UInt8(ascii: ".")
                payload.withUnsafeBytes { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: message[(digits.count + 1)...]).copyMemory(
                        from: bytes)
                }
                innerHash.update(bufferPointer: UnsafeRawBufferPointer(message))
            }
        }
        var outerHash = outer
        innerHash.finalize().withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        // Read from the digest's bytes in place: iterating the code as a `Sequence` goes through
        // swift-crypto's unspecialized iterator.
        return outerHash.finalize().withUnsafeBytes { Hex.encodeBytes($0) }
    }
}

/// Calls `body` with the ASCII decimal digits of `value` (with a leading `-` if negative),
/// without building a String.
func withDecimalDigits<Result>(
    of value: Int64, _ body: (UnsafeRawBufferPointer) -> Result
) -> Result {
    // 20 digits and a sign are enough for any Int64.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { buffer in
        var magnitude = value.magnitude
        var start = buffer.count
        repeat {
            start -= 1
            buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            start -= 1
            buffer[start] = UInt8(ascii: "-")
        }
        return body(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[start...])))
    }
}
