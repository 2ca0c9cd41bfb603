import NIOPosix
import PaystormRuntime
import Testing

@testable import Client

/// A runtime's sleeps woken by an event loop's timer: none ends before its deadline, and a
/// shorter sleep parked after a long one re-arms the timer earlier (it ends in milliseconds, not
/// with the long one).
@Suite struct EventLoopTimerDriverTests {
    @Test func sleepsEndNoEarlierThanTheirDeadlines() async {
        let runtime = ConcurrentRuntime(seed: 1, timerDriver: EventLoopTimerDriver())
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
    }

    @Test func aShorterSleepAfterALongOneEndsInTime() async {
        let runtime = ConcurrentRuntime(seed: 2, timerDriver: EventLoopTimerDriver())
        let long = Task.detached { try? await runtime.sleep(for: .seconds(3_600)) }
        // Parked (or about to): the timer is armed an hour ahead.
        try? await Task.sleep(for: .milliseconds(20))
        let began = ContinuousClock.now
        try? await runtime.sleep(for: .milliseconds(10))
        #expect(began.duration(to: .now) < .seconds(30))
        long.cancel()
        await long.value
    }
}
