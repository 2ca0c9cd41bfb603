import Core
import Ledger
import PaystormRuntime
import Synchronization

/// A simulated card network (Visa, Mastercard, Amex) or bank rail.
///
/// A thin shell around `CardNetworkState` behind a lock: every call is decided and recorded
/// under it, synchronously, then the caller sleeps the call's simulated latency
/// (`runtime.sleep(for:)`) and has its answer. While one caller sleeps other calls are decided;
/// nothing is read from the state after the sleep, so no call can act on a stale decision. A
/// cancelled caller does not undo anything: the network has already decided, exactly as a real
/// one would.
///
/// A lock rather than an actor: nothing is decided across a suspension, so an actor ordered the
/// same decisions at the price of three executor jobs a call (a hop onto the network, the wake
/// after its latency back on it, a hop back to the caller), and Visa's actor was the meeting
/// point of more than half of a realtime run's payments.
package final class CardNetwork: Sendable {
    public let kind: PaymentNetwork
    private let runtime: any Runtime
    private let state: Mutex<CardNetworkState>

    /// - Parameters:
    ///   - behaviour: defaults to `NetworkBehaviour.standard(for: kind)`.
    ///   - stream: which random stream of the run (label "network-<kind>") drives it.
    /// - Throws: `NetworkError.invalidConfiguration` for an out-of-range behaviour.
    public init(
        kind: PaymentNetwork, runtime: any Runtime, behaviour: NetworkBehaviour? = nil, stream: UInt64 = 0
    )
        throws(NetworkError)
    {
        self.kind = kind
        self.runtime = runtime
        self.state = Mutex(
            try CardNetworkState(
                kind: kind, behaviour: behaviour ?? .standard(for: kind),
                random: runtime.randomStream("network-\(kind.rawValue)", stream)))
    }

    /// Asks the issuer to authorize (hold) `request.amount`.
    /// - Throws: `.nonPositiveAmount`, `.duplicateAuthorization` (never retry a timed-out
    ///   authorization: inquire or reverse it).
    public func authorize(
        _ request: AuthorizationRequest
    ) async throws(NetworkError) -> NetworkAuthorizationResult {
        let answer = try state.withLock { (state) throws(NetworkError) in
            let answer = try state.authorize(request, now: runtime.now())
            trace("authorize", request.paymentID, answer.value.description, answer.delay)
            return answer
        }
        await pause(answer.delay)
        return answer.value
    }

    /// What the network really did with the payment's authorization.
    /// - Throws: `.unavailable` during an outage.
    public func inquire(_ paymentID: PaymentID) async throws(NetworkError) -> NetworkInquiryResult {
        let answer = try state.withLock { (state) throws(NetworkError) in
            let answer = try state.inquire(paymentID, now: runtime.now())
            trace("inquire", paymentID, answer.value.description, answer.delay)
            return answer
        }
        await pause(answer.delay)
        return answer.value
    }

    /// Releases an uncaptured authorization (also one whose answer timed out).
    /// - Throws: `.unavailable` during an outage; `.alreadyCaptured` once money has moved.
    public func reverse(_ paymentID: PaymentID) async throws(NetworkError) -> ReversalResult {
        let answer = try state.withLock { (state) throws(NetworkError) in
            let answer = try state.reverse(paymentID, now: runtime.now())
            trace("reverse", paymentID, "\(answer.value)", answer.delay)
            return answer
        }
        await pause(answer.delay)
        return answer.value
    }

    /// Captures up to the authorized amount (once; a retry with the same amount is idempotent).
    public func capture(_ paymentID: PaymentID, amount: Money) async throws(NetworkError) -> NetworkCapture {
        let answer = try state.withLock { (state) throws(NetworkError) in
            let answer = try state.capture(paymentID, amount: amount, now: runtime.now())
            trace("capture", paymentID, amount.description, answer.delay)
            return answer
        }
        await pause(answer.delay)
        return answer.value
    }

    /// Refunds part of the captured amount; idempotent per `refundID`.
    public func refund(
        _ paymentID: PaymentID, refundID: RefundID, amount: Money
    ) async throws(NetworkError)
        -> NetworkRefund
    {
        let answer = try state.withLock { (state) throws(NetworkError) in
            let answer = try state.refund(paymentID, refundID: refundID, amount: amount, now: runtime.now())
            trace("refund", paymentID, amount.description, answer.delay)
            return answer
        }
        await pause(answer.delay)
        return answer.value
    }

    /// The settlement file of `day` (whole days of run time): what the network believes was
    /// captured, refunded and returned per payment, to reconcile the ledger against.
    public func dailySettlementFile(for day: Int64) -> [SettlementLine] {
        state.withLock { $0.settlementFile(for: day) }
    }

    /// Bank rail: returns whose day has come and that were not reported before.
    public func takeReturnsDue() -> [BankReturnNotice] {
        state.withLock { $0.takeReturnsDue(now: runtime.now()) }
    }

    /// Bank rail: payments whose return is filed but not due yet.
    public func returnsNotDue() -> Set<PaymentID> { state.withLock { $0.returnsNotDue } }

    /// Records a chargeback (a dispute opened); returns the settlement day that lists it.
    public func chargeback(_ paymentID: PaymentID, amount: Money) throws(NetworkError) -> Int64 {
        try state.withLock { (state) throws(NetworkError) in
            try state.chargeback(paymentID, amount: amount, now: runtime.now())
        }
    }

    /// Gives a chargeback back (the merchant won); returns the settlement day that lists it.
    public func reverseChargeback(_ paymentID: PaymentID, amount: Money) throws(NetworkError) -> Int64 {
        try state.withLock { (state) throws(NetworkError) in
            try state.reverseChargeback(paymentID, amount: amount, now: runtime.now())
        }
    }

    /// The daily settlement file of `day` with its totals per currency.
    public func settlementFile(for day: Int64) -> SettlementFile {
        state.withLock { state in
            SettlementFile(
                network: kind, day: day, lines: state.settlementFile(for: day),
                isIncomplete: state.isIncomplete(day: day))
        }
    }

    /// The settlement days whose files are held, oldest first.
    public var settlementDays: [Int64] { state.withLock { $0.settlementDays } }

    /// The fault hook: puts the network down (`true`) or back up.
    public func setOutage(_ on: Bool) {
        state.withLock { state in
            state.isDownByFault = on
            EventTrace.record(runtime.now(), "network.\(kind.rawValue)", on ? "outage_on" : "outage_off")
        }
    }

    /// The fault hook for lost answers and added latency: on with a fault, off with `.healthy`.
    /// - Throws: `NetworkError.invalidConfiguration` for a timeout rate outside 0...1 or a
    ///   negative latency.
    public func setFault(_ fault: NetworkFault) throws(NetworkError) {
        try state.withLock { (state) throws(NetworkError) in
            try state.setFault(fault)
            EventTrace.record(
                runtime.now(), "network.\(kind.rawValue)", "fault",
                [
                    "timeout_rate": String(fault.timeoutRate),
                    "added_latency_ns": String(fault.addedLatency.nanoseconds),
                ])
        }
    }

    /// The fault holding the network now (`.healthy` when it behaves as configured).
    public var fault: NetworkFault { state.withLock { $0.fault } }

    /// Whether the network is down now.
    public var isDown: Bool { state.withLock { $0.isDown(at: runtime.now()) } }

    /// What the network holds for a payment now (the simulator's view, for invariant checks).
    public func status(of paymentID: PaymentID) -> NetworkPaymentStatus? {
        state.withLock { $0.status(of: paymentID, now: runtime.now()) }
    }

    public var statistics: NetworkStatistics { state.withLock { $0.statistics } }

    /// The behaviour this network was made with.
    public var behaviour: NetworkBehaviour { state.withLock { $0.behaviour } }

    /// Records a decision in the run's trace (`EventTrace`), if one is on.
    private func trace(
        _ event: String, _ paymentID: PaymentID, _ answer: @autoclosure () -> String, _ delay: Duration
    ) {
        EventTrace.record(
            runtime.now(), "network.\(kind.rawValue)", event,
            ["payment": paymentID.description, "answer": answer(), "delay_ns": String(delay.nanoseconds)])
    }

    /// Sleeps a simulated latency. Cancellation ends the sleep early and changes nothing: the
    /// decision is already recorded.
    private func pause(_ delay: Duration) async {
        guard delay > .zero else { return }
        try? await runtime.sleep(for: delay)
    }
}
