import NIOCore

/// Reads one HTTP/1.1 response out of the bytes a connection has received so far: the status
/// line, the few headers a client of Stripe's API acts on, and a body sized by
/// `Content-Length`, by chunks, or by the connection's end.
///
/// Pure: it takes bytes and says what they hold; `WireConnectionHandler` feeds it and acts. A
/// runner over the wire reads tens of thousands of answers a second, and a general HTTP client's
/// response (a header dictionary, a body as an async sequence of parts) cost more than the
/// fields it reads.
struct WireResponseParser {
    /// What a client keeps of a response.
    struct Response: Equatable {
        var status: Int
        var body: String
        var replayed = false
        var retryAfterSeconds: Int64?
        var shouldRetry: Bool?
        /// The server closes the connection after it (`Connection: close`, or a body read to
        /// the connection's end).
        var closes = false
    }

    enum Outcome: Equatable {
        /// The bytes hold no whole response yet.
        case incomplete
        /// A response, and how many bytes of the input it took.
        case complete(Response, consumedBytes: Int)
    }

    /// A response this client cannot read: the connection is closed, the answer unknown.
    struct Malformed: Error, Equatable {
        var reason: String
    }

    /// A head longer than this is not an API answer.
    static let headBytesMax = 64 << 10

    private enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClose
    }

    private struct Head {
        var response: Response
        var framing: Framing
        /// Where the body starts.
        var bodyStart: Int
    }

    /// Reads a response from the start of `bytes`; `atEnd`: the connection has ended, so a body
    /// read to its end is whole.
    static func parse(_ bytes: UnsafeRawBufferPointer, atEnd: Bool) throws(Malformed) -> Outcome {
        guard let head = try parseHead(bytes) else {
            if atEnd { throw Malformed(reason: "the connection ended inside a response's head") }
            return .incomplete
        }
        var response = head.response
        switch head.framing {
        case .length(let length):
            guard bytes.count - head.bodyStart >= length else {
                if atEnd { throw Malformed(reason: "the connection ended inside a body") }
                return .incomplete
            }
            response.body = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[head.bodyStart..<head.bodyStart + length]),
                as: UTF8.self)
            return .complete(response, consumedBytes: head.bodyStart + length)
        case .chunked:
            var body: [UInt8] = []
            guard let end = try readChunks(bytes, from: head.bodyStart, into: &body) else {
                if atEnd { throw Malformed(reason: "the connection ended inside a chunked body") }
                return .incomplete
            }
            response.body = String(decoding: body, as: UTF8.self)
            return .complete(response, consumedBytes: end)
        case .untilClose:
            guard atEnd else { return .incomplete }
            response.body = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[head.bodyStart...]), as: UTF8.self)
            response.closes = true
            return .complete(response, consumedBytes: bytes.count)
        }
    }

    private static let lineEnd: (UInt8, UInt8) = (UInt8(ascii: "\r"), UInt8(ascii: "\n"))

    /// The index just past the next CRLF from `start`, with the line's end, or nil.
    private static func line(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (end: Int, next: Int)? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == lineEnd.0 && bytes[index + 1] == lineEnd.1 { return (index, index + 2) }
            index += 1
        }
        return nil
    }

    private static func parseHead(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> Head? {
        guard let statusLine = line(bytes, from: 0) else {
            if bytes.count > headBytesMax { throw Malformed(reason: "no status line") }
            return nil
        }
        // "HTTP/1.1 200 OK": the three digits after the first space.
        let prefix = Array("HTTP/1.".utf8)
        guard statusLine.end >= 12, bytes.starts(with: prefix), bytes[8] == UInt8(ascii: " "),
            let status = digits(bytes, 9..<12)
        else { throw Malformed(reason: "bad status line") }
        let http10 = bytes[7] == UInt8(ascii: "0")
        var response = Response(status: Int(status), body: "", closes: http10)
        var framing: Framing = noBody(status) ? .length(0) : .untilClose
        var start = statusLine.next
        while true {
            guard let field = line(bytes, from: start) else {
                if bytes.count > headBytesMax { throw Malformed(reason: "a head over \(headBytesMax) bytes") }
                return nil
            }
            if field.end == start { return Head(response: response, framing: framing, bodyStart: field.next) }
            try readField(bytes, start..<field.end, into: &response, framing: &framing, status: status)
            start = field.next
        }
    }

    private static func noBody(_ status: Int64) -> Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }

    /// One `Name: value` line: the fields this client acts on, matched without regard to case.
    private static func readField(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into response: inout Response,
        framing: inout Framing, status: Int64
    ) throws(Malformed) {
        guard let colon = bytes[range].firstIndex(of: UInt8(ascii: ":")) else {
            throw Malformed(reason: "a header line without a colon")
        }
        var valueStart = colon + 1
        while valueStart < range.upperBound
            && (bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t"))
        {
            valueStart += 1
        }
        var valueEnd = range.upperBound
        while valueEnd > valueStart && bytes[valueEnd - 1] == UInt8(ascii: " ") { valueEnd -= 1 }
        let name = range.lowerBound..<colon
        let value = valueStart..<valueEnd
        if named(bytes, name, "content-length") {
            guard !noBody(status), framing != .chunked else { return }
            guard let length = digits(bytes, value), length <= Int64(Int32.max) else {
                throw Malformed(reason: "bad Content-Length")
            }
            framing = .length(Int(length))
        } else if named(bytes, name, "transfer-encoding") {
            if !noBody(status) && named(bytes, value, "chunked") { framing = .chunked }
        } else if named(bytes, name, "connection") {
            if named(bytes, value, "close") { response.closes = true }
        } else if named(bytes, name, "idempotent-replayed") {
            response.replayed = named(bytes, value, "true")
        } else if named(bytes, name, "retry-after") {
            response.retryAfterSeconds = digits(bytes, value)
        } else if named(bytes, name, "stripe-should-retry") {
            response.shouldRetry = named(bytes, value, "true")
        }
    }

    /// Whether `bytes[range]` is `lowercase`, whatever the case of its letters.
    private static func named(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: StaticString
    )
        -> Bool
    {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for (offset, byte) in expected.enumerated() {
            var actual = bytes[range.lowerBound + offset]
            if actual >= UInt8(ascii: "A") && actual <= UInt8(ascii: "Z") { actual += 32 }
            if actual != byte { return false }
        }
        return true
    }

    /// The decimal number `bytes[range]`, or nil when it is empty, holds another byte or is
    /// too long to be a size.
    private static func digits(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value: Int64 = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// A chunked body from `start` into `body`: the index past its last chunk and trailers,
    /// or nil while it is not whole.
    private static func readChunks(
        _ bytes: UnsafeRawBufferPointer, from start: Int, into body: inout [UInt8]
    ) throws(Malformed) -> Int? {
        var index = start
        while true {
            guard let sizeLine = line(bytes, from: index) else { return nil }
            var size = 0
            var cursor = index
            // The size in hex, then perhaps `;extensions`.
            while cursor < sizeLine.end, let digit = hexDigit(bytes[cursor]) {
                size = size * 16 + digit
                cursor += 1
                guard size <= Int(Int32.max) else { throw Malformed(reason: "a chunk too large") }
            }
            guard cursor > index else { throw Malformed(reason: "bad chunk size") }
            if size == 0 {
                // Trailers, then an empty line.
                var trailer = sizeLine.next
                while true {
                    guard let field = line(bytes, from: trailer) else { return nil }
                    if field.end == trailer { return field.next }
                    trailer = field.next
                }
            }
            let dataEnd = sizeLine.next + size
            guard bytes.count >= dataEnd + 2 else { return nil }
            guard bytes[dataEnd] == lineEnd.0, bytes[dataEnd + 1] == lineEnd.1 else {
                throw Malformed(reason: "a chunk without its CRLF")
            }
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[sizeLine.next..<dataEnd]))
            index = dataEnd + 2
        }
    }

    private static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
