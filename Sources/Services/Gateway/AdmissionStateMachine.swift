import Core
import DequeModule
import PaystormRuntime

/// The gateway's load shedder, as a value: how many requests run at once (in total and per
/// merchant), and how long a request may wait for a slot before it is refused.
///
/// Stripe sheds overload at its edge (a concurrent-request limiter per account and a fleet-wide
/// one) and answers 429 at once, so that an overloaded system answers fast refusals that clients
/// retry later instead of slow answers that every client waits for. Here a merchant over its own
/// limit is refused at once (`rate_limit`); a request over the total limit waits in a bounded
/// FIFO queue for up to `queueTimeBudget` and is refused (`lock_timeout`) when no slot frees in
/// time or the queue is full.
///
/// Pure: time comes in as `now` and no waiter is resumed here; the controller around it does
/// that with what each method returns. A waiter whose deadline passes is refused at the next
/// arrival or release after it: under overload those come microseconds apart, and without them
/// nothing frees a slot that the waiter could have had.
public struct AdmissionStateMachine: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Requests running at once over all merchants.
        public var inFlightMax: Int
        /// Requests running or waiting at once for one merchant.
        public var merchantInFlightMax: Int
        /// How long a request waits for a slot before it is refused.
        public var queueTimeBudget: Duration
        /// Requests waiting at most; a request beyond it is refused at once.
        public var queueLengthMax: Int
        /// What a refusal asks the client to wait before it sends the request again.
        public var retryAfter: Duration

        /// Generous enough that none of the shipped scenarios meets a limit below its saturation:
        /// at 2,000 TPS with 0.8 s authorizations about 1,600 requests run at once.
        public static let standard = Configuration(
            inFlightMax: 10_000, merchantInFlightMax: 1_000, queueTimeBudget: .seconds(1),
            queueLengthMax: 10_000, retryAfter: .seconds(1))

        public init(
            inFlightMax: Int, merchantInFlightMax: Int, queueTimeBudget: Duration, queueLengthMax: Int,
            retryAfter: Duration
        ) {
            self.inFlightMax = inFlightMax
            self.merchantInFlightMax = merchantInFlightMax
            self.queueTimeBudget = queueTimeBudget
            self.queueLengthMax = queueLengthMax
            self.retryAfter = retryAfter
        }

        /// - Throws: `GatewayError.invalidConfiguration` for a limit below one or a negative time.
        public func validate() throws(GatewayError) {
            guard inFlightMax >= 1, merchantInFlightMax >= 1 else {
                throw .invalidConfiguration("admission in-flight limits must be at least 1")
            }
            guard queueLengthMax >= 0, queueTimeBudget >= .zero, retryAfter >= .zero else {
                throw .invalidConfiguration("admission queue length and times must not be negative")
            }
        }
    }

    /// Why a request was shed.
    public enum Refusal: String, Sendable, Hashable, CaseIterable {
        /// Its merchant already had `merchantInFlightMax` requests running or waiting.
        case merchantLimit = "merchant_limit"
        /// Every slot was taken and the queue was full.
        case queueFull = "queue_full"
        /// It waited `queueTimeBudget` without a slot freeing.
        case queueTimeout = "queue_timeout"
    }

    /// What an arriving request does.
    public enum Arrival: Sendable, Hashable {
        case admitted
        /// Waits for `ticket` to be granted or refused by a later `release` or `arrive`.
        case queued(ticket: UInt64)
        case refused(Refusal)
    }

    /// Waiters resolved as a side effect of a call: granted a slot, or refused for waiting too long.
    public struct Resolutions: Sendable, Equatable {
        public var granted: [UInt64] = []
        public var timedOut: [UInt64] = []
        public init() {}
        public var isEmpty: Bool { granted.isEmpty && timedOut.isEmpty }
    }

    /// What the shedder did so far.
    public struct Counts: Sendable, Equatable, Codable {
        public var admitted: Int64 = 0
        /// Admitted after waiting in the queue (also counted in `admitted`).
        public var admittedAfterQueueing: Int64 = 0
        public var shedMerchantLimit: Int64 = 0
        public var shedQueueFull: Int64 = 0
        public var shedQueueTimeout: Int64 = 0
        /// The most requests running at once.
        public var inFlightPeak = 0
        /// The most requests waiting at once.
        public var queueLengthPeak = 0
        public init() {}

        public var shed: Int64 { shedMerchantLimit + shedQueueFull + shedQueueTimeout }

        public mutating func add(_ other: Counts) {
            admitted += other.admitted
            admittedAfterQueueing += other.admittedAfterQueueing
            shedMerchantLimit += other.shedMerchantLimit
            shedQueueFull += other.shedQueueFull
            shedQueueTimeout += other.shedQueueTimeout
            inFlightPeak = max(inFlightPeak, other.inFlightPeak)
            queueLengthPeak = max(queueLengthPeak, other.queueLengthPeak)
        }
    }

    private struct Waiter {
        var ticket: UInt64
        var merchant: MerchantID
        var deadline: SimTime
    }

    public let configuration: Configuration
    public private(set) var counts = Counts()
    /// Requests running now.
    public private(set) var inFlight = 0
    /// Running or waiting, per merchant with at least one.
    private var merchantLoad: [MerchantID: Int] = [:]
    private var waiters: Deque<Waiter> = []
    private var nextTicket: UInt64 = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Requests waiting now.
    public var queueLength: Int { waiters.count }

    /// A request of `merchant` arrives. Also refuses the waiters whose deadline has passed.
    public mutating func arrive(_ merchant: MerchantID, now: SimTime) -> (Arrival, Resolutions) {
        var resolutions = Resolutions()
        expire(now: now, into: &resolutions)
        let load = merchantLoad[merchant, default: 0]
        guard load < configuration.merchantInFlightMax else {
            counts.shedMerchantLimit += 1
            return (.refused(.merchantLimit), resolutions)
        }
        if inFlight < configuration.inFlightMax && waiters.isEmpty {
            merchantLoad[merchant] = load + 1
            admit()
            return (.admitted, resolutions)
        }
        guard configuration.queueLengthMax > waiters.count, configuration.queueTimeBudget > .zero else {
            counts.shedQueueFull += 1
            return (.refused(.queueFull), resolutions)
        }
        merchantLoad[merchant] = load + 1
        nextTicket += 1
        waiters.append(
            Waiter(ticket: nextTicket, merchant: merchant, deadline: now + configuration.queueTimeBudget))
        counts.queueLengthPeak = max(counts.queueLengthPeak, waiters.count)
        return (.queued(ticket: nextTicket), resolutions)
    }

    /// A running request of `merchant` has finished: its slot goes to the oldest waiter still
    /// within its budget.
    public mutating func release(_ merchant: MerchantID, now: SimTime) -> Resolutions {
        precondition(inFlight > 0, "an admission released more often than admitted")
        inFlight -= 1
        unload(merchant)
        var resolutions = Resolutions()
        expire(now: now, into: &resolutions)
        while inFlight < configuration.inFlightMax, let waiter = waiters.popFirst() {
            admit()
            counts.admittedAfterQueueing += 1
            resolutions.granted.append(waiter.ticket)
        }
        return resolutions
    }

    private mutating func admit() {
        inFlight += 1
        counts.admitted += 1
        counts.inFlightPeak = max(counts.inFlightPeak, inFlight)
    }

    /// Refuses the waiters at the head whose deadline has passed (the queue is in deadline
    /// order: every waiter got the same budget on arrival, and time does not go back).
    private mutating func expire(now: SimTime, into resolutions: inout Resolutions) {
        while let first = waiters.first, first.deadline <= now {
            waiters.removeFirst()
            unload(first.merchant)
            counts.shedQueueTimeout += 1
            resolutions.timedOut.append(first.ticket)
        }
    }

    private mutating func unload(_ merchant: MerchantID) {
        let load = merchantLoad[merchant, default: 0] - 1
        precondition(load >= 0, "a merchant's admissions went below zero")
        merchantLoad[merchant] = load == 0 ? nil : load
    }
}
