/// A durable, ordered log of records: where every state change and ledger transfer is written
/// before it is acknowledged, and from which the whole in-memory state can be rebuilt.
///
/// One protocol with several backends (`InMemoryJournal`, `FileJournal`, later a database) so
/// that a run chooses its durability with a flag (`JournalLocation`) and nothing above this
/// module links a storage driver.
///
/// Positions are record sequence numbers, 1-based and contiguous: the first record ever appended
/// is at position 1, and a batch of `n` records occupies `n` consecutive positions.
public protocol Journal: Sendable {
    /// Appends `records` as one contiguous run of positions and returns the position of the last
    /// one, once the batch is durable as the backend's sync policy defines durable.
    ///
    /// An empty batch appends nothing and returns the current last position.
    /// - Throws: `JournalError.closed` after `close()`, `.recordTooLarge` for an oversized
    ///   payload, `.io` when the backend failed (the journal then refuses further appends).
    func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition

    /// Up to `limit` durable entries starting at `position` (inclusive; `.origin` reads from the
    /// first record). Returns fewer, or none, at the end of the log. To continue, pass
    /// `entries.last!.position.next`.
    /// - Throws: `JournalError.corruptRecord` if stored data fails its checksum on the way back,
    ///   `.compacted` if `position` was dropped after a snapshot covered it.
    func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]

    /// Stores `data`, an encoding of the whole state after applying every record up to and
    /// including `position`, so that replay can start at `position.next` instead of at zero.
    /// Replaces the previous snapshot. A backend with retention (`InMemoryJournal` with
    /// `dropsSnapshottedRecords`) may then drop the records at or before `position`; reading
    /// them throws `JournalError.compacted`.
    /// - Throws: `JournalError.invalidPosition` if `position` is beyond the last durable record.
    func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError)

    /// The most recent snapshot, or nil if none was ever taken.
    func latestSnapshot() async throws(JournalError) -> JournalSnapshot?

    /// The position of the last durable record (`.origin` when the journal is empty).
    func lastPosition() async -> JournalPosition

    /// Completes every append already accepted, makes it durable, and releases the backend.
    /// Later appends throw `JournalError.closed`. Idempotent.
    func close() async
}
