import Testing

@testable import Server

/// The sender's line and slots as plain values: what starts, what waits, what a full queue
/// dead-letters, and when the API is asked to wait.
@Suite struct WebhookSenderStateMachineTests {
    typealias Machine = WebhookSenderStateMachine<Int>

    static func started(_ action: Machine.SendAction) -> Int? {
        if case .start(let delivery) = action { return delivery }
        return nil
    }

    @Test func deliveriesStartUpToTheSlotsThenWaitInOrder() {
        var machine = Machine(concurrentMax: 2, queueMax: 10, pushbackWaitingMin: 100)
        #expect(Self.started(machine.send(1)) == 1)
        #expect(Self.started(machine.send(2)) == 2)
        for delivery in 3...5 {
            guard case .queued = machine.send(delivery) else {
                Issue.record("delivery \(delivery) was not queued")
                return
            }
        }
        #expect(machine.inFlight == 2)
        // Each finished attempt hands its slot to the first in line.
        var next: [Int?] = []
        for _ in 0..<3 { next.append(machine.attemptFinished()) }
        #expect(next == [3, 4, 5])
        #expect(machine.inFlight == 2)
        next = [machine.attemptFinished(), machine.attemptFinished()]
        #expect(next == [nil, nil])
        #expect(machine.isIdle)
    }

    @Test func aFullQueueDeadLettersAndRetriesCountInIt() {
        var machine = Machine(concurrentMax: 1, queueMax: 2, pushbackWaitingMin: 100)
        _ = machine.send(1)
        _ = machine.send(2)
        let scheduled = machine.retryScheduled()
        #expect(scheduled)
        // One waiting and one retrying: the queue of two is full.
        guard case .deadLetter(3) = machine.send(3) else {
            Issue.record("a full queue admitted a delivery")
            return
        }
        // A retry that comes due was counted already: it is never refused.
        guard case .queued = machine.retryDue(4) else {
            Issue.record("a due retry was not put in line")
            return
        }
        #expect(machine.waiting.count == 2 && machine.retrying == 0)
    }

    @Test func theAPIWaitsFromTheMarkUntilTheLineIsDownToHalf() {
        var machine = Machine(concurrentMax: 1, queueMax: 100, pushbackWaitingMin: 4)
        _ = machine.send(0)
        for delivery in 1...3 { _ = machine.send(delivery) }
        #expect(!machine.isBackedUp)
        _ = machine.send(4)
        #expect(machine.isBackedUp)
        _ = machine.attemptFinished()
        // Three waiting: below the mark but above half of it.
        #expect(machine.isBackedUp)
        _ = machine.attemptFinished()
        #expect(!machine.isBackedUp)
    }

    @Test func aStoppedSenderStartsNothingAndReturnsItsLine() {
        var machine = Machine(concurrentMax: 1, queueMax: 10, pushbackWaitingMin: 100)
        _ = machine.send(1)
        _ = machine.send(2)
        let scheduled = machine.retryScheduled()
        let line = machine.stop()
        #expect(scheduled && Array(line) == [2])
        #expect(!machine.isIdle)
        guard case .drop(3) = machine.send(3), case .drop(4) = machine.retryDue(4) else {
            Issue.record("a stopped sender admitted a delivery")
            return
        }
        let scheduledAfterStop = machine.retryScheduled()
        #expect(!scheduledAfterStop)
        // The attempt in flight finishes; nothing takes its slot.
        let next = machine.attemptFinished()
        #expect(next == nil && machine.isIdle)
    }
}
