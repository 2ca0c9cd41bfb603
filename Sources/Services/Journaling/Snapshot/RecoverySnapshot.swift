import Journal
import Ledger

/// The bytes `Journal.snapshot(_:upTo:)` stores for a payment system: a `RecoveryFold` after
/// the record at `position`, checksummed, so that recovery can start there instead of at zero.
///
/// Layout: magic "PSRS" | version u8 | position varint | records varint | the payment fold
/// (`PaymentRecoveryState`, as `BinaryEncoder` writes its fields) | the ledger fold
/// (`LedgerFold.encode`, its own version first) | CRC-32C (u32 LE) of every byte before it.
///
/// The checksum is the snapshot's own, whatever the backend: the file journal checks its file
/// frame, but a memory journal (or a future database) stores bytes without one, and a snapshot
/// that decodes to the wrong state would be replayed on silently. A snapshot that fails the
/// checksum, does not decode or was written by another version is refused with
/// `RecoveryError.unreadableSnapshot`; recovery never falls back to guessing.
///
/// Versions: 5 holds a recovered payment's amounts as Core's `Payment`. Earlier versions are refused, not converted: a snapshot is a
/// cache of the journal, so a file journal, which keeps every record, recovers by replaying it
/// from the start once that snapshot is removed (the error says so).
///
/// Card fields stay sealed under the run's journal key (AES-GCM), as in the records.
enum RecoverySnapshot {
    static let magic: [UInt8] = Array("PSRS".utf8)
    /// The layout this build writes and reads.
    static let formatVersion: UInt8 = 5

    static func encode(_ fold: RecoveryFold) throws -> [UInt8] {
        var writer = BinaryWriter(capacity: 1 << 16)
        writer.writeRaw(magic)
        writer.write(formatVersion)
        writer.writeVarint(fold.position.sequence)
        writer.writeVarint(UInt64(fold.records))
        precondition(!fold.state.isFinished, "snapshot of a recovery fold after finish()")
        try BinaryEncoder().encode(fold.state, into: &writer)
        fold.ledger.encode(into: &writer)
        writer.writeLittleEndian(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// The fold `snapshot` holds, for a ledger configured by `ledgerConfiguration`.
    /// - Throws: `RecoveryError.unreadableSnapshot` naming the position and what is wrong.
    static func decode(
        _ snapshot: JournalSnapshot, ledgerConfiguration: LedgerConfiguration, cipher: FieldCipher?
    ) throws(RecoveryError) -> RecoveryFold {
        func refuse(_ reason: String) -> RecoveryError {
            .unreadableSnapshot(snapshot.position, reason)
        }
        let data = snapshot.data
        guard data.count >= magic.count + 2 + 4, Array(data[0..<magic.count]) == magic else {
            throw refuse("not a payment-system snapshot (bad magic or \(data.count) bytes)")
        }
        let body = data[..<(data.count - 4)]
        var stored: UInt32 = 0
        for (index, byte) in data.suffix(4).enumerated() { stored |= UInt32(byte) << (8 * index) }
        guard CRC32C.checksum(body) == stored else { throw refuse("checksum mismatch") }
        let version = data[magic.count]
        guard version == formatVersion else {
            throw refuse(
                "format version \(version); this build reads \(formatVersion) only (the snapshot is a "
                    + "cache of the journal: remove it to recover by replaying every record)")
        }
        var reader = BinaryReader(Array(body.dropFirst(magic.count + 1)), version: version)
        do {
            let sequence = try reader.readVarint()
            guard sequence == snapshot.position.sequence else {
                throw JournalError.invalidField(
                    "snapshot position",
                    reason: "data says #\(sequence), the journal stored it at \(snapshot.position)")
            }
            let records = try reader.readVarint()
            guard records <= sequence else {
                throw JournalError.invalidField(
                    "snapshot records", reason: "\(records) records by #\(sequence)")
            }
            var state = try BinaryDecoder().decode(PaymentRecoveryState.self, from: &reader)
            try state.openCards(with: cipher)
            let ledger = try LedgerFold(from: &reader, configuration: ledgerConfiguration)
            try reader.expectEnd()
            return RecoveryFold(
                state: state, ledger: ledger, position: snapshot.position, records: Int(records))
        } catch let error as JournalError {
            if case .cipher(let reason) = error { throw .cardFields(snapshot.position, reason) }
            throw refuse("it does not decode: \(error)")
        } catch {
            throw refuse("it does not decode: \(error)")
        }
    }
}
