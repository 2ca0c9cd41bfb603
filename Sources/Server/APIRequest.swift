import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// What a route handler needs of an HTTP request: its parameters (body or query), the secret
/// key it presents and its idempotency key.
struct APIRequest: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var form: FormParameters
    var apiKey: String?
    var idempotencyKey: String?

    /// Bodies larger than this are refused with 413 (Stripe's limit is of this order).
    static let bodyBytesMax = 1 << 20

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!

    init(_ request: inout Request) async throws(StripeError) {
        method = request.method
        path = request.uri.path
        let encoded: String
        if request.method == .get || request.method == .delete {
            encoded = request.uri.query ?? ""
        } else {
            do {
                let body = try await request.collectBody(upTo: Self.bodyBytesMax)
                encoded = String(buffer: body)
            } catch is NIOTooManyBytesError {
                throw StripeError.bodyTooLarge
            } catch let error as HTTPError where error.status == .contentTooLarge {
                throw StripeError.bodyTooLarge
            } catch {
                throw StripeError.malformedBody
            }
        }
        form = try FormParameters(encoded: Substring(encoded))
        apiKey = Self.secretKey(request.headers[.authorization])
        idempotencyKey = request.headers[Self.idempotencyKeyHeader]
    }

    /// A request as HTTPTypes' head and its whole body (what tests make requests of): the same
    /// fields as from Hummingbird's `Request` (a GET's or DELETE's parameters in its query, any
    /// other's in its body).
    init(head: HTTPRequest, body: ByteBuffer?) throws(StripeError) {
        try self.init(
            method: head.method, uri: head.path ?? "", authorization: head.headerFields[.authorization],
            idempotencyKey: head.headerFields[Self.idempotencyKeyHeader], body: body)
    }

    /// A request from what `APIFastPath` reads of NIO's head (the fields' values as
    /// HTTPTypes would give them) and its whole body.
    init(
        method: HTTPRequest.Method, uri: String, authorization: String?, idempotencyKey: String?,
        body: ByteBuffer?
    ) throws(StripeError) {
        self.method = method
        let uri = URI(uri)
        path = uri.path
        let encoded: String
        if method == .get || method == .delete {
            encoded = uri.query ?? ""
        } else {
            encoded = body.map { String(buffer: $0) } ?? ""
        }
        form = try FormParameters(encoded: Substring(encoded))
        apiKey = Self.secretKey(authorization)
        self.idempotencyKey = idempotencyKey
    }

    /// The SHA-256 (hex) of the method, path and parameters sorted by name, each
    /// length-prefixed: what an idempotency key's first answer is journaled with, so that a
    /// resumed server still refuses the key with other parameters.
    var parametersSHA256Hex: String {
        var canonical: [UInt8] = []
        func append(_ text: String) {
            canonical.append(contentsOf: "\(text.utf8.count):".utf8)
            canonical.append(contentsOf: text.utf8)
        }
        append(method.rawValue)
        append(path)
        for (name, value) in form.sortedPairs {
            append(name)
            append(value)
        }
        return SHA256.hash(data: canonical).map { String(format: "%02x", $0) }.joined()
    }

    /// `text` without the spaces and tabs around it: keys are ASCII, and Foundation's
    /// `trimmingCharacters(in:)` bridged every request's header through `NSString`.
    static func trimmingBlanks(_ text: Substring) -> String {
        var text = text
        while let first = text.utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            text = text.dropFirst()
        }
        while let last = text.utf8.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            text = text.dropLast()
        }
        return String(text)
    }

    /// `Bearer sk_test_...`, or Basic with the key as the user name (curl's `-u sk_test_...:`).
    static func secretKey(_ header: String?) -> String? {
        guard let header else { return nil }
        if header.hasPrefix("Bearer ") {
            return trimmingBlanks(header.dropFirst(7))
        }
        if header.hasPrefix("Basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8)
        {
            return String(text.prefix { $0 != ":" })
        }
        return nil
    }
}

/// What a route answers: a status, a JSON body and extra headers.
struct APIAnswer: Sendable {
    var status: Int
    var body: String
    var headers: [(HTTPField.Name, String)] = []

    init(status: Int = 200, json: JSON, headers: [(HTTPField.Name, String)] = []) {
        self.status = status
        body = json.serialized
        self.headers = headers
    }

    init(status: Int, body: String, headers: [(HTTPField.Name, String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    init(_ error: StripeError) {
        self.init(status: error.status, json: error.json)
        if error.status == 429 { headers.append((.retryAfter, "1")) }
    }
}
