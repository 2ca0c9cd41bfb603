import Synchronization

/// A `NetworkMovementBook` behind a lock, as a class: `Mutex` cannot be copied, so the
/// orchestrator's array of books (one per payment shard) holds these.
final class LockedMovementBook: Sendable {
    private let book: Mutex<NetworkMovementBook>

    init(_ book: NetworkMovementBook) { self.book = Mutex(book) }

    func withLock<Result: Sendable>(_ body: (inout sending NetworkMovementBook) -> sending Result) -> Result {
        book.withLock { body(&$0) }
    }
}
