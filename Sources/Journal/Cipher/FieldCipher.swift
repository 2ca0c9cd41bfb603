import Crypto
import Synchronization

/// Seals the card-related fields a journal keeps (tokens, last four digits, brand, expiry) with
/// AES-256-GCM under the run's key, so that a journal file copied off the disk reveals nothing
/// about cards without that key. A PAN is never journaled, sealed or not: `seal` refuses
/// anything that looks like one.
///
/// Nonces are deterministic, not random. AES-GCM fails completely if one (key, nonce) pair ever
/// seals two messages (the keystream repeats and the authentication key leaks), so the nonce
/// must be unique, and random 96-bit nonces are only unique with high probability and would
/// make two runs with one seed write different journals. Here the 12-byte nonce is
/// `domain (u32 LE) | counter (u64 LE)`: `domain` names the writer (one per service instance or
/// shard, assigned by the run) and `counter` increases with every seal. Uniqueness then holds
/// by construction as long as (a) no two live ciphers share a key and a domain, and (b) after a
/// restart the counter resumes above every counter already journaled under that domain:
/// recovery finds it with `FieldCipher.nonce(of:)` on the sealed fields it replays, or the run
/// gives each incarnation a fresh domain. Callers with a naturally unique number (a record
/// sequence, a payment id and field index) can pass it with `seal(_:counter:)` instead.
///
/// `@unchecked Sendable`: `SymmetricKey` is not marked `Sendable`, but it is immutable after
/// `init`; the only mutable state, the counter, is in a `Mutex`.
public final class FieldCipher: @unchecked Sendable {
    /// Format of a sealed field: version u8 | nonce (12) | ciphertext | tag (16).
    public static let formatVersion: UInt8 = 1
    public static let overheadBytes = 1 + 12 + 16

    private let key: SymmetricKey
    public let domain: UInt32
    private let counter: Mutex<UInt64>

    /// - Parameters:
    ///   - key: 32 bytes (AES-256), given to the run.
    ///   - domain: this writer's nonce domain, unique among ciphers sharing the key.
    ///   - counterStart: the first counter to use (above any already used under `domain`).
    /// - Throws: `JournalError.cipher` if the key is not 32 bytes.
    public init(key: [UInt8], domain: UInt32 = 0, counterStart: UInt64 = 0) throws(JournalError) {
        guard key.count == 32 else { throw .cipher("key must be 32 bytes, got \(key.count)") }
        self.key = SymmetricKey(data: key)
        self.domain = domain
        self.counter = Mutex(counterStart)
    }

    /// Seals `field` under the next counter of this cipher's domain. `authenticating` binds the
    /// sealed bytes to their context (e.g. the payment id), so that they cannot be moved onto
    /// another record unnoticed; pass the same bytes to `open`.
    public func seal(_ field: [UInt8], authenticating context: [UInt8] = []) throws(JournalError) -> [UInt8] {
        let next = counter.withLock { (value: inout UInt64) -> UInt64? in
            guard value < .max else { return nil }
            defer { value += 1 }
            return value
        }
        guard let next else { throw .cipher("nonce counter exhausted for domain \(domain)") }
        return try seal(field, counter: next, authenticating: context)
    }

    /// Seals `field` under an explicit counter, which the caller guarantees is never reused with
    /// this key and domain.
    public func seal(
        _ field: [UInt8], counter: UInt64, authenticating context: [UInt8] = []
    ) throws(JournalError)
        -> [UInt8]
    {
        if PANDetector.containsPAN(field) { throw .panRejected }
        var nonceBytes: [UInt8] = []
        nonceBytes.reserveCapacity(12)
        SegmentFormat.appendLittleEndian(domain, to: &nonceBytes)
        SegmentFormat.appendLittleEndian(counter, to: &nonceBytes)
        do {
            let nonce = try AES.GCM.Nonce(data: nonceBytes)
            let box = try AES.GCM.seal(field, using: key, nonce: nonce, authenticating: context)
            var sealed: [UInt8] = [Self.formatVersion]
            sealed.reserveCapacity(Self.overheadBytes + field.count)
            sealed.append(contentsOf: nonceBytes)
            sealed.append(contentsOf: box.ciphertext)
            sealed.append(contentsOf: box.tag)
            return sealed
        } catch {
            throw .cipher("seal failed: \(error)")
        }
    }

    /// Opens what `seal` produced.
    /// - Throws: `JournalError.cipher` for a wrong key, wrong context or tampered bytes.
    public func open(_ sealed: [UInt8], authenticating context: [UInt8] = []) throws(JournalError) -> [UInt8]
    {
        guard sealed.count >= Self.overheadBytes, sealed[0] == Self.formatVersion else {
            throw .cipher("sealed field is malformed (\(sealed.count) bytes)")
        }
        do {
            let nonce = try AES.GCM.Nonce(data: sealed[1..<13])
            let box = try AES.GCM.SealedBox(
                nonce: nonce, ciphertext: sealed[13..<(sealed.count - 16)],
                tag: sealed[(sealed.count - 16)...])
            return Array(try AES.GCM.open(box, using: key, authenticating: context))
        } catch {
            throw .cipher("authentication failed (wrong key, context or tampered field)")
        }
    }

    /// The (domain, counter) nonce a sealed field used, so that recovery can resume counters
    /// above every one already journaled.
    public static func nonce(of sealed: [UInt8]) -> (domain: UInt32, counter: UInt64)? {
        guard sealed.count >= overheadBytes, sealed[0] == formatVersion else { return nil }
        let domain: UInt32 = SegmentFormat.loadLittleEndian(sealed, at: 1)
        let counter: UInt64 = SegmentFormat.loadLittleEndian(sealed, at: 5)
        return (domain, counter)
    }

    /// The next counter this cipher will use.
    public var nextCounter: UInt64 { counter.withLock { $0 } }
}
