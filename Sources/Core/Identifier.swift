/// What kind of thing an `Identifier` names, and the prefix it prints with (Stripe style).
public protocol IdentifierKind: Sendable {
    static var prefix: String { get }
}

/// A typed identifier: a `PaymentID` cannot be passed where a `MerchantID` is expected.
///
/// Identifiers are 64-bit numbers allocated by the simulation (deterministically, from counters),
/// printed as `pi_0000000000002a`-style strings so that logs and webhook payloads read like
/// Stripe's.
public struct Identifier<Kind: IdentifierKind>: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// The hash a `Set` or `Dictionary` asks for: `UInt64`'s own one-shot path.
    ///
    /// Why: payment, merchant and event ids key the largest tables of a run (500,000
    /// merchants, every payment in flight, every endpoint's seen events), and the default
    /// implementation builds a whole `Hasher` per look-up (seeding it was over 1% of a
    /// Black-Friday profile on its own). The value is the one `hash(into:)` feeds, so equal ids
    /// still hash equally; the per-process seed is kept, so nothing may depend on table order.
    public func _rawHashValue(seed: Int) -> Int { rawValue._rawHashValue(seed: seed) }

    /// `pi_` followed by 14 lower-case hex digits (more if the value needs them).
    ///
    /// Written into one buffer: every event body, answer and log line prints ids, and the
    /// radix conversion, padding and concatenations cost four strings per id.
    public var description: String {
        String(unsafeUninitializedCapacity: Kind.prefix.utf8.count + 1 + hexDigitCount) { write(into: $0) }
    }

    /// Appends what `description` prints, as UTF-8, without making the string: an event body
    /// (one per state change of every payment) carries three ids.
    public func appendDescription(to bytes: inout [UInt8]) {
        let count = Kind.prefix.utf8.count + 1 + hexDigitCount
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            let written = write(into: buffer)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<written]))
        }
    }

    /// Calls `body` with what `description` prints, as UTF-8 in a stack buffer, without
    /// making the string.
    public func withDescriptionUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let count = Kind.prefix.utf8.count + 1 + hexDigitCount
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            let written = write(into: buffer)
            return body(UnsafeBufferPointer(rebasing: buffer[..<written]))
        }
    }

    private var hexDigitCount: Int {
        var digits = 14
        while digits < 16 && rawValue >> (4 * UInt64(digits)) != 0 { digits += 1 }
        return digits
    }

    /// Writes the prefix, `_` and the hex digits at the start of `buffer`; returns the count.
    private func write(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let digits = hexDigitCount
        var index = 0
        for byte in Kind.prefix.utf8 {
            buffer[index] = byte
            index += 1
        }
        buffer[index] = UInt8(ascii: "_")
        index += 1
        for shift in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = UInt8(truncatingIfNeeded: rawValue >> (4 * UInt64(shift))) & 0x0F
            buffer[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            index += 1
        }
        return index
    }

    /// Parses what `description` prints.
    /// - Throws: `IdentifierError` if the prefix or the hex digits are wrong.
    public init(parsing text: String) throws(IdentifierError) {
        let expected = Kind.prefix + "_"
        guard text.hasPrefix(expected) else {
            throw .wrongPrefix(text, expected: Kind.prefix)
        }
        guard let value = UInt64(text.dropFirst(expected.count), radix: 16) else {
            throw .malformed(text)
        }
        self.init(value)
    }

    /// What `init(parsing:)` makes of `bytes` when they are exactly what `description` prints
    /// (the prefix, `_`, 1 to 16 hex digits), read without making a string; nil for anything
    /// else, which `init(parsing:)` then judges.
    public init?(plainUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        for byte in Kind.prefix.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return nil }
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "_") else { return nil }
        index += 1
        let digits = bytes.count - index
        guard digits >= 1, digits <= 16 else { return nil }
        var value: UInt64 = 0
        while index < bytes.count {
            let byte = bytes[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
            index += 1
        }
        self.init(value)
    }
}

extension Identifier: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a string is not an identifier of the expected kind.
public enum IdentifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongPrefix(String, expected: String)
    case malformed(String)

    public var description: String {
        switch self {
        case .wrongPrefix(let text, let expected): "'\(text)' is not an id of kind '\(expected)_'"
        case .malformed(let text): "'\(text)' is not a well-formed id"
        }
    }
}

public enum PaymentKind: IdentifierKind { public static let prefix = "pi" }
public enum MerchantKind: IdentifierKind { public static let prefix = "acct" }
public enum CustomerKind: IdentifierKind { public static let prefix = "cus" }
public enum RefundKind: IdentifierKind { public static let prefix = "re" }
public enum DisputeKind: IdentifierKind { public static let prefix = "dp" }
public enum EventKind: IdentifierKind { public static let prefix = "evt" }
public enum TransferKind: IdentifierKind { public static let prefix = "tr" }
public enum PayoutKind: IdentifierKind { public static let prefix = "po" }

public typealias PaymentID = Identifier<PaymentKind>
public typealias MerchantID = Identifier<MerchantKind>
public typealias CustomerID = Identifier<CustomerKind>
public typealias RefundID = Identifier<RefundKind>
public typealias DisputeID = Identifier<DisputeKind>
public typealias EventID = Identifier<EventKind>
public typealias TransferID = Identifier<TransferKind>
public typealias PayoutID = Identifier<PayoutKind>
