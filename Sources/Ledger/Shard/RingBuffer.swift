/// A fixed-capacity history that overwrites its oldest element: how shards keep recent entries
/// and per-transfer nets without growing with the run's length.
struct RingBuffer<Element> {
    private var storage: [Element] = []
    private var next = 0
    let capacity: Int
    /// Elements ever appended, including overwritten ones.
    private(set) var appended: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        appended &+= 1
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[next] = element
            next = next + 1 == capacity ? 0 : next + 1
        }
    }

    /// Oldest first.
    var elements: [Element] {
        storage.count < capacity ? storage : Array(storage[next...] + storage[..<next])
    }
}

extension RingBuffer: Sendable where Element: Sendable {}
