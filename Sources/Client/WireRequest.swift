import NIOCore
import NIOHTTP1

/// One request of the runner, ready for NIO's HTTP/1 encoder: its head, and its body for a
/// POST, sized by `Content-Length` (never chunked: one write of a few hundred bytes).
struct WireRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?

    init(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders, body: [UInt8]? = nil) {
        var headers = headers
        if let body { headers.add(name: "Content-Length", value: String(body.count)) }
        head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        self.body = body.map { ByteBuffer(bytes: $0) }
    }
}
