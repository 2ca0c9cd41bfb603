import Core
import Ledger
import PaystormRuntime

extension PaymentOrchestrator {
    /// The wait before sending an unconfirmed obligation again, doubling up to the longest: a
    /// network back from an outage hears of everything owed within seconds, without a storm of
    /// attempts while it is down.
    static let obligationBackoff = Backoff(first: .milliseconds(250), max: .seconds(4))

    /// What a network answered to an obligation.
    enum ObligationAnswer {
        case confirmed
        /// Refused for good (the network's record forbids it): counted, never sent again.
        case refused
        /// No answer that settles it (the network is down): sent again later.
        case unconfirmed
    }

    /// Owes `obligation` (its payment's transition and bookings are journaled already) and
    /// sends it now, unless the payment owes earlier ones: then it goes after them. A network
    /// that does not confirm gets it again, with backoff, from a task of its own: the caller's
    /// answer does not wait for an outage to end.
    func fulfil(_ obligation: NetworkObligation) async {
        guard let sendNow = networkObligations.withLock({ $0.owe(obligation) }) else {
            counters.withLock {
                $0.networkObligationsDropped += 1
                $0.noteViolation("network obligation table full: \(obligation) dropped")
            }
            return
        }
        counters.withLock { $0.networkObligationsOwed += 1 }
        guard sendNow else { return }
        switch await send(obligation) {
        case .unconfirmed:
            startSending(obligation.payment, waitFirst: true)
        case .confirmed, .refused:
            if networkObligations.withLock({ $0.finishHead(obligation.payment) }) {
                startSending(obligation.payment, waitFirst: false)
            }
        }
    }

    /// Owes every obligation of `obligations` (a restarted system's, rebuilt from the journal)
    /// and starts sending each payment's, concurrently, without waiting for any.
    func resumeOwed(_ obligations: [NetworkObligation]) {
        for obligation in obligations {
            guard let sendNow = networkObligations.withLock({ $0.owe(obligation) }) else {
                counters.withLock { $0.networkObligationsDropped += 1 }
                continue
            }
            counters.withLock { $0.networkObligationsOwed += 1 }
            if sendNow { startSending(obligation.payment, waitFirst: false) }
        }
    }

    /// What a payment rebuilt from the journal may still owe its network: the dead process
    /// journaled the transition (and the booking) before it sent anything, and may have died
    /// before the network confirmed. Each is idempotent at the network, so one it had confirmed
    /// changes nothing there. Chargebacks are not sent again (the network started them).
    /// - Parameter booked: what its replayed bookings owed (refunds among them).
    static func owedAfterRestart(_ record: PaymentRecord, booked: [NetworkObligation]) -> [NetworkObligation]
    {
        let payment = record.payment
        var owed: [NetworkObligation] = []
        switch payment.state {
        case .voided, .expired:
            owed.append(
                NetworkObligation(payment: record.id, network: record.network, kind: .reversal, transfers: [])
            )
        case .failed where payment.amountCapturedMinorUnits == 0:
            owed.append(
                NetworkObligation(payment: record.id, network: record.network, kind: .reversal, transfers: [])
            )
        default:
            break
        }
        if payment.amountCapturedMinorUnits > 0 {
            owed.append(
                NetworkObligation(
                    payment: record.id, network: record.network, kind: .capture(payment.amountCaptured),
                    transfers: []))
            for case let obligation in booked {
                if case .refund = obligation.kind {
                    owed.append(
                        NetworkObligation(
                            payment: record.id, network: record.network, kind: obligation.kind, transfers: [])
                    )
                }
            }
        }
        return owed
    }

    /// Sends the payment's owed obligations in order, from a task of the runtime.
    func startSending(_ payment: PaymentID, waitFirst: Bool) {
        runtime.spawn { [self] in await sendOwed(payment, waitFirst: waitFirst) }
    }

    /// Sends the payment's obligations, head first, until none is owed: an unconfirmed one is
    /// sent again after a backoff, for as long as the network stays down.
    func sendOwed(_ payment: PaymentID, waitFirst: Bool) async {
        var retries = 0
        var wait = waitFirst
        while let head = networkObligations.withLock({ $0.head(payment) }) {
            if wait {
                try? await runtime.sleep(for: Self.obligationBackoff.delay(afterRetries: retries))
                retries += 1
            }
            switch await send(head) {
            case .unconfirmed:
                counters.withLock { $0.networkObligationRetries += 1 }
                wait = true
            case .confirmed, .refused:
                _ = networkObligations.withLock { $0.finishHead(payment) }
                wait = false
                retries = 0
            }
        }
    }

    /// One attempt. A confirmed movement gets its lines in the movement book under the
    /// settlement day the network files it under.
    func send(_ obligation: NetworkObligation) async -> ObligationAnswer {
        guard let network = networks[obligation.network] else { return .refused }
        let payment = obligation.payment
        let day: Int64?
        do throws(NetworkError) {
            switch obligation.kind {
            case .reversal:
                _ = try await network.reverse(payment)
                day = nil
            case .capture(let amount):
                day = try await network.capture(payment, amount: amount).settlementDay
            case .refund(let refundID, let amount):
                day = try await network.refund(payment, refundID: refundID, amount: amount).settlementDay
            case .chargeback(let amount):
                day = try network.chargeback(payment, amount: amount)
            case .chargebackReversal(let amount):
                day = try network.reverseChargeback(payment, amount: amount)
            }
        } catch {
            if case .unavailable = error { return .unconfirmed }
            noteNetworkUnreported(payment)
            counters.withLock { $0.networkObligationsRefused += 1 }
            return .refused
        }
        if let day {
            recordNetworkLines(obligation.transfers, for: payment, network: obligation.network, day: day)
        }
        return .confirmed
    }

    /// Enters a confirmed movement's lines in the movement book (its totals were entered when
    /// it was booked).
    func recordNetworkLines(_ transfers: [Transfer], for id: PaymentID, network: PaymentNetwork, day: Int64) {
        let today = CardNetworkState.day(of: runtime.now())
        movementBooks[Int(id.rawValue % UInt64(movementBooks.count))].withLock {
            $0.record(transfers, payment: id, network: network, day: day, today: today, totals: false)
        }
    }

    /// The refund id the network knows a refund by: the id of the refund's transfer that
    /// credits the network's payable account (the same rule at recovery, so that a refund sent
    /// again after a restart is the same refund to the network).
    static func networkRefundID(_ transfers: [Transfer]) -> RefundID? {
        for transfer in transfers
        where transfer.legs.contains(where: { $0.side == .credit && $0.account.kind == .networkPayable }) {
            return RefundID(transfer.id.rawValue)
        }
        return nil
    }

    /// Whether the payment owes a network anything not yet confirmed.
    public func owesNetwork(_ id: PaymentID) -> Bool {
        networkObligations.withLock { $0.isOwed(id) }
    }

    /// Obligations owed to the networks and not yet confirmed, over all payments.
    public var networkObligationsOwed: Int { networkObligations.withLock { $0.count } }

    /// Waits, on the run's clock, until the payment owes the networks nothing: a journey's end
    /// is when its money has finished moving, at the network too.
    public func awaitNetworkObligations(_ id: PaymentID) async {
        while owesNetwork(id) {
            try? await runtime.sleep(for: .milliseconds(250))
        }
    }
}
