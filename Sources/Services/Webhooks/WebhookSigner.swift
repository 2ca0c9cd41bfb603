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
        String(
            decoding: WebhookSigningKey(secret: secret).signatureHex(payload: payload, timestamp: timestamp),
            as: UTF8.self)
    }

    /// The header value `t=<timestamp>,v1=<signature>`, one `v1` per key (key rolling).
    public static func header(
        payload: [UInt8], keys: some Collection<WebhookSigningKey>, timestamp: Int64
    ) -> String {
        var utf8: [UInt8] = Array("t=".utf8)
        utf8.reserveCapacity(16 + keys.count * 68)
        withDecimalDigits(of: timestamp) { utf8.append(contentsOf: $0) }
        for key in keys {
            utf8.append(contentsOf: ",v1=".utf8)
            utf8.append(contentsOf: key.signatureHex(payload: payload, timestamp: timestamp))
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The header value for one key: what the dispatcher sends on every attempt.
    public static func header(payload: [UInt8], key: WebhookSigningKey, timestamp: Int64) -> String {
        header(payload: payload, keys: CollectionOfOne(key), timestamp: timestamp)
    }

    /// The header value `t=<timestamp>,v1=<signature>`, one `v1` per secret (key rolling).
    public static func header(payload: [UInt8], secrets: [String], timestamp: Int64) -> String {
        header(payload: payload, keys: secrets.map(WebhookSigningKey.init(secret:)), timestamp: timestamp)
    }

    /// The header value for one secret.
    public static func header(payload: [UInt8], secret: String, timestamp: Int64) -> String {
        header(payload: payload, key: WebhookSigningKey(secret: secret), timestamp: timestamp)
    }

    /// Checks `header` against `payload` under `secret` at Unix time `now`.
    /// - Returns: the header's timestamp.
    /// - Throws: `WebhookSignatureError`.
    @discardableResult
    public static func verify(
        payload: [UInt8], header: String, secret: String, now: Int64,
        tolerance: Duration = defaultTolerance
    ) throws(WebhookSignatureError) -> Int64 {
        try verify(
            payload: payload, header: header, key: WebhookSigningKey(secret: secret), now: now,
            tolerance: tolerance)
    }

    /// Checks `header` against `payload` under `key` at Unix time `now`, reading the header's
    /// bytes in place (an endpoint verifies every attempt it receives).
    /// - Returns: the header's timestamp.
    /// - Throws: `WebhookSignatureError`.
    @discardableResult
    public static func verify(
        payload: [UInt8], header: String, key: WebhookSigningKey, now: Int64,
        tolerance: Duration = defaultTolerance
    ) throws(WebhookSignatureError) -> Int64 {
        var header = header
        // Parsed and compared in place; the outcome leaves the closure as a value because
        // `withUTF8` rethrows untyped errors.
        let outcome: Result<Int64, WebhookSignatureError> = header.withUTF8 { bytes in
            var timestamp: Int64?
            var signatures: [Range<Int>] = []
            var partStart = 0
            while partStart <= bytes.count {
                var partEnd = partStart
                while partEnd < bytes.count && bytes[partEnd] != UInt8(ascii: ",") { partEnd += 1 }
                guard let equals = (partStart..<partEnd).first(where: { bytes[$0] == UInt8(ascii: "=") })
                else { return .failure(.malformedHeader) }
                let name = trimmed(partStart..<equals, in: bytes)
                let value = trimmed((equals + 1)..<partEnd, in: bytes)
                if name.count == 1 && bytes[name.lowerBound] == UInt8(ascii: "t") {
                    guard let number = decimal(value, in: bytes) else { return .failure(.malformedHeader) }
                    timestamp = number
                } else if name.count == 2 && bytes[name.lowerBound] == UInt8(ascii: "v")
                    && bytes[name.lowerBound + 1] == UInt8(ascii: "1")
                {
                    signatures.append(value)
                }  // other schemes (v0) are ignored, as Stripe's SDKs do
                partStart = partEnd + 1
            }
            guard let timestamp else { return .failure(.malformedHeader) }
            guard !signatures.isEmpty else { return .failure(.noSignature) }
            let expected = key.signatureHex(payload: payload, timestamp: timestamp)
            var matched = false
            for candidate in signatures where ConstantTime.equals(expected, bytes[candidate]) {
                matched = true
            }
            return matched ? .success(timestamp) : .failure(.signatureMismatch)
        }
        let timestamp = try outcome.get()
        let toleranceSeconds = tolerance.components.seconds
        if toleranceSeconds > 0, timestamp < now &- toleranceSeconds {
            throw .timestampOutsideTolerance(timestamp: timestamp, now: now)
        }
        return timestamp
    }

    /// `range` without leading and trailing spaces.
    private static func trimmed(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && bytes[lower] == UInt8(ascii: " ") { lower += 1 }
        while upper > lower && bytes[upper - 1] == UInt8(ascii: " ") { upper -= 1 }
        return lower..<upper
    }

    /// The Int64 spelled in `range` (an optional sign and decimal digits), or nil.
    /// Read in place, as `Int64(String)` would read it (every attempt's header is parsed).
    private static func decimal(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = range.lowerBound
        let negative = index < range.upperBound && bytes[index] == UInt8(ascii: "-")
        if index < range.upperBound && (negative || bytes[index] == UInt8(ascii: "+")) { index += 1 }
        guard index < range.upperBound else { return nil }
        // Accumulated below zero, so that Int64.min parses.
        var value: Int64 = 0
        while index < range.upperBound {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, underflowed) = shifted.subtractingReportingOverflow(Int64(digit))
            guard !overflowed, !underflowed else { return nil }
            value = next
            index += 1
        }
        if negative { return value }
        return value == .min ? nil : -value
    }
}
