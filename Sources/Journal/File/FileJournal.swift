import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A durable journal: an append-only log of checksummed records in fixed-size segment files,
/// written by one thread with group commit.
///
/// Group commit: appenders queue their records and suspend; the writer thread takes everything
/// queued while the previous write and `fdatasync` were in progress, writes it with one `pwrite`
/// and makes it durable with one `fdatasync`, then resumes each appender with its position. With
/// one sync costing about 180 us, per-record syncing caps a journal near 5,500 records/s; grouping
/// makes the cost per batch, so throughput grows with concurrency.
///
/// Opening runs recovery (`recoveryReport` says what it found): a torn tail is truncated, and
/// corruption that valid records follow throws `JournalError.corruptRecord` naming the segment
/// and offset. See `SegmentFormat` for the layout.
///
/// Reads and snapshots do their (short) blocking I/O on the caller's thread: a `pread` of a
/// recently written, page-cached segment costs microseconds. Appends never block the caller;
/// they suspend until the writer thread resumes them.
///
/// Retention: segments are never deleted, not even those a snapshot wholly covers (a choice,
/// not an omission: the whole log stays available to `paystorm recover` and to a replay from
/// zero when a snapshot is unreadable); disk use grows with the run, bounded by the disk.
public final class FileJournal: Journal {
    public let directory: String
    public let configuration: Configuration
    /// What recovery found when this journal was opened.
    public let recoveryReport: RecoveryReport
    private let queue: GroupCommitQueue
    /// Serializes snapshot writes so that a slower, older snapshot cannot replace a newer one.
    private let snapshotLock = Mutex(())

    /// Opens (creating if needed) the journal in `directory`, recovering its log.
    /// - Throws: `JournalError.corruptRecord` for corruption recovery must not cut,
    ///   `.io` for file system failures, `.invalidConfiguration`.
    public init(directory: String, configuration: Configuration = Configuration()) throws(JournalError) {
        try configuration.validate()
        self.directory = directory
        self.configuration = configuration
        let lock = try FileIO.lockDirectory(directory)
        let recovered: SegmentRecovery.Result
        let writer: SegmentWriter
        let queue: GroupCommitQueue
        do throws(JournalError) {
            recovered = try SegmentRecovery.recover(directory: directory, configuration: configuration)
            queue = GroupCommitQueue(segments: recovered.segments)
            writer = try SegmentWriter(
                directory: directory, configuration: configuration, queue: queue,
                segments: recovered.segments,
                lock: lock)
        } catch {
            FileIO.close(lock)
            throw error
        }
        self.recoveryReport = recovered.report
        self.queue = queue
        writer.start()
    }

    deinit {
        queue.close(waiter: nil)
    }

    public func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
        if records.isEmpty { return queue.lastPosition() }
        var bytes = 0
        for record in records {
            guard record.payload.count <= configuration.recordBytesMax else {
                throw .recordTooLarge(bytes: record.payload.count, max: configuration.recordBytesMax)
            }
            bytes += SegmentFormat.frameBytes(payloadBytes: record.payload.count)
        }
        let queue = queue
        // Unsafe rather than checked: the writer resumes every queued continuation exactly once
        // (with its position or the failure), and the checked wrapper's allocation is a
        // measurable share of an append's cost.
        let result = await withUnsafeContinuation { completion in
            queue.enqueue(records, bytes: bytes, completion: completion)
        }
        return try result.get()
    }

    public func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]
    {
        let segments = queue.view()
        var sequence = max(position.sequence, 1)
        guard limit > 0, let last = segments.last?.lastSequence, sequence <= last else { return [] }
        // The last segment whose first sequence is at or before `sequence`.
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].firstSequence <= sequence { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return [] }
        var entries: [JournalEntry] = []
        entries.reserveCapacity(min(limit, Int(clamping: last - sequence + 1)))
        for segment in segments[(low - 1)...] where entries.count < limit && !segment.isEmpty {
            try read(segment, from: &sequence, limit: limit, into: &entries)
        }
        return entries
    }

    /// Appends the entries of `segment` from `sequence` on, verifying every frame again (a
    /// disk can rot after recovery).
    private func read(
        _ segment: SegmentInfo, from sequence: inout UInt64, limit: Int, into entries: inout [JournalEntry]
    ) throws(JournalError) {
        let path = directory + "/" + segment.name
        let descriptor = try FileIO.open(path, flags: O_RDONLY)
        defer { FileIO.close(descriptor) }
        var (frameSequence, offset) = segment.startOffset(for: sequence)
        let chunkBytes = 1 << 20
        while entries.count < limit && frameSequence <= segment.lastSequence && offset < segment.endOffset {
            let want = Int(
                min(Int64(max(chunkBytes, configuration.recordBytesMax + 64)), segment.endOffset - offset))
            let bytes = try FileIO.read(descriptor, count: want, at: offset, path: path)
            var position = 0
            parse: while position < bytes.count && entries.count < limit {
                switch SegmentFormat.parseFrame(
                    bytes, at: position, payloadBytesMax: configuration.recordBytesMax)
                {
                case .frame(let found, let record, let frameBytes):
                    guard found == frameSequence else {
                        throw .corruptRecord(
                            segment: segment.name, offset: offset + Int64(position),
                            reason: "sequence \(found) where \(frameSequence) was expected")
                    }
                    if found >= sequence {
                        entries.append(JournalEntry(position: JournalPosition(found), record: record))
                        sequence = found + 1
                    }
                    frameSequence += 1
                    position += frameBytes
                case .incomplete(let reason):
                    // The frame continues past this chunk; reread from its start, unless the
                    // segment itself ends here (which recovery and the writer rule out).
                    if position == 0 {
                        throw .corruptRecord(segment: segment.name, offset: offset, reason: reason)
                    }
                    break parse
                case .invalid(let reason):
                    throw .corruptRecord(
                        segment: segment.name, offset: offset + Int64(position), reason: reason)
                }
            }
            offset += Int64(position)
        }
    }

    public func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        let last = queue.lastPosition()
        guard position <= last else { throw .invalidPosition(position, last: last) }
        try snapshotLock.withLock { (_) throws(JournalError) in
            try SnapshotFile.write(JournalSnapshot(position: position, data: data), directory: directory)
        }
    }

    public func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
        guard let snapshot = try SnapshotFile.read(directory: directory) else { return nil }
        let last = queue.lastPosition()
        guard snapshot.position <= last else {
            throw .corruptSnapshot(
                file: SnapshotFile.name,
                reason: "it covers position \(snapshot.position) but the journal ends at \(last)")
        }
        return snapshot
    }

    public func lastPosition() async -> JournalPosition {
        queue.lastPosition()
    }

    public func close() async {
        let queue = queue
        await withCheckedContinuation { waiter in queue.close(waiter: waiter) }
    }

    /// Counters of the work done so far.
    public func statistics() -> Statistics {
        queue.currentStatistics()
    }
}
