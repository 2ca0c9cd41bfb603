/// Where a keep-alive connection goes: a host and a port, spoken to in plain HTTP/1.1 (the
/// runner's target and the webhook endpoints a local double posts to; no TLS).
public struct WireAddress: Hashable, Sendable {
    public let host: String
    public let port: Int

    /// - Parameter host: a name or an address; an IPv6 literal in brackets, as a URL writes it,
    ///   is kept without them (what a socket connects to).
    public init(host: String, port: Int) {
        if host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 {
            self.host = String(host.dropFirst().dropLast())
        } else {
            self.host = host
        }
        self.port = port
    }

    /// The `Host` header of a request to it (RFC 9110: the port only when not HTTP's default).
    public var hostHeader: String {
        // An IPv6 literal goes in brackets, so that its colons are not read as the port's.
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }
}
