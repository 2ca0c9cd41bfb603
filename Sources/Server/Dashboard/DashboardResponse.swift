import HTTPTypes
import Hummingbird
import NIOCore

/// The dashboard's HTTP answers: pages with headers that keep them from being framed, cached or
/// made to run anything but their own origin's stylesheet; redirects after actions; downloads.
enum DashboardResponse {
    /// Nothing but the dashboard's own stylesheet and forms: no script runs, even if a value
    /// escaped its escaping.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"

    static func headers(contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return headers
    }

    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: headers(contentType: "text/html; charset=utf-8"),
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// 303: the browser follows with a GET, so reloading the page after an action does not
    /// send the action again.
    static func redirect(_ location: String) -> Response {
        var headers = headers(contentType: "text/plain; charset=utf-8")
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func download(_ text: String, contentType: String, filename: String) -> Response {
        var headers = headers(contentType: contentType)
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func stylesheet() -> Response {
        var headers = headers(contentType: "text/css; charset=utf-8")
        headers[.cacheControl] = "max-age=300"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: DashboardStylesheet.css)))
    }
}

/// A page that reports a problem: not found, a form that expired.
struct ProblemPage: Sendable {
    var layout: DashboardLayout
    var heading: String
    var message: String
}
