import Journal

/// A `TransferBatch` as one journal record: what `BatchLedger` appends per submitted batch,
/// and what recovery replays.
///
/// The whole batch, refused transfers included, in one record: the journal holds the ledger's
/// *inputs* in the order it applied them, and replaying them through `BatchLedgerState` gives
/// the same bookings and the same refusals (the sans-IO rule: recovery is the same inputs
/// through the same value). One record per batch, not per transfer, so a batch costs one frame,
/// one checksum pass and its share of one sync.
///
/// Payload (version 1), little-endian, in columns so that encoding is five tight loops:
/// count u32, then `count` ids u64, debit accounts u32, credit accounts u32, amounts i64,
/// codes u16 (26 bytes a transfer).
extension TransferBatch {
    public static let recordType: UInt8 = JournalRecordType.ledgerRange.lowerBound
    static let recordVersion: UInt8 = 1
    static let recordBytesPerTransfer = 26

    /// The journal record of this batch.
    public var journalRecord: JournalRecord {
        let count = self.count
        let byteCount = 4 + count * Self.recordBytesPerTransfer
        let payload = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(
                of: UInt32(truncatingIfNeeded: count).littleEndian, toByteOffset: 0, as: UInt32.self)
            var offset = 4
            for id in ids {
                raw.storeBytes(of: id.littleEndian, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            for account in debitAccounts {
                raw.storeBytes(of: account.littleEndian, toByteOffset: offset, as: UInt32.self)
                offset += 4
            }
            for account in creditAccounts {
                raw.storeBytes(of: account.littleEndian, toByteOffset: offset, as: UInt32.self)
                offset += 4
            }
            for amount in amounts {
                raw.storeBytes(of: amount.littleEndian, toByteOffset: offset, as: Int64.self)
                offset += 8
            }
            for code in codes {
                raw.storeBytes(of: code.littleEndian, toByteOffset: offset, as: UInt16.self)
                offset += 2
            }
            initialized = offset
        }
        return JournalRecord(type: Self.recordType, version: Self.recordVersion, payload: payload)
    }

    /// The batch a journal record holds.
    /// - Throws: `JournalError.unexpectedRecordType`, `.unsupportedVersion`, or `.invalidField`
    ///   when the payload's length does not match its count.
    public init(journalRecord record: JournalRecord) throws(JournalError) {
        guard record.type == Self.recordType else {
            throw .unexpectedRecordType(expected: Self.recordType, found: record.type)
        }
        guard record.version == Self.recordVersion else {
            throw .unsupportedVersion(
                recordType: record.type, version: record.version, supported: Self.recordVersion)
        }
        let payload = record.payload
        guard payload.count >= 4 else {
            throw .invalidField("TransferBatch.count", reason: "payload of \(payload.count) bytes")
        }
        let count = payload.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        guard payload.count == 4 + count * Self.recordBytesPerTransfer else {
            throw .invalidField(
                "TransferBatch", reason: "\(payload.count) bytes cannot hold \(count) transfers")
        }
        self.init(capacity: count)
        payload.withUnsafeBytes { raw in
            let debitStart = 4 + count * 8
            let creditStart = debitStart + count * 4
            let amountStart = creditStart + count * 4
            let codeStart = amountStart + count * 8
            for index in 0..<count {
                append(
                    id: UInt64(
                        littleEndian: raw.loadUnaligned(fromByteOffset: 4 + index * 8, as: UInt64.self)),
                    debitAccount: UInt32(
                        littleEndian: raw.loadUnaligned(
                            fromByteOffset: debitStart + index * 4, as: UInt32.self)),
                    creditAccount: UInt32(
                        littleEndian: raw.loadUnaligned(
                            fromByteOffset: creditStart + index * 4, as: UInt32.self)),
                    amount: Int64(
                        littleEndian: raw.loadUnaligned(
                            fromByteOffset: amountStart + index * 8, as: Int64.self)),
                    code: UInt16(
                        littleEndian: raw.loadUnaligned(
                            fromByteOffset: codeStart + index * 2, as: UInt16.self)))
            }
        }
    }
}
