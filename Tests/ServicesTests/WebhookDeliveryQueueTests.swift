import Core
import PaystormRuntime
import Testing

@testable import Services

/// The dispatcher's timetable driven by hand: no pump, no clock but the `now` passed in.
@Suite struct WebhookDeliveryQueueTests {
    static let secret = "whsec_queue"

    static func endpoint(_ runtime: any Runtime, latency: Duration, failing: Double = 0) -> WebhookEndpoint {
        WebhookEndpoint(
            runtime: runtime,
            configuration: .init(
                secret: secret, failureProbability: failing, latencyMedian: latency, latencySigma: 0),
            random: runtime.randomStream("endpoint", 1))
    }

    static func queue(
        _ runtime: any Runtime, endpoints: [MerchantID: WebhookEndpoint], callback: Bool = false,
        restartable: Bool = false
    ) -> WebhookDeliveryQueue {
        var configuration = WebhookDispatcher.Configuration(restartable: restartable)
        configuration.retryPolicy = try! WebhookDelivery.Policy(
            base: .seconds(1), cap: .seconds(4), attemptsMax: 3)
        var queue = WebhookDeliveryQueue(configuration: configuration, settlesThroughCallback: callback)
        for (merchant, endpoint) in endpoints {
            queue.targets[merchant] = .init(endpoint: endpoint, key: WebhookSigningKey(secret: secret))
        }
        return queue
    }

    static let events = WebhookDispatcherTests.events(3)

    static func ms(_ milliseconds: Int64) -> SimTime { SimTime(nanoseconds: milliseconds * 1_000_000) }

    @Test func answersAreDueAtTheirLatencyAndRunInTheOrderTheyWereScheduled() throws {
        let runtime = DeterministicRuntime(seed: 1)
        var queue = Self.queue(
            runtime, endpoints: [MerchantID(1): Self.endpoint(runtime, latency: .milliseconds(50))])
        var wakes: [WebhookDeliveryQueue.Wake?] = []
        for event in Self.events {
            wakes.append(
                try queue.accept(event, unlessInFlight: false, now: .zero, random: RandomStream(seed: 1)))
        }
        // The first starts the pump; the others are due no sooner than what it sleeps for.
        #expect(wakes == [.start, .nothing, .nothing])
        #expect(queue.statistics().inFlight == 3)

        let early = queue.runDue(now: Self.ms(49))
        #expect(early.next == Self.ms(50).nanoseconds)
        #expect(queue.statistics().attempts == 0)

        let due = queue.runDue(now: Self.ms(50))
        #expect(due.next == nil, "nothing left: the pump stops")
        #expect(due.settlements.isEmpty, "no callback: finished at once")
        let statistics = queue.statistics()
        #expect(statistics.delivered == 3 && statistics.inFlight == 0 && statistics.attempts == 3)
        #expect(queue.attemptTrace.map(\.eventID) == Self.events.map(\.id))
        #expect(queue.attemptTrace.allSatisfy { $0.startedAt == .zero && $0.status == 200 })
    }

    @Test func anEndedDeliverysSlotIsTakenByTheNextEvent() throws {
        let runtime = DeterministicRuntime(seed: 3)
        var queue = Self.queue(
            runtime, endpoints: [MerchantID(1): Self.endpoint(runtime, latency: .milliseconds(5))])
        let events = WebhookDispatcherTests.events(40)
        // Two in delivery at a time, one ending before the next two come: two slots in all.
        for (index, pair) in stride(from: 0, to: events.count, by: 2).enumerated() {
            let now = Self.ms(Int64(index) * 10)
            for event in events[pair..<(pair + 2)] {
                _ = try queue.accept(event, unlessInFlight: false, now: now, random: RandomStream(seed: 1))
            }
            _ = queue.runDue(now: now + .milliseconds(5))
        }
        let statistics = queue.statistics()
        #expect(statistics.delivered == 40 && statistics.inFlight == 0)
        #expect(queue.deliverySlots == 2)
        #expect(queue.attemptTrace.map(\.eventID) == events.map(\.id))
    }

    @Test func anEventDueSoonerThanThePumpsSleepRingsIt() throws {
        let runtime = DeterministicRuntime(seed: 2)
        var queue = Self.queue(
            runtime,
            endpoints: [
                MerchantID(1): Self.endpoint(runtime, latency: .seconds(2)),
                MerchantID(2): Self.endpoint(runtime, latency: .milliseconds(10)),
            ])
        let slow = WebhookDispatcherTests.events(1, merchant: MerchantID(1))[0]
        let fast = WebhookDispatcherTests.events(2, merchant: MerchantID(2))[1]
        #expect(
            try queue.accept(slow, unlessInFlight: false, now: .zero, random: RandomStream(seed: 1)) == .start
        )
        #expect(
            try queue.accept(fast, unlessInFlight: false, now: .zero, random: RandomStream(seed: 2)) == .ring)
        let pass = queue.runDue(now: Self.ms(10))
        #expect(pass.next == Self.ms(2_000).nanoseconds)
        #expect(queue.statistics().delivered == 1)
    }

    @Test func failedAttemptsRetryOnTheirBackoffThenDeadLetter() throws {
        let runtime = DeterministicRuntime(seed: 3)
        var queue = Self.queue(
            runtime, endpoints: [MerchantID(1): Self.endpoint(runtime, latency: .milliseconds(5), failing: 1)]
        )
        _ = try queue.accept(Self.events[0], unlessInFlight: false, now: .zero, random: RandomStream(seed: 3))
        var now = SimTime.zero
        var passes = 0
        while let next = queue.runDue(now: now).next {
            now = SimTime(nanoseconds: next)
            passes += 1
            #expect(passes < 10)
        }
        let statistics = queue.statistics()
        #expect(statistics.attempts == 3 && statistics.retries == 2 && statistics.deadLettered == 1)
        #expect(queue.deadLetterQueue.map(\.lastStatus) == [500])
        // Each retry waited at most its ceiling (1 s, then 2 s) after the failed answer.
        let starts = queue.attemptTrace.map(\.startedAt)
        #expect(starts.count == 3)
        #expect(starts[1] - starts[0] <= .milliseconds(5) + .seconds(1))
        #expect(starts[2] - starts[1] <= .milliseconds(5) + .seconds(2))
    }

    @Test func withACallbackEndedDeliveriesStayInFlightUntilFinished() throws {
        let runtime = DeterministicRuntime(seed: 4)
        var queue = Self.queue(
            runtime, endpoints: [MerchantID(1): Self.endpoint(runtime, latency: .milliseconds(1))],
            callback: true,
            restartable: true)
        for event in Self.events {
            _ = try queue.accept(event, unlessInFlight: false, now: .zero, random: RandomStream(seed: 4))
        }
        // Restartable: an event already in delivery is skipped, not taken twice.
        #expect(
            try queue.accept(Self.events[0], unlessInFlight: true, now: .zero, random: RandomStream(seed: 4))
                == nil)
        let pass = queue.runDue(now: Self.ms(1))
        #expect(pass.settlements.map(\.id) == Self.events.map(\.id))
        #expect(pass.settlements.allSatisfy { !$0.deadLettered })
        #expect(queue.statistics().inFlight == 3)
        _ = queue.finish(pass.settlements.map(\.id))
        #expect(queue.statistics().inFlight == 0)
        #expect(
            try queue.accept(Self.events[0], unlessInFlight: true, now: .zero, random: RandomStream(seed: 4))
                != nil)
    }

    @Test func killingAbandonsWhatIsInTheTimetable() throws {
        let runtime = DeterministicRuntime(seed: 5)
        var queue = Self.queue(
            runtime, endpoints: [MerchantID(1): Self.endpoint(runtime, latency: .milliseconds(50))])
        for event in Self.events.prefix(2) {
            _ = try queue.accept(event, unlessInFlight: false, now: .zero, random: RandomStream(seed: 5))
        }
        _ = queue.kill()
        var statistics = queue.statistics()
        #expect(statistics.abandoned == 2 && statistics.inFlight == 0 && statistics.delivered == 0)
        #expect(queue.runDue(now: Self.ms(50)).next == nil)
        // A dead dispatcher swallows what it is handed.
        #expect(
            try queue.accept(Self.events[2], unlessInFlight: false, now: .zero, random: RandomStream(seed: 5))
                == .nothing)
        statistics = queue.statistics()
        #expect(statistics.abandoned == 3 && statistics.enqueued == 3 && statistics.attempts == 0)
    }

    @Test func anAttemptOutWhenTheDispatcherDiesIsAbandonedNotScheduled() throws {
        let runtime = DeterministicRuntime(seed: 6)
        var queue = Self.queue(
            runtime, endpoints: [MerchantID(1): Self.endpoint(runtime, latency: .milliseconds(5))])
        let intake = try queue.accept(Self.events[0], unlessInFlight: false, random: RandomStream(seed: 6))
        guard case .attempt(let attempt) = intake else {
            Issue.record("not accepted: \(intake)")
            return
        }
        _ = queue.kill()
        let answer = attempt.send(now: .zero, configuration: queue.configuration)
        #expect(queue.schedule(attempt, answer: answer) == nil)
        let statistics = queue.statistics()
        #expect(statistics.abandoned == 1 && statistics.inFlight == 0 && statistics.attempts == 0)
        #expect(queue.runDue(now: Self.ms(5)).next == nil)
    }
}

/// The dispatcher's two ways through the queue, made by hand at `now`: an event accepted, its
/// first attempt sent and scheduled; a pass of the pump.
extension WebhookDeliveryQueue {
    mutating func accept(
        _ event: WebhookEvent, unlessInFlight: Bool, now: SimTime, random: RandomStream
    ) throws(WebhookDispatchError) -> Wake? {
        switch try accept(event, unlessInFlight: unlessInFlight, random: random) {
        case .skipped: return nil
        case .abandoned: return .nothing
        case .attempt(let attempt):
            return scheduleFirst(attempt, answer: attempt.send(now: now, configuration: configuration))
        }
    }

    mutating func runDue(now: SimTime) -> Pass {
        var pass = Pass()
        while let attempt = nextAttemptDue(now: now, into: &pass) {
            schedule(attempt, answer: attempt.send(now: now, configuration: configuration))
        }
        return pass
    }
}
