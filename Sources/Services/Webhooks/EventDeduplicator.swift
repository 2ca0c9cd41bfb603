import Core
import DequeModule

/// The event ids an endpoint has already processed, remembering the most recent `capacity`.
///
/// Webhooks are delivered at least once, so endpoints must ignore repeats. The memory is bounded:
/// the oldest id is forgotten first. A repeat arriving after its id was forgotten would be
/// processed again and is not detectable here; size `capacity` above the number of events that
/// can be in retry at once.
public struct EventDeduplicator: Sendable {
    public let capacity: Int
    private var seen: Set<EventID> = []
    private var order: Deque<EventID> = []

    /// - Parameter capacity: ids remembered at most (at least 1).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Records `id`.
    /// - Returns: true the first time an id is seen, false for a repeat.
    public mutating func insert(_ id: EventID) -> Bool {
        guard seen.insert(id).inserted else { return false }
        order.append(id)
        if order.count > capacity {
            seen.remove(order.removeFirst())
        }
        return true
    }

    public func contains(_ id: EventID) -> Bool { seen.contains(id) }

    public var count: Int { seen.count }
}
