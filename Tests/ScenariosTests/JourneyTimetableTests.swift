import PaystormRuntime
import Synchronization
import Testing

@testable import Scenarios

/// The journeys' timetable: each entry goes on at its due time, in a task of its own, earliest
/// first and in the order scheduled when due together, whatever order they were scheduled in.
@Suite struct JourneyTimetableTests {
    /// What the entries saw when they went on: their name and the clock.
    final class Log: Sendable {
        private let entries = Mutex<[(String, Int64)]>([])
        func note(_ name: String, _ runtime: any Runtime) {
            let now = runtime.now().nanoseconds
            entries.withLock { $0.append((name, now)) }
        }
        var names: [String] { entries.withLock { $0.map(\.0) } }
        var times: [Int64] { entries.withLock { $0.map(\.1) } }
    }

    private static func seconds(_ value: Int64) -> SimTime { SimTime(nanoseconds: value * 1_000_000_000) }

    @Test func entriesGoOnAtTheirDueTimeEarliestFirst() throws {
        let runtime = DeterministicRuntime(seed: 1)
        let log = Log()
        try runtime.run {
            let timetable = JourneyTimetable(runtime: runtime)
            // Scheduled out of order; b and c are due together, b scheduled first.
            for (name, due) in [("d", 9), ("b", 5), ("c", 5), ("a", 2)] as [(String, Int64)] {
                timetable.schedule(at: Self.seconds(due)) { log.note(name, runtime) }
            }
            #expect(timetable.count == 4)
            try? await runtime.sleep(until: Self.seconds(10))
            #expect(timetable.count == 0)
        }
        #expect(log.names == ["a", "b", "c", "d"])
        #expect(log.times == [2, 5, 5, 9].map { Self.seconds($0).nanoseconds })
    }

    /// An entry due before the one the sleeper waits for wakes it early; an entry scheduled
    /// after the table emptied starts a new sleeper; an entry already due goes on at once.
    @Test func anEarlierEntryAndALaterOneAfterTheTableEmptiedAreNotMissed() throws {
        let runtime = DeterministicRuntime(seed: 2)
        let log = Log()
        try runtime.run {
            let timetable = JourneyTimetable(runtime: runtime)
            timetable.schedule(at: Self.seconds(3600)) { log.note("hour", runtime) }
            try? await runtime.sleep(until: Self.seconds(1))
            timetable.schedule(at: Self.seconds(4)) { log.note("early", runtime) }
            try? await runtime.sleep(until: Self.seconds(3601))
            timetable.schedule(at: Self.seconds(3000)) { log.note("past", runtime) }
            timetable.schedule(at: Self.seconds(3700)) { log.note("after", runtime) }
            try? await runtime.sleep(until: Self.seconds(4000))
        }
        #expect(log.names == ["early", "hour", "past", "after"])
        #expect(log.times == [4, 3600, 3601, 3700].map { Self.seconds($0).nanoseconds })
    }

    /// A resumed entry runs in a task of its own: one that suspends does not hold back the
    /// entries due with it.
    @Test func anEntryThatWaitsDoesNotHoldBackTheOthers() throws {
        let runtime = DeterministicRuntime(seed: 3)
        let log = Log()
        try runtime.run {
            let timetable = JourneyTimetable(runtime: runtime)
            timetable.schedule(at: Self.seconds(1)) {
                try? await runtime.sleep(for: .seconds(10))
                log.note("slow", runtime)
            }
            timetable.schedule(at: Self.seconds(1)) { log.note("quick", runtime) }
            try? await runtime.sleep(until: Self.seconds(20))
        }
        #expect(log.names == ["quick", "slow"])
        #expect(log.times == [1, 11].map { Self.seconds($0).nanoseconds })
    }

    /// In a run, journeys whose captures come later wait in the timetable: the progress reports
    /// count them among those in flight, and none is left waiting at the end.
    @Test func aRunCountsItsWaitingJourneys() async throws {
        let scenario = try ScenarioParser.parse(
            """
            name: later-captures
            seed: 4
            merchants: {count: 20, currencies: {USD: 1}}
            load: {start_tps: 50, stages: [{hold: 20s}]}
            mix:
              capture: {immediate: 0.5, delayed: 0.5}
              refunds: {full: 0.2, partial: 0.0}
            """, file: "later-captures.yaml")
        let seen = Mutex<[(inFlight: Int, waiting: Int)]>([])
        let report = try await ScenarioRunner.run(scenario, mode: .simulated) { progress in
            seen.withLock { $0.append((progress.inFlight, progress.waiting)) }
        }
        #expect(report.invariantsHold)
        let reports = seen.withLock { $0 }
        #expect(reports.count >= 10)
        #expect(reports.allSatisfy { $0.waiting >= 0 && $0.waiting <= $0.inFlight })
        #expect(reports.contains { $0.waiting > 0 }, "no journey waited: \(reports)")
        #expect(reports.last.map { $0.waiting == 0 } ?? false, "\(reports.suffix(3))")
    }
}
