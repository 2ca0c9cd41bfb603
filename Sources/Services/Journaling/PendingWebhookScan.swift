import Core
import Journal
import Ledger

/// The webhook events a live system still owes its merchants, read from its journal: the
/// events its journaled transitions emitted (with each payment's creation event, which its
/// first transition journals) less those a `WebhookSettledRecord` shows delivered or
/// dead-lettered. What a restarted webhook dispatcher rebuilds its deliveries from, and what
/// the run checks is empty at its end.
///
/// Lighter than `PaymentSystemRecovery`: it reads payment events, bookings and settlements and
/// skips everything else (no ledger replay, no card fields, no idempotency keys). And unlike
/// recovery it rolls nothing back at the journal's end: the process is alive, so a transition
/// whose booking is not journaled yet is still being booked and its events were emitted. A
/// rollback that an earlier crash's recovery journaled is honoured, as recovery honours it.
///
/// Memory: the owed events (bounded), and one sequence per journaled payment, as long as the
/// journal read from its origin is.
package struct PendingWebhookScan: Sendable {
    /// Owed events kept at most (beyond, counted in `dropped`), as recovery bounds them.
    static let owedMax = 1 << 20
    /// Settlements read before the emission they settle, kept at most.
    static let settledUnseenMax = 1 << 20

    private(set) var owed: [UInt64: PendingWebhook] = [:]
    /// Owed events not kept (past `owedMax`).
    package private(set) var dropped = 0
    private var settledUnseen: Set<UInt64> = []
    /// Per payment, the sequence of its latest transition (present once one was read).
    private var sequences: [UInt64: Int64] = [:]
    /// Per payment, the events of its latest transition while that awaits its booking: a
    /// journaled rollback takes them back.
    private var unbooked: [UInt64: [UInt64]] = [:]

    /// Reads `journal` from its origin; or, when a snapshot replaced the journal's first
    /// records (a memory journal that drops what its snapshots cover), from that snapshot.
    /// - Parameters:
    ///   - ledgerConfiguration, cipher: the run's, needed only to open a snapshot.
    /// - Throws: `RecoveryError.undecodable` when a record of a kind it reads does not decode;
    ///   `RecoveryError.unreadableSnapshot` for a snapshot it had to start from and cannot read.
    package static func scan(
        _ journal: any Journal, ledgerConfiguration: LedgerConfiguration = LedgerConfiguration(),
        cipher: FieldCipher? = nil
    ) async throws -> [PendingWebhook] {
        var scan = PendingWebhookScan()
        do {
            for try await entry in journal.entries(from: .origin) {
                do {
                    try scan.apply(entry.record)
                } catch {
                    throw RecoveryError.undecodable(entry.position, error)
                }
            }
        } catch JournalError.compacted {
            return try await scanFromSnapshot(
                journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
        }
        return scan.pending
    }

    /// Recovery's own fold from the latest snapshot through the tail, read before crash repair:
    /// a live process rolls nothing back, so what the fold owes at the journal's end is what the
    /// light scan would have found reading from the origin.
    static func scanFromSnapshot(
        _ journal: any Journal, ledgerConfiguration: LedgerConfiguration, cipher: FieldCipher?
    ) async throws -> [PendingWebhook] {
        var fold = try await PaymentSystemRecovery.startingFold(
            journal: journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
        for try await entry in journal.entries(from: fold.position.next) { try fold.apply(entry) }
        return fold.state.owedWebhooks
    }

    /// The owed events, by id.
    package var pending: [PendingWebhook] { owed.values.sorted { $0.eventID < $1.eventID } }

    package init() {}

    /// Folds one record (records of kinds it does not read are skipped).
    /// - Throws: `JournalError` when a record of a kind it reads does not decode.
    package mutating func apply(_ record: JournalRecord) throws(JournalError) {
        switch record.type {
        case PaymentEventRecord.recordType:
            apply(try PaymentEventImage(record: record.decode(PaymentEventRecord.self)))
        case PaymentBookingRecord.recordType:
            let booking = try record.decode(PaymentBookingRecord.self)
            if booking.kind == .intent { unbooked[booking.paymentID] = nil }
        case WebhookSettledRecord.recordType:
            let settled = try record.decode(WebhookSettledRecord.self)
            if owed.removeValue(forKey: settled.eventID) == nil, settledUnseen.count < Self.settledUnseenMax {
                settledUnseen.insert(settled.eventID)
            }
        default:
            break
        }
    }

    private mutating func apply(_ image: PaymentEventImage) {
        guard case .transition(let command, let first) = image.kind else { return }
        let payment = image.payment.id.rawValue
        if command == PaymentJournalCodes.rollbackCommand {
            for event in unbooked.removeValue(forKey: payment) ?? [] { owed[event] = nil }
            sequences[payment] = max(sequences[payment] ?? .min, image.sequence)
            return
        }
        let latest = sequences[payment]
        if latest == nil { owe(.paymentIntentCreated, index: 0, image) }
        var emitted = image.moreEvents
        if let first { emitted.insert(first, at: 0) }
        var ids: [UInt64] = []
        for (offset, type) in emitted.enumerated() {
            let index = 1 + image.sequence - Int64(emitted.count) + Int64(offset)
            ids.append(owe(type, index: index, image))
        }
        // Concurrent transitions of one payment may land out of order: the later one counts.
        if image.sequence >= latest ?? .min {
            if image.expectsBooking { unbooked[payment] = ids }
            sequences[payment] = image.sequence
        }
    }

    /// Notes the event `payment << 16 | index` as owed, unless its settlement came first.
    @discardableResult
    private mutating func owe(_ type: PaymentEventType, index: Int64, _ image: PaymentEventImage) -> UInt64 {
        let event = PendingWebhook(type, index: index, image)
        let id = event.eventID.rawValue
        if settledUnseen.remove(id) != nil { return id }
        guard owed.count < Self.owedMax else {
            dropped += 1
            return id
        }
        owed[id] = event
        return id
    }
}
