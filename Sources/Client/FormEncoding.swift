/// Stripe's request bodies: `application/x-www-form-urlencoded`, nested fields in bracket
/// notation (`payment_method_data[card][number]`), every byte outside the unreserved set
/// percent-encoded.
///
/// Written as bytes into one buffer: every request of a run over the wire has a body or a
/// query, and a `String` grown one unicode scalar at a time cost more than sending it.
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        String(decoding: bytes(pairs), as: UTF8.self)
    }

    /// `encode`'s bytes, for a request body.
    static func bytes(_ pairs: [(String, String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 * pairs.count)
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            append(name, to: &bytes)
            bytes.append(UInt8(ascii: "="))
            append(value, to: &bytes)
        }
        return bytes
    }

    static func escape(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
    }
}
