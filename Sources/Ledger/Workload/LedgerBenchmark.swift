import Journal
import PaystormRuntime

/// `paystorm ledger`'s benchmark, in the shape of `tigerbeetle benchmark`: one client draws
/// transfers between accounts chosen uniformly (debit and credit distinct), submits them batch
/// after batch to a `BatchLedger` (journaled or not) and waits for each answer; then it looks up
/// the history of random accounts.
///
/// The client keeps its own account of what each account must hold, from the transfers the
/// ledger accepted, and the run checks the ledger against it: every balance, double entry over
/// the whole ledger, and every history lookup that returned an account's whole history (its
/// amounts must sum to the account's totals). Randomness comes from the runtime's seeded
/// stream; time is read only to report the batches' and queries' latencies.
public enum LedgerBenchmark {
    public static func run(
        _ configuration: LedgerBenchmarkConfiguration, runtime: any Runtime, journal: (any Journal)? = nil
    ) async throws(LedgerError) -> LedgerBenchmarkResult {
        try configuration.validate()
        var ledgerConfiguration = BatchLedgerConfiguration(
            accountCount: configuration.accounts, transferCapacity: configuration.transfers)
        ledgerConfiguration.batchMax = configuration.batchSize
        let ledger = try BatchLedger(configuration: ledgerConfiguration, journal: journal)
        var random = runtime.randomStream("ledger-benchmark-client", 0)
        var client = Client(configuration: configuration)
        var batch = TransferBatch(capacity: configuration.batchSize)
        var batchLatency = LatencyRecorder()
        var result = LedgerBenchmarkResult(configuration: configuration)

        let load = Stopwatch()
        while client.submitted < configuration.transfers {
            client.draw(into: &batch, using: &random)
            let submit = Stopwatch()
            let refusals = try await ledger.submit(batch)
            batchLatency.record(submit.elapsed)
            client.note(batch, refusals: refusals, into: &result)
        }
        result.loadWallTime = load.elapsed
        result.batchLatency = batchLatency.percentiles

        var queryLatency = LatencyRecorder()
        for _ in 0..<configuration.queries {
            let account = UInt32(random.index(configuration.accounts) + 1)
            let query = Stopwatch()
            let history = await ledger.history(of: account, limit: configuration.queryLimit)
            queryLatency.record(query.elapsed)
            result.queryTransfersReturned += history.count
            if client.check(history, of: account, limit: configuration.queryLimit) {
                result.queriesChecked += 1
            } else {
                result.queryMismatches += 1
            }
        }
        result.queryLatency = queryLatency.percentiles

        let audit = await ledger.audit()
        result.isBalanced = audit.isBalanced
        result.balancesDigest = audit.balancesDigest
        for account in 1...UInt32(configuration.accounts) {
            let balance = await ledger.balance(of: account)
            if balance?.debitsPosted != client.debits[Int(account) - 1]
                || balance?.creditsPosted != client.credits[Int(account) - 1]
            {
                result.balanceMismatches += 1
            }
        }
        return result
    }

    /// The one client: draws batches and keeps what the ledger accepted.
    struct Client {
        let configuration: LedgerBenchmarkConfiguration
        var submitted = 0
        var nextID: UInt64 = 1
        /// Posted debits and credits each account must have, by account number - 1.
        var debits: [Int64]
        var credits: [Int64]
        /// How many accepted transfers touch each account, to know when a lookup is whole.
        var transferCounts: [Int]

        init(configuration: LedgerBenchmarkConfiguration) {
            self.configuration = configuration
            debits = Array(repeating: 0, count: configuration.accounts)
            credits = Array(repeating: 0, count: configuration.accounts)
            transferCounts = Array(repeating: 0, count: configuration.accounts)
        }

        /// Fills `batch` with the next transfers: ids in sequence, debit and credit accounts
        /// uniform and distinct, amounts uniform in 1...amountMax.
        mutating func draw(into batch: inout TransferBatch, using random: inout RandomStream) {
            batch.removeAll(keepingCapacity: true)
            let count = min(configuration.batchSize, configuration.transfers - submitted)
            let accounts = UInt64(configuration.accounts)
            let amountMax = UInt64(configuration.amountMax)
            for _ in 0..<count {
                let draw = random.next()
                let amountDraw = random.next()
                // Multiply-shift maps 32 random bits onto a range (Lemire): uniform to within
                // 2^-32, without a division.
                let debit = ((draw & 0xFFFF_FFFF) &* accounts) >> 32
                var credit = ((draw >> 32) &* (accounts - 1)) >> 32
                if credit >= debit { credit += 1 }
                let amount = Int64(((amountDraw & 0xFFFF_FFFF) &* amountMax) >> 32) + 1
                batch.append(
                    id: nextID, debitAccount: UInt32(debit + 1), creditAccount: UInt32(credit + 1),
                    amount: amount)
                nextID += 1
            }
            submitted += count
        }

        /// Records what the ledger booked of `batch` (all but `refusals`, which are in order).
        mutating func note(
            _ batch: TransferBatch, refusals: [BatchRefusal], into result: inout LedgerBenchmarkResult
        ) {
            var refused = refusals.makeIterator()
            var nextRefused = refused.next()
            for index in 0..<batch.count {
                if let refusal = nextRefused, Int(refusal.index) == index {
                    result.refusals[refusal.error.reason, default: 0] += 1
                    nextRefused = refused.next()
                    continue
                }
                let debit = Int(batch.debitAccounts[index]) - 1
                let credit = Int(batch.creditAccounts[index]) - 1
                let amount = batch.amounts[index]
                debits[debit] += amount
                credits[credit] += amount
                transferCounts[debit] += 1
                transferCounts[credit] += 1
            }
            result.batches += 1
            result.transfersSubmitted += batch.count
            result.transfersAccepted += batch.count - refusals.count
        }

        /// Whether a lookup's answer fits what this client saw booked: at most `limit`
        /// transfers, each touching `account`, ids newest first; and when the account's whole
        /// history fits in `limit`, exactly that many, summing to its debits and credits.
        func check(_ history: [BookedTransfer], of account: UInt32, limit: Int) -> Bool {
            let index = Int(account) - 1
            let expected = min(limit, transferCounts[index])
            guard history.count == expected else { return false }
            var debitSum: Int64 = 0
            var creditSum: Int64 = 0
            var previousID = UInt64.max
            for transfer in history {
                guard transfer.id < previousID else { return false }
                previousID = transfer.id
                if transfer.debitAccount == account {
                    debitSum += transfer.amount
                } else if transfer.creditAccount == account {
                    creditSum += transfer.amount
                } else {
                    return false
                }
            }
            if transferCounts[index] <= limit {
                return debitSum == debits[index] && creditSum == credits[index]
            }
            return true
        }
    }
}
