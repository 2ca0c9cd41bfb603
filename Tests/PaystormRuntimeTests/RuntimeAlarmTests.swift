import Testing

@testable import PaystormRuntime

@Suite struct RuntimeAlarmTests {
    @Test func anAlarmNobodyRingsWakesAtItsDeadline() throws {
        let runtime = DeterministicRuntime(seed: 1)
        let woke = try runtime.run {
            let alarm = runtime.makeAlarm()
            await alarm.sleep(until: SimTime(nanoseconds: 10_000_000_000))
            return runtime.now()
        }
        #expect(woke.nanoseconds == 10_000_000_000)
        #expect(runtime.statistics.sleepersParked == 0)
    }

    @Test func aRingCutsTheSleepShortAtTheTimeOfTheRing() throws {
        let runtime = DeterministicRuntime(seed: 2)
        let (woke, rungAt) = try runtime.run {
            let alarm = runtime.makeAlarm()
            let ringer = runtime.spawn {
                try? await runtime.sleep(for: .seconds(2))
                alarm.ring()
            }
            await alarm.sleep(until: SimTime(nanoseconds: 3_600_000_000_000))
            let woke = runtime.now()
            await ringer.value
            return (woke, SimTime(nanoseconds: 2_000_000_000))
        }
        #expect(woke == rungAt)
        // The hour-long timer was taken out of the queue, not left to fire.
        #expect(runtime.statistics.sleepersParked == 0)
    }

    @Test func aRingBeforeTheSleepIsKeptForTheNextSleepOnly() throws {
        let runtime = DeterministicRuntime(seed: 3)
        let (first, second) = try runtime.run {
            let alarm = runtime.makeAlarm()
            alarm.ring()
            alarm.ring()  // rings do not pile up
            await alarm.sleep(until: SimTime(nanoseconds: 5_000_000_000))
            let first = runtime.now()
            await alarm.sleep(until: SimTime(nanoseconds: 5_000_000_000))
            return (first, runtime.now())
        }
        #expect(first == .zero)
        #expect(second.nanoseconds == 5_000_000_000)
    }

    @Test func sleepsAndRingsReplayTheSameUnderOneSeed() throws {
        func run(_ seed: UInt64) throws -> ([Int64], UInt64) {
            let runtime = DeterministicRuntime(seed: seed)
            let times = try runtime.run {
                let alarm = runtime.makeAlarm()
                let ringers = (1...5).map { index in
                    runtime.spawn {
                        try? await runtime.sleep(for: .milliseconds(index * 7))
                        alarm.ring()
                    }
                }
                var times: [Int64] = []
                for _ in 0..<4 {
                    await alarm.sleep(until: SimTime(nanoseconds: 1_000_000_000))
                    times.append(runtime.now().nanoseconds)
                }
                for ringer in ringers { await ringer.value }
                return times
            }
            return (times, runtime.statistics.scheduleDigest)
        }
        let first = try run(7)
        #expect(first == (try run(7)))
        #expect(first.0.allSatisfy { $0 < 1_000_000_000 }, "every sleep was rung short: \(first.0)")
    }

    @Test func theConcurrentAlarmWakesOnARingAndOnItsDeadline() async {
        let runtime = ConcurrentRuntime(seed: 4)
        let alarm = runtime.makeAlarm()
        // Unrung: wakes at its deadline, not before.
        let deadline = runtime.now() + .milliseconds(20)
        await alarm.sleep(until: deadline)
        #expect(runtime.now() >= deadline)
        // Rung from another task: wakes long before its hour is up (the test would hang
        // otherwise).
        let ringer = Task.detached {
            try? await Task.sleep(for: .milliseconds(10))
            alarm.ring()
        }
        await alarm.sleep(until: runtime.now() + .seconds(3_600))
        await ringer.value
        // Rung with no sleeper: the next sleep returns at once.
        alarm.ring()
        await alarm.sleep(until: runtime.now() + .seconds(3_600))
    }
}
