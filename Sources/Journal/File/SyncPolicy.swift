/// When the file journal calls `fdatasync`, and so what an acknowledged append survives.
public enum SyncPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Every batch the writer gathers is written and synced before its appenders resume: an
    /// acknowledged record survives a power loss. Group commit keeps this fast: one sync covers
    /// every append that queued during the previous one.
    case everyBatch
    /// Appenders resume once their batch is written (in the page cache); the writer syncs at
    /// most every `milliseconds`, and within `milliseconds` after the last write. An
    /// acknowledged record survives a process crash (SIGKILL) but up to `milliseconds` of them
    /// can be lost on a power loss, like Kafka's `flush.ms` or PostgreSQL's
    /// `synchronous_commit = off`.
    case interval(milliseconds: Int)
    /// Never syncs (the kernel writes back when it likes). For benchmarks only: it measures the
    /// journal's CPU cost without the disk's.
    case never

    public var description: String {
        switch self {
        case .everyBatch: "every-batch"
        case .interval(let milliseconds): "interval-\(milliseconds)ms"
        case .never: "never"
        }
    }
}
