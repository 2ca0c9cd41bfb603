/// Lower-case hexadecimal, as Stripe prints HMAC signatures and as API keys are spelled.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The lower-case hex spelling of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        // `Array(_:)` of an array is the same storage, not a copy.
        Array(bytes).withUnsafeBytes { String(decoding: encodeBytes($0), as: UTF8.self) }
    }

    /// The lower-case hex spelling of `bytes`, as UTF-8 bytes (no String on hot paths).
    public static func encodeBytes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count * 2) { utf8, initialized in
            for (index, byte) in bytes.enumerated() {
                utf8[2 * index] = digits[Int(byte >> 4)]
                utf8[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            initialized = bytes.count * 2
        }
    }
}
