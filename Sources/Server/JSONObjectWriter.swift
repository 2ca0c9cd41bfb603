/// Writes one JSON object's fields straight to bytes, in the order given, without building a
/// tree of `JSON` values first: for objects rendered on every request and event (a
/// PaymentIntent), where the tree's allocations cost more than the writing.
struct JSONObjectWriter {
    private var bytes: [UInt8]
    private var isFirst = true

    init(capacity: Int = 1_024) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The object's text, closed.
    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The object as a `JSON` value.
    consuming func json() -> JSON { .raw(finish()) }

    mutating func string(_ name: String, _ value: String) {
        key(name)
        JSON.quote(value, to: &bytes)
    }

    /// `value`, or `null` when it is nil.
    mutating func string(_ name: String, _ value: String?) {
        guard let value else { return null(name) }
        string(name, value)
    }

    mutating func integer(_ name: String, _ value: Int64) {
        key(name)
        JSON.writeInteger(value, to: &bytes)
    }

    /// `value`, or `null` when it is nil.
    mutating func integer(_ name: String, _ value: Int64?) {
        guard let value else { return null(name) }
        integer(name, value)
    }

    mutating func bool(_ name: String, _ value: Bool) {
        field(name, .bool(value))
    }

    mutating func null(_ name: String) {
        field(name, .null)
    }

    /// A string-to-string map (Stripe's `metadata`), keys sorted, as `JSON.dictionary` writes it.
    mutating func dictionary(_ name: String, _ values: [String: String]) {
        key(name)
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for entry in values.sorted(by: { $0.key < $1.key }) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            JSON.quote(entry.key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSON.quote(entry.value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Any value, written as `JSON` writes it.
    mutating func field(_ name: String, _ value: JSON) {
        key(name)
        value.write(to: &bytes)
    }

    private mutating func key(_ name: String) {
        if !isFirst { bytes.append(UInt8(ascii: ",")) }
        isFirst = false
        JSON.quote(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}
