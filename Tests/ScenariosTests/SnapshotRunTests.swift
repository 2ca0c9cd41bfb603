import Journal
import Ledger
import Services
import Testing

@testable import Scenarios

/// Snapshots during a run (`--snapshot-every`): they do not change the run's outcome (same
/// digest, same report), crash recovery mid-run starts from them, and the memory journal keeps
/// only the tail after the last one.
@Suite struct SnapshotRunTests {
    static func run(
        _ scenario: Scenario, snapshotEvery: Int?
    ) async throws -> (report: RunReport, journal: InMemoryJournal) {
        let journal = InMemoryJournal(
            configuration: InMemoryJournal.Configuration(dropsSnapshottedRecords: snapshotEvery != nil))
        let report = try await ScenarioRunner.run(
            scenario, mode: .simulated, journal: journal, snapshotEvery: snapshotEvery)
        return (report, journal)
    }

    @Test(arguments: ["smoke.yaml", "chaos-crash-recovery.yaml"])
    func snapshotsDoNotChangeARun(file: String) async throws {
        let scenario = try SwarmTests.shipped(file).withDuration(.seconds(20))
        let plain = try await Self.run(scenario, snapshotEvery: nil)
        let snapshotted = try await Self.run(scenario, snapshotEvery: 400)
        let failed = snapshotted.report.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
        #expect(failed.isEmpty, "\(file): \(failed)")
        #expect(snapshotted.report.digest == plain.report.digest, "\(file)")
        #expect(snapshotted.report.payments == plain.report.payments, "\(file)")
        let figures = try #require(snapshotted.report.snapshots)
        #expect(figures.written > 2 && figures.failures == 0, "\(file): \(figures)")
        #expect(plain.report.snapshots == nil)
        // The memory journal holds the tail after the last snapshot, not the run.
        let last = await snapshotted.journal.lastPosition()
        #expect(snapshotted.journal.firstRetainedPosition().sequence == figures.lastPosition + 1)
        #expect(snapshotted.journal.recordsHeld == Int(last.sequence - figures.lastPosition))
        // Payments retired at the end of their journeys are forgotten by the fold (and so by each
        // snapshot): it keeps the payments still held, not the run's.
        let recovered = try await PaymentSystemRecovery.recover(
            from: snapshotted.journal,
            ledgerConfiguration: LedgerConfiguration(
                shardCount: ScenarioRunner.systemConfiguration(scenario).ledgerShards))
        #expect(recovered.report.invariantsHold, "\(file):\n\(recovered.report)")
        #expect(recovered.report.paymentsRetired > 0, "\(file)")
        #expect(recovered.report.payments < recovered.report.paymentsRetired, "\(file): \(recovered.report)")
        #expect(recovered.report.recordsAfterRetirement == 0, "\(file)")
        if let recovery = snapshotted.report.recovery {
            // A crash late enough recovered from a snapshot: it replayed fewer records.
            let without = try #require(plain.report.recovery)
            #expect(recovery.paymentsRecovered == without.paymentsRecovered)
            #expect(recovery.recordsReplayed < without.recordsReplayed, "\(recovery) vs \(without)")
        }
    }
}
