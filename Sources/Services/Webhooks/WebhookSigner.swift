import Crypto

/// Signs and verifies webhook payloads exactly as Stripe does, so that a real Stripe SDK's
/// verifier accepts what the simulation sends.
///
/// Header: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
/// Verification takes every `v1` entry (Stripe sends several while a secret is being rolled),
/// compares in constant time, and then, like Stripe's SDKs, refuses a timestamp older than the
/// tolerance (300 s by default). A timestamp in the future is accepted, as the SDKs do.
public enum WebhookSigner {
    /// The header's name.
    public static let headerName = "Stripe-Signature"
    /// Stripe's default tolerance.
    public static let defaultTolerance: Duration = .seconds(300)

    /// The hex HMAC-SHA256 of `"<timestamp>.<payload>"` under `secret`.
    public static func signature(payload: [UInt8], secret: String, timestamp: Int64) -> String {
        // Streamed into the MAC rather than concatenated: no copy of the payload per signature.
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        mac.update(data: Array(String(timestamp).utf8))
        mac.update(data: [UInt8(ascii: ".")])
        mac.update(data: payload)
        return Hex.encode(mac.finalize())
    }

    /// The header value `t=<timestamp>,v1=<signature>`, one `v1` per secret (key rolling).
    public static func header(payload: [UInt8], secrets: [String], timestamp: Int64) -> String {
        var parts = ["t=\(timestamp)"]
        for secret in secrets {
            parts.append("v1=" + signature(payload: payload, secret: secret, timestamp: timestamp))
        }
        return parts.joined(separator: ",")
    }

    /// The header value for one secret.
    public static func header(payload: [UInt8], secret: String, timestamp: Int64) -> String {
        header(payload: payload, secrets: [secret], timestamp: timestamp)
    }

    /// Checks `header` against `payload` under `secret` at Unix time `now`.
    /// - Returns: the header's timestamp.
    /// - Throws: `WebhookSignatureError`.
    @discardableResult
    public static func verify(
        payload: [UInt8], header: String, secret: String, now: Int64,
        tolerance: Duration = defaultTolerance
    ) throws(WebhookSignatureError) -> Int64 {
        var timestamp: Int64?
        var signatures: [Substring] = []
        for part in header.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = part.firstIndex(of: "=") else { throw .malformedHeader }
            let name = part[..<equals].trimmingSpaces()
            let value = part[part.index(after: equals)...].trimmingSpaces()
            switch name {
            case "t":
                guard let parsed = Int64(value) else { throw .malformedHeader }
                timestamp = parsed
            case "v1":
                signatures.append(value)
            default:
                continue  // other schemes (v0) are ignored, as Stripe's SDKs do
            }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !signatures.isEmpty else { throw .noSignature }
        let expected = Array(signature(payload: payload, secret: secret, timestamp: timestamp).utf8)
        var matched = false
        for candidate in signatures where ConstantTime.equals(expected, Array(candidate.utf8)) {
            matched = true
        }
        guard matched else { throw .signatureMismatch }
        let toleranceSeconds = tolerance.components.seconds
        if toleranceSeconds > 0, timestamp < now &- toleranceSeconds {
            throw .timestampOutsideTolerance(timestamp: timestamp, now: now)
        }
        return timestamp
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}
