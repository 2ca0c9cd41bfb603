import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// HTTP/1.1 as bytes, for tests that compare what is on the wire (a status line's reason,
/// the case and order of header names), which a client's parsed answer hides.
enum RawHTTP {
    /// A request as a client writes it: the `Host`, the key, the idempotency key and a form body.
    static func request(
        _ method: String, _ path: String, key: String?, idempotencyKey: String? = nil, body: String? = nil
    ) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if let key { text += "Authorization: Bearer \(key)\r\n" }
        if let idempotencyKey { text += "Idempotency-Key: \(idempotencyKey)\r\n" }
        if let body {
            text +=
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        return text + "\r\n" + (body ?? "")
    }

    /// The whole answers at the start of `bytes` (each with its `Content-Length` body), and the
    /// bytes after them.
    static func answers(in bytes: [UInt8]) -> (answers: [String], rest: [UInt8]) {
        var answers: [String] = []
        var rest = bytes[...]
        let separator = Array("\r\n\r\n".utf8)
        while let end = rest.indices.first(where: { rest[$0...].starts(with: separator) }) {
            let head = String(decoding: rest[..<end], as: UTF8.self)
            let length =
                head.split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
                ?? 0
            let bodyStart = end + separator.count
            guard rest.endIndex - bodyStart >= length else { break }
            answers.append(String(decoding: rest[rest.startIndex..<bodyStart + length], as: UTF8.self))
            rest = rest[(bodyStart + length)...]
        }
        return (answers, Array(rest))
    }

    /// An answer with what differs between two servers' answers to the same request made
    /// equal: the `Date` and `Request-Id` values, and every time in seconds in the body
    /// (`"created":SECONDS`, `"canceled_at":SECONDS`) made 0.
    static func comparable(_ answer: String) -> String {
        answer
            .replacingOccurrences(of: #"\r\nDate: [^\r]*"#, with: "\r\nDate: -", options: .regularExpression)
            .replacingOccurrences(
                of: #"\r\nRequest-Id: [^\r]*"#, with: "\r\nRequest-Id: -", options: .regularExpression
            )
            .replacingOccurrences(
                of: #"("(created|[a-z_]+_at)"):[0-9]+"#, with: "$1:0", options: .regularExpression)
    }

    /// One kept-alive connection to 127.0.0.1 with blocking reads: a request, then its answer.
    final class Connection {
        private let socketFD: Int32
        private var received: [UInt8] = []

        init(port: Int) throws {
            #if canImport(Glibc)
                socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
                socketFD = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            guard socketFD >= 0 else { throw Failure.socket }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                close(socketFD)
                throw Failure.connect
            }
        }

        deinit { close(socketFD) }

        /// Writes `request` and reads until one whole answer came.
        func exchange(_ request: String) throws -> String {
            let bytes = Array(request.utf8)
            var sent = 0
            while sent < bytes.count {
                let written = bytes[sent...].withUnsafeBytes { send(socketFD, $0.baseAddress, $0.count, 0) }
                guard written > 0 else { throw Failure.send }
                sent += written
            }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                if let first = RawHTTP.answers(in: received).answers.first {
                    received = Array(received.dropFirst(first.utf8.count))
                    return first
                }
                let count = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw Failure.closed }
                received.append(contentsOf: buffer[..<count])
            }
        }

        enum Failure: Error { case socket, connect, send, closed }
    }
}
