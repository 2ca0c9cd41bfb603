import Services

/// The few fields a client reads of an answer, found by scanning the body's UTF-8 bytes for
/// `"name":`. A client over the wire reads one or two fields of every answer: `String`'s
/// `firstRange(of:)` and Foundation's `range(of:)`/`contains` walked it by characters or bridged
/// it through `NSString`, several percent of the runner's samples under `perf`.
extension APIResponse {
    /// The value of the body's first string field `name`, or nil.
    public func stringField(_ name: String) -> String? {
        Self.scan(body, after: "\"\(name)\":\"") { bytes, start in
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
            guard end < bytes.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// The value of the body's first integer field `name`, or nil.
    public func integerField(_ name: String) -> Int64? {
        Self.scan(body, after: "\"\(name)\":") { bytes, start in
            var index = start
            let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var value: Int64 = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowAgain) = times.addingReportingOverflow(
                    Int64(bytes[index] - UInt8(ascii: "0")))
                if overflow || overflowAgain { return nil }
                value = sum
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            return negative ? -value : value
        }
    }

    /// Whether the body holds `text` (its bytes, as they are).
    public func bodyContains(_ text: String) -> Bool {
        Self.scan(body, after: text) { _, _ in true } ?? false
    }

    /// `read(bytes, offset)` at the offset just past the first occurrence of `key`, or nil.
    private static func scan<Value>(
        _ body: String, after key: String, _ read: (UnsafeBufferPointer<UInt8>, Int) -> Value?
    ) -> Value? {
        var body = body
        var key = key
        return key.withUTF8 { key -> Value? in
            body.withUTF8 { bytes -> Value? in
                guard let first = key.first, bytes.count >= key.count else { return nil }
                var index = 0
                let last = bytes.count - key.count
                while index <= last {
                    if bytes[index] == first,
                        UnsafeBufferPointer(rebasing: bytes[index..<index + key.count]).elementsEqual(key)
                    {
                        return read(bytes, index + key.count)
                    }
                    index += 1
                }
                return nil
            }
        }
    }
}
