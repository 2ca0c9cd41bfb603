import Crypto

/// A webhook signing secret with its HMAC key schedule done once.
///
/// Why: every delivery attempt is signed by the dispatcher and verified by the endpoint, and
/// keying HMAC-SHA256 (padding the key, hashing the inner and outer pads, three arrays) cost
/// as much as the signature itself on a webhook body of a few hundred bytes. Both sides keep
/// one of these per secret and start each signature from a copy of the keyed state.
public struct WebhookSigningKey: @unchecked Sendable {
    // @unchecked: `HMAC` is a value whose hashers are copy-on-write; `keyed` is never mutated,
    // only copied, so sharing it between threads shares nothing that is written.

    private let keyed: HMAC<SHA256>

    /// - Parameter secret: the signing secret (`whsec_…`); only its keyed HMAC state is kept.
    public init(secret: String) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
    }

    /// The lower-case hex HMAC-SHA256 of `"<timestamp>.<payload>"`, as UTF-8 bytes.
    func signatureHex(payload: [UInt8], timestamp: Int64) -> [UInt8] {
        payload.withUnsafeBufferPointer { payload in
            withSignatureHex(payload: payload, timestamp: timestamp) { Array($0) }
        }
    }

    /// Hex digits of a signature: 32 bytes of HMAC-SHA256.
    static let signatureHexCount = 64

    /// Calls `body` with the signature `signatureHex` spells, in a stack buffer: a header
    /// written or verified on every delivery attempt needs no array of its own for it.
    func withSignatureHex<Result>(
        payload: UnsafeBufferPointer<UInt8>, timestamp: Int64, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        let digest = mac(payload: payload, timestamp: timestamp)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.signatureHexCount) { hex in
            // Read from the digest's bytes in place: iterating the code as a `Sequence` goes
            // through swift-crypto's unspecialized iterator.
            digest.withUnsafeBytes { bytes in
                let digits = Self.hexDigits.utf8Start
                for index in 0..<min(bytes.count, Self.signatureHexCount / 2) {
                    hex[2 * index] = digits[Int(bytes[index] >> 4)]
                    hex[2 * index + 1] = digits[Int(bytes[index] & 0x0F)]
                }
            }
            return body(UnsafeBufferPointer(hex))
        }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    private func mac(
        payload: UnsafeBufferPointer<UInt8>, timestamp: Int64
    ) -> HashedAuthenticationCode<SHA256> {
        var mac = keyed
        // One update with the whole message, laid out in a stack buffer: each `update` call
        // goes through swift-crypto's generic `DataProtocol` path (metadata lookups, region
        // iteration), which cost more than hashing a few hundred bytes; copying the payload
        // once is cheaper than calling it three times.
        withDecimalDigits(of: timestamp) { digits in
            withUnsafeTemporaryAllocation(byteCount: digits.count + 1 + payload.count, alignment: 1) {
                message in
                message.copyMemory(from: digits)
                message[digits.count] = UInt8(ascii: ".")
                UnsafeMutableRawBufferPointer(rebasing: message[(digits.count + 1)...]).copyMemory(
                    from: UnsafeRawBufferPointer(payload))
                mac.update(data: UnsafeRawBufferPointer(message))
            }
        }
        return mac.finalize()
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
