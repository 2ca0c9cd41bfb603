/// The journal of a run that keeps nothing: it accepts every append and discards it, and reads
/// back nothing (an empty log, no snapshot), so that a reader of a run without durability finds
/// an empty history instead of a missing journal.
///
/// Positions do not advance: every append answers `.origin`, since nothing was kept to number.
public struct NullJournal: Journal {
    public init() {}

    public func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition { .origin }

    public func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]
    {
        []
    }

    /// Keeps nothing either; a position past `.origin` is past every record it holds.
    public func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        if position > .origin { throw .invalidPosition(position, last: .origin) }
    }

    public func latestSnapshot() async throws(JournalError) -> JournalSnapshot? { nil }

    public func lastPosition() async -> JournalPosition { .origin }

    public func close() async {}
}
