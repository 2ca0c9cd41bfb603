import Crypto

/// The SHA-256 of a request's method, path and canonical parameters.
///
/// The idempotency store keeps this instead of the parameters: a retry must present the same
/// fingerprint, otherwise it is Stripe's `idempotency_error`. Parameters are sorted by name and
/// every field is length-prefixed, so `{a: "b=c"}` and `{"a=b": "c"}` cannot collide and
/// parameter order does not matter.
public struct RequestFingerprint: Hashable, Sendable {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// Stands for a fingerprint that was not kept (an answer restored from the journal): it
    /// matches any request.
    public static let recovered = RequestFingerprint(bytes: [])

    private init(bytes: [UInt8]) { self.bytes = bytes }

    public init(method: String, path: String, parameters: [String: String]) {
        self.init(method: method, path: path, sortedParameters: parameters.sorted { $0.key < $1.key })
    }

    /// The same fingerprint from parameters already sorted by name, as the API's own calls
    /// pass them: every call makes one, and a dictionary built only to be sorted cost more
    /// than the hash.
    init(method: String, path: String, sortedParameters: [(key: String, value: String)]) {
        assert(zip(sortedParameters, sortedParameters.dropFirst()).allSatisfy { $0.key < $1.key })
        // Built in one buffer.
        var canonical: [UInt8] = []
        canonical.reserveCapacity(160)
        func append(_ text: String) {
            withDecimalDigits(of: Int64(text.utf8.count)) { canonical.append(contentsOf: $0) }
            canonical.append(UInt8(ascii: ":"))
            canonical.append(contentsOf: text.utf8)
        }
        append(method.uppercased())
        append(path)
        for (name, value) in sortedParameters {
            append(name)
            append(value)
        }
        // Read from the digest's bytes in place: iterating it as a `Sequence` goes through
        // swift-crypto's unspecialized iterator.
        bytes = SHA256.hash(data: canonical).withUnsafeBytes { Array($0) }
    }
}
