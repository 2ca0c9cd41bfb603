import Foundation
import HTTPTypes

extension APIRequest {
    /// The request a dashboard form makes of the API: the same handler, the signed-in
    /// session's key and the form's idempotency key, so that an action from the page is checked,
    /// admitted and replayed exactly as the SDK's would be.
    init(
        dashboardPost path: String, parameters: [(String, String)], apiKey: String, idempotencyKey: String?
    ) throws(StripeError) {
        method = .post
        self.path = path
        let encoded = parameters.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        form = try FormParameters(encoded: Substring(encoded))
        self.apiKey = apiKey
        self.idempotencyKey = idempotencyKey
    }

    /// RFC 3986's unreserved characters: ASCII letters and digits, `-`, `.`, `_` and `~`.
    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but the unreserved characters (`CharacterSet.alphanumerics`
    /// would let non-ASCII letters through unencoded).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
