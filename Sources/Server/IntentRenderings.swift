import Core
import DequeModule
import Services

/// The latest JSON text of the PaymentIntents rendered most recently, each with what it was
/// rendered from, so that a payment's events, its answer and the reads that follow share one
/// rendering while nothing they show has changed. A payment's events came each with a rendering
/// of their own, and its answer and every status check or list row with another: the same
/// bytes written up to seven times a payment (PERFORMANCE.md).
///
/// Bounded: `countMax` payments at most, the first kept going first (a payment rendered again
/// keeps its place). At ~1 KB a rendering, about 16 MB; at 2,000 payments a second that is the
/// last 8 seconds' payments, the span in which their events, answers and status checks come.
struct IntentRenderings {
    /// Everything a rendering reads of the processor's record, with the revision of the API's
    /// details it read: equal keys render equal bytes.
    struct Key: Equatable {
        var state: PaymentState
        var amountMinorUnits: Int64
        var amountCapturableMinorUnits: Int64
        var amountCapturedMinorUnits: Int64
        var detailsRevision: UInt64

        init(_ record: PaymentRecord, detailsRevision: UInt64) {
            state = record.payment.state
            amountMinorUnits = record.payment.amount.minorUnits
            amountCapturableMinorUnits = record.payment.amountCapturableMinorUnits
            amountCapturedMinorUnits = record.payment.amountCapturedMinorUnits
            self.detailsRevision = detailsRevision
        }
    }

    static let countMax = 16_384

    private var entries: [PaymentID: (key: Key, baseURL: String, bytes: [UInt8])] = [:]
    private var order = Deque<PaymentID>()

    /// The kept rendering of `id`, if it was rendered from `key` with `baseURL`.
    func bytes(of id: PaymentID, key: Key, baseURL: String) -> [UInt8]? {
        guard let entry = entries[id], entry.key == key, entry.baseURL == baseURL else { return nil }
        return entry.bytes
    }

    mutating func keep(_ bytes: [UInt8], of id: PaymentID, key: Key, baseURL: String) {
        if entries.updateValue((key, baseURL, bytes), forKey: id) != nil { return }
        order.append(id)
        if order.count > Self.countMax {
            entries[order.removeFirst()] = nil
        }
    }

    var count: Int { entries.count }
}
