import Benchmark
import Core
import Foundation
import Journal
import Ledger
import PaystormRuntime

/// Balanced transfers booked per second of submitting (setup and the final checks excluded):
/// the figure the ledger's goals are stated in. `.throughput` counts benchmark iterations,
/// each of which books many transfers, so this is the one to read.
let transfersPerSecond = BenchmarkMetric.custom(
    "transfers/s", polarity: .prefersLarger, useScalingFactor: false)

/// Transfers per `submit` call, as the built-in workload uses.
let batchSize = 64
/// Concurrent submitting tasks.
let producers = 16

/// One direct-submit benchmark: how many shards, transfers per `submit`, submitting tasks,
/// and transfers per iteration (fewer for one-transfer submits, which are slow per transfer).
struct SubmitShape {
    var shards: Int
    var batchSize: Int
    var tasks: Int
    var transfers: Int

    var name: String {
        "Ledger.submit \(shards) shard(s), \(tasks) tasks, batches of \(batchSize), 2/3-leg, "
            + "\(transfers / 1_024)k transfers"
    }
}

/// The goal is stated for batched submits, so big batches (one hop carries thousands of
/// transfers) sit beside the workload's 64 and single-transfer submits, at 1, 8 and 64 shards.
let submitShapes: [SubmitShape] =
    [1, 8, 64].flatMap { shards in
        [
            SubmitShape(shards: shards, batchSize: 1, tasks: 16, transfers: 32_768),
            SubmitShape(shards: shards, batchSize: 64, tasks: 16, transfers: 131_072),
            SubmitShape(shards: shards, batchSize: 4_096, tasks: 16, transfers: 262_144),
            SubmitShape(shards: shards, batchSize: 8_192, tasks: 2, transfers: 262_144),
        ]
    }

/// `count` balanced transfers in batches of `batchSize`, split round-robin over `producers`:
/// alternately a two-leg charge (customer funds to merchant) and a three-leg capture with a
/// fee to the striped, hot fee account, over 10,000 merchants and four currencies.
func makeBatches(count: Int, batchSize: Int, producers: Int) -> [[[Transfer]]] {
    let currencies: [Currency] = [.usd, .eur, .gbp, .jpy]
    var random = RandomStream(seed: 7)
    var perProducer = [[[Transfer]]](repeating: [], count: producers)
    var batch: [Transfer] = []
    batch.reserveCapacity(batchSize)
    var batchNumber = 0
    for number in 0..<count {
        let currency = currencies[number % currencies.count]
        let merchant = MerchantID(UInt64(random.next() % 10_000) + 1)
        let amount = Int64(random.next() % 100_000) + 100
        let id = TransferID(UInt64(number) + 1)
        let legs: [Transfer.Leg]
        if number % 2 == 0 {
            legs = [
                .debit(.customerFunds(currency), amount),
                .credit(.merchantBalance(merchant, currency), amount),
            ]
        } else {
            let fee = amount / 34 + 30
            legs = [
                .debit(.customerFunds(currency), amount),
                .credit(.merchantBalance(merchant, currency), amount - fee),
                .credit(.feesRevenue(currency), fee),
            ]
        }
        batch.append(Transfer(id: id, currency: currency, legs: legs))
        if batch.count == batchSize {
            perProducer[batchNumber % producers].append(batch)
            batchNumber += 1
            batch.removeAll(keepingCapacity: true)
        }
    }
    if !batch.isEmpty { perProducer[batchNumber % producers].append(batch) }
    return perProducer
}

/// Submits every producer's batches from its own task; returns the transfers applied and the
/// first refusal seen, if any.
func submitConcurrently(
    _ ledger: ShardedLedger, _ batches: [[[Transfer]]]
) async throws -> (applied: Int, firstRefusal: String?) {
    try await withThrowingTaskGroup(of: (Int, String?).self) { group in
        for own in batches {
            group.addTask {
                var applied = 0
                var refusal: String?
                for batch in own {
                    for outcome in try await ledger.submit(batch) {
                        if outcome == .applied {
                            applied += 1
                        } else if refusal == nil {
                            refusal = "\(outcome)"
                        }
                    }
                }
                return (applied, refusal)
            }
        }
        var applied = 0
        var refusal: String?
        for try await (count, first) in group {
            applied += count
            if refusal == nil { refusal = first }
        }
        return (applied, refusal)
    }
}

func perSecond(_ count: Int, _ elapsed: Duration) -> Int {
    let nanoseconds =
        elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    return nanoseconds > 0 ? Int(Int64(count) * 1_000_000_000 / nanoseconds) : 0
}

/// TigerBeetle's benchmark shape for the batch ledger: `count` transfers with ids in sequence
/// between `accounts` accounts chosen uniformly (debit and credit distinct), in batches.
func makeTransferBatches(count: Int, batchSize: Int, accounts: Int) -> [TransferBatch] {
    var random = RandomStream(seed: 9)
    var batches: [TransferBatch] = []
    var batch = TransferBatch(capacity: batchSize)
    for number in 0..<count {
        let debit = UInt32(random.index(accounts) + 1)
        var credit = UInt32(random.index(accounts - 1) + 1)
        if credit >= debit { credit += 1 }
        batch.append(
            id: UInt64(number + 1), debitAccount: debit, creditAccount: credit,
            amount: Int64(random.index(10_000) + 1))
        if batch.count == batchSize {
            batches.append(batch)
            batch = TransferBatch(capacity: batchSize)
        }
    }
    if !batch.isEmpty { batches.append(batch) }
    return batches
}

/// Where the batch-path benchmark journals: nowhere, in memory, or a file journal that
/// fdatasyncs every batch (in the system temporary directory: check that it is a real disk).
enum BatchJournalKind: String, CaseIterable {
    case none, memory, file
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, transfersPerSecond],
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 20)

    // The built-in workload (`paystorm ledger`): 16 producers on the concurrent runtime submit
    // batches of 64 captures with fees, refunds, payouts, holds posted or voided, and
    // redeliveries; transfers/s is over the producers' wall time only, the checks after are not
    // counted in it (they are in wallClock).
    for shards in [1, 8] {
        Benchmark("Ledger.workload \(shards) shard(s), 16 producers, batches of 64, 100k transfers") {
            benchmark async throws in
            var configuration = LedgerWorkloadConfiguration()
            configuration.shardCount = shards
            configuration.producers = producers
            configuration.batchSize = batchSize
            configuration.transfers = 100_000
            configuration.merchants = 10_000
            for iteration in benchmark.scaledIterations {
                configuration.seed = UInt64(iteration) + 42
                let result = try await LedgerWorkload.run(
                    configuration, runtime: ConcurrentRuntime(seed: configuration.seed))
                precondition(result.checksHold, "ledger workload checks failed")
                benchmark.measurement(transfersPerSecond, perSecond(result.submissions, result.wallTime))
                blackHole(result.traceDigest)
            }
        }
    }

    // Direct submits of prepared two- and three-leg transfers: the ledger alone, no producer
    // bookkeeping. One shard is a single `LedgerShard` actor behind the coordinator.
    for shape in submitShapes {
        Benchmark(shape.name) { benchmark async throws in
            let batches = makeBatches(
                count: shape.transfers, batchSize: shape.batchSize, producers: shape.tasks)
            // The tasks run unevenly, so one can be a whole run's ids ahead of another: every
            // shard remembers every id of the run, or late ids are refused as too old to
            // deduplicate (the default window is 65,536 ids per shard). 2^18 covers a whole
            // run on one shard; at 64 shards each sees a few thousand ids, and 64 windows of
            // 2^18 would be 400 MB to allocate per iteration.
            var configuration = LedgerConfiguration(shardCount: shape.shards)
            configuration.deduplicationWindowPerShard = shape.shards >= 64 ? 1 << 16 : 1 << 18
            let ledger = try ShardedLedger(configuration: configuration)
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let (applied, refusal) = try await submitConcurrently(ledger, batches)
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            if applied != shape.transfers {
                // fatalError, not precondition: an -O build drops a precondition's message.
                fatalError("\(applied) of \(shape.transfers) applied; first refusal: \(refusal ?? "none")")
            }
            benchmark.measurement(transfersPerSecond, perSecond(applied, elapsed))
        }
    }

    // The batch path behind `paystorm ledger` (TigerBeetle's workload): prepared batches of
    // 8,189 two-leg transfers between 10,000 accounts, submitted one after another by one task
    // and journaled one record per batch. mallocCountTotal shows the path allocates per batch,
    // not per transfer.
    for kind in BatchJournalKind.allCases {
        let transfers = 8_189 * 128
        Benchmark("Ledger.batch submit, journal \(kind), 10,000 accounts, batches of 8,189, 1M transfers") {
            benchmark async throws in
            let batches = makeTransferBatches(count: transfers, batchSize: 8_189, accounts: 10_000)
            var directory: URL?
            let journal: (any Journal)?
            switch kind {
            case .none: journal = nil
            case .memory: journal = InMemoryJournal()
            case .file:
                let url = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "paystorm-ledger-bench-\(UInt64.random(in: 0...UInt64.max))")
                directory = url
                journal = try FileJournal(directory: url.path)
            }
            defer { if let directory { try? FileManager.default.removeItem(at: directory) } }
            let ledger = try BatchLedger(
                configuration: BatchLedgerConfiguration(accountCount: 10_000, transferCapacity: transfers),
                journal: journal)
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            var refused = 0
            for batch in batches { refused += try await ledger.submit(batch).count }
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            await journal?.close()
            if refused != 0 { fatalError("\(refused) transfers refused") }
            benchmark.measurement(transfersPerSecond, perSecond(transfers, elapsed))
        }
    }
}
