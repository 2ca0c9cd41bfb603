import Testing

@testable import PaystormRuntime

/// A deliberately reentrant counter: it reads, suspends, then writes what it read plus one. Two
/// interleaved increments can lose one. Which interleavings happen is the scheduler's choice,
/// so under the deterministic runtime it is the seed's.
actor ReentrantCounter {
    private(set) var value = 0
    private(set) var trace: [String] = []
    let runtime: any Runtime

    init(runtime: any Runtime) { self.runtime = runtime }

    func increment(by worker: Int) async {
        let read = value
        trace.append("w\(worker) read \(read) at \(runtime.now().nanoseconds)")
        await Task.yield()  // a suspension point: other jobs may run here
        value = read + 1
        trace.append("w\(worker) wrote \(read + 1)")
    }
}

@Suite struct DeterministicRuntimeTests {
    /// Runs `workers` concurrent increments and returns the counter's value and trace.
    static func reentrantRun(seed: UInt64, workers: Int = 4) throws -> (Int, [String], UInt64) {
        let runtime = DeterministicRuntime(seed: seed)
        let counter = ReentrantCounter(runtime: runtime)
        let (value, trace) = try runtime.run {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask { await counter.increment(by: worker) }
                }
            }
            return (await counter.value, await counter.trace)
        }
        #expect(runtime.escapedJobCount == 0)
        return (value, trace, runtime.statistics.scheduleDigest)
    }

    @Test func reentrantActorLosesUpdatesUnderSomeSeedsOnly() throws {
        var lost = 0
        var kept = 0
        for seed in UInt64(1)...64 {
            let (value, _, _) = try Self.reentrantRun(seed: seed, workers: 2)
            if value < 2 { lost += 1 } else { kept += 1 }
            #expect(value == 1 || value == 2)
        }
        #expect(lost > 0, "no seed interleaved the read and the write: the executor is not exploring")
        #expect(kept > 0, "every seed lost an update: the executor is not exploring")
    }

    @Test(arguments: [UInt64(1), 7, 42, 1_000_003])
    func sameSeedSameTrace(seed: UInt64) throws {
        let first = try Self.reentrantRun(seed: seed)
        let second = try Self.reentrantRun(seed: seed)
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(first.2 == second.2)
    }

    @Test func differentSeedsGiveDifferentTraces() throws {
        let traces = Set(try (UInt64(1)...16).map { try Self.reentrantRun(seed: $0).1 })
        #expect(traces.count > 1)
    }

    @Test func virtualClockJumpsToTheNextTimer() throws {
        let runtime = DeterministicRuntime(seed: 3)
        let wakeTimes = try runtime.run {
            await withTaskGroup(of: Int64.self) { group in
                for seconds in [3, 1, 2] {
                    group.addTask {
                        try? await runtime.sleep(for: .seconds(seconds))
                        return runtime.now().nanoseconds
                    }
                }
                var times: [Int64] = []
                for await time in group { times.append(time) }
                return times
            }
        }
        #expect(wakeTimes == [1_000_000_000, 2_000_000_000, 3_000_000_000])
        // A day of virtual time costs nothing.
        let later = try runtime.run {
            try await runtime.sleep(for: .seconds(86_400))
            return runtime.now()
        }
        #expect(later.nanoseconds == 86_403_000_000_000)
    }

    @Test func cancelledSleepThrowsAndDoesNotAdvanceTheClock() throws {
        let runtime = DeterministicRuntime(seed: 9)
        let (result, now) = try runtime.run {
            let sleeper = runtime.spawn {
                do {
                    try await runtime.sleep(for: .seconds(60))
                } catch {
                    #expect(error is CancellationError)
                }
            }
            try await runtime.sleep(for: .milliseconds(5))
            sleeper.cancel()
            await sleeper.value
            return ("done", runtime.now())
        }
        #expect(result == "done")
        #expect(now.nanoseconds == 5_000_000)
    }

    @Test func timeoutReturnsNilWhenTheOperationIsSlower() throws {
        let runtime = DeterministicRuntime(seed: 11)
        let (slow, fast) = try runtime.run {
            let slow = await runtime.withTimeout(.milliseconds(100)) {
                try? await runtime.sleep(for: .seconds(1))
                return 1
            }
            let fast = await runtime.withTimeout(.milliseconds(100)) {
                try? await runtime.sleep(for: .milliseconds(10))
                return 2
            }
            return (slow, fast)
        }
        #expect(slow == nil)
        #expect(fast == 2)
        #expect(runtime.now().nanoseconds == 110_000_000)
    }

    @Test func aStalledRunIsAnErrorNotAHang() {
        let runtime = DeterministicRuntime(seed: 5)
        #expect(throws: DeterministicRuntimeError.self) {
            try runtime.run {
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in
                    // Never resumed: nothing can ever wake this task.
                }
            }
        }
    }
}

@Suite struct EscapeTripwireTests {
    @Test func noJobEscapesThroughSpawnChildTasksOrActors() throws {
        let runtime = DeterministicRuntime(seed: 21)
        let counter = ReentrantCounter(runtime: runtime)
        try runtime.run {
            let spawned = runtime.spawn { await counter.increment(by: 1) }
            async let child: Void = counter.increment(by: 2)
            await withDiscardingTaskGroup { group in
                for worker in 3..<10 { group.addTask { await counter.increment(by: worker) } }
            }
            await child
            await spawned.value
        }
        #expect(runtime.escapedJobCount == 0)
    }

    @Test func aBareTaskIsCaught() throws {
        let runtime = DeterministicRuntime(seed: 22)
        try runtime.run {
            // The mistake the tripwire exists for: a bare Task does not inherit the executor.
            // It is not awaited: swift-testing runs suites on the cooperative pool, whose threads
            // this blocking run may be occupying, so the escaped job need not ever get to run.
            _ = Task { 1 }
        }
        #expect(runtime.escapedJobCount >= 1)
    }
}
