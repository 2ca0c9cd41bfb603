import Testing

@testable import Client

/// The runner's reading of HTTP/1.1 answers, fed bytes as a socket delivers them: whole, cut
/// anywhere, chunked, back to back, or broken.
@Suite struct WireResponseParserTests {
    typealias Parser = WireResponseParser

    static func parse(_ text: String, atEnd: Bool = false) throws -> Parser.Outcome {
        try parse(Array(text.utf8), atEnd: atEnd)
    }

    static func parse(_ bytes: [UInt8], atEnd: Bool) throws -> Parser.Outcome {
        try bytes.withUnsafeBytes { try Parser.parse($0, atEnd: atEnd) }
    }

    static let created =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nidempotent-replayed: true\r\n"
        + "Content-Length: 15\r\n\r\n{\"id\":\"pi_123\"}"

    @Test func aSizedAnswerWithTheHeadersAClientActsOn() throws {
        let outcome = try Self.parse(Self.created)
        var expected = Parser.Response(status: 200, body: "{\"id\":\"pi_123\"}")
        expected.replayed = true
        #expect(outcome == .complete(expected, consumedBytes: Self.created.utf8.count))
        let refused = try Self.parse(
            "HTTP/1.1 429 Too Many Requests\r\nRETRY-AFTER: 3\r\nStripe-Should-Retry:  false \r\n"
                + "Content-Length: 2\r\n\r\n{}")
        guard case .complete(let response, _) = refused else {
            Issue.record("\(refused)")
            return
        }
        #expect(response.status == 429)
        #expect(response.retryAfterSeconds == 3)
        #expect(response.shouldRetry == false)
        #expect(!response.replayed && !response.closes)
    }

    @Test func everyCutShortOfTheWholeAnswerIsIncomplete() throws {
        let bytes = Array(Self.created.utf8)
        for length in 0..<bytes.count {
            let outcome = try Self.parse(Array(bytes[0..<length]), atEnd: false)
            #expect(outcome == .incomplete, "cut at \(length)")
            // The connection ended there: the answer is lost, not taken as whole.
            #expect(throws: Parser.Malformed.self) { try Self.parse(Array(bytes[0..<length]), atEnd: true) }
        }
    }

    @Test func twoAnswersBackToBackTakeOnlyTheFirst() throws {
        let outcome = try Self.parse(Self.created + Self.created)
        guard case .complete(let response, let consumed) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(response.body == "{\"id\":\"pi_123\"}")
        #expect(consumed == Self.created.utf8.count)
    }

    @Test func aChunkedBodyIsJoinedAndItsTrailersSkipped() throws {
        let text =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\n{\"a\":\r\na;ext=1\r\n\"bcdefghi\"\r\n1\r\n}\r\n0\r\nX-Trailer: 1\r\n\r\n"
        #expect(
            try Self.parse(text)
                == .complete(
                    Parser.Response(status: 200, body: "{\"a\":\"bcdefghi\"}"), consumedBytes: text.utf8.count
                ))
        #expect(try Self.parse(String(text.dropLast(2))) == .incomplete)
        #expect(throws: Parser.Malformed.self) {
            try Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n")
        }
    }

    @Test func anAnswerThatClosesTheConnectionSaysSo() throws {
        var closing = Parser.Response(status: 200, body: "{}")
        closing.closes = true
        let close = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
        #expect(try Self.parse(close) == .complete(closing, consumedBytes: close.utf8.count))
        let old = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}"
        #expect(try Self.parse(old) == .complete(closing, consumedBytes: old.utf8.count))
        // No length and no chunks: the body runs to the connection's end.
        let unsized = "HTTP/1.1 200 OK\r\n\r\n{}"
        #expect(try Self.parse(unsized) == .incomplete)
        #expect(try Self.parse(unsized, atEnd: true) == .complete(closing, consumedBytes: unsized.utf8.count))
    }

    @Test func noContentNeedsNoLength() throws {
        let text = "HTTP/1.1 204 No Content\r\n\r\n"
        #expect(
            try Self.parse(text)
                == .complete(Parser.Response(status: 204, body: ""), consumedBytes: text.utf8.count))
    }

    @Test func whatIsNotAnHTTPAnswerIsMalformed() {
        for text in [
            "SMTP 220 ready\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        ] {
            #expect(throws: Parser.Malformed.self, "\(text)") { try Self.parse(text) }
        }
        let endless = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Padding: 1\r\n", count: 6_000)
        #expect(throws: Parser.Malformed.self) { try Self.parse(endless) }
    }
}
