import Foundation

/// A request's parameters as Stripe's API reads them: `application/x-www-form-urlencoded`
/// bodies and query strings with bracket notation (`metadata[order]=42`,
/// `payment_method_types[0]=card`, `created[gte]=1700000000`, `expand[]=latest_charge`).
///
/// Kept flat, in order, with brackets in the names: a route asks for a scalar, a hash or a
/// list by its top-level name, and every top-level name it did not read is an unknown
/// parameter (`parameter_unknown`, as Stripe answers).
public struct FormParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)] = []

    /// Parameters at most, and bytes per name: a body under the size limit can still hold
    /// pathological shapes.
    static let pairsMax = 1_000
    static let nameBytesMax = 500

    public init() {}

    /// Parses `a=1&b%5Bc%5D=2`; `+` is a space. Throws for bad percent-encoding, an empty name
    /// or unbalanced brackets.
    public init(encoded text: Substring) throws(StripeError) {
        guard !text.isEmpty else { return }
        var text = text
        pairs = try text.withUTF8 { Self.pairs(in: $0) }.get()
    }

    /// The pairs of `bytes`, split on `&` and on each piece's first `=` as bytes: splitting the
    /// text as `Character`s (grapheme by grapheme) and slicing `Substring`s was about 4% of the
    /// server's CPU in a wire run, for bodies that are ASCII (PERFORMANCE.md). The delimiters
    /// are ASCII, so every slice between them is whole UTF-8.
    private static func pairs(
        in bytes: UnsafeBufferPointer<UInt8>
    ) -> Result<[(name: String, value: String)], StripeError> {
        var pairs: [(name: String, value: String)] = []
        var start = 0
        while start < bytes.count {
            var stop = start
            var equals: Int?
            while stop < bytes.count, bytes[stop] != UInt8(ascii: "&") {
                if equals == nil, bytes[stop] == UInt8(ascii: "=") { equals = stop }
                stop += 1
            }
            defer { start = stop + 1 }
            guard stop > start else { continue }
            guard pairs.count < Self.pairsMax else {
                return .failure(
                    StripeError(status: 400, code: "parameter_invalid", message: "Too many parameters."))
            }
            let nameBytes = UnsafeBufferPointer(rebasing: bytes[start..<(equals ?? stop)])
            let valueBytes = UnsafeBufferPointer(rebasing: bytes[(equals.map { $0 + 1 } ?? stop)..<stop])
            guard let name = decode(nameBytes), let value = decode(valueBytes) else {
                return .failure(.malformedBody)
            }
            guard !name.isEmpty, name.utf8.count <= Self.nameBytesMax, Self.bracketsBalance(name) else {
                return .failure(
                    StripeError.invalid(String(name.prefix(64)), "Invalid parameter name: \(name.prefix(64))")
                )
            }
            pairs.append((name, value))
        }
        return .success(pairs)
    }

    /// `+` as a space and `%XY` as the byte XY; nil for a `%` without two hex digits after it
    /// or bytes that are not UTF-8. By hand rather than with Foundation's
    /// `removingPercentEncoding`, which bridged every name and value through `NSString` and
    /// cost about 5% of a request's CPU.
    static func decode(_ text: Substring) -> String? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    private static func decode(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            // Whole UTF-8 already: a slice of a String's text between ASCII delimiters.
            return String(decoding: utf8, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            index += 1
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index < utf8.count, let high = hexValue(utf8[index]) else { return nil }
                index += 1
                guard index < utf8.count, let low = hexValue(utf8[index]) else { return nil }
                index += 1
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func bracketsBalance(_ name: String) -> Bool {
        // An ASCII name, as every name a client sends, is checked byte by byte; others as
        // `Character`s, where a bracket with a combining mark is no bracket.
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            var open = false
            for byte in name.utf8 {
                if byte == UInt8(ascii: "[") {
                    if open { return false }
                    open = true
                } else if byte == UInt8(ascii: "]") {
                    if !open { return false }
                    open = false
                }
            }
            return !open && name.utf8.first != UInt8(ascii: "[")
        }
        var open = false
        for character in name {
            if character == "[" {
                if open { return false }
                open = true
            } else if character == "]" {
                if !open { return false }
                open = false
            }
        }
        return !open && !name.hasPrefix("[")
    }

    /// The top-level name of a parameter: `metadata` for `metadata[order]`.
    static func root(_ name: String) -> Substring {
        name.prefix { $0 != "[" }
    }

    /// The top-level names present.
    public var roots: Set<String> { Set(pairs.map { String(Self.root($0.name)) }) }

    /// Refuses every top-level name not in `allowed`.
    public func onlyAllow(_ allowed: Set<String>) throws(StripeError) {
        for pair in pairs where !allowed.contains(String(Self.root(pair.name))) {
            throw StripeError.unknownParameter(String(Self.root(pair.name)))
        }
    }

    /// The last value given for exactly `name`.
    public func string(_ name: String) -> String? {
        pairs.last { $0.name == name }?.value
    }

    public func requiredString(_ name: String) throws(StripeError) -> String {
        guard let value = string(name), !value.isEmpty else { throw StripeError.missing(name) }
        return value
    }

    /// A whole number, or nil when absent.
    public func integer(_ name: String) throws(StripeError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = Int64(text) else { throw StripeError.invalidInteger(name, text) }
        return value
    }

    public func boolean(_ name: String) throws(StripeError) -> Bool? {
        guard let text = string(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw StripeError.invalid(name, "Invalid boolean: \(text.prefix(64))")
        }
    }

    /// `name[key]=value` pairs as a map (Stripe's `metadata`).
    public func hash(_ name: String) throws(StripeError) -> [String: String]? {
        let prefix = name + "["
        var result: [String: String] = [:]
        var found = false
        for pair in pairs where pair.name.hasPrefix(prefix) {
            let key = pair.name.dropFirst(prefix.count).dropLast()
            guard pair.name.hasSuffix("]"), !key.isEmpty, !key.contains("[") else {
                throw StripeError.invalid(pair.name, "Invalid hash: \(name)")
            }
            result[String(key)] = pair.value
            found = true
        }
        // `metadata=` (empty) clears all keys, as on Stripe.
        if !found { return string(name) == "" ? [:] : nil }
        return result
    }

    /// `name[0]=a&name[1]=b` or `name[]=a&name[]=b`, in order.
    public func list(_ name: String) -> [String]? {
        let values = pairs.filter {
            $0.name.hasPrefix(name + "[") && $0.name.hasSuffix("]")
                && $0.name.dropFirst(name.count + 1).dropLast().allSatisfy(\.isNumber)
        }.map(\.value)
        return values.isEmpty ? nil : values
    }

    /// The pairs sorted by name: what an idempotency key's fingerprint covers.
    public var sortedPairs: [(key: String, value: String)] {
        pairs.map { (key: $0.name, value: $0.value) }.sorted { ($0.key, $0.value) < ($1.key, $1.value) }
    }
}
