import Core
import Ledger

extension PaymentProcess {
    /// What a payment's process hears: the merchant's and the customer's commands, the
    /// networks' answers, the timers that fall due, and the results of the actions it asked for
    /// (each result carries what the process needs to go on, so that two operations of one
    /// payment in flight at once never share a hidden continuation).
    enum Input: Sendable {
        // MARK: Commands

        /// Confirm the payment (its first confirmation: `route`, when the payment method was
        /// given or changed only now). Asks for 3-D Secure at once when the request requires
        /// it, otherwise screens.
        indirect case confirm(requiresAuthentication: Bool, capturesAutomatically: Bool, route: Route?)
        /// The customer answered a 3-D Secure challenge.
        case authenticated(Bool, capturesAutomatically: Bool)
        /// Capture all (`nil`) or part of the authorization.
        case capture(amountMinorUnits: Int64?)
        /// Cancel before capture.
        case cancel
        /// Refund part or all of what is left of the capture.
        case refund(amountMinorUnits: Int64)
        /// The merchant submits evidence on the payment's dispute.
        case submitDisputeEvidence

        // MARK: Network answers and notices

        /// The fraud engine screened the payment.
        case screened(FraudDecision, capturesAutomatically: Bool)
        /// The network answered an authorization request; nil: it refused it outright (down).
        case authorizationAnswered(NetworkAuthorizationResult?, isRetry: Bool, capturesAutomatically: Bool)
        /// The network answered the `attempt`th status inquiry; nil: no answer.
        case inquiryAnswered(NetworkInquiryResult?, attempt: Int, capturesAutomatically: Bool)
        /// The cardholder's bank opened a dispute (a chargeback, or an inquiry).
        case disputeOpened(amountMinorUnits: Int64, isInquiry: Bool)
        case inquiryEscalated
        case inquiryClosed
        case disputeClosed(won: Bool)
        /// The customer's bank returned a bank debit.
        indirect case bankReturned(BankReturnNotice)

        // MARK: Timers

        /// The authorization's validity lapsed.
        case authorizationExpired
        /// The settlement run pays the capture out.
        case settlementDue
        /// The process restarted from the journal and found the payment where only the dead
        /// process would have moved it on (crash repair).
        case restarted

        // MARK: Results of actions

        case journaled(Transition)
        case journalRefused(Transition, PaymentServiceError)
        /// The FX rate a capture across currencies converts at, locked before it is applied.
        case rateLocked(LockedRate, amountMinorUnits: Int64?)
        case booked(Booking)
    }

    /// The network a payment method names, given or changed at confirmation.
    struct Route: Sendable, Hashable {
        var network: PaymentNetwork
        var fingerprint: UInt64
        var card: JournaledCardFields?
    }
}
