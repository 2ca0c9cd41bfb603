import Core
import Synchronization

/// The payments clients were told about most recently, with their merchants' keys: what the
/// read traffic reads (a merchant checks the status of one of its recent payments). A ring of
/// `capacity` entries, so its memory does not grow with the run.
final class RecentPayments: Sendable {
    struct Entry: Sendable {
        var apiKey: String
        var payment: PaymentID
    }

    static let capacity = 4_096
    private struct Ring {
        var entries: [Entry] = []
        var next = 0
    }

    private let ring = Mutex(Ring())

    func note(_ payment: PaymentID, apiKey: String) {
        ring.withLock { ring in
            let entry = Entry(apiKey: apiKey, payment: payment)
            if ring.entries.count < Self.capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.next] = entry
            }
            ring.next = (ring.next + 1) % Self.capacity
        }
    }

    /// The entry at `unit` (in 0..<1) of the ring, or nil while it is empty.
    func pick(_ unit: Double) -> Entry? {
        ring.withLock { ring in
            guard !ring.entries.isEmpty else { return nil }
            return ring.entries[min(ring.entries.count - 1, Int(unit * Double(ring.entries.count)))]
        }
    }
}
