import Testing

@testable import PaystormRuntime

@Suite struct ConcurrentTimersTests {
    @Test func theTimetablePopsOnlyTheTicksDueEarliestFirst() {
        var timetable = TickTimetable()
        let (a, b, c, d) = (TimerSleeper(), TimerSleeper(), TimerSleeper(), TimerSleeper())
        timetable.insert(a, tick: 5)
        timetable.insert(b, tick: 3)
        timetable.insert(c, tick: 3)
        timetable.insert(d, tick: 9)
        #expect(timetable.earliestTick == 3)
        #expect(timetable.popDue(throughTick: 2).isEmpty)
        let due = timetable.popDue(throughTick: 4)
        #expect(due.count == 2 && due[0] === b && due[1] === c)
        #expect(timetable.earliestTick == 5)
        let rest = timetable.popDue(throughTick: 100)
        #expect(rest.count == 2 && rest[0] === a && rest[1] === d)
        #expect(timetable.count == 0 && timetable.earliestTick == nil)
    }

    @Test func sleepsEndNoEarlierThanTheirDeadlines() async {
        let runtime = ConcurrentRuntime(seed: 1)
        let early = await withTaskGroup(of: String?.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let deadline = runtime.now() + .microseconds(Int64(index % 37) * 700 + 1)
                    try? await runtime.sleep(until: deadline)
                    let woke = runtime.now()
                    return woke < deadline ? "\(index): \(woke) < \(deadline)" : nil
                }
            }
            return await group.reduce(into: [String]()) { if let early = $1 { $0.append(early) } }
        }
        #expect(early.isEmpty)
        #expect(runtime.timers.parkedCount == 0)
    }

    @Test func aCancelledSleepThrowsAtOnce() async {
        let runtime = ConcurrentRuntime(seed: 2)
        let sleeping = Task.detached {
            do {
                try await runtime.sleep(for: .seconds(3_600))
                return "slept an hour"
            } catch {
                return "\(type(of: error))"
            }
        }
        // Cancelled before or after it parks: either way it ends now, not in an hour (the test
        // would hang otherwise).
        sleeping.cancel()
        #expect(await sleeping.value == "CancellationError")
    }

    @Test func aSleepOfACancelledTaskThrowsWithoutParking() async {
        let runtime = ConcurrentRuntime(seed: 3)
        let task = Task.detached {
            withUnsafeCurrentTask { $0?.cancel() }
            return (try? await runtime.sleep(for: .seconds(3_600))) == nil
        }
        #expect(await task.value)
        #expect(runtime.timers.parkedCount == 0)
    }

    @Test func aWakeBeforeTheParkEndsTheSleepAtOnceAndALateWakeSaysSo() async throws {
        let runtime = ConcurrentRuntime(seed: 4)
        let sleeper = TimerSleeper()
        #expect(runtime.timers.wake(sleeper))
        try await runtime.timers.park(sleeper, until: runtime.now().nanoseconds + 3_600_000_000_000)
        #expect(!runtime.timers.wake(sleeper))
        #expect(runtime.timers.parkedCount == 0)
    }

    @Test func withTimeoutAnswersNilAtTheTimeoutAndTheValueBeforeIt() async {
        let runtime = ConcurrentRuntime(seed: 5)
        let late = await runtime.withTimeout(.milliseconds(5)) {
            try? await runtime.sleep(for: .seconds(3_600))
            return 1
        }
        let quick = await runtime.withTimeout(.seconds(3_600)) { 2 }
        #expect(late == nil)
        #expect(quick == 2)
    }
}
