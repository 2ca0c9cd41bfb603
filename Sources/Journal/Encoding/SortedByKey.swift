/// A map encoded as its pairs sorted by key: one value always gives the same bytes, and the
/// positional `BinaryEncoder` needs no key names (a map keyed by `String` or `Int` would
/// otherwise encode through a keyed container whose keys only a self-describing format lists).
@propertyWrapper
public struct SortedByKey<Key: Codable & Comparable & Hashable, Value: Codable>: Codable {
    public var wrappedValue: [Key: Value]

    public init(wrappedValue: [Key: Value]) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for (key, value) in wrappedValue.sorted(by: { $0.key < $1.key }) {
            try container.encode(key)
            try container.encode(value)
        }
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        wrappedValue = [:]
        while !container.isAtEnd {
            wrappedValue[try container.decode(Key.self)] = try container.decode(Value.self)
        }
    }
}

extension SortedByKey: Sendable where Key: Sendable, Value: Sendable {}

extension SortedByKey: Equatable where Value: Equatable {}

extension SortedByKey: Hashable where Value: Hashable {}
