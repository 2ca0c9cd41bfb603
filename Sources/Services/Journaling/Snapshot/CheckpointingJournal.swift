import Journal
import PaystormRuntime

/// A journal that has its `JournalCheckpointer` catch up whenever an append reaches the next
/// snapshot's position: the run's journal with snapshots on.
///
/// In a deterministic run the catch-up runs inline, in the appender's task, after its append
/// is durable (so the appender's answer is not delayed in virtual time, and no job is added to
/// the scheduler). In a concurrent run it is spawned through the runtime, so that no client
/// waits for a snapshot's encoding. Everything else passes straight through.
package final class CheckpointingJournal: Journal {
    package let base: any Journal
    package let checkpointer: JournalCheckpointer
    private let runtime: any Runtime

    package init(_ base: any Journal, checkpointer: JournalCheckpointer, runtime: any Runtime) {
        self.base = base
        self.checkpointer = checkpointer
        self.runtime = runtime
    }

    package func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
        let position = try await base.append(records)
        if checkpointer.claim(at: position) {
            if runtime.isDeterministic {
                await checkpointer.runClaimed()
            } else {
                let checkpointer = checkpointer
                runtime.spawn { await checkpointer.runClaimed() }
            }
        }
        return position
    }

    package func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]
    {
        try await base.read(from: position, limit: limit)
    }

    package func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        try await base.snapshot(data, upTo: position)
    }

    package func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
        try await base.latestSnapshot()
    }

    package func lastPosition() async -> JournalPosition {
        await base.lastPosition()
    }

    package func close() async {
        await base.close()
    }
}
