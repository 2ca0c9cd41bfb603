import Testing

@testable import Client

@Suite struct RequestGateTests {
    /// Yields until `count` requests wait at the gate (they queue without any clock).
    private func waitUntil(_ gate: RequestGate, waiting count: Int) async {
        while gate.waiting < count { await Task.yield() }
    }

    @Test func waitersGoInArrivalOrderOneSlotAtATime() async {
        let gate = RequestGate(slotsMax: 1)
        let later = ContinuousClock.now + .seconds(3_600)
        #expect(await gate.enter(deadline: later) == .admitted)
        let (order, continuation) = AsyncStream.makeStream(of: Int.self)
        var tasks: [Task<Void, Never>] = []
        for number in 1...3 {
            tasks.append(
                Task {
                    let admitted = await gate.enter(deadline: later) == .admitted
                    continuation.yield(admitted ? number : -number)
                    if admitted { gate.leave() }
                })
            await waitUntil(gate, waiting: number)
        }
        gate.leave()
        for task in tasks { await task.value }
        continuation.finish()
        var seen: [Int] = []
        for await number in order { seen.append(number) }
        #expect(seen == [1, 2, 3])
        #expect(gate.waiting == 0)
    }

    @Test func aWaiterPastItsDeadlineIsRefusedAndPassesTheSlotOn() async {
        let gate = RequestGate(slotsMax: 1)
        #expect(await gate.enter(deadline: .now + .seconds(3_600)) == .admitted)
        let late = Task { await gate.enter(deadline: .now - .seconds(1)) }
        await waitUntil(gate, waiting: 1)
        gate.leave()
        #expect(await late.value == .expired)
        // The refused waiter gave its slot back: the next request is admitted at once.
        #expect(await gate.enter(deadline: .now + .seconds(3_600)) == .admitted)
        #expect(gate.waiting == 0)
    }

    @Test func slotsBelowTheBoundAdmitAtOnce() async {
        let gate = RequestGate(slotsMax: 3)
        for _ in 1...3 { #expect(await gate.enter(deadline: .now + .seconds(1)) == .admitted) }
        #expect(gate.waiting == 0)
    }

    @Test func aWaiterPastItsPatienceIsShedWithoutTakingASlot() async {
        let gate = RequestGate(slotsMax: 1, patience: [.read: .zero])
        #expect(await gate.enter(deadline: .now + .seconds(3_600)) == .admitted)
        let read = Task { await gate.enter(.read, deadline: .now + .seconds(3_600)) }
        await waitUntil(gate, waiting: 1)
        // Its patience is over at once: the next arrival sheds it, and waits itself.
        let followUp = Task { await gate.enter(.followUp, deadline: .now + .seconds(3_600)) }
        #expect(await read.value == .shed)
        await waitUntil(gate, waiting: 1)
        gate.leave()
        #expect(await followUp.value == .admitted)
        #expect(gate.waiting == 0)
    }
}
