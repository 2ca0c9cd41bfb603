import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The single writer of a file journal: gathers queued appends into one write and one
/// `fdatasync`, rotates segments, and resumes appenders once their batch is durable.
///
/// Why a dedicated OS thread (Foundation `Thread`) with real time, not a task: `pwrite` and
/// `fdatasync` block for the disk (about 180 us per sync here). Blocking a cooperative-pool
/// thread would stall unrelated actors (and, under the deterministic runtime, the only thread
/// that runs the simulation). This is I/O, not simulation, so the determinism rules do not apply
/// to it; the simulation only observes when its append's continuation resumes.
///
/// `@unchecked Sendable`: after `start()`, every field is touched only by the writer thread.
final class SegmentWriter: @unchecked Sendable {
    private let directory: String
    private let configuration: FileJournal.Configuration
    private let queue: GroupCommitQueue
    private var segments: [SegmentInfo]
    private var descriptor: Int32 = -1
    private var path: String
    /// Bytes of the current segment on disk (written, not necessarily synced).
    private var offset: Int64
    private var nextSequence: UInt64
    private var buffer: [UInt8] = []
    private var unsynced = false
    private var lastSync = ContinuousClock.now
    private var syncDeadline: Date?
    /// The directory lock, released when the writer exits.
    private let lock: Int32

    init(
        directory: String, configuration: FileJournal.Configuration, queue: GroupCommitQueue,
        segments: [SegmentInfo], lock: Int32
    ) throws(JournalError) {
        self.directory = directory
        self.configuration = configuration
        self.queue = queue
        self.segments = segments
        self.lock = lock
        let current = segments.last!
        self.path = directory + "/" + current.name
        self.offset = current.endOffset
        self.nextSequence = current.lastSequence + 1
        self.descriptor = try FileIO.open(path, flags: O_WRONLY)
        buffer.reserveCapacity(min(configuration.batchBytesMax, 1 << 20) + SegmentFormat.headerBytes)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "paystorm-journal-writer"
        thread.start()
    }

    private func run() {
        loop: while true {
            switch queue.nextWork(batchBytesMax: configuration.batchBytesMax, syncDeadline: syncDeadline) {
            case .write(let batch):
                write(batch)
            case .sync:
                var syncs = 0
                do throws(JournalError) {
                    try sync(counting: &syncs)
                    queue.published(
                        segments: segments, batch: 0, writes: 0, syncs: syncs, bytes: 0, segmentsCreated: 0)
                } catch {
                    fail(error, batch: [])
                }
            case .exit:
                break loop
            }
        }
        if queue.failure == nil && configuration.syncPolicy != .never && unsynced {
            var syncs = 0
            if (try? sync(counting: &syncs)) != nil {
                queue.published(
                    segments: segments, batch: 0, writes: 0, syncs: syncs, bytes: 0, segmentsCreated: 0)
            }
        }
        if descriptor >= 0 { FileIO.close(descriptor) }
        descriptor = -1
        FileIO.close(lock)
        for waiter in queue.writerDidExit() { waiter.resume() }
    }

    private func write(_ batch: [GroupCommitQueue.PendingAppend]) {
        if queue.failure != nil {
            for append in batch { append.completion.resume(returning: .failure(queue.failure ?? .closed)) }
            return
        }
        var positions: [JournalPosition] = []
        positions.reserveCapacity(batch.count)
        var writes = 0
        var syncs = 0
        var bytes = 0
        var created = 0
        do throws(JournalError) {
            buffer.removeAll(keepingCapacity: true)
            for append in batch {
                for record in append.records {
                    let frameBytes = SegmentFormat.frameBytes(payloadBytes: record.payload.count)
                    let end = offset + Int64(buffer.count)
                    if end + Int64(frameBytes) > Int64(configuration.segmentBytesMax)
                        && end > Int64(SegmentFormat.headerBytes)
                    {
                        try flush(writes: &writes, bytes: &bytes)
                        try rotate(syncs: &syncs)
                        created += 1
                    }
                    let frameOffset = offset + Int64(buffer.count)
                    SegmentFormat.appendFrame(sequence: nextSequence, record: record, to: &buffer)
                    segments[segments.count - 1].noteFrame(
                        sequence: nextSequence, offset: frameOffset, bytes: frameBytes,
                        indexIntervalBytes: configuration.indexIntervalBytes)
                    nextSequence += 1
                }
                positions.append(JournalPosition(nextSequence - 1))
            }
            try flush(writes: &writes, bytes: &bytes)
            switch configuration.syncPolicy {
            case .everyBatch:
                try sync(counting: &syncs)
            case .interval(let milliseconds):
                if ContinuousClock.now - lastSync >= .milliseconds(milliseconds) {
                    try sync(counting: &syncs)
                } else {
                    let remaining = Duration.milliseconds(milliseconds) - (ContinuousClock.now - lastSync)
                    let seconds =
                        Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
                    syncDeadline = Date(timeIntervalSinceNow: max(0, seconds))
                }
            case .never:
                break
            }
        } catch {
            fail(error, batch: batch)
            return
        }
        queue.published(
            segments: segments, batch: batch.count, writes: writes, syncs: syncs, bytes: bytes,
            segmentsCreated: created)
        for (append, position) in zip(batch, positions) {
            append.completion.resume(returning: .success(position))
        }
    }

    private func flush(writes: inout Int, bytes: inout Int) throws(JournalError) {
        guard !buffer.isEmpty else { return }
        let descriptor = descriptor
        let path = path
        let offset = offset
        try FileIO.write(descriptor, buffer, at: offset, path: path)
        self.offset += Int64(buffer.count)
        writes += 1
        bytes += buffer.count
        unsynced = true
        buffer.removeAll(keepingCapacity: true)
    }

    private func sync(counting syncs: inout Int) throws(JournalError) {
        guard unsynced else { return }
        try FileIO.dataSync(descriptor, path: path)
        syncs += 1
        unsynced = false
        lastSync = .now
        syncDeadline = nil
    }

    /// Closes the full segment (synced, unless the policy never syncs) and starts the next; its
    /// header goes into the buffer ahead of the frame that did not fit.
    private func rotate(syncs: inout Int) throws(JournalError) {
        if configuration.syncPolicy != .never { try sync(counting: &syncs) }
        FileIO.close(descriptor)
        descriptor = -1
        let name = SegmentFormat.fileName(firstSequence: nextSequence)
        path = directory + "/" + name
        descriptor = try FileIO.open(path, flags: O_WRONLY | O_CREAT | O_EXCL)
        if configuration.syncPolicy != .never { try FileIO.syncDirectory(directory) }
        offset = 0
        SegmentFormat.appendHeader(firstSequence: nextSequence, to: &buffer)
        segments.append(SegmentInfo(firstSequence: nextSequence, name: name))
    }

    /// A failed write or sync leaves the file's state unknown (after a failed fsync the page
    /// cache may have dropped the dirty data: PostgreSQL's "fsyncgate"), so the journal stops
    /// accepting appends rather than retry and pretend.
    private func fail(_ error: JournalError, batch: [GroupCommitQueue.PendingAppend]) {
        let rest = queue.failed(error)
        for append in batch + rest { append.completion.resume(returning: .failure(error)) }
    }
}
