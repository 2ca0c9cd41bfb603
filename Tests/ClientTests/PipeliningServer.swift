import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP/1.1 server that answers each request with its own URI as the body, so that a
/// client can tell which answer is whose, and records each answered request's body. On its first
/// connection only, it closes the connection unanswered when it reads request number `dropAt`
/// (from 1): a connection lost in the middle of a pipeline. With `closesAfterEachAnswer`, it
/// answers in HTTP/1.0 with `Connection: close` and closes after each answer, as Python's
/// `http.server` does by default.
struct PipeliningServer {
    let port: Int
    private let channel: any Channel
    private let recorder: Recorder

    /// The bodies of the requests answered so far, in the order they were answered.
    var answeredBodies: [String] { recorder.bodies.withLock { $0 } }

    static func start(
        dropAt: Int? = nil, closesAfterEachAnswer: Bool = false
    ) async throws -> PipeliningServer {
        let recorder = Recorder()
        let connections = Atomic<Int>(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let first = connections.add(1, ordering: .relaxed).newValue == 1
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(
                            dropAt: first ? dropAt : nil, closesAfterEachAnswer: closesAfterEachAnswer,
                            recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return PipeliningServer(port: channel.localAddress?.port ?? 0, channel: channel, recorder: recorder)
    }

    func stop() async { try? await channel.close() }

    private final class Recorder: Sendable {
        let bodies = Mutex<[String]>([])
        func record(_ body: String) { bodies.withLock { $0.append(body) } }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let dropAt: Int?
        private let closesAfterEachAnswer: Bool
        private let recorder: Recorder
        private var requests = 0
        private var uri = ""
        private var body = ByteBuffer()

        init(dropAt: Int?, closesAfterEachAnswer: Bool, recorder: Recorder) {
            self.dropAt = dropAt
            self.closesAfterEachAnswer = closesAfterEachAnswer
            self.recorder = recorder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                uri = head.uri
                body.clear()
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                requests += 1
                if requests == dropAt || (closesAfterEachAnswer && requests > 1) {
                    context.close(promise: nil)
                    return
                }
                recorder.record(String(buffer: body))
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(uri.utf8.count))
                if closesAfterEachAnswer { headers.add(name: "Connection", value: "close") }
                let version: HTTPVersion = closesAfterEachAnswer ? .http1_0 : .http1_1
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))),
                    promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: uri)))), promise: nil)
                let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                if closesAfterEachAnswer {
                    written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                }
            }
        }
    }
}
