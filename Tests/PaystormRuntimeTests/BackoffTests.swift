import Testing

@testable import PaystormRuntime

/// A generator that returns one value over and over: a jitter draw pinned to its bounds (not for
/// `.full`, whose unbiased integer draw would reject a constant zero forever).
struct ConstantGenerator: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}

@Suite struct BackoffTests {
    /// (first ms, max ms, retries made, expected ceiling ms)
    static let ceilings: [(Int64, Int64, Int, Int64)] = [
        (50, 2_000, 0, 50), (50, 2_000, 1, 100), (50, 2_000, 5, 1_600), (50, 2_000, 6, 2_000),
        (250, 4_000, 4, 4_000), (250, 4_000, 5, 4_000), (10, 1_000, 6, 640), (10, 1_000, 7, 1_000),
        (1_000, 1_000, 3, 1_000), (500, 5_000, -1, 500),
        // However many retries: no overflow, the cap.
        (1_000, 3_600_000, 10_000, 3_600_000), (1, Int64.max / 1_000_000, Int.max, Int64.max / 1_000_000),
    ]

    @Test(arguments: ceilings)
    func theCeilingDoublesFromTheFirstDelayUpToTheLongest(
        first: Int64, longest: Int64, retries: Int, expected: Int64
    ) {
        let backoff = Backoff(first: .milliseconds(first), max: .milliseconds(longest))
        #expect(backoff.ceiling(afterRetries: retries) == .milliseconds(expected))
        #expect(backoff.delay(afterRetries: retries) == .milliseconds(expected))
        var random = RandomStream(seed: 1)
        #expect(backoff.delay(afterRetries: retries, using: &random) == .milliseconds(expected))
    }

    /// (jitter, retries made, draw, expected ms) for 500 ms doubling to 5 s.
    static let jittered: [(Backoff.Jitter, Int, UInt64, Int64)] = [
        // Half: [half, all] of the ceiling, never below the first delay.
        (.half, 0, 0, 500), (.half, 1, 0, 500), (.half, 2, 0, 1_000), (.half, 3, 0, 2_000),
        (.half, 9, 0, 2_500),
        (.half, 2, 1 << 63, 1_500), (.half, 9, 1 << 63, 3_750),
        (.none, 3, 0, 4_000), (.none, 3, .max, 4_000),
    ]

    @Test(arguments: jittered)
    func theJitterStaysWithinItsShare(jitter: Backoff.Jitter, retries: Int, draw: UInt64, expected: Int64) {
        let backoff = Backoff(first: .milliseconds(500), max: .seconds(5), jitter: jitter)
        var random = ConstantGenerator(value: draw)
        #expect(backoff.delay(afterRetries: retries, using: &random) == .milliseconds(expected))
    }

    @Test func jitteredDelaysSpreadOverTheirRangeAndRepeatWithTheSeed() {
        for jitter in [Backoff.Jitter.full, .half] {
            let backoff = Backoff(first: .milliseconds(500), max: .seconds(5), jitter: jitter)
            var random = RandomStream(seed: 42)
            var again = RandomStream(seed: 42)
            var seen = Set<Duration>()
            for retries in 0..<200 {
                let ceiling = backoff.ceiling(afterRetries: retries)
                let delay = backoff.delay(afterRetries: retries, using: &random)
                let floor = jitter == .full ? .zero : max(backoff.delayFirst, ceiling / 2)
                #expect(delay >= floor && delay <= ceiling, "\(jitter) \(retries): \(delay)")
                #expect(delay == backoff.delay(afterRetries: retries, using: &again))
                seen.insert(delay)
            }
            // 200 draws in a range of seconds: not one value repeated.
            #expect(seen.count > 150, "\(jitter): \(seen.count) distinct")
        }
    }

    /// The webhooks' full jitter draws as `RandomStream.int(in:)` did, so a seed keeps its run.
    @Test func fullJitterDrawsAsTheStreamsIntegerDraw() {
        let backoff = Backoff(first: .seconds(1), max: .seconds(3_600), jitter: .full)
        var random = RandomStream(seed: 7)
        var reference = RandomStream(seed: 7)
        for retries in 0..<20 {
            let ceiling = backoff.ceiling(afterRetries: retries).nanoseconds
            #expect(
                backoff.delay(afterRetries: retries, using: &random)
                    == .nanoseconds(reference.int(in: 0...ceiling)))
        }
    }

    @Test func aScheduleFromLongestToFirstTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = Backoff(first: .seconds(2), max: .seconds(1))
        }
    }
}
