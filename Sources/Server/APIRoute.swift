import HTTPTypes

/// One of the API's routes: its method, its path pattern and its handler, written once in
/// `StripeRoutes.table` for both places that answer it: Hummingbird's router, and, when
/// `answeredInPipeline`, `APIFastPath` in the connection's channel pipeline.
struct APIRoute: Sendable {
    /// A route's work, given the request and the value of its path's parameter ("" without one).
    enum Handler: Sendable {
        /// Answers without waiting (a read under a lock): on the connection's event loop when
        /// the fast path takes it.
        case now(@Sendable (APIRequest, String) throws(StripeError) -> APIAnswer)
        /// Waits for the processor: in a task of its own when the fast path takes it.
        case later(@Sendable (APIRequest, String) async throws(StripeError) -> APIAnswer)
    }

    let method: HTTPRequest.Method
    /// As Hummingbird's router reads it: `/v1/payment_intents/:id/capture`.
    let path: String
    let handler: Handler
    let answeredInPipeline: Bool
    /// The name of the path's parameter, if it has one (one at most).
    let parameterName: String?
    /// The path's segments after their slashes, the parameter's as nil: what the fast path
    /// compares a request's path with, without splitting it into an array of its own.
    private let segments: [[UInt8]?]

    init(_ method: HTTPRequest.Method, _ path: String, answeredInPipeline: Bool, _ handler: Handler) {
        precondition(path.hasPrefix("/"), "a route's path starts with a slash: \(path)")
        self.method = method
        self.path = path
        self.handler = handler
        self.answeredInPipeline = answeredInPipeline
        segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.hasPrefix(":") ? nil : Array($0.utf8)
        }
        let names = path.split(separator: "/").filter { $0.hasPrefix(":") }
        precondition(names.count <= 1, "one parameter a route at most: \(path)")
        parameterName = names.first.map { String($0.dropFirst()) }
    }

    /// Where the parameter is in `path`'s bytes (without its query; an empty range for a route
    /// without one) if `path` is this route's, else nil. Stricter than the router: a parameter
    /// is an id as the API makes them (letters, digits, `_`), so that escapes and anything
    /// unusual go on to the router, which answers every path this does not take. Over the
    /// bytes in place: Substring's UTF-8 views made the fast path's matching 1.4% of the
    /// server's samples at the peak.
    func parameterRange(in path: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var index = 0
        var value = 0..<0
        for segment in segments {
            guard index < path.count, path[index] == UInt8(ascii: "/") else { return nil }
            index += 1
            var end = index
            while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
            if let segment {
                guard end - index == segment.count else { return nil }
                for offset in 0..<segment.count where path[index + offset] != segment[offset] { return nil }
            } else {
                guard end > index else { return nil }
                for offset in index..<end where !Self.isIDByte(path[offset]) { return nil }
                value = index..<end
            }
            index = end
        }
        return index == path.count ? value : nil
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
