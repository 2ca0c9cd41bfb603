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
        /// Each payment's record in its process, so that `handle` runs the process on the
        /// stored record in place: a copy out and back would retain and release every field of
        /// the record at each of a payment's half-dozen steps.
        var processes: [PaymentID: PaymentProcess] = [:]
        var transferIDs: TransferIDSequence
    }

    private let state: Mutex<State>
    private let producer: UInt64
    /// The payments of each merchant, kept in step with the records held here (shared by every
    /// shard of the orchestrator).
    private let merchantIndex: MerchantPaymentIndex

    init(index: Int, merchantIndex: MerchantPaymentIndex) {
        producer = 0x1_0000 + UInt64(index)
        state = Mutex(State(transferIDs: TransferIDSequence(producer: producer)))
        self.merchantIndex = merchantIndex
    }

    func insert(_ record: PaymentRecord) {
        state.withLock { $0.processes[record.id] = PaymentProcess(record: record) }
        merchantIndex.insert(record.id, merchant: record.merchant)
    }

    func record(_ id: PaymentID) -> PaymentRecord? { state.withLock { $0.processes[id]?.record } }

    /// Forgets a payment whose lifecycle is over, returning its last record.
    func remove(_ id: PaymentID) -> PaymentRecord? {
        let record = state.withLock { $0.processes.removeValue(forKey: id)?.record }
        if let record { merchantIndex.remove(id, merchant: record.merchant) }
        return record
    }

    /// Hands `input` to the payment's process, stores what it left, and appends its actions to
    /// `actions`: decided and stored in one step under the lock.
    /// - Throws: `paymentNotFound` for a payment this shard does not hold.
    func handle(
        _ input: PaymentProcess.Input, for id: PaymentID, now: SimTime, fees: FeeSchedule,
        plantedBug: PlantedBug?, inquiriesMax: Int, into actions: inout [PaymentProcess.Action]
    ) throws(PaymentServiceError) {
        try state.withLock { (state) throws(PaymentServiceError) in
            guard let index = state.processes.index(forKey: id) else { throw .paymentNotFound(id) }
            var context = PaymentProcess.Context(
                now: now, fees: fees, plantedBug: plantedBug, inquiriesMax: inquiriesMax,
                transferIDs: state.transferIDs)
            state.processes.values[index].handle(input, &context, into: &actions)
            state.transferIDs = context.transferIDs
        }
    }

    /// Changes the orchestrator's own fields of a record (hold, locked rate, booked amounts).
    /// Runs `body` on the payment's record under the lock, or answers nil for an unknown one.
    func withRecord<T>(_ id: PaymentID, _ body: (inout PaymentRecord) -> T) -> T? {
        state.withLock { state in
            guard let index = state.processes.index(forKey: id) else { return nil }
            return body(&state.processes.values[index].record)
        }
    }

    func update(_ id: PaymentID, _ change: @Sendable (inout PaymentRecord) -> Void) {
        // In place: a copy out and back would copy the whole record twice.
        state.withLock { state in
            guard let index = state.processes.index(forKey: id) else { return }
            change(&state.processes.values[index].record)
        }
    }

    /// After a restart: allocate after the highest sequence the journal shows for this shard.
    func resumeTransferIDs(after sequence: UInt32) {
        state.withLock { $0.transferIDs.sequence = max($0.transferIDs.sequence, sequence) }
    }

    var transferProducer: UInt64 { producer }

    func nextTransferIDs(_ count: Int) -> [TransferID] {
        state.withLock { $0.transferIDs.next(count) }
    }

    /// Authorized payments whose authorization is older than `deadline`, for the expiry sweep.
    func authorizedBefore(_ deadline: SimTime) -> [PaymentID] {
        state.withLock { state in
            state.processes.values.filter {
                $0.record.payment.state == .authorized && ($0.record.authorizedAt ?? .zero) < deadline
            }
            .map(\.record.id).sorted()
        }
    }

    /// Captured payments not yet settled, for the daily settlement run.
    func capturedUnsettled() -> [PaymentID] {
        state.withLock { state in
            state.processes.values.filter { $0.record.payment.state == .captured }.map(\.record.id).sorted()
        }
    }

    func allRecords() -> [PaymentRecord] { state.withLock { $0.processes.values.map(\.record) } }

    var count: Int { state.withLock { $0.processes.count } }
}
