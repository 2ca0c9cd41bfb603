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

    /// A buffer of `capacity` holding `elements` (oldest first; only the newest `capacity` are
    /// kept), as if `appended` elements had been appended in all: what a snapshot restores.
    init(capacity: Int, restoring elements: [Element], appended: UInt64) {
        self.init(capacity: capacity)
        for element in elements.suffix(self.capacity) { append(element) }
        self.appended = max(appended, UInt64(elements.count))
    }

    /// Oldest first.
    var elements: [Element] {
        storage.count < capacity ? storage : Array(storage[next...] + storage[..<next])
    }
}

extension RingBuffer: Sendable where Element: Sendable {}
