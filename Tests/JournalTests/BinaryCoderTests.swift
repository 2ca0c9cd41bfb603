import Core
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
        // The case name follows the array's 4-byte count and the key's tag (its length, odd).
        other[5] = UInt8(ascii: "x")
        var reader = BinaryReader(other)
        #expect(throws: (any Error).self) { _ = try BinaryDecoder().decode([Step].self, from: &reader) }
    }

    /// Every primitive at its edges, in each kind of container: as a field, an optional field
    /// (present and nil), an array element and a top-level value.
    struct Widths: Codable, Hashable {
        var int: Int
        var int8: Int8
        var int16: Int16
        var int32: Int32
        var int64: Int64
        var uint: UInt
        var uint8: UInt8
        var uint16: UInt16
        var uint32: UInt32
        var uint64: UInt64
        var bool: Bool
        var double: Double
        var float: Float
        var string: String
        var bytes: [UInt8]
        var optionalInt8: Int8?
        var optionalUInt16: UInt16?
        var optionalDouble: Double?
        var optionalBytes: [UInt8]?
        var elements: [Int16]
        var optionalElements: [UInt64?]
        var nestedOptional: Int??
    }

    static let widthEdges: [Widths] = [
        Widths(
            int: .min, int8: .min, int16: .min, int32: .min, int64: .min, uint: 0, uint8: 0, uint16: 0,
            uint32: 0, uint64: 0, bool: false, double: -0.0, float: .leastNonzeroMagnitude, string: "",
            bytes: [], optionalInt8: .min, optionalUInt16: nil, optionalDouble: .infinity,
            optionalBytes: [], elements: [.min, 0, .max], optionalElements: [nil, 0, .max],
            nestedOptional: .some(nil)),
        Widths(
            int: .max, int8: .max, int16: .max, int32: .max, int64: .max, uint: .max, uint8: .max,
            uint16: .max, uint32: .max, uint64: .max, bool: true, double: .greatestFiniteMagnitude,
            float: -.greatestFiniteMagnitude, string: "pi_0000000000002a é 💳", bytes: [0, 1, 255],
            optionalInt8: nil, optionalUInt16: .max, optionalDouble: nil, optionalBytes: nil,
            elements: [], optionalElements: [], nestedOptional: .some(.some(0))),
        Widths(
            int: 0, int8: -1, int16: 1, int32: -64, int64: 64, uint: 127, uint8: 128, uint16: 16_384,
            uint32: 1 << 31, uint64: 1 << 63, bool: true, double: 0.1, float: 1.5, string: "\u{0}",
            bytes: [0], optionalInt8: 0, optionalUInt16: 0, optionalDouble: 0, optionalBytes: [0],
            elements: [0], optionalElements: [nil], nestedOptional: nil),
    ]

    @Test(arguments: widthEdges) func everyPrimitiveWidthComesBack(value: Widths) throws {
        var reader = BinaryReader(try Self.bytes(value))
        #expect(try BinaryDecoder().decode(Widths.self, from: &reader) == value)
        #expect(reader.isAtEnd)
        var topLevel = BinaryReader(try Self.bytes([value.int64, nil] as [Int64?]))
        #expect(try BinaryDecoder().decode([Int64?].self, from: &topLevel) == [value.int64, nil])
    }

    @Test func aWiderValueIsRefusedByANarrowerType() throws {
        var reader = BinaryReader(try Self.bytes(Int64(Int32.max) + 1))
        #expect(throws: JournalError.self) { _ = try BinaryDecoder().decode(Int32.self, from: &reader) }
        var unsigned = BinaryReader(try Self.bytes(UInt64(UInt8.max) + 1))
        #expect(throws: JournalError.self) { _ = try BinaryDecoder().decode(UInt8.self, from: &unsigned) }
    }

    /// Cases coded by position (`CodingKeys: Int`), nesting cases coded by name.
    indirect enum Indexed: Codable, Hashable {
        case first
        case second(Step, label: String?)
        case third(inner: Indexed?, amounts: [Int64])

        enum CodingKeys: Int, CodingKey { case first, second, third }
    }

    @Test func casesKeyedByIndexAndByNameComeBackInsideEachOther() throws {
        let values: [Indexed] = [
            .first, .second(.declined(-1), label: nil), .second(.opened, label: "é"),
            .third(inner: .third(inner: nil, amounts: [.min]), amounts: []),
            .third(inner: .second(.captured(amountMinorUnits: 5, note: "n"), label: ""), amounts: [1, 2]),
        ]
        var reader = BinaryReader(try Self.bytes(values))
        #expect(try BinaryDecoder().decode([Indexed].self, from: &reader) == values)
        #expect(reader.isAtEnd)
    }

    @Test func aCaseKeyedByIndexIsOneByteAndAnUnknownIndexIsRefused() throws {
        var first = try Self.bytes(Indexed.first)
        #expect(first == [0])
        #expect(try Self.bytes(Indexed.third(inner: nil, amounts: [])) == [4, 0, 0, 0, 0, 0])
        first[0] = 6
        var reader = BinaryReader(first)
        #expect(throws: (any Error).self) { _ = try BinaryDecoder().decode(Indexed.self, from: &reader) }
    }

    @Test func aCaseKeyedByNameIsItsLengthAndName() throws {
        #expect(try Self.bytes(Step.opened) == [13] + Array("opened".utf8))
    }

    struct Named: Codable, Hashable {
        var payment: PaymentID
        var merchant: MerchantID?
        var events: [EventID]
    }

    @Test func anIdentifierIsItsNumberAndComesBackAsItsOwnKind() throws {
        #expect(try Self.bytes(PaymentID(300)) == [0xAC, 0x02])
        let value = Named(
            payment: PaymentID(.max), merchant: MerchantID(0), events: [EventID(1), EventID(1 << 40)])
        var reader = BinaryReader(try Self.bytes(value))
        #expect(try BinaryDecoder().decode(Named.self, from: &reader) == value)
        #expect(reader.isAtEnd)
    }

    struct Coded: Codable, Hashable {
        var currency: Currency
        var events: [PaymentEventType]
        var decline: DeclineCode?
        var dispute: DisputeStatus
    }

    @Test func aCurrencyAndCoresNamedCasesAreTheirIndexAndComeBack() throws {
        #expect(try Self.bytes(Currency.kwd) == [UInt8(Currency.kwd.index)])
        #expect(
            try Self.bytes(PaymentEventType.allCases.last!) == [UInt8(PaymentEventType.allCases.count - 1)])
        for currency in Currency.all {
            let value = Coded(
                currency: currency, events: PaymentEventType.allCases, decline: DeclineCode.allCases.last,
                dispute: DisputeStatus.allCases.last!)
            var reader = BinaryReader(try Self.bytes(value))
            #expect(try BinaryDecoder().decode(Coded.self, from: &reader) == value)
            #expect(reader.isAtEnd)
        }
        var beyond = BinaryReader([UInt8(Currency.all.count)])
        #expect(throws: JournalError.self) { try BinaryDecoder().decode(Currency.self, from: &beyond) }
    }
}
