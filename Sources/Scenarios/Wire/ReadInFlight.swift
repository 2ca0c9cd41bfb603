import Synchronization

/// Reads in flight, bounded: an arrival beyond the bound is not sent.
final class ReadInFlight: Sendable {
    private let count = Mutex(0)

    func enter(_ bound: Int) -> Bool {
        count.withLock { count in
            guard count < bound else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }

    /// Reads sent and not yet answered.
    var current: Int { count.withLock { $0 } }
}
