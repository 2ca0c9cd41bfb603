import Core
import DequeModule
import Ledger
import PaystormRuntime

/// The rules of one simulated network as a synchronous state machine; `CardNetwork` is the
/// actor around it. Each method decides and records at once and returns how long the answer
/// takes, so the actor sleeps only after the state is final.
///
/// The network keeps the truth of every authorization it decided, including ones whose answer
/// was lost, so that an inquiry after a timeout tells what really happened. Bounded: at most
/// `authorizationsMax` records (oldest forgotten first), `settlementDaysRetained` days of
/// settlement files of at most `settlementLinesPerDayMax` lines, `refundsPerPaymentMax` refunds
/// per payment.
public struct CardNetworkState: Sendable {
    /// An answer and how long it takes to arrive.
    public struct Timed<Value: Sendable>: Sendable {
        public let value: Value
        public let delay: Duration
    }

    public static let refundsPerPaymentMax = 32
    static let dayNanoseconds: Int64 = 86_400 * 1_000_000_000
    static let authCodeAlphabet = Array("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    /// What an issuer says when it catches fraud itself.
    static let fraudDeclineCodes: [DeclineCode] = [.lostCard, .stolenCard, .fraudulent]

    public let kind: PaymentNetwork
    public let behaviour: NetworkBehaviour
    private var random: RandomStream
    private var records: [PaymentID: NetworkAuthorizationRecord] = [:]
    private var recordOrder: Deque<PaymentID> = []
    private var files: [Int64: [PaymentID: SettlementLine]] = [:]
    /// Bank rail: decided returns not yet reported, in settlement-day order (captures come in
    /// time order and the delay is fixed); at most `authorizationsMax`.
    private var returnsDue: Deque<BankReturnNotice> = []
    /// Settlement days whose file dropped a line (full): such a file is incomplete, and a
    /// reconciliation against it says so instead of reporting the missing lines as mismatches.
    private var droppedDays: Set<Int64> = []
    /// Set by the fault hook; scheduled windows apply as well.
    public var isDownByFault = false
    /// Set by the fault hook (`CardNetwork.setFault`) while a timeout, latency or error fault
    /// holds the network; `.healthy` otherwise.
    public private(set) var fault = NetworkFault.healthy
    public private(set) var statistics = NetworkStatistics()

    /// - Throws: `NetworkError.invalidConfiguration` for an out-of-range behaviour.
    public init(kind: PaymentNetwork, behaviour: NetworkBehaviour, random: RandomStream) throws(NetworkError)
    {
        try behaviour.validate()
        self.kind = kind
        self.behaviour = behaviour
        self.random = random
    }

    /// The settlement day of a run time: whole days since the run started.
    public static func day(of time: SimTime) -> Int64 { max(0, time.nanoseconds) / dayNanoseconds }

    /// Whether the network is down at `now` (fault hook or a scheduled window).
    public func isDown(at now: SimTime) -> Bool {
        isDownByFault || behaviour.outageWindows.contains { $0.contains(now) }
    }

    /// Switches a fault on (or off, with `.healthy`).
    /// - Throws: `NetworkError.invalidConfiguration` for a timeout rate outside 0...1 or a negative latency.
    public mutating func setFault(_ fault: NetworkFault) throws(NetworkError) {
        try fault.validate()
        self.fault = fault
    }

    /// Records held now.
    public var recordCount: Int { records.count }

    // MARK: Authorization

    /// Decides an authorization and records the issuer's decision (if the request reached it).
    /// - Throws: `.nonPositiveAmount`, or `.duplicateAuthorization` if the payment already has
    ///   an authorization here (a blind retry).
    public mutating func authorize(
        _ request: AuthorizationRequest, now: SimTime
    ) throws(NetworkError)
        -> Timed<NetworkAuthorizationResult>
    {
        guard request.amount.minorUnits > 0 else { throw .nonPositiveAmount(request.amount) }
        guard records[request.paymentID] == nil else { throw .duplicateAuthorization(request.paymentID) }
        statistics.authorizations += 1
        if isDown(at: now) {
            statistics.outageRejections += 1
            switch behaviour.outageMode {
            case .failFast:
                statistics.declines += 1
                statistics.declinesByCode[.issuerNotAvailable, default: 0] += 1
                return Timed(value: .declined(.issuerNotAvailable), delay: .zero)
            case .timeout:
                statistics.timeouts += 1
                return Timed(value: .timedOut, delay: behaviour.timeout)
            }
        }
        // Every draw is made on every path past the outage check (`draw` always consumes one,
        // unlike `chance`, which skips p = 0), so that one request's branch does not shift the
        // draws of the next.
        let fraudDeclined = draw(request.isFraudulentTruth ? behaviour.fraudDeclineRate : 0)
        let fraudCode = Self.fraudDeclineCodes[random.index(Self.fraudDeclineCodes.count)]
        let declined = draw(behaviour.declineRate)
        let declineCode = pickDecline()
        let authCode = makeAuthCode()
        let latency = sampleLatency()
        let lost = draw(max(behaviour.timeoutRate, fault.timeoutRate))
        let reachedIssuer = draw(behaviour.timedOutProcessedProbability)

        let decision: NetworkAuthorizationRecord.Decision =
            request.scriptedDecline.map { .declined($0) }
            ?? (fraudDeclined
                ? .declined(fraudCode) : declined ? .declined(declineCode) : .approved(authCode: authCode))
        if lost && !reachedIssuer {
            statistics.timeouts += 1
            return Timed(value: .timedOut, delay: behaviour.timeout)
        }
        store(
            NetworkAuthorizationRecord(
                paymentID: request.paymentID, amount: request.amount, decision: decision))
        switch decision {
        case .approved:
            statistics.approvals += 1
        case .declined(let code):
            statistics.declines += 1
            statistics.declinesByCode[code, default: 0] += 1
        }
        if lost || latency >= behaviour.timeout {
            statistics.timeouts += 1
            statistics.timeoutsProcessed += 1
            return Timed(value: .timedOut, delay: behaviour.timeout)
        }
        let result: NetworkAuthorizationResult =
            switch decision {
            case .approved(let code): .approved(authCode: code)
            case .declined(let code): .declined(code)
            }
        return Timed(value: result, delay: latency)
    }

    /// What the network really did with `paymentID`'s authorization.
    /// - Throws: `.unavailable` while the network is down.
    public mutating func inquire(
        _ paymentID: PaymentID, now: SimTime
    ) throws(NetworkError)
        -> Timed<NetworkInquiryResult>
    {
        guard !isDown(at: now) else { throw .unavailable(kind) }
        statistics.inquiries += 1
        return Timed(value: records[paymentID]?.inquiry ?? .notFound, delay: sampleLatency())
    }

    /// Releases an approved, uncaptured authorization.
    /// - Throws: `.unavailable` while down; `.alreadyCaptured` if money has moved (refund it
    ///   instead).
    public mutating func reverse(
        _ paymentID: PaymentID, now: SimTime
    ) throws(NetworkError)
        -> Timed<ReversalResult>
    {
        guard !isDown(at: now) else { throw .unavailable(kind) }
        let delay = sampleLatency()
        guard var record = records[paymentID] else { return Timed(value: .notFound, delay: delay) }
        if case .declined(let code) = record.decision {
            return Timed(value: .nothingHeld(code), delay: delay)
        }
        if record.reversed { return Timed(value: .alreadyReversed, delay: delay) }
        guard record.capturedMinorUnits == 0 else { throw .alreadyCaptured(paymentID) }
        record.reversed = true
        records[paymentID] = record
        statistics.reversals += 1
        return Timed(value: .reversed(released: record.amount), delay: delay)
    }

    // MARK: Capture and refund

    /// Captures up to the authorized amount, once (a partial capture releases the rest). A
    /// retried capture of the same amount returns the first capture.
    public mutating func capture(
        _ paymentID: PaymentID, amount: Money, now: SimTime
    ) throws(NetworkError)
        -> Timed<NetworkCapture>
    {
        guard !isDown(at: now) else { throw .unavailable(kind) }
        var record = try approvedRecord(paymentID)
        guard amount.currency == record.amount.currency else {
            throw .currencyMismatch(expected: record.amount.currency, got: amount.currency)
        }
        guard amount.minorUnits > 0 else { throw .nonPositiveAmount(amount) }
        let delay = sampleLatency()
        if let day = record.settlementDay {
            guard amount.minorUnits == record.capturedMinorUnits else { throw .alreadyCaptured(paymentID) }
            return Timed(
                value: NetworkCapture(paymentID: paymentID, amount: amount, settlementDay: day), delay: delay)
        }
        guard amount.minorUnits <= record.amount.minorUnits else {
            throw .captureExceedsAuthorized(requested: amount, authorized: record.amount)
        }
        let day = Self.day(of: now) + Int64(behaviour.settlementDelayDays)
        record.capturedMinorUnits = amount.minorUnits
        record.settlementDay = day
        var returned: Int64 = 0
        if kind == .bankRail, random.chance(behaviour.returnRate) {
            let code = pickReturn()
            record.returnCode = code
            returned = amount.minorUnits
            statistics.returns += 1
            if returnsDue.count >= behaviour.authorizationsMax {
                returnsDue.removeFirst()
                statistics.returnNoticesDropped += 1
            }
            returnsDue.append(BankReturnNotice(paymentID: paymentID, amount: amount, code: code, day: day))
        }
        records[paymentID] = record
        statistics.captures += 1
        addToSettlement(
            paymentID, day: day, currency: amount.currency, captured: amount.minorUnits, refunded: 0,
            returned: returned, returnCode: record.returnCode, now: now)
        return Timed(
            value: NetworkCapture(paymentID: paymentID, amount: amount, settlementDay: day), delay: delay)
    }

    /// Refunds part or all of what is captured and not yet refunded. A retried refund (same
    /// `refundID`) returns the first one.
    public mutating func refund(
        _ paymentID: PaymentID, refundID: RefundID, amount: Money, now: SimTime
    )
        throws(NetworkError) -> Timed<NetworkRefund>
    {
        guard !isDown(at: now) else { throw .unavailable(kind) }
        var record = try approvedRecord(paymentID)
        let delay = sampleLatency()
        if let existing = record.refunds[refundID] { return Timed(value: existing, delay: delay) }
        guard amount.currency == record.amount.currency else {
            throw .currencyMismatch(expected: record.amount.currency, got: amount.currency)
        }
        guard amount.minorUnits > 0 else { throw .nonPositiveAmount(amount) }
        guard let settlementDay = record.settlementDay else { throw .notCaptured(paymentID) }
        if let code = record.returnCode, Self.day(of: now) >= settlementDay {
            throw .returned(paymentID, code)
        }
        let refundable = record.capturedMinorUnits - record.refundedMinorUnits
        guard amount.minorUnits <= refundable else {
            throw .refundExceedsCaptured(
                requested: amount, refundable: Money(minorUnits: refundable, currency: amount.currency))
        }
        guard record.refunds.count < Self.refundsPerPaymentMax else { throw .tooManyRefunds(paymentID) }
        let day = Self.day(of: now) + Int64(behaviour.settlementDelayDays)
        let refund = NetworkRefund(
            paymentID: paymentID, refundID: refundID, amount: amount, settlementDay: day)
        record.refundedMinorUnits += amount.minorUnits
        record.refunds[refundID] = refund
        records[paymentID] = record
        statistics.refunds += 1
        addToSettlement(
            paymentID, day: day, currency: amount.currency, captured: 0, refunded: amount.minorUnits,
            returned: 0,
            returnCode: nil, now: now)
        return Timed(value: refund, delay: delay)
    }

    // MARK: Returns and chargebacks

    /// Bank rail: the returns that the customer's banks sent back by `now` (their settlement day
    /// has come) and that were not reported before, oldest first. Each is reported once.
    public mutating func takeReturnsDue(now: SimTime) -> [BankReturnNotice] {
        let today = Self.day(of: now)
        var due: [BankReturnNotice] = []
        while let first = returnsDue.first, first.day <= today {
            due.append(returnsDue.removeFirst())
        }
        return due
    }

    /// Bank rail: the payments whose return is filed (its line is in a settlement file) but not
    /// due yet, so not reported to the processor.
    public var returnsNotDue: Set<PaymentID> { Set(returnsDue.map(\.paymentID)) }

    /// The issuer takes `amount` back because the cardholder disputes the payment: a chargeback
    /// line in the settlement file `settlementDelayDays` from now.
    /// - Throws: `.unknownPayment`, `.notCaptured`, `.refundExceedsCaptured` if more than the
    ///   captured amount less refunds and earlier chargebacks.
    public mutating func chargeback(
        _ paymentID: PaymentID, amount: Money, now: SimTime
    ) throws(NetworkError) -> Int64 {
        var record = try approvedRecord(paymentID)
        guard amount.currency == record.amount.currency else {
            throw .currencyMismatch(expected: record.amount.currency, got: amount.currency)
        }
        guard amount.minorUnits > 0 else { throw .nonPositiveAmount(amount) }
        guard record.settlementDay != nil else { throw .notCaptured(paymentID) }
        let left = record.capturedMinorUnits - record.refundedMinorUnits - record.chargedBackMinorUnits
        guard amount.minorUnits <= left else {
            throw .refundExceedsCaptured(
                requested: amount, refundable: Money(minorUnits: left, currency: amount.currency))
        }
        record.chargedBackMinorUnits += amount.minorUnits
        records[paymentID] = record
        statistics.chargebacks += 1
        let day = Self.day(of: now) + Int64(behaviour.settlementDelayDays)
        var line = SettlementLine(
            paymentID: paymentID, network: kind, day: day, currency: amount.currency, capturedMinorUnits: 0,
            refundedMinorUnits: 0, returnedMinorUnits: 0, returnCode: nil)
        line.chargedBackMinorUnits = amount.minorUnits
        addToSettlement(line, now: now)
        return day
    }

    /// The merchant won the dispute: the issuer gives the chargeback back.
    /// - Throws: `.unknownPayment`, `.refundExceedsCaptured` if more than is charged back.
    public mutating func reverseChargeback(
        _ paymentID: PaymentID, amount: Money, now: SimTime
    ) throws(NetworkError) -> Int64 {
        var record = try approvedRecord(paymentID)
        guard amount.minorUnits > 0 else { throw .nonPositiveAmount(amount) }
        guard amount.minorUnits <= record.chargedBackMinorUnits else {
            throw .refundExceedsCaptured(
                requested: amount,
                refundable: Money(minorUnits: record.chargedBackMinorUnits, currency: amount.currency))
        }
        record.chargedBackMinorUnits -= amount.minorUnits
        records[paymentID] = record
        let day = Self.day(of: now) + Int64(behaviour.settlementDelayDays)
        var line = SettlementLine(
            paymentID: paymentID, network: kind, day: day, currency: amount.currency, capturedMinorUnits: 0,
            refundedMinorUnits: 0, returnedMinorUnits: 0, returnCode: nil)
        line.chargebackReversedMinorUnits = amount.minorUnits
        addToSettlement(line, now: now)
        return day
    }

    /// The settlement days whose files are held, oldest first.
    public var settlementDays: [Int64] { files.keys.sorted() }

    /// Whether the file of `day` dropped lines because it was full.
    public func isIncomplete(day: Int64) -> Bool { droppedDays.contains(day) }

    // MARK: Settlement and status

    /// The settlement file of `day`: one line per payment with movements that settle that day,
    /// sorted by payment id. Empty for a day not (or no longer) held.
    public func settlementFile(for day: Int64) -> [SettlementLine] {
        (files[day] ?? [:]).values.sorted { $0.paymentID < $1.paymentID }
    }

    /// What the network holds for `paymentID` at `now` (the simulator's view: not subject to
    /// outages).
    public func status(of paymentID: PaymentID, now: SimTime) -> NetworkPaymentStatus? {
        guard let record = records[paymentID] else { return nil }
        let currency = record.amount.currency
        let authorized: Int64 =
            if case .approved = record.decision, !record.reversed { record.amount.minorUnits } else { 0 }
        let returnVisible = record.settlementDay.map { Self.day(of: now) >= $0 } ?? false
        return NetworkPaymentStatus(
            paymentID: paymentID, inquiry: record.inquiry,
            authorized: Money(minorUnits: authorized, currency: currency),
            captured: Money(minorUnits: record.capturedMinorUnits, currency: currency),
            refunded: Money(minorUnits: record.refundedMinorUnits, currency: currency),
            settlementDay: record.settlementDay, returnCode: returnVisible ? record.returnCode : nil)
    }

    // MARK: Helpers

    private func approvedRecord(_ paymentID: PaymentID) throws(NetworkError) -> NetworkAuthorizationRecord {
        guard let record = records[paymentID] else { throw .unknownPayment(paymentID) }
        if case .declined = record.decision { throw .notApproved(paymentID) }
        if record.reversed { throw .reversed(paymentID) }
        return record
    }

    private mutating func store(_ record: NetworkAuthorizationRecord) {
        while records.count >= behaviour.authorizationsMax, let oldest = recordOrder.popFirst() {
            if records.removeValue(forKey: oldest) != nil { statistics.recordsEvicted += 1 }
        }
        records[record.paymentID] = record
        recordOrder.append(record.paymentID)
    }

    private mutating func addToSettlement(
        _ paymentID: PaymentID, day: Int64, currency: Currency, captured: Int64, refunded: Int64,
        returned: Int64,
        returnCode: BankReturnCode?, now: SimTime
    ) {
        addToSettlement(
            SettlementLine(
                paymentID: paymentID, network: kind, day: day, currency: currency,
                capturedMinorUnits: captured,
                refundedMinorUnits: refunded, returnedMinorUnits: returned, returnCode: returnCode),
            now: now)
    }

    private mutating func addToSettlement(_ line: SettlementLine, now: SimTime) {
        // Forget files older than the retention; files at most settlementDelayDays ahead exist.
        let oldestKept = Self.day(of: now) - Int64(behaviour.settlementDaysRetained)
        if files.count > behaviour.settlementDaysRetained + behaviour.settlementDelayDays {
            for key in files.keys where key < oldestKept { files.removeValue(forKey: key) }
            droppedDays = droppedDays.filter { $0 >= oldestKept }
        }
        // Mutate the day's file in place (inout through the defaulted subscript): copying it
        // out and back would copy the whole dictionary on every capture, quadratic in a day.
        if !Self.add(line, to: &files[line.day, default: [:]], linesMax: behaviour.settlementLinesPerDayMax) {
            statistics.settlementLinesDropped += 1
            droppedDays.insert(line.day)
        }
    }

    /// Adds `line` to `file`, merging with the payment's line of that day. Returns false if the
    /// file is full and the payment has no line in it yet.
    private static func add(
        _ line: SettlementLine, to file: inout [PaymentID: SettlementLine], linesMax: Int
    )
        -> Bool
    {
        if var existing = file[line.paymentID] {
            existing.capturedMinorUnits += line.capturedMinorUnits
            existing.refundedMinorUnits += line.refundedMinorUnits
            existing.returnedMinorUnits += line.returnedMinorUnits
            existing.returnCode = existing.returnCode ?? line.returnCode
            existing.chargedBackMinorUnits += line.chargedBackMinorUnits
            existing.chargebackReversedMinorUnits += line.chargebackReversedMinorUnits
            file[line.paymentID] = existing
            return true
        }
        guard file.count < linesMax else { return false }
        file[line.paymentID] = line
        return true
    }

    /// True with probability `p`, always consuming exactly one draw.
    private mutating func draw(_ p: Double) -> Bool { random.nextUnit() < p }

    private mutating func sampleLatency() -> Duration {
        let medianSeconds = Double(behaviour.latencyMedian.nanoseconds) / 1e9
        let seconds = random.logNormal(median: medianSeconds, sigma: behaviour.latencySigma)
        let nanoseconds = min(Double(behaviour.latencyMax.nanoseconds), max(0, seconds * 1e9))
        return .nanoseconds(Int64(nanoseconds)) + fault.addedLatency
    }

    private mutating func pickDecline() -> DeclineCode {
        let total = behaviour.declineWeights.reduce(0) { $0 + $1.weight }
        var draw = Int(random.int(in: 0...Int64(total - 1)))
        for entry in behaviour.declineWeights {
            if draw < entry.weight { return entry.code }
            draw -= entry.weight
        }
        return behaviour.declineWeights[behaviour.declineWeights.count - 1].code
    }

    private mutating func pickReturn() -> BankReturnCode {
        let total = behaviour.returnWeights.reduce(0) { $0 + $1.weight }
        var draw = Int(random.int(in: 0...Int64(total - 1)))
        for entry in behaviour.returnWeights {
            if draw < entry.weight { return entry.code }
            draw -= entry.weight
        }
        return behaviour.returnWeights[behaviour.returnWeights.count - 1].code
    }

    private mutating func makeAuthCode() -> String {
        var code = ""
        for _ in 0..<6 { code.append(Self.authCodeAlphabet[random.index(Self.authCodeAlphabet.count)]) }
        return code
    }
}
