import Core
import PaystormRuntime

/// What an API server above the facade journaled itself, and recovery must honour: the answers
/// it gave in its own words, and the payments it last told a client were waiting for them.
///
/// The facade's journal shows every transition and acknowledgement, but not what the server
/// made of them: a PaymentIntent answered as `requires_confirmation` is, to the processor, a
/// payment left in `created` by a dead process, which crash repair would fail.
public struct ServedRecovery: Sendable {
    /// Payments whose latest answer told the client they wait for it (an unconfirmed intent, a
    /// 3-D Secure challenge): crash repair leaves them as they are, to be confirmed or
    /// authenticated later.
    public var waitingForClient: Set<PaymentID> = []
    /// The first answer given to each idempotency key, byte for byte: a retry after the restart
    /// replays this rather than the facade's compact answer.
    public var answers: [Answer] = []
    /// Derive the balance transactions of every booking the journal holds into the list the
    /// API answers (`balanceTransactions(merchant:...)`), as the earlier lives listed them.
    public var restoresBalanceTransactions = false

    public struct Answer: Sendable {
        public var merchant: MerchantID
        /// The key as the client sent it (unscoped).
        public var key: String
        public var response: StoredResponse
        /// How long before the restart it was answered: a key is kept for its retention from
        /// then, on whatever clock the new process runs.
        public var age: Duration

        public init(merchant: MerchantID, key: String, response: StoredResponse, age: Duration) {
            self.merchant = merchant
            self.key = key
            self.response = response
            self.age = age
        }
    }

    public init() {}
}
