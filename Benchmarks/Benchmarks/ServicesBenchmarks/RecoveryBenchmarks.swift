import Benchmark
import BenchmarkSupport
import Core
import Journal
import Ledger
import PaystormRuntime
import Services

/// Journal records replayed (payment transitions, bookings, answers, ledger transfers...) per
/// second of wall time.
let recordsPerSecond = BenchmarkMetric.custom("records/s", polarity: .prefersLarger, useScalingFactor: false)

let recoveryMerchants = 40
let recoveryPaymentsPerMerchant = 50

/// Journals `recoveryMerchants` × `recoveryPaymentsPerMerchant` payments (automatic capture,
/// idempotency keys, every network approving in 100 ms) through a payment system on the
/// deterministic runtime, then a daily settlement. Returns the journal.
func makeRecoveryJournal() throws -> InMemoryJournal {
    let total = recoveryMerchants * recoveryPaymentsPerMerchant
    let cards = try benchmarkCards(count: total)
    let journal = InMemoryJournal()
    let runtime = DeterministicRuntime(seed: 9)
    let approved = try runtime.run {
        var configuration = approvingConfiguration(networkLatency: .milliseconds(100), webhooks: false)
        configuration.journal = DurablePaymentJournal(journal)
        let system = try PaymentSystem(runtime: runtime, configuration: configuration)
        let approved = try await payEveryMerchant(
            system, merchants: recoveryMerchants, paymentsPerMerchant: recoveryPaymentsPerMerchant,
            cards: cards, idempotencyKeys: true)
        _ = await system.runDailySettlement()
        return approved
    }
    precondition(approved == total, "only \(approved) of \(total) payments approved")
    return journal
}

/// Records after the snapshot in the "from a snapshot" benchmark: a short tail, as a journal
/// checkpointed every few thousand records leaves.
let recoveryTailRecords = 2_000

/// The recovery journal again, with a snapshot (written by `JournalCheckpointer`, as a run
/// writes it) covering all but its last `recoveryTailRecords` records.
func makeSnapshottedRecoveryJournal() async throws -> InMemoryJournal {
    let source = try makeRecoveryJournal()
    let records = try await source.read(from: .origin, limit: .max).map(\.record)
    let cut = records.count - recoveryTailRecords
    let journal = InMemoryJournal()
    _ = try await journal.append(Array(records[..<cut]))
    let checkpointer = JournalCheckpointer(
        journal: journal, recordsPerSnapshot: cut, ledgerConfiguration: LedgerConfiguration(), cipher: nil)
    await checkpointer.catchUp()
    precondition(checkpointer.statistics.snapshots == 1, "\(checkpointer.statistics)")
    _ = try await journal.append(Array(records[cut...]))
    return journal
}

func recoveryBenchmarks() {
    let payments = recoveryMerchants * recoveryPaymentsPerMerchant
    Benchmark(
        "Recovery.replay journal of \(payments) payments",
        configuration: .init(
            metrics: [
                .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, recordsPerSecond,
            ],
            scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 20),
        closure: { benchmark, journal in
            do {
                let clock = ContinuousClock()
                benchmark.startMeasurement()
                let start = clock.now
                let recovered = try await PaymentSystemRecovery.recover(from: journal)
                let elapsed = clock.now - start
                benchmark.stopMeasurement()
                precondition(recovered.report.invariantsHold, "\(recovered.report)")
                precondition(recovered.payments.count == payments, "\(recovered.payments.count) payments")
                benchmark.measurement(recordsPerSecond, rate(recovered.report.records, elapsed))
            } catch {
                benchmark.error("recovery: \(error)")
            }
        },
        setup: { try makeRecoveryJournal() })

    Benchmark(
        "Recovery.from a snapshot and a tail of \(recoveryTailRecords) records, \(payments) payments",
        configuration: .init(
            metrics: [
                .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, recordsPerSecond,
            ],
            scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 50),
        closure: { benchmark, journal in
            do {
                let clock = ContinuousClock()
                benchmark.startMeasurement()
                let start = clock.now
                let recovered = try await PaymentSystemRecovery.recover(from: journal)
                let elapsed = clock.now - start
                benchmark.stopMeasurement()
                precondition(recovered.report.invariantsHold, "\(recovered.report)")
                precondition(recovered.payments.count == payments, "\(recovered.payments.count) payments")
                precondition(recovered.report.recordsReplayed == recoveryTailRecords)
                // Records of the journal recovered per second (the snapshot stands in for most).
                benchmark.measurement(recordsPerSecond, rate(recovered.report.records, elapsed))
            } catch {
                benchmark.error("recovery: \(error)")
            }
        },
        setup: { try await makeSnapshottedRecoveryJournal() })
}
