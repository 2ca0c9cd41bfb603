import Core
import Journal

/// The fold as bytes, inside a recovery snapshot.
///
/// Layout (version 1): the configuration it was folded under (shard count, stripes, window,
/// histories, limits: a snapshot restores only into a ledger configured alike), the replay
/// report, the chunk and the deferred transfers (each a length-prefixed `LedgerTransferRecord`
/// payload), then every shard (`LedgerShardState.encode`).
extension LedgerFold {
    /// The layout `encode` writes; `init(from:configuration:)` reads 1...this.
    public static let snapshotFormatVersion: UInt8 = 1

    public func encode(into writer: inout BinaryWriter) {
        writer.write(Self.snapshotFormatVersion)
        for value in Self.shape(configuration) { writer.writeVarint(value) }
        writer.writeVarint(UInt64(chunkSize))
        precondition(replay.isIdle, "snapshot of a ledger fold in the middle of a submission")
        let report = replay.report
        writer.writeVarint(UInt64(report.transfersRead))
        writer.writeVarint(UInt64(report.otherRecords))
        writer.writeVarint(UInt64(report.applied))
        writer.writeVarint(UInt64(report.alreadyApplied))
        writer.writeVarint(UInt64(report.appliedAfterDeferral))
        writer.writeVarint(UInt64(report.rejected))
        writer.writeVarint(UInt64(report.rejectedExamples.count))
        for example in report.rejectedExamples { writer.writeString(example) }
        for transfers in [replay.chunk, replay.deferred] {
            writer.writeVarint(UInt64(transfers.count))
            for transfer in transfers { transfer.encodeLengthPrefixed(into: &writer) }
        }
        for shard in shards { shard.encode(into: &writer) }
    }

    /// Reads what `encode` wrote, for a ledger configured by `configuration`.
    /// - Throws: `JournalError.unsupportedVersion` for a newer layout, `.invalidField` when the
    ///   snapshot was folded under another ledger configuration or holds impossible values,
    ///   `.truncated` and friends for damaged bytes.
    public init(from reader: inout BinaryReader, configuration: LedgerConfiguration) throws(JournalError) {
        let version = try reader.readUInt8()
        guard version >= 1 && version <= Self.snapshotFormatVersion else {
            throw .unsupportedVersion(recordType: 0, version: version, supported: Self.snapshotFormatVersion)
        }
        let expected = Self.shape(configuration)
        var found: [UInt64] = []
        for _ in expected { found.append(try reader.readVarint()) }
        guard found == expected else {
            throw .invalidField(
                "ledger snapshot configuration",
                reason: "folded under ledger shape \(found), this ledger is \(expected) "
                    + "(shards, stripes, window, entry and net histories, accounts, pending, legs)")
        }
        let chunkSize = try reader.readVarint()
        do {
            try self.init(configuration: configuration, chunkSize: Int(clamping: chunkSize))
        } catch {
            throw .invalidField("ledger snapshot configuration", reason: "\(error)")
        }
        var report = LedgerReplayReport()
        report.transfersRead = try Self.readInt(&reader)
        report.otherRecords = try Self.readInt(&reader)
        report.applied = try Self.readInt(&reader)
        report.alreadyApplied = try Self.readInt(&reader)
        report.appliedAfterDeferral = try Self.readInt(&reader)
        report.rejected = try Self.readInt(&reader)
        let examples = try reader.readCount("ledger snapshot rejected examples")
        guard examples <= LedgerReplayReport.rejectedExamplesMax else {
            throw .invalidField("ledger snapshot rejected examples", reason: "\(examples) examples")
        }
        for _ in 0..<examples { report.rejectedExamples.append(try reader.readString(maxLength: 4_096)) }
        let chunk = try Self.readTransfers(&reader, "chunk")
        let deferred = try Self.readTransfers(&reader, "deferred")
        guard chunk.count < self.chunkSize, deferred.count <= ReplayStateMachine.deferredMax else {
            throw .invalidField(
                "ledger snapshot", reason: "\(chunk.count) queued, \(deferred.count) deferred")
        }
        replay = ReplayStateMachine(
            chunkSize: self.chunkSize, report: report, chunk: chunk, deferred: deferred)
        for index in shards.indices {
            shards[index] = try LedgerShardState(index: index, configuration: configuration, from: &reader)
        }
    }

    /// The configuration values a restored fold must agree on: they decide where an account
    /// lives, what the window remembers and what the histories keep.
    private static func shape(_ configuration: LedgerConfiguration) -> [UInt64] {
        [
            configuration.shardCount, configuration.stripeCount, configuration.deduplicationWindowPerShard,
            configuration.entryHistoryPerShard, configuration.transferNetHistoryPerShard,
            configuration.accountsPerShardMax, configuration.pendingPerShardMax,
            configuration.legsPerTransferMax,
        ].map { UInt64($0) }
    }

    private static func readInt(_ reader: inout BinaryReader) throws(JournalError) -> Int {
        let value = try reader.readVarint()
        guard value <= UInt64(Int.max) else {
            throw .invalidField("ledger snapshot count", reason: "\(value) out of range")
        }
        return Int(value)
    }

    private static func readTransfers(
        _ reader: inout BinaryReader, _ field: String
    ) throws(JournalError)
        -> [Transfer]
    {
        let count = try reader.readCount("ledger snapshot \(field)")
        var transfers: [Transfer] = []
        transfers.reserveCapacity(count)
        for _ in 0..<count { transfers.append(try Transfer(lengthPrefixedFrom: &reader)) }
        return transfers
    }
}

extension Transfer {
    /// The transfer as a length-prefixed `LedgerTransferRecord` payload (version 1), as a
    /// booking intent nests it: how snapshots hold transfers.
    public func encodeLengthPrefixed(into writer: inout BinaryWriter) {
        var inner = BinaryWriter()
        journalRecord.encode(into: &inner)
        writer.writeBytes(inner.bytes)
    }

    /// Reads what `encodeLengthPrefixed` wrote.
    /// - Throws: `JournalError` for damaged bytes or a transfer the ledger cannot represent.
    public init(lengthPrefixedFrom reader: inout BinaryReader) throws(JournalError) {
        var inner = BinaryReader(try reader.readBytes(), version: 1)
        let record = try LedgerTransferRecord(from: &inner)
        try inner.expectEnd()
        try self.init(journalRecord: record)
    }
}

/// As the bytes `encodeLengthPrefixed` writes: what a journal record or a snapshot coded by
/// `BinaryEncoder` holds, written in place (any other encoder gets them as a byte array).
extension Transfer: Codable {
    public func encode(to encoder: any Encoder) throws {
        if BinaryEncoder.write(through: encoder, encodeLengthPrefixed) { return }
        var writer = BinaryWriter()
        encodeLengthPrefixed(into: &writer)
        var container = encoder.singleValueContainer()
        try container.encode(writer.bytes)
    }

    public init(from decoder: any Decoder) throws {
        if let transfer = try BinaryDecoder.read(through: decoder, Transfer.init(lengthPrefixedFrom:)) {
            self = transfer
            return
        }
        var reader = BinaryReader(try decoder.singleValueContainer().decode([UInt8].self))
        try self.init(lengthPrefixedFrom: &reader)
        try reader.expectEnd()
    }
}
