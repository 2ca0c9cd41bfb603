import Synchronization

/// The counters of a run over the wire, noted by its journeys without suspending.
final class WireFigures: Sendable {
    private struct Counts {
        var answersLost = 0
        var disputesNotSent = 0
        var paymentsChecked = 0
        var bankTransfersAsCards = 0
        var createsShed = 0
    }

    private let counts = Mutex(Counts())

    func noteLostAnswer() { counts.withLock { $0.answersLost += 1 } }
    func noteDisputeNotSent() { counts.withLock { $0.disputesNotSent += 1 } }
    func notePaymentChecked() { counts.withLock { $0.paymentsChecked += 1 } }
    func noteBankTransferAsCard() { counts.withLock { $0.bankTransfersAsCards += 1 } }
    func noteCreateShed() { counts.withLock { $0.createsShed += 1 } }

    func report(target: String) -> WireReport {
        counts.withLock { counts in
            var report = WireReport(target: target)
            report.answersLost = counts.answersLost
            report.disputesNotSent = counts.disputesNotSent
            report.paymentsChecked = counts.paymentsChecked
            report.bankTransfersSentAsCards = counts.bankTransfersAsCards
            report.createsShed = counts.createsShed
            return report
        }
    }
}
