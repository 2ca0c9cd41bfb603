import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Keeps an endpoint's answer status and drops its body: all a delivery attempt reads. The
/// client's async interface cost each attempt a task, a cancellation actor and the body as an
/// async sequence; this delegate is called on the request's event loop and needs none of them.
final class WebhookStatusDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    // @unchecked: the client calls a delegate's methods on its task's event loop, one at a time,
    // so `status` is never touched from two threads at once.
    typealias Response = Int

    private var status = 0

    func didReceiveHead(task: HTTPClient.Task<Int>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Int>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Int>) throws -> Int { status }
}
