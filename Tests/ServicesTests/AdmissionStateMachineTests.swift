import Core
import PaystormRuntime
import Testing

@testable import Services

/// The gateway's load shedder decided with plain values: limits, the queue and its time budget.
@Suite struct AdmissionStateMachineTests {
    static let alice = MerchantID(1)
    static let bob = MerchantID(2)

    static func machine(
        inFlightMax: Int = 2, merchantInFlightMax: Int = 10, budget: Duration = .milliseconds(100),
        queueLengthMax: Int = 2
    ) -> AdmissionStateMachine {
        AdmissionStateMachine(
            configuration: .init(
                inFlightMax: inFlightMax, merchantInFlightMax: merchantInFlightMax, queueTimeBudget: budget,
                queueLengthMax: queueLengthMax, retryAfter: .seconds(1)))
    }

    static func at(_ milliseconds: Int64) -> SimTime { SimTime(nanoseconds: milliseconds * 1_000_000) }

    @Test func requestsBeyondTheTotalLimitQueueAndAreGrantedInOrder() {
        var machine = Self.machine()
        #expect(machine.arrive(Self.alice, now: Self.at(0)).0 == .admitted)
        #expect(machine.arrive(Self.bob, now: Self.at(0)).0 == .admitted)
        #expect(machine.arrive(Self.alice, now: Self.at(1)).0 == .queued(ticket: 1))
        #expect(machine.arrive(Self.bob, now: Self.at(2)).0 == .queued(ticket: 2))
        // The queue holds two: the next is refused at once.
        #expect(machine.arrive(Self.bob, now: Self.at(3)).0 == .refused(.queueFull))
        #expect(machine.inFlight == 2)
        #expect(machine.queueLength == 2)
        let first = machine.release(Self.alice, now: Self.at(10))
        #expect(first.granted == [1])
        #expect(first.timedOut.isEmpty)
        #expect(machine.release(Self.bob, now: Self.at(20)).granted == [2])
        #expect(machine.queueLength == 0)
        #expect(machine.inFlight == 2)
        #expect(machine.counts.admitted == 4)
        #expect(machine.counts.admittedAfterQueueing == 2)
        #expect(machine.counts.shedQueueFull == 1)
        #expect(machine.counts.shed == 1)
        #expect(machine.counts.inFlightPeak == 2)
        #expect(machine.counts.queueLengthPeak == 2)
    }

    @Test func aWaiterPastItsBudgetIsRefusedNotGranted() {
        var machine = Self.machine(budget: .milliseconds(100))
        _ = machine.arrive(Self.alice, now: Self.at(0))
        _ = machine.arrive(Self.alice, now: Self.at(0))
        #expect(machine.arrive(Self.alice, now: Self.at(0)).0 == .queued(ticket: 1))
        #expect(machine.arrive(Self.bob, now: Self.at(50)).0 == .queued(ticket: 2))
        // At 120 ms the first waiter's 100 ms are over; the second has 30 ms left and gets the slot.
        let resolutions = machine.release(Self.alice, now: Self.at(120))
        #expect(resolutions.timedOut == [1])
        #expect(resolutions.granted == [2])
        #expect(machine.counts.shedQueueTimeout == 1)
        // An arrival also refuses waiters past their deadline, with no release needed.
        #expect(machine.arrive(Self.bob, now: Self.at(130)).0 == .queued(ticket: 3))
        let (arrival, expired) = machine.arrive(Self.bob, now: Self.at(231))
        #expect(expired.timedOut == [3])
        #expect(arrival == .queued(ticket: 4))
        #expect(machine.counts.shedQueueTimeout == 2)
    }

    @Test func aMerchantAtItsOwnLimitIsRefusedWhileOthersAreAdmitted() {
        var machine = Self.machine(inFlightMax: 100, merchantInFlightMax: 2)
        #expect(machine.arrive(Self.alice, now: .zero).0 == .admitted)
        #expect(machine.arrive(Self.alice, now: .zero).0 == .admitted)
        #expect(machine.arrive(Self.alice, now: .zero).0 == .refused(.merchantLimit))
        #expect(machine.arrive(Self.bob, now: .zero).0 == .admitted)
        _ = machine.release(Self.alice, now: Self.at(1))
        #expect(machine.arrive(Self.alice, now: Self.at(2)).0 == .admitted)
        #expect(machine.counts.shedMerchantLimit == 1)
    }

    /// A merchant's waiting requests count against its limit too: one merchant cannot fill the
    /// queue that every merchant shares.
    @Test func waitingRequestsCountAgainstTheMerchantLimit() {
        var machine = Self.machine(inFlightMax: 1, merchantInFlightMax: 2, queueLengthMax: 10)
        #expect(machine.arrive(Self.alice, now: .zero).0 == .admitted)
        #expect(machine.arrive(Self.alice, now: .zero).0 == .queued(ticket: 1))
        #expect(machine.arrive(Self.alice, now: .zero).0 == .refused(.merchantLimit))
        #expect(machine.arrive(Self.bob, now: .zero).0 == .queued(ticket: 2))
    }

    @Test func aZeroBudgetRefusesAtOnceInsteadOfQueueing() {
        var machine = Self.machine(inFlightMax: 1, budget: .zero)
        #expect(machine.arrive(Self.alice, now: .zero).0 == .admitted)
        #expect(machine.arrive(Self.bob, now: .zero).0 == .refused(.queueFull))
    }

    @Test func badLimitsAreRefused() {
        var configuration = AdmissionStateMachine.Configuration.standard
        configuration.inFlightMax = 0
        #expect(throws: GatewayError.self) { try configuration.validate() }
        #expect(throws: Never.self) { try AdmissionStateMachine.Configuration.standard.validate() }
    }

    /// A shed request is Stripe's 429: `rate_limit` for a limit, `lock_timeout` for the budget.
    @Test func shedRequestsAnswer429WithRetryAfter() {
        let limit = APIResponse.error(GatewayError.overloaded(.merchantLimit, retryAfter: .seconds(1)))
        #expect(limit.status == 429)
        #expect(limit.retryAfter == .seconds(1))
        #expect(limit.body.contains("\"code\":\"rate_limit\""))
        let timeout = APIResponse.error(GatewayError.overloaded(.queueTimeout, retryAfter: .seconds(2)))
        #expect(timeout.status == 429)
        #expect(timeout.retryAfter == .seconds(2))
        #expect(timeout.body.contains("\"code\":\"lock_timeout\""))
    }
}
