import Testing

@testable import Client

@Suite struct RequestGateStateMachineTests {
    private let start = ContinuousClock.now

    private func at(milliseconds: Int64) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func aFreedSlotGoesToTheHighestPriorityFirstThenInArrivalOrder() {
        var machine = RequestGateStateMachine<String>(.init(slotsMax: 1))
        #expect(machine.arrive("first", priority: .read, now: at(milliseconds: 0)).arrival == .admitted)
        for (name, priority) in [
            ("read 1", RequestPriority.read), ("payment 1", .payment), ("read 2", .read),
            ("follow-up", .followUp), ("payment 2", .payment),
        ] {
            #expect(machine.arrive(name, priority: priority, now: at(milliseconds: 1)).arrival == .queued)
        }
        var order: [String] = []
        while let granted = machine.release(now: at(milliseconds: 2)).granted { order.append(granted) }
        #expect(order == ["follow-up", "payment 1", "payment 2", "read 1", "read 2"])
        #expect(machine.inFlight == 0 && machine.waiting == 0)
    }

    @Test func waitersPastTheirPatienceAreShedAndNeverGranted() {
        var machine = RequestGateStateMachine<String>(
            .init(slotsMax: 1, patience: [.payment: .milliseconds(100), .read: .milliseconds(10)]))
        _ = machine.arrive("on the wire", priority: .followUp, now: at(milliseconds: 0))
        _ = machine.arrive("read", priority: .read, now: at(milliseconds: 0))
        _ = machine.arrive("payment", priority: .payment, now: at(milliseconds: 0))
        _ = machine.arrive("follow-up", priority: .followUp, now: at(milliseconds: 0))
        // 50 ms on: the read's 10 ms are over, the payment's 100 ms are not.
        let arrival = machine.arrive("late read", priority: .read, now: at(milliseconds: 50))
        #expect(arrival.arrival == .queued && arrival.shed == ["read"])
        // 200 ms on: the payment and the late read are shed; the follow-up, without a
        // patience, still gets the slot.
        let release = machine.release(now: at(milliseconds: 200))
        #expect(release.shed == ["payment", "late read"])
        #expect(release.granted == "follow-up")
        #expect(machine.waiting == 0 && machine.inFlight == 1)
    }

    @Test func aSlotBelowTheBoundAdmitsAtOnceOnlyWhileNobodyWaits() {
        var machine = RequestGateStateMachine<Int>(.init(slotsMax: 2))
        #expect(machine.arrive(1, priority: .read, now: at(milliseconds: 0)).arrival == .admitted)
        #expect(machine.arrive(2, priority: .read, now: at(milliseconds: 0)).arrival == .admitted)
        #expect(machine.arrive(3, priority: .read, now: at(milliseconds: 0)).arrival == .queued)
        // The released slot is handed to the waiter, not freed: the in-flight count stays.
        #expect(machine.release(now: at(milliseconds: 1)).granted == 3)
        #expect(machine.inFlight == 2)
        #expect(machine.release(now: at(milliseconds: 1)).granted == nil)
        #expect(machine.inFlight == 1)
    }

    /// The path without a waiter: a free slot is taken while nobody waits, and never past a
    /// waiter or the bound.
    @Test func admitAtOnceTakesAFreeSlotOnlyWhileNobodyWaits() {
        var machine = RequestGateStateMachine<Int>(.init(slotsMax: 2))
        let admitted1 = machine.admitAtOnce()
        #expect(admitted1)
        #expect(machine.inFlight == 1)
        #expect(machine.arrive(1, priority: .read, now: at(milliseconds: 0)).arrival == .admitted)
        let admitted2 = machine.admitAtOnce()
        #expect(!admitted2)
        #expect(machine.inFlight == 2)
        #expect(machine.arrive(2, priority: .payment, now: at(milliseconds: 0)).arrival == .queued)
        // A slot freed while someone waits goes to the waiter; the next free one is taken
        // at once only once nobody waits.
        #expect(machine.release(now: at(milliseconds: 1)).granted == 2)
        let admitted3 = machine.admitAtOnce()
        #expect(!admitted3)
        #expect(machine.release(now: at(milliseconds: 1)).granted == nil)
        let admitted4 = machine.admitAtOnce()
        #expect(admitted4)
        #expect(machine.inFlight == 2)
    }
}
