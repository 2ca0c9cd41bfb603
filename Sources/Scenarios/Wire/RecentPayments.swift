import Core
import Synchronization

/// The payments clients were told about most recently, with their merchants' keys: what the
/// read traffic reads (a merchant checks the status of one of its recent payments). A ring of
/// `capacity` entries, so its memory does not grow with the run. An in-process run forgets a
/// payment when its journey retires it (the system no longer holds it to be read).
final class RecentPayments: Sendable {
    struct Entry: Sendable {
        var apiKey: String
        var payment: PaymentID
    }

    static let capacity = 4_096
    private struct Ring {
        var entries: [Entry] = []
        /// Where each payment of `entries` sits.
        var positions: [PaymentID: Int] = [:]
        var next = 0
    }

    private let ring = Mutex(Ring())

    func note(_ payment: PaymentID, apiKey: String) {
        ring.withLock { ring in
            let entry = Entry(apiKey: apiKey, payment: payment)
            if ring.entries.count < Self.capacity {
                ring.positions[payment] = ring.entries.count
                ring.entries.append(entry)
            } else {
                let slot = ring.next % ring.entries.count
                ring.positions[ring.entries[slot].payment] = nil
                ring.entries[slot] = entry
                ring.positions[payment] = slot
            }
            ring.next = (ring.next + 1) % Self.capacity
        }
    }

    /// Takes the payment out of the ring, if it is there: the last entry takes its place.
    func forget(_ payment: PaymentID) {
        ring.withLock { ring in
            guard let position = ring.positions.removeValue(forKey: payment) else { return }
            let last = ring.entries.removeLast()
            if position < ring.entries.count {
                ring.entries[position] = last
                ring.positions[last.payment] = position
            }
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
