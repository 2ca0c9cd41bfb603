/// The rules of replaying journaled transfers into a ledger, as a value that performs no I/O:
/// which transfers to submit next, and what their outcomes mean for the replay.
///
/// Transfers are submitted in chunks of `chunkSize`. A transfer refused at its place in the
/// journal (a limit, a post before its pending transfer) is deferred and retried after later
/// chunks, because the journal's order is the order appends arrived, which may differ from the
/// order the live shards booked them. At the end, passes over the deferred transfers go on
/// until one applies none; a refusal that persists then is reported, never dropped silently.
/// `LedgerReplayer` carries the submissions out on a live `ShardedLedger`, `LedgerFold` on
/// shard states, so the two replay a journal alike by construction.
///
/// Memory: one chunk plus the deferred transfers (at most `deferredMax`; beyond that they are
/// reported as rejected).
struct ReplayStateMachine: Sendable {
    /// What the driver does next.
    enum Action {
        /// Submit these transfers to the ledger, then pass the outcomes to `submitted(_:)`.
        case submit([Transfer])
        /// Nothing to submit until the next `add`, `flush` or `finish`.
        case done
    }

    /// Transfers deferred at most; later refusals are reported as rejected at once.
    static let deferredMax = 1 << 16

    let chunkSize: Int
    private(set) var report = LedgerReplayReport()
    /// Transfers read and not yet submitted.
    private(set) var chunk: [Transfer] = []
    /// Transfers refused at their place, to retry.
    private(set) var deferred: [Transfer] = []
    private var stage = Stage.idle
    private var goal = Goal.flush

    private enum Stage {
        case idle
        /// The chunk is out for submission.
        case chunkSubmitted([Transfer])
        /// `deferred[pass.start ..< pass.end]` is out for submission.
        case retrying(Pass)
    }

    /// One walk over the deferred transfers, a chunk at a time.
    private struct Pass {
        var start = 0
        var end = 0
        var stillRefused: [Transfer] = []
        var applied = 0
        /// `finish` always makes a second pass after the flush's, then goes on while a pass
        /// applies anything.
        var isFirst = true
    }

    private enum Goal {
        /// The chunk, then one pass over the deferred transfers.
        case flush
        /// As `flush`, then passes until one applies none; what is left is rejected.
        case finish
    }

    init(chunkSize: Int) {
        self.chunkSize = max(1, chunkSize)
        chunk.reserveCapacity(self.chunkSize)
    }

    /// A replay resumed from a snapshot, between submissions.
    init(chunkSize: Int, report: LedgerReplayReport, chunk: [Transfer], deferred: [Transfer]) {
        self.init(chunkSize: chunkSize)
        self.report = report
        self.chunk.append(contentsOf: chunk)
        self.deferred = deferred
    }

    /// True between submissions: nothing is out with the driver.
    var isIdle: Bool {
        if case .idle = stage { return true }
        return false
    }

    /// Counts a journal record that is not a ledger transfer.
    mutating func skipOtherRecord() { report.otherRecords += 1 }

    /// Queues one journaled transfer.
    /// - Returns: true when the chunk is full: the driver should `flush`.
    mutating func add(_ transfer: Transfer) -> Bool {
        precondition(isIdle, "a transfer added while a submission is out")
        report.transfersRead += 1
        chunk.append(transfer)
        return chunk.count >= chunkSize
    }

    /// Starts submitting the queued chunk, then one pass over the deferred transfers.
    mutating func flush() -> Action { start(.flush) }

    /// Starts submitting what is queued and retrying the deferred transfers until a pass
    /// applies none; what is still refused then is reported as rejected.
    mutating func finish() -> Action { start(.finish) }

    /// Takes the outcomes of the last `.submit`, in the order of its transfers.
    mutating func submitted(_ outcomes: [TransferOutcome]) -> Action {
        switch stage {
        case .idle:
            preconditionFailure("outcomes without a submission")
        case .chunkSubmitted(let transfers):
            precondition(outcomes.count == transfers.count, "one outcome per submitted transfer")
            for (transfer, outcome) in zip(transfers, outcomes) {
                switch outcome {
                case .applied: report.applied += 1
                case .alreadyApplied: report.alreadyApplied += 1
                case .rejected(let error): postpone(transfer, error)
                }
            }
            return retry(Pass())
        case .retrying(var pass):
            precondition(outcomes.count == pass.end - pass.start, "one outcome per submitted transfer")
            for (transfer, outcome) in zip(deferred[pass.start..<pass.end], outcomes) {
                if report.noteRetried(outcome) {
                    pass.stillRefused.append(transfer)
                } else if case .applied = outcome {
                    pass.applied += 1
                }
            }
            pass.start = pass.end
            return retry(pass)
        }
    }

    /// The driver could not submit what was out: it is forgotten (a chunk's transfers are
    /// lost, deferred ones stay deferred), so that the replay can be finished or dropped.
    mutating func abandonSubmission() { stage = .idle }

    // MARK: Steps

    private mutating func start(_ goal: Goal) -> Action {
        precondition(isIdle, "a flush while a submission is out")
        self.goal = goal
        if chunk.isEmpty { return retry(Pass()) }
        let transfers = chunk
        chunk.removeAll(keepingCapacity: true)
        stage = .chunkSubmitted(transfers)
        return .submit(transfers)
    }

    /// Submits the next chunk of the pass, or ends the pass and decides whether another follows.
    private mutating func retry(_ pass: Pass) -> Action {
        var pass = pass
        if pass.start < deferred.count {
            pass.end = min(pass.start + chunkSize, deferred.count)
            stage = .retrying(pass)
            return .submit(Array(deferred[pass.start..<pass.end]))
        }
        if !deferred.isEmpty { deferred = pass.stillRefused }
        stage = .idle
        guard goal == .finish else { return .done }
        if pass.isFirst || pass.applied > 0 {
            return retry(Pass(isFirst: false))
        }
        for transfer in deferred {
            report.noteRejected(transfer, reason: "still refused after every other transfer")
        }
        deferred.removeAll()
        return .done
    }

    private mutating func postpone(_ transfer: Transfer, _ error: TransferError) {
        guard deferred.count < Self.deferredMax else {
            report.noteRejected(transfer, reason: error.reason)
            return
        }
        deferred.append(transfer)
    }
}
