import Core
import Ledger
import PaystormRuntime
import Synchronization

/// One shard of the payment orchestrator: owns the records of the payments whose id maps to it.
///
/// Every method decides and stores under the shard's lock without suspending, so a state
/// transition is decided and stored in one step: the orchestrator applies the transition
/// *before* it awaits anything (the network, the ledger), which reserves it. A concurrent
/// capture and void of one payment can therefore never both succeed, whatever the interleaving.
///
/// A lock rather than an actor: nothing here suspends, so an actor would order the same calls
/// the same way at the price of two executor jobs (a hop there and back) for each of the
/// half-dozen calls a payment makes.
final class PaymentShard: Sendable {
    private struct State {
        var records: [PaymentID: PaymentRecord] = [:]
        var transferSequence: UInt32 = 0
    }

    private let state = Mutex(State())
    /// Ledger transfer ids: `producer << 32 | sequence`, allocated in order (what the
    /// ledger's deduplication window expects of a producer).
    private let producer: UInt64
    /// The payments of each merchant, kept in step with the records held here (shared by every
    /// shard of the orchestrator).
    private let merchantIndex: MerchantPaymentIndex

    init(index: Int, merchantIndex: MerchantPaymentIndex) {
        producer = 0x1_0000 + UInt64(index)
        self.merchantIndex = merchantIndex
    }

    func insert(_ record: PaymentRecord) {
        state.withLock { $0.records[record.id] = record }
        merchantIndex.insert(record.id, merchant: record.merchant)
    }

    func record(_ id: PaymentID) -> PaymentRecord? { state.withLock { $0.records[id] } }

    /// Forgets a payment whose lifecycle is over, returning its last record.
    func remove(_ id: PaymentID) -> PaymentRecord? {
        let record = state.withLock { $0.records.removeValue(forKey: id) }
        if let record { merchantIndex.remove(id, merchant: record.merchant) }
        return record
    }

    /// Applies `command` to the payment and returns the record after it with the events to emit.
    func apply(
        _ command: PaymentCommand, to id: PaymentID, now: SimTime
    ) throws(PaymentServiceError) -> (PaymentRecord, [PaymentEventType], previous: PaymentRecord) {
        try state.withLock { (state) throws(PaymentServiceError) in
            try Self.apply(command, to: id, now: now, in: &state.records)
        }
    }

    private static func apply(
        _ command: PaymentCommand, to id: PaymentID, now: SimTime,
        in records: inout [PaymentID: PaymentRecord]
    ) throws(PaymentServiceError) -> (PaymentRecord, [PaymentEventType], previous: PaymentRecord) {
        guard var record = records[id] else { throw .paymentNotFound(id) }
        let previous = record
        let events: [PaymentEventType]
        do {
            events = try record.payment.apply(command)
        } catch .amountNotStripeCompatible(let command, let state, let currency) {
            throw .invalidAmount(
                .amountNotStripeCompatible(command: command, state: state, currency: currency))
        } catch {
            throw .unexpectedState(error)
        }
        if case .authorizationResult(.approved) = command { record.authorizedAt = now }
        if case .inquiryResult(.approved) = command { record.authorizedAt = now }
        record.eventsEmitted += events.count
        record.transitions += 1
        records[id] = record
        return (record, events, previous)
    }

    /// Puts `previous` back in place of `applied` (a transition the journal refused), unless the
    /// record changed since; returns whether it did.
    func undo(_ id: PaymentID, to previous: PaymentRecord, ifStill applied: PaymentRecord) -> Bool {
        state.withLock { state in
            Self.undo(id, to: previous, ifStill: applied, in: &state.records)
        }
    }

    private static func undo(
        _ id: PaymentID, to previous: PaymentRecord, ifStill applied: PaymentRecord,
        in records: inout [PaymentID: PaymentRecord]
    ) -> Bool {
        guard let current = records[id] else { return false }
        guard current.payment == applied.payment, current.eventsEmitted == applied.eventsEmitted else {
            return false
        }
        var restored = current
        restored.payment = previous.payment
        restored.eventsEmitted = previous.eventsEmitted
        // An undone transition did not happen: it names no events and counts for none.
        restored.transitions = previous.transitions
        restored.authorizedAt = previous.authorizedAt
        records[id] = restored
        return true
    }

    /// Changes the orchestrator's own fields of a record (hold, locked rate, booked amounts).
    /// Runs `body` on the payment's record under the lock, or answers nil for an unknown one.
    func withRecord<T>(_ id: PaymentID, _ body: (inout PaymentRecord) -> T) -> T? {
        state.withLock { state in
            guard state.records[id] != nil else { return nil }
            return body(&state.records[id]!)
        }
    }

    func update(_ id: PaymentID, _ change: @Sendable (inout PaymentRecord) -> Void) {
        // In place: a copy out and back would copy the whole record twice.
        state.withLock { state in
            guard state.records[id] != nil else { return }
            change(&state.records[id]!)
        }
    }

    /// After a restart: allocate after the highest sequence the journal shows for this shard.
    func resumeTransferIDs(after sequence: UInt32) {
        state.withLock { $0.transferSequence = max($0.transferSequence, sequence) }
    }

    var transferProducer: UInt64 { producer }

    func nextTransferIDs(_ count: Int) -> [TransferID] {
        state.withLock { state in
            (0..<count).map { _ in
                state.transferSequence &+= 1
                return TransferID(producer << 32 | UInt64(state.transferSequence))
            }
        }
    }

    /// Authorized payments whose authorization is older than `deadline`, for the expiry sweep.
    func authorizedBefore(_ deadline: SimTime) -> [PaymentID] {
        state.withLock { state in
            state.records.values.filter {
                $0.payment.state == .authorized && ($0.authorizedAt ?? .zero) < deadline
            }
            .map(\.id).sorted()
        }
    }

    /// Captured payments not yet settled, for the daily settlement run.
    func capturedUnsettled() -> [PaymentID] {
        state.withLock { state in
            state.records.values.filter { $0.payment.state == .captured }.map(\.id).sorted()
        }
    }

    func allRecords() -> [PaymentRecord] { state.withLock { Array($0.records.values) } }

    var count: Int { state.withLock { $0.records.count } }
}
