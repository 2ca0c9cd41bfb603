import Core
import Journal

/// The card-related fields the journal keeps about a payment, sealed with AES-GCM
/// (`FieldCipher`) under the run's journal key: the vault token, brand, funding, last four
/// digits, expiry, BIN country and fingerprint. Never a PAN: `Card` holds none, and the cipher
/// refuses to seal anything that looks like one.
///
/// Sealed once per payment, into its first journaled transition (`JournaledTransition`'s
/// `sealedCard`, or its opening's), with the payment id as the GCM nonce counter (ids are unique within a
/// journal, across restarts: a resumed system starts at the next id block) and as the
/// authenticated context (sealed fields moved onto another payment's record do not open).
///
/// Layout (version 1) of the plaintext: token string, brand string, funding string, last4
/// string, expiry month u8, expiry year u16 LE, country string, fingerprint u64 LE. Binary, so
/// that the fingerprint's hex digits never form a run the PAN detector would refuse.
public struct JournaledCardFields: Sendable, Hashable {
    public var token: String
    public var brand: String
    public var funding: String
    public var last4: String
    public var expiryMonth: Int
    public var expiryYear: Int
    public var country: String
    /// The card's fingerprint, as the fraud engine keys on it.
    public var fingerprint: UInt64

    /// The fields of `card`; `fingerprint` is the number the fraud engine derived from it.
    public init(_ card: Card, fingerprint: UInt64) {
        token = card.token
        brand = card.brand.rawValue
        funding = card.funding.rawValue
        last4 = card.last4
        expiryMonth = card.expiryMonth
        expiryYear = card.expiryYear
        country = card.country
        self.fingerprint = fingerprint
    }

    static let formatVersion: UInt8 = 1

    var plaintext: [UInt8] {
        var writer = BinaryWriter()
        writer.write(Self.formatVersion)
        writer.writeString(token)
        writer.writeString(brand)
        writer.writeString(funding)
        writer.writeString(last4)
        writer.write(UInt8(clamping: expiryMonth))
        writer.writeLittleEndian(UInt16(clamping: expiryYear))
        writer.writeString(country)
        writer.writeLittleEndian(fingerprint)
        return writer.bytes
    }

    init(plaintext: [UInt8]) throws(JournalError) {
        var reader = BinaryReader(plaintext, version: 1)
        let version = try reader.readUInt8()
        guard version == Self.formatVersion else {
            throw .invalidField("JournaledCardFields.version", reason: "unknown version \(version)")
        }
        token = try reader.readString()
        brand = try reader.readString()
        funding = try reader.readString()
        last4 = try reader.readString()
        expiryMonth = Int(try reader.readUInt8())
        let year: UInt16 = try reader.readLittleEndian()
        expiryYear = Int(year)
        country = try reader.readString()
        fingerprint = try reader.readLittleEndian()
        try reader.expectEnd()
    }

    /// The context the sealed bytes are bound to: the payment's id.
    static func context(_ payment: PaymentID) -> [UInt8] {
        withUnsafeBytes(of: payment.rawValue.littleEndian) { Array($0) }
    }

    /// Seals the fields for `payment`'s record.
    /// - Throws: `JournalError.panRejected` if a field looks like a card number, `.cipher`.
    func sealed(for payment: PaymentID, with cipher: FieldCipher) throws(JournalError) -> [UInt8] {
        try cipher.seal(plaintext, counter: payment.rawValue, authenticating: Self.context(payment))
    }

    /// Opens what `sealed(for:with:)` produced.
    /// - Throws: `JournalError.cipher` for a wrong key or bytes moved from another payment.
    static func opening(
        _ sealed: [UInt8], for payment: PaymentID, with cipher: FieldCipher
    ) throws(JournalError) -> JournaledCardFields {
        try JournaledCardFields(plaintext: cipher.open(sealed, authenticating: context(payment)))
    }
}
