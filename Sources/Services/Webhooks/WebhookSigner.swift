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
        // Written into the string's own storage: the server makes one for every delivery.
        payload.withUnsafeBufferPointer { payload in
            String(unsafeUninitializedCapacity: headerCountMax(keys: keys.count)) { utf8 in
                writeHeader(payload: payload, keys: keys, timestamp: timestamp, into: utf8)
            }
        }
    }

    /// Calls `body` with the header value for `key` in a stack buffer: the simulated
    /// dispatcher signs every attempt and its endpoint reads the bytes, so no String is made.
    public static func withHeader<Result>(
        payload: UnsafeBufferPointer<UInt8>, key: WebhookSigningKey, timestamp: Int64,
        _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: headerCountMax(keys: 1)) { buffer in
            let count = writeHeader(
                payload: payload, keys: CollectionOfOne(key), timestamp: timestamp, into: buffer)
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// The longest header for `keys` keys: `t=`, an Int64, and `,v1=<hex>` per key.
    private static func headerCountMax(keys: Int) -> Int {
        2 + 21 + keys * (4 + WebhookSigningKey.signatureHexCount)
    }

    /// Writes the header value into `utf8` (at least `headerCountMax` long). - Returns: its length.
    private static func writeHeader(
        payload: UnsafeBufferPointer<UInt8>, keys: some Collection<WebhookSigningKey>, timestamp: Int64,
        into utf8: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        utf8[0] = UInt8(ascii: "t")
        utf8[1] = UInt8(ascii: "=")
        var count = 2
        withDecimalDigits(of: timestamp) { digits in
            for digit in digits {
                utf8[count] = digit
                count += 1
            }
        }
        for key in keys {
            for byte in ",v1=".utf8 {
                utf8[count] = byte
                count += 1
            }
            key.withSignatureHex(payload: payload, timestamp: timestamp) { hex in
                for byte in hex {
                    utf8[count] = byte
                    count += 1
                }
            }
        }
        return count
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
        // The outcome leaves the closure as a value because `withUTF8` rethrows untyped errors.
        let outcome: Result<Int64, WebhookSignatureError> = header.withUTF8 { bytes in
            payload.withUnsafeBufferPointer { payload in
                Result { () throws(WebhookSignatureError) in
                    try verify(payload: payload, header: bytes, key: key, now: now, tolerance: tolerance)
                }
            }
        }
        return try outcome.get()
    }

    /// Checks the header's bytes against `payload` under `key` at Unix time `now`, as the
    /// String form does: what the simulated endpoints call with the dispatcher's stack buffer.
    /// - Returns: the header's timestamp.
    /// - Throws: `WebhookSignatureError`.
    @discardableResult
    public static func verify(
        payload: UnsafeBufferPointer<UInt8>, header bytes: UnsafeBufferPointer<UInt8>, key: WebhookSigningKey,
        now: Int64,
        tolerance: Duration = defaultTolerance
    ) throws(WebhookSignatureError) -> Int64 {
        // Two passes over the parts, the timestamp and the count of signatures first, then
        // each `v1` against the expected one: no array of signatures for every attempt.
        var timestamp: Int64?
        var signatures = 0
        let parsed = forEachPart(of: bytes) { name, value in
            if name.count == 1 && bytes[name.lowerBound] == UInt8(ascii: "t") {
                guard let number = decimal(value, in: bytes) else { return false }
                timestamp = number
            } else if isV1(name, in: bytes) {
                signatures += 1
            }  // other schemes (v0) are ignored, as Stripe's SDKs do
            return true
        }
        guard parsed, let timestamp else { throw .malformedHeader }
        guard signatures > 0 else { throw .noSignature }
        let matched = key.withSignatureHex(payload: payload, timestamp: timestamp) { expected in
            var matched = false
            _ = forEachPart(of: bytes) { name, value in
                if isV1(name, in: bytes) && ConstantTime.equals(expected, bytes[value]) { matched = true }
                return true
            }
            return matched
        }
        guard matched else { throw .signatureMismatch }
        let toleranceSeconds = tolerance.components.seconds
        if toleranceSeconds > 0, timestamp < now &- toleranceSeconds {
            throw .timestampOutsideTolerance(timestamp: timestamp, now: now)
        }
        return timestamp
    }

    /// Calls `body` with the name and value of each comma-separated `name=value` part of
    /// `bytes`, both trimmed; false when a part has no `=` or `body` refused one.
    private static func forEachPart(
        of bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, Range<Int>) -> Bool
    ) -> Bool {
        var partStart = 0
        while partStart <= bytes.count {
            var partEnd = partStart
            while partEnd < bytes.count && bytes[partEnd] != UInt8(ascii: ",") { partEnd += 1 }
            guard let equals = (partStart..<partEnd).first(where: { bytes[$0] == UInt8(ascii: "=") })
            else { return false }
            guard body(trimmed(partStart..<equals, in: bytes), trimmed((equals + 1)..<partEnd, in: bytes))
            else { return false }
            partStart = partEnd + 1
        }
        return true
    }

    private static func isV1(_ name: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        name.count == 2 && bytes[name.lowerBound] == UInt8(ascii: "v")
            && bytes[name.lowerBound + 1] == UInt8(ascii: "1")
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
