import Core
import Testing

@testable import Ledger

/// The replay's rules with scripted outcomes: chunking, deferral of a refused transfer, the
/// retry passes of `flush` and `finish`, and what `finish` reports as rejected.
@Suite struct ReplayStateMachineTests {
    static func transfer(_ sequence: UInt32) -> Transfer {
        Fixture.fund(Fixture.merchantA, 100, id: Fixture.id(sequence))
    }

    /// Carries out `first` and what follows, answering each submitted transfer from `answer`
    /// (by id sequence, called once per submission of it); returns the submissions, as id
    /// sequences.
    static func run(
        _ replay: inout ReplayStateMachine, _ first: ReplayStateMachine.Action,
        _ answer: (UInt32) -> TransferOutcome
    ) -> [[UInt32]] {
        var submissions: [[UInt32]] = []
        var action = first
        while case .submit(let transfers) = action {
            let sequences = transfers.map { UInt32(truncatingIfNeeded: $0.id.rawValue) }
            submissions.append(sequences)
            action = replay.submitted(sequences.map(answer))
        }
        #expect(replay.isIdle)
        return submissions
    }

    static let refused = TransferOutcome.rejected(
        .insufficientFunds(account: .merchantBalance(Fixture.merchantA, .usd)))

    @Test func aFullChunkAsksForAFlushAndARefusalIsRetriedOnceAfterIt() {
        var replay = ReplayStateMachine(chunkSize: 2)
        #expect(replay.add(Self.transfer(1)) == false)
        #expect(replay.add(Self.transfer(2)) == true)
        let flushed = Self.run(&replay, replay.flush()) { $0 == 2 ? Self.refused : .applied }
        #expect(flushed == [[1, 2], [2]])
        #expect(replay.deferred.map(\.id) == [Fixture.id(2)])
        #expect(replay.report.applied == 1)
        #expect(replay.report.rejected == 0)
        // Nothing queued: a flush is one pass over the deferred transfers.
        let again = Self.run(&replay, replay.flush()) { _ in .applied }
        #expect(again == [[2]])
        #expect(replay.deferred.isEmpty)
        #expect(replay.report.applied == 2 && replay.report.appliedAfterDeferral == 1)
        #expect(Self.run(&replay, replay.flush()) { _ in .applied }.isEmpty)
    }

    @Test func finishRetriesUntilAPassAppliesNoneAndRejectsTheRest() {
        var replay = ReplayStateMachine(chunkSize: 2)
        _ = replay.add(Self.transfer(1))
        _ = replay.add(Self.transfer(2))
        // Transfers 1 and 2 are refused through the flush and its pass; in `finish`, 1 is applied
        // on its fourth try (a debit journaled before the credit that covers it), 2 never, and
        // 3 was booked before.
        var tries: [UInt32: Int] = [:]
        let submissions = Self.run(&replay, replay.flush()) { sequence in
            tries[sequence, default: 0] += 1
            return Self.refused
        }
        #expect(submissions == [[1, 2], [1, 2]])
        _ = replay.add(Self.transfer(3))
        let finished = Self.run(&replay, replay.finish()) { sequence in
            tries[sequence, default: 0] += 1
            switch sequence {
            case 1: return tries[1]! >= 4 ? .applied : Self.refused
            case 2: return Self.refused
            default: return .alreadyApplied
            }
        }
        // The queued transfer 3, the flush's pass, then passes while one applies anything, in
        // chunks of two.
        #expect(finished == [[3], [1, 2], [1, 2], [2]])
        #expect(replay.deferred.isEmpty)
        #expect(replay.report.transfersRead == 3)
        #expect(replay.report.applied == 1 && replay.report.appliedAfterDeferral == 1)
        #expect(replay.report.alreadyApplied == 1)
        #expect(replay.report.rejected == 1)
        #expect(
            replay.report.rejectedExamples == ["\(Fixture.id(2)): still refused after every other transfer"])
    }

    @Test func beyondTheDeferralLimitARefusalIsRejectedAtOnce() {
        let chunkSize = 4_096
        var replay = ReplayStateMachine(chunkSize: chunkSize)
        var read: UInt32 = 0
        while replay.deferred.count < ReplayStateMachine.deferredMax {
            read += 1
            if replay.add(Self.transfer(read)) {
                _ = Self.run(&replay, replay.flush()) { _ in Self.refused }
            }
        }
        #expect(replay.report.rejected == 0)
        for _ in 0..<chunkSize {
            read += 1
            _ = replay.add(Self.transfer(read))
        }
        _ = Self.run(&replay, replay.flush()) { _ in Self.refused }
        #expect(replay.deferred.count == ReplayStateMachine.deferredMax)
        #expect(replay.report.rejected == chunkSize)
        #expect(replay.report.rejectedExamples.count == LedgerReplayReport.rejectedExamplesMax)
    }
}
