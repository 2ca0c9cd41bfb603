import Crypto

/// The SHA-256 of a request's method, path and canonical parameters.
///
/// The idempotency store keeps this instead of the parameters: a retry must present the same
/// fingerprint, otherwise it is Stripe's `idempotency_error`. Parameters are sorted by name and
/// every field is length-prefixed, so `{a: "b=c"}` and `{"a=b": "c"}` cannot collide and
/// parameter order does not matter.
public struct RequestFingerprint: Hashable, Sendable {
    /// The digest's 32 bytes as four words, in order (no array of their own); all zero and
    /// `isRecovered` for `recovered`.
    private let words: (UInt64, UInt64, UInt64, UInt64)
    private let isRecovered: Bool

    /// The 32 digest bytes (none for `recovered`).
    public var bytes: [UInt8] {
        if isRecovered { return [] }
        return withUnsafeBytes(of: words) { Array($0) }
    }

    /// Stands for a fingerprint that was not kept (an answer restored from the journal): it
    /// matches any request.
    public static let recovered = RequestFingerprint(words: (0, 0, 0, 0), isRecovered: true)

    private init(words: (UInt64, UInt64, UInt64, UInt64), isRecovered: Bool) {
        self.words = words
        self.isRecovered = isRecovered
    }

    public static func == (lhs: RequestFingerprint, rhs: RequestFingerprint) -> Bool {
        lhs.isRecovered == rhs.isRecovered && lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(isRecovered)
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public init(method: String, path: String, parameters: [String: String]) {
        self.init(method: method, path: path, sortedParameters: parameters.sorted { $0.key < $1.key })
    }

    /// The same fingerprint from parameters already sorted by name, as the API's own calls
    /// pass them: every call makes one, and a dictionary built only to be sorted cost more
    /// than the hash.
    init(method: String, path: String, sortedParameters: [(key: String, value: String)]) {
        assert(zip(sortedParameters, sortedParameters.dropFirst()).allSatisfy { $0.key < $1.key })
        // Fed to the hash field by field, which digests the same bytes as one canonical buffer
        // would, without the buffer (and without an array for the digest).
        var hasher = SHA256()
        func append(_ text: String) {
            var text = text
            withDecimalDigits(of: Int64(text.utf8.count)) { hasher.update(bufferPointer: $0) }
            withUnsafeBytes(of: UInt8(ascii: ":")) { hasher.update(bufferPointer: $0) }
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        append(method.uppercased())
        append(path)
        for (name, value) in sortedParameters {
            append(name)
            append(value)
        }
        words = hasher.finalize().withUnsafeBytes { digest in
            (
                digest.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                digest.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                digest.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
        isRecovered = false
    }
}
