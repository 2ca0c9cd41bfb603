import Journal
import Testing

/// `BinaryEncoder` and `BinaryDecoder` give back the value they were given, for the shapes a
/// fold holds (optionals everywhere, enums with and without payloads, nested arrays, extreme
/// integers), and refuse bytes that end early or name another enum case.
@Suite struct BinaryCoderTests {
    enum Step: Codable, Hashable {
        case opened
        case declined(Int)
        case captured(amountMinorUnits: Int64?, note: String)
    }

    enum Kind: String, Codable, Hashable { case card, bank }

    struct Leaf: Codable, Hashable {
        var amount: Int64?
        var flag: Bool?
        var name: String?
        var sparse: [Int?]
        var small: UInt8
    }

    struct Tree: Codable, Hashable {
        var count: Int
        var leaves: [Leaf]
        var steps: [Step]
        var kind: Kind
        var missing: Leaf?
        var narrow: Int32?
        var largest: UInt64
        var smallest: Int64
        var nested: [[String]]
        @SortedByKey var index: [String: Int] = [:]
    }

    static let tree = Tree(
        count: -5,
        leaves: [
            Leaf(amount: nil, flag: true, name: "é", sparse: [1, nil, 3], small: 255),
            Leaf(amount: 7, flag: nil, name: nil, sparse: [], small: 0),
        ],
        steps: [
            .opened, .declined(3), .captured(amountMinorUnits: nil, note: ""),
            .captured(amountMinorUnits: -9, note: "x"),
        ],
        kind: .bank, missing: nil, narrow: 4, largest: .max, smallest: .min, nested: [[], ["a", "b"]],
        index: ["b": 2, "a": -1, "": 0])

    static func bytes(_ value: some Encodable) throws -> [UInt8] {
        var writer = BinaryWriter()
        try BinaryEncoder().encode(value, into: &writer)
        return writer.bytes
    }

    @Test func aValueComesBackAsItWasAndTheSameValueGivesTheSameBytes() throws {
        let bytes = try Self.bytes(Self.tree)
        var reader = BinaryReader(bytes)
        #expect(try BinaryDecoder().decode(Tree.self, from: &reader) == Self.tree)
        #expect(reader.isAtEnd)
        #expect(try Self.bytes(Self.tree) == bytes)
    }

    @Test func bytesThatEndEarlyOrNameAnotherCaseAreRefused() throws {
        let bytes = try Self.bytes(Self.tree)
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            var reader = BinaryReader(Array(bytes.prefix(cut)))
            #expect(throws: (any Error).self, "cut at \(cut)") {
                _ = try BinaryDecoder().decode(Tree.self, from: &reader)
            }
        }
        var other = try Self.bytes([Step.opened])
        // The case name follows the array's 4-byte count and the name's length byte.
        other[5] = UInt8(ascii: "x")
        var reader = BinaryReader(other)
        #expect(throws: (any Error).self) { _ = try BinaryDecoder().decode([Step].self, from: &reader) }
    }
}
