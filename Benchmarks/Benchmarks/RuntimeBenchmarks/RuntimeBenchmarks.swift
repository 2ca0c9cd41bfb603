import Benchmark
import PaystormRuntime

/// An actor that two tasks ping-pong through: the unit of work of every simulated payment.
actor PingPong {
    private var count = 0
    func hit() -> Int {
        count += 1
        return count
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .peakMemoryResident],
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 50)

    // Actor calls per second through the deterministic executor: the simulated mode's ceiling.
    Benchmark("Runtime.deterministic run of 1,024 actor calls") { benchmark in
        for _ in benchmark.scaledIterations {
            let runtime = DeterministicRuntime(seed: 1)
            let actors = (0..<16).map { _ in PingPong() }
            let total = try runtime.run {
                await withTaskGroup(of: Int.self) { group in
                    for a in actors {
                        group.addTask {
                            var last = 0
                            for _ in 0..<64 { last = await a.hit() }
                            return last
                        }
                    }
                    return await group.reduce(0, +)
                }
            }
            blackHole(total)
        }
    }

    // Timers: sleep/wake cycles through the virtual clock's heap.
    Benchmark("Runtime.deterministic run of 1,000 sleeps") { benchmark in
        for _ in benchmark.scaledIterations {
            let runtime = DeterministicRuntime(seed: 2)
            try runtime.run {
                await withTaskGroup(of: Void.self) { group in
                    for i in 0..<8 {
                        group.addTask {
                            for j in 0..<125 { try? await runtime.sleep(for: .microseconds(i * 7 + j)) }
                        }
                    }
                }
            }
        }
    }
}
