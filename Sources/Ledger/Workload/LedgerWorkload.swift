import Core
import PaystormRuntime

/// The built-in ledger run behind `paystorm ledger`: producers spawned on the runtime submit
/// random balanced transfers (and redeliveries) to a `ShardedLedger`, then the run checks
/// exactly-once, reconciliation, and every balance against the producers' own record.
///
/// Under a `DeterministicRuntime` the same seed gives the same interleaving, the same trace
/// digest and the same balances; under a `ConcurrentRuntime` it measures throughput on all
/// cores.
public enum LedgerWorkload {
    public static func run(
        _ configuration: LedgerWorkloadConfiguration, runtime: any Runtime,
        journal: any LedgerJournal = NoLedgerJournal()
    ) async throws(LedgerError) -> LedgerWorkloadResult {
        try configuration.validate()
        var ledgerConfiguration = LedgerConfiguration(shardCount: configuration.shardCount)
        if configuration.merchantBalancesMustNotGoNegative {
            ledgerConfiguration.defaultFlags[.merchantBalance] = [.debitsMustNotExceedCredits]
        }
        let ledger = try ShardedLedger(configuration: ledgerConfiguration, journal: journal)
        let collector = ProducerReports()
        let stopwatch = Stopwatch()
        var tasks: [Task<Void, Never>] = []
        for number in 0..<configuration.producers {
            let random = runtime.randomStream("ledger-producer", UInt64(number))
            tasks.append(
                runtime.spawn {
                    var producer = LedgerProducer(
                        number: number, configuration: configuration, random: random)
                    var calls = 0
                    var failure: LedgerError?
                    while producer.remaining > 0 {
                        let (transfers, isRedelivery) = producer.nextBatch()
                        let outcomes: [TransferOutcome]
                        do throws(LedgerError) {
                            outcomes = try await ledger.submit(transfers)
                        } catch {
                            failure = error
                            break
                        }
                        calls += 1
                        producer.record(transfers, isRedelivery, outcomes)
                    }
                    await collector.add(producer.report, calls: calls, failure: failure)
                })
        }
        for task in tasks { await task.value }
        let wallTime = stopwatch.elapsed
        let (reports, calls, failure) = await collector.result()
        if let failure { throw failure }

        let balances = await ledger.allBalances()
        var result = LedgerWorkloadResult(
            configuration: configuration, reconciliation: await ledger.reconcile(),
            traceDigest: await ledger.traceDigest(), balancesDigest: Self.digest(balances),
            accounts: balances.count, submitCalls: calls, wallTime: wallTime)
        var expected: [AccountID: Int64] = [:]
        for report in reports.sorted(by: { $0.number < $1.number }).map(\.report) {
            result.captures += report.captures
            result.refunds += report.refunds
            result.payouts += report.payouts
            result.holds += report.holds
            result.posts += report.posts
            result.voids += report.voids
            result.applied += report.applied
            result.rejected.merge(report.rejected, uniquingKeysWith: +)
            result.redeliveries += report.redeliveries
            result.redeliveriesAlreadyApplied += report.redeliveriesAlreadyApplied
            result.redeliveriesApplied += report.redeliveriesApplied
            result.appliedTwice += report.appliedTwice
            expected.merge(report.expectedBalances, uniquingKeysWith: +)
        }
        for snapshot in balances where expected.removeValue(forKey: snapshot.account) ?? 0 != snapshot.balance
        {
            result.balanceMismatches += 1
        }
        result.balanceMismatches += expected.values.filter { $0 != 0 }.count
        return result
    }

    /// An order-sensitive digest of every account's totals (accounts sorted by id).
    static func digest(_ balances: [AccountSnapshot]) -> UInt64 {
        var digest = LedgerMix.digestSeed
        for snapshot in balances {
            for word in [
                snapshot.account.owner, snapshot.account.tag, UInt64(bitPattern: snapshot.debitsPosted),
                UInt64(bitPattern: snapshot.creditsPosted), UInt64(bitPattern: snapshot.debitsPending),
                UInt64(bitPattern: snapshot.creditsPending),
            ] {
                digest = LedgerMix.fold(digest, word)
            }
        }
        return digest
    }
}

/// Gathers the producers' reports as they finish.
private actor ProducerReports {
    private var reports: [(number: Int, report: LedgerProducerReport)] = []
    private var calls = 0
    private var failure: LedgerError?

    func add(_ report: LedgerProducerReport, calls: Int, failure: LedgerError?) {
        reports.append((reports.count, report))
        self.calls += calls
        if self.failure == nil { self.failure = failure }
    }

    func result() -> ([(number: Int, report: LedgerProducerReport)], Int, LedgerError?) {
        (reports, calls, failure)
    }
}
