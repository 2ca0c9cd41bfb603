import Benchmark
import Foundation
import Journal

/// Appends acknowledged per second (each append is one record; with `.everyBatch` an
/// acknowledged append is on disk).
let appendsPerSecond = BenchmarkMetric.custom("appends/s", polarity: .prefersLarger, useScalingFactor: false)
/// Frame bytes written per second, as the file journal counts them (headers and checksums in).
let bytesPerSecond = BenchmarkMetric.custom("bytes/s", polarity: .prefersLarger, useScalingFactor: false)
/// Records made durable per second (a batched append carries many records).
let recordsPerSecond = BenchmarkMetric.custom("records/s", polarity: .prefersLarger, useScalingFactor: false)
/// Average appends that one group-commit batch (one write, one sync) carried.
let appendsPerBatch = BenchmarkMetric.custom(
    "appends/batch", polarity: .prefersLarger, useScalingFactor: false)

/// Concurrent appenders, each awaiting its own append before the next, like payment actors
/// journaling their events.
let appenders = 64
let appendsPerAppender = 256

/// A three-leg capture with a fee, as the ledger journals it (about a hundred bytes).
func transferRecord(_ number: Int) -> JournalRecord {
    let amount = Int64(1_000 + number % 90_000)
    let fee = amount / 34 + 30
    return JournalRecord(
        LedgerTransferRecord(
            transferID: UInt64(number) + 1, currencyIndex: 0, code: 1, phase: .single, pendingID: 0,
            legs: [
                .init(accountOwner: 0, accountTag: 1 << 56, side: 0, amount: amount),
                .init(
                    accountOwner: UInt64(number % 10_000) + 1, accountTag: 2 << 56, side: 1,
                    amount: amount - fee),
                .init(accountOwner: 0, accountTag: 3 << 56, side: 1, amount: fee),
            ]))
}

/// Every appender appends its records one at a time; returns the wall time of the whole.
func appendConcurrently(_ journal: any Journal) async throws -> Duration {
    let records = (0..<appenders).map { appender in
        (0..<appendsPerAppender).map { transferRecord(appender * appendsPerAppender + $0) }
    }
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for own in records {
            group.addTask {
                for record in own { _ = try await journal.append([record]) }
            }
        }
        try await group.waitForAll()
    }
    return clock.now - start
}

/// Batched appends: each appender hands the journal `recordsPerAppend` records at a time (as a
/// ledger shard or a payment actor does with a batch of transfers), awaiting each before the
/// next. With `.everyBatch` every acknowledged append is on disk.
let batchedAppenders = 64
let recordsPerAppend = 64
let batchedAppendsPerAppender = 32

func appendBatchedConcurrently(_ journal: any Journal) async throws -> Duration {
    let batches = (0..<batchedAppenders).map { appender in
        (0..<batchedAppendsPerAppender).map { batch in
            (0..<recordsPerAppend).map {
                transferRecord((appender * batchedAppendsPerAppender + batch) * recordsPerAppend + $0)
            }
        }
    }
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for own in batches {
            group.addTask {
                for batch in own { _ = try await journal.append(batch) }
            }
        }
        try await group.waitForAll()
    }
    return clock.now - start
}

func perSecond(_ count: UInt64, _ elapsed: Duration) -> Int {
    let nanoseconds =
        elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    return nanoseconds > 0 ? Int(count * 1_000_000_000 / UInt64(nanoseconds)) : 0
}

/// A fresh directory under the system temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "paystorm-journal-bench-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Opens a file journal with `policy` in a fresh directory, measures `append` on it, closes
/// it and removes the directory: the part every file benchmark shares.
func measureFileJournal(
    _ benchmark: Benchmark, policy: SyncPolicy, _ append: (FileJournal) async throws -> Duration
) async throws -> (statistics: FileJournal.Statistics, elapsed: Duration) {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let journal = try FileJournal(
        directory: directory.path, configuration: FileJournal.Configuration(syncPolicy: policy))
    benchmark.startMeasurement()
    let elapsed = try await append(journal)
    benchmark.stopMeasurement()
    let statistics = journal.statistics()
    await journal.close()
    return (statistics, elapsed)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [
            .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, appendsPerSecond, bytesPerSecond,
        ],
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 20)

    let total = UInt64(appenders * appendsPerAppender)
    for policy in [SyncPolicy.everyBatch, .never] {
        Benchmark(
            "Journal.file sync \(policy), \(appenders) appenders, \(total) appends",
            configuration: .init(
                metrics: [
                    .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, appendsPerSecond,
                    bytesPerSecond,
                    appendsPerBatch, .syscalls,
                ])
        ) { benchmark async throws in
            let (statistics, elapsed) = try await measureFileJournal(benchmark, policy: policy) {
                try await appendConcurrently($0)
            }
            precondition(
                statistics.recordsAppended == total, "appended \(statistics.recordsAppended) of \(total)")
            benchmark.measurement(appendsPerSecond, perSecond(statistics.recordsAppended, elapsed))
            benchmark.measurement(bytesPerSecond, perSecond(statistics.bytesWritten, elapsed))
            benchmark.measurement(appendsPerBatch, Int(statistics.appendCalls / max(statistics.batches, 1)))
        }
    }

    let batchedTotal = UInt64(batchedAppenders * batchedAppendsPerAppender * recordsPerAppend)
    for policy in [SyncPolicy.everyBatch, .never] {
        Benchmark(
            "Journal.file sync \(policy), \(batchedAppenders) appenders x \(recordsPerAppend) records per append, "
                + "\(batchedTotal) records",
            configuration: .init(
                metrics: [
                    .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, recordsPerSecond,
                    bytesPerSecond, appendsPerBatch, .syscalls,
                ])
        ) { benchmark async throws in
            let (statistics, elapsed) = try await measureFileJournal(benchmark, policy: policy) {
                try await appendBatchedConcurrently($0)
            }
            precondition(
                statistics.recordsAppended == batchedTotal,
                "appended \(statistics.recordsAppended) of \(batchedTotal)")
            precondition(policy != .everyBatch || statistics.syncCalls >= statistics.batches)
            benchmark.measurement(recordsPerSecond, perSecond(statistics.recordsAppended, elapsed))
            benchmark.measurement(bytesPerSecond, perSecond(statistics.bytesWritten, elapsed))
            benchmark.measurement(appendsPerBatch, Int(statistics.appendCalls / max(statistics.batches, 1)))
        }
    }

    Benchmark("Journal.memory \(appenders) appenders, \(total) appends") { benchmark async throws in
        let journal = InMemoryJournal()
        benchmark.startMeasurement()
        let elapsed = try await appendConcurrently(journal)
        benchmark.stopMeasurement()
        let last = await journal.lastPosition()
        blackHole(last)
        benchmark.measurement(appendsPerSecond, perSecond(total, elapsed))
        let bytes = (0..<Int(total)).reduce(UInt64(0)) { $0 + UInt64(transferRecord($1).payload.count) }
        benchmark.measurement(bytesPerSecond, perSecond(bytes, elapsed))
    }
}
