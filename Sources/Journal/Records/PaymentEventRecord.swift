/// A payment's state change as journaled, generic enough for every service (gateway,
/// orchestrator, webhooks, settlement, disputes) to describe its events without the Journal
/// module depending on Services: Services owns the meaning of `eventType`, `state` and
/// `amounts`.
///
/// Card data: a record never holds a card number (PAN). `encryptedCardFields` holds only bytes
/// sealed by `FieldCipher` (tokens, last four digits, brand, expiry), so a journal file leaked
/// from disk reveals nothing about cards without the run's key.
///
/// Layout (version 1): varint payment id, varint merchant id, event type u16 LE, state u8,
/// currency index u8, time ns i64 LE, varint amount count then zig-zag varint amounts, flags u8
/// (bit 0 idempotency key, bit 1 card fields), then the present optional fields length-prefixed.
public struct PaymentEventRecord: JournalCodable, Hashable, Sendable {
    public static let recordType = JournalRecordType.paymentEvent

    public var paymentID: UInt64
    public var merchantID: UInt64
    public var eventType: UInt16
    public var state: UInt8
    /// Minor units: e.g. amount, captured, refunded, fee; the event type defines the order.
    public var amounts: [Int64]
    public var currencyIndex: UInt8
    /// Simulated time of the event, nanoseconds since the run's start.
    public var timeNanoseconds: Int64
    public var idempotencyKey: String?
    /// `FieldCipher`-sealed bytes; never plaintext card data.
    public var encryptedCardFields: [UInt8]?

    public init(
        paymentID: UInt64, merchantID: UInt64, eventType: UInt16, state: UInt8, amounts: [Int64],
        currencyIndex: UInt8, timeNanoseconds: Int64, idempotencyKey: String? = nil,
        encryptedCardFields: [UInt8]? = nil
    ) {
        self.paymentID = paymentID
        self.merchantID = merchantID
        self.eventType = eventType
        self.state = state
        self.amounts = amounts
        self.currencyIndex = currencyIndex
        self.timeNanoseconds = timeNanoseconds
        self.idempotencyKey = idempotencyKey
        self.encryptedCardFields = encryptedCardFields
    }

    public func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(paymentID)
        writer.writeVarint(merchantID)
        writer.writeLittleEndian(eventType)
        writer.write(state)
        writer.write(currencyIndex)
        writer.writeLittleEndian(timeNanoseconds)
        writer.writeVarint(UInt64(amounts.count))
        for amount in amounts { writer.writeSignedVarint(amount) }
        var flags: UInt8 = 0
        if idempotencyKey != nil { flags |= 1 }
        if encryptedCardFields != nil { flags |= 2 }
        writer.write(flags)
        if let idempotencyKey { writer.writeString(idempotencyKey) }
        if let encryptedCardFields { writer.writeBytes(encryptedCardFields) }
    }

    public init(from reader: inout BinaryReader) throws(JournalError) {
        paymentID = try reader.readVarint()
        merchantID = try reader.readVarint()
        eventType = try reader.readLittleEndian()
        state = try reader.readUInt8()
        currencyIndex = try reader.readUInt8()
        timeNanoseconds = try reader.readLittleEndian()
        let count = try reader.readVarint()
        // Each amount takes at least one byte: a larger count is corruption, refused before
        // allocating. (No fixed limit, so that whatever encodes also decodes.)
        guard count <= UInt64(reader.remaining) else {
            throw .invalidField(
                "PaymentEventRecord.amounts",
                reason: "\(count) amounts cannot fit in \(reader.remaining) bytes")
        }
        var amounts: [Int64] = []
        amounts.reserveCapacity(Int(count))
        for _ in 0..<count { amounts.append(try reader.readSignedVarint()) }
        self.amounts = amounts
        let flags = try reader.readUInt8()
        guard flags & ~3 == 0 else {
            throw .invalidField("PaymentEventRecord.flags", reason: "unknown flag bits \(flags)")
        }
        idempotencyKey = flags & 1 != 0 ? try reader.readString() : nil
        encryptedCardFields =
            flags & 2 != 0 ? try reader.readBytes() : nil
    }
}
