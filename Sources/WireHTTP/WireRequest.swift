import NIOCore
import NIOHTTP1

/// One request, ready for NIO's HTTP/1 encoder: its head, and its body for a POST, sized by
/// `Content-Length` (never chunked: one write of a few hundred bytes).
public struct WireRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: ByteBuffer?

    public init(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders, body: [UInt8]? = nil) {
        self.init(method, uri, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }

    public init(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders, body: ByteBuffer?) {
        var headers = headers
        if let body { headers.add(name: "Content-Length", value: String(body.readableBytes)) }
        head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        self.body = body
    }
}
