import Core
import Ledger
import PaystormRuntime

/// Everything the processor keeps about one payment: the Core `Payment` (state and amounts) and
/// what the orchestrator needs around it (who, which network, the locked rate, the ledger hold,
/// the amounts booked in the settlement currency).
public struct PaymentRecord: Sendable, Hashable, Codable {
    public let id: PaymentID
    public let merchant: MerchantID
    public internal(set) var payment: Payment
    public internal(set) var network: PaymentNetwork
    public internal(set) var parties: PaymentBookkeeping.Parties
    public let createdAt: SimTime
    /// The simulator's ground truth, carried for fraud precision and recall.
    public let isFraudulentTruth: Bool
    /// The fingerprint the fraud engine keys on.
    public internal(set) var fingerprint: UInt64
    public internal(set) var lockedRate: LockedRate?
    /// The pending transfer holding the authorization, until it is posted or voided.
    var hold: Transfer?
    public internal(set) var authorizedAt: SimTime?
    /// Amounts booked in the settlement currency, for the settlement invariant.
    public internal(set) var capturedSettled: Int64 = 0
    public internal(set) var feeSettled: Int64 = 0
    public internal(set) var refundedSettled: Int64 = 0
    public internal(set) var disputedSettled: Int64 = 0
    public internal(set) var disputeFeeSettled: Int64 = 0
    /// Bank transfers: why the customer's bank returned the debit, and what the return took
    /// back from the merchant (in the settlement currency).
    public internal(set) var bankReturnCode: BankReturnCode?
    public internal(set) var returnedSettled: Int64 = 0
    /// Events the state machine's transitions named so far (each to be emitted exactly once),
    /// not counting the creation event.
    public internal(set) var eventsEmitted = 0
    /// Transitions applied in this life of the system (each names at least one event).
    public internal(set) var transitions = 0
    /// Whether the creation event went out: once a journal record shows the payment (its
    /// opening, or its first transition), never before.
    public internal(set) var isCreationEventEmitted = false
    /// The card's journaled fields (token, last4, expiry, fingerprint...); nil for a bank
    /// transfer, and for a recovered payment whose journal kept none.
    public internal(set) var card: JournaledCardFields? = nil

    /// Every field but the card's: a snapshot holds those sealed, as the journal does.
    enum CodingKeys: CodingKey {
        case id, merchant, payment, network, parties, createdAt, isFraudulentTruth, fingerprint
        case lockedRate, hold, authorizedAt, capturedSettled, feeSettled, refundedSettled
        case disputedSettled, disputeFeeSettled, bankReturnCode, returnedSettled, eventsEmitted
        case transitions, isCreationEventEmitted
    }
}

extension PaymentRecord {
    /// Sends a payment not yet confirmed through the network its payment method names (given
    /// or changed at confirmation). Nothing is booked before confirmation, so nothing moves.
    mutating func route(network: PaymentNetwork, fingerprint: UInt64, card: JournaledCardFields?) {
        self.network = network
        parties.network = network
        self.fingerprint = fingerprint
        self.card = card
    }
}
