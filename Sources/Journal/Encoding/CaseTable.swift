/// The values of a type coded as their index in a fixed list (a `Currency`, a case of one of
/// Core's string-valued enums): one varint byte instead of a name.
struct CaseTable<Value: Hashable & Sendable>: Sendable {
    let values: [Value]
    let indexes: [Value: UInt64]

    init(_ values: [Value]) {
        self.values = values
        indexes = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, UInt64($0)) })
    }

    func index(of value: Value) -> UInt64 { indexes[value]! }

    func write(_ value: Value, to writer: inout BinaryWriter) { writer.writeVarint(index(of: value)) }

    func value(from reader: inout BinaryReader) throws(JournalError) -> Value {
        let start = reader.offset
        let index = try reader.readVarint()
        guard index < UInt64(values.count) else {
            throw .invalidField("\(Value.self) at byte \(start)", reason: "index \(index) of \(values.count)")
        }
        return values[Int(index)]
    }
}
