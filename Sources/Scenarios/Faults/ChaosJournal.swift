import Core
import Journal
import PaystormRuntime
import Services
import Synchronization

/// The run's journal as the chaos layer sees it: the real journal behind switches that slow its
/// syncs (`journal_slow_sync`) or fail them (`journal_failing_sync`: the append throws
/// `JournalError.io` and nothing of it reaches the journal), and a witness of what it made
/// durable.
///
/// The witness is the check of "journal before acknowledge": every successful answer the API
/// journals as an acknowledgement passes through here, and a client that gets a 2xx answer asks
/// (`takeAcknowledgement`) whether it was durable before it arrived. The question is asked once
/// per answer and forgets the entry, so the witness holds only answers in flight to clients;
/// at most `acknowledgementsMax` (beyond it new ones are not remembered but counted, and a
/// check that cannot be answered is reported as unknown, never as lost).
public final class ChaosJournal: Journal {
    /// Acknowledgements remembered at most while waiting for their client's check.
    public static let acknowledgementsMax = 100_000

    struct Acknowledgement: Hashable {
        var payment: UInt64
        var operation: APIOperation
    }

    private struct State {
        var addedLatency = Duration.zero
        var failureRate = 0.0
        var random: RandomStream
        var failed = 0
        var acknowledged: Set<Acknowledgement> = []
        var forgotten = 0
    }

    public let base: any Journal
    private let runtime: any Runtime
    private let state: Mutex<State>

    public init(_ base: any Journal, runtime: any Runtime) {
        self.base = base
        self.runtime = runtime
        state = Mutex(State(random: runtime.randomStream("fault-journal-sync")))
    }

    /// Share of appends that fail from now on (0: none).
    public var failureRate: Double {
        get { state.withLock { $0.failureRate } }
        set { state.withLock { $0.failureRate = min(1, max(0, newValue)) } }
    }

    /// Appends failed by `failureRate` so far.
    public var appendsFailed: Int { state.withLock { $0.failed } }

    /// Latency added to every append from now on (zero: none).
    public var addedLatency: Duration {
        get { state.withLock { $0.addedLatency } }
        set { state.withLock { $0.addedLatency = max(.zero, newValue) } }
    }

    /// Acknowledgements not remembered because the witness was full.
    public var acknowledgementsForgotten: Int { state.withLock { $0.forgotten } }

    /// Whether the answer to `operation` about `payment` was journaled as a successful
    /// acknowledgement; forgets it. Nil when it cannot be told (the witness forgot entries).
    package func takeAcknowledgement(of payment: PaymentID, _ operation: APIOperation) -> Bool? {
        state.withLock { state in
            if state.acknowledged.remove(Acknowledgement(payment: payment.rawValue, operation: operation))
                != nil
            {
                return true
            }
            return state.forgotten > 0 ? nil : false
        }
    }

    public func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
        let latency = addedLatency
        // A slow sync: the caller (and the answer waiting on it) waits on the run's clock.
        if latency > .zero { try? await runtime.sleep(for: latency) }
        // A failed sync, decided when the sync would complete: the batch is not durable.
        let fails = state.withLock { state in
            guard state.failureRate > 0 else { return false }
            let fails = state.random.nextUnit() < state.failureRate
            if fails { state.failed += 1 }
            return fails
        }
        if fails { throw .io(operation: "fdatasync", path: "chaos-journal", errno: 5) }
        let position = try await base.append(records)
        let acknowledgements = records.compactMap(Self.acknowledgement)
        if !acknowledgements.isEmpty {
            state.withLock { state in
                for acknowledgement in acknowledgements {
                    if state.acknowledged.count < Self.acknowledgementsMax {
                        state.acknowledged.insert(acknowledgement)
                    } else {
                        state.forgotten += 1
                    }
                }
            }
        }
        return position
    }

    /// A successful (2xx) acknowledgement in `record`, if it is one.
    static func acknowledgement(_ record: JournalRecord) -> Acknowledgement? {
        guard let head = PaymentJournalRecord.acknowledgement(in: record),
            (200..<300).contains(head.httpStatus)
        else { return nil }
        return Acknowledgement(payment: head.payment.rawValue, operation: head.operation)
    }

    public func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]
    {
        try await base.read(from: position, limit: limit)
    }

    public func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        try await base.snapshot(data, upTo: position)
    }

    public func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
        try await base.latestSnapshot()
    }

    public func lastPosition() async -> JournalPosition { await base.lastPosition() }

    public func close() async { await base.close() }
}
