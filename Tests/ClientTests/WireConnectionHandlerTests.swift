import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import WireHTTP

/// A keep-alive connection's end behind NIO's HTTP/1 codec, fed bytes as a socket delivers them:
/// whole, a byte at a time, chunked, closing, or broken. What it must get right is its own
/// part: the headers a client acts on, one answer per request, and a connection retired
/// whenever what it read cannot be trusted.
@Suite struct WireConnectionHandlerTests {
    /// A connection with the handler behind the codec, and the answers it handed over.
    final class Harness: Sendable {
        let channel = EmbeddedChannel()
        let handler = WireConnectionHandler()
        let answers = Mutex<[WireResponse?]>([])

        init() throws {
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4242)).wait()
        }

        func send(_ method: HTTPMethod = .POST, body: String? = "amount=100") {
            let request = WireRequest(
                method, "/v1/payment_intents", headers: ["Host": "x"], body: body.map { Array($0.utf8) })
            handler.send(request) { answer in
                self.answers.withLock { $0.append(answer) }
            }
        }

        func receive(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
        }

        /// The bytes the request went out as.
        func written() throws -> String {
            var text = ""
            while var buffer = try channel.readOutbound(as: IOData.self).flatMap({
                if case .byteBuffer(let buffer) = $0 { return buffer } else { return nil }
            }) {
                text += buffer.readString(length: buffer.readableBytes) ?? ""
            }
            return text
        }
    }

    static let created =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nidempotent-replayed: true\r\n"
        + "Content-Length: 15\r\n\r\n{\"id\":\"pi_123\"}"

    @Test func aRequestGoesOutWithItsBodyAndItsAnswerComesBackWithTheHeadersAClientActsOn() throws {
        let harness = try Harness()
        harness.send()
        let written = try harness.written()
        #expect(written.hasPrefix("POST /v1/payment_intents HTTP/1.1\r\n"))
        #expect(written.lowercased().contains("\r\ncontent-length: 10\r\n"))
        #expect(written.hasSuffix("\r\n\r\namount=100"))
        try harness.receive(Self.created)
        var expected = WireResponse(status: 200, body: "{\"id\":\"pi_123\"}")
        expected.replayed = true
        #expect(harness.answers.withLock { $0 } == [expected])
        #expect(!harness.handler.isRetired)
        harness.send()
        try harness.receive(
            "HTTP/1.1 429 Too Many Requests\r\nRETRY-AFTER: 3\r\nStripe-Should-Retry: false\r\n"
                + "Content-Length: 2\r\n\r\n{}")
        let refused = try #require(harness.answers.withLock { $0.last } ?? nil)
        #expect(refused.status == 429)
        #expect(refused.retryAfterSeconds == 3)
        #expect(refused.shouldRetry == false)
        #expect(!refused.replayed && !refused.closes)
    }

    @Test func anAnswerCutIntoSingleBytesIsHandedOverOnceWhole() throws {
        let harness = try Harness()
        harness.send()
        for byte in Self.created {
            #expect(harness.answers.withLock { $0.isEmpty })
            try harness.receive(String(byte))
        }
        #expect(harness.answers.withLock { $0.map { $0?.body } } == ["{\"id\":\"pi_123\"}"])
    }

    @Test func aChunkedBodyIsJoined() throws {
        let harness = try Harness()
        harness.send()
        try harness.receive(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n{\"a\":\r\na\r\n\"bcdefghi\"\r\n1\r\n}\r\n0\r\n\r\n")
        #expect(harness.answers.withLock { $0.map { $0?.body } } == ["{\"a\":\"bcdefghi\"}"])
    }

    @Test func anAnswerThatClosesTheConnectionRetiresItBeforeHandingItOver() throws {
        for text in [
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        ] {
            let harness = try Harness()
            harness.send()
            try harness.receive(text)
            let answer = try #require(harness.answers.withLock { $0.first } ?? nil)
            #expect(answer.status == 200 && answer.body == "{}" && answer.closes)
            #expect(harness.handler.isRetired)
        }
        // No length and no chunks: the body runs to the connection's end.
        let harness = try Harness()
        harness.send()
        try harness.receive("HTTP/1.1 200 OK\r\n\r\n{}")
        #expect(harness.answers.withLock { $0.isEmpty })
        try harness.channel.close().wait()
        #expect(harness.answers.withLock { $0.map { $0?.body } } == ["{}"])
    }

    @Test func aConnectionThatEndsInsideAnAnswerAnswersNil() throws {
        let harness = try Harness()
        harness.send()
        try harness.receive(String(Self.created.dropLast(3)))
        try harness.channel.close().wait()
        #expect(harness.answers.withLock { $0 } == [nil])
        #expect(harness.handler.isRetired)
    }

    @Test func whatIsNotAnHTTPAnswerRetiresTheConnectionWithNoAnswer() throws {
        let broken = [
            "SMTP 220 ready\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        ]
        for text in broken {
            let harness = try Harness()
            harness.send()
            _ = try? harness.receive(text)
            #expect(harness.answers.withLock { $0 } == [nil], "\(text)")
            #expect(harness.handler.isRetired, "\(text)")
        }
    }

    @Test func anAnswerNobodyAskedForRetiresTheConnection() throws {
        let harness = try Harness()
        _ = try? harness.receive(Self.created)
        #expect(harness.handler.isRetired)
        // A retired connection carries nothing more: the next request is answered nil at once.
        harness.send()
        #expect(harness.answers.withLock { $0 } == [nil])
    }
}
