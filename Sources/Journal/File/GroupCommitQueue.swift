import Foundation

/// The state appenders, readers and the writer thread share, guarded by one condition lock.
///
/// Appenders enqueue and park on a continuation; the writer thread takes everything queued
/// while it was busy as one batch. Critical sections are a few array operations; no I/O happens
/// under the lock.
///
/// `@unchecked Sendable`: every mutable field is read and written only with `condition` held.
final class GroupCommitQueue: @unchecked Sendable {
    typealias Completion = UnsafeContinuation<Result<JournalPosition, JournalError>, Never>

    struct PendingAppend {
        let records: [JournalRecord]
        let bytes: Int
        let completion: Completion
    }

    let condition = NSCondition()
    private var queue: [PendingAppend] = []
    private var closing = false
    private var writerWaiting = false
    private var writerExited = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    /// Set by the writer after a failed write or sync; refuses every later append with it.
    private(set) var failure: JournalError?
    /// Segments as of the last completed batch: what readers may read.
    private var segments: [SegmentInfo]
    private var statistics = FileJournal.Statistics()

    init(segments: [SegmentInfo]) {
        self.segments = segments
    }

    // MARK: Appenders and readers

    /// Queues an append, or completes it at once with the reason it cannot be accepted.
    func enqueue(_ records: [JournalRecord], bytes: Int, completion: Completion) {
        condition.lock()
        if let failure {
            condition.unlock()
            completion.resume(returning: .failure(failure))
            return
        }
        if closing {
            condition.unlock()
            completion.resume(returning: .failure(.closed))
            return
        }
        queue.append(PendingAppend(records: records, bytes: bytes, completion: completion))
        statistics.appendCalls += 1
        statistics.recordsAppended += UInt64(records.count)
        if writerWaiting { condition.signal() }
        condition.unlock()
    }

    /// The readable segments (value copy) and last durable position.
    func view() -> [SegmentInfo] {
        condition.lock()
        defer { condition.unlock() }
        return segments
    }

    func lastPosition() -> JournalPosition {
        condition.lock()
        defer { condition.unlock() }
        return JournalPosition(segments.last?.lastSequence ?? 0)
    }

    func currentStatistics() -> FileJournal.Statistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    /// Asks the writer to finish; `waiter`, if any, resumes once it has exited.
    func close(waiter: CheckedContinuation<Void, Never>?) {
        condition.lock()
        closing = true
        if writerExited {
            condition.unlock()
            waiter?.resume()
            return
        }
        if let waiter { closeWaiters.append(waiter) }
        condition.signal()
        condition.unlock()
    }

    // MARK: Writer thread

    /// What the writer should do next.
    enum Work {
        case write([PendingAppend])
        /// Nothing queued but written data awaits its interval sync.
        case sync
        case exit
    }

    /// Blocks the writer thread until there is work. `syncDeadline` is when an interval sync
    /// falls due (nil when nothing is unsynced).
    func nextWork(batchBytesMax: Int, syncDeadline: Date?) -> Work {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if !queue.isEmpty {
                var count = 0
                var bytes = 0
                while count < queue.count && (count == 0 || bytes + queue[count].bytes <= batchBytesMax) {
                    bytes += queue[count].bytes
                    count += 1
                }
                let batch = Array(queue[0..<count])
                queue.removeFirst(count)
                return .write(batch)
            }
            if closing { return .exit }
            writerWaiting = true
            if let syncDeadline {
                if !condition.wait(until: syncDeadline) {
                    writerWaiting = false
                    if queue.isEmpty && !closing { return .sync }
                }
            } else {
                condition.wait()
            }
            writerWaiting = false
        }
    }

    /// Publishes a completed batch to readers and counts it.
    func published(
        segments: [SegmentInfo], batch: Int, writes: Int, syncs: Int, bytes: Int, segmentsCreated: Int
    ) {
        condition.lock()
        self.segments = segments
        statistics.batches += batch > 0 ? 1 : 0
        statistics.batchAppendsMax = max(statistics.batchAppendsMax, batch)
        statistics.writeCalls += UInt64(writes)
        statistics.syncCalls += UInt64(syncs)
        statistics.bytesWritten += UInt64(bytes)
        statistics.segmentsCreated += UInt64(segmentsCreated)
        condition.unlock()
    }

    /// Records a write or sync failure and returns every queued append, to be failed with it.
    func failed(_ error: JournalError) -> [PendingAppend] {
        condition.lock()
        defer { condition.unlock() }
        if failure == nil { failure = error }
        let rest = queue
        queue.removeAll()
        return rest
    }

    /// Marks the writer gone and returns the close waiters to resume.
    func writerDidExit() -> [CheckedContinuation<Void, Never>] {
        condition.lock()
        defer { condition.unlock() }
        writerExited = true
        let waiters = closeWaiters
        closeWaiters.removeAll()
        return waiters
    }
}
