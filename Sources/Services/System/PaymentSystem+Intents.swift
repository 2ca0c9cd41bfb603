import Core
import Journal
import Ledger

/// The calls an HTTP client makes besides create-and-confirm: a PaymentIntent created first and
/// confirmed later, the customer's answer to 3-D Secure, reads, and finding the merchant a
/// secret key belongs to (an HTTP request names no merchant, only its key).
extension PaymentSystem {
    /// The merchant `apiKey` belongs to, after its rate limit admitted the request.
    /// - Throws: `authenticationFailed` for an unknown or revoked key, `rateLimited` when the
    ///   merchant's bucket is empty.
    public func admit(apiKey: String) throws(GatewayError) -> MerchantID {
        guard APIKey.hasKeyPrefix(apiKey) else { throw .authenticationFailed }
        return try admit(apiKey: apiKey, hash: APIKeyHash(of: apiKey), ownerHint: nil)
    }

    /// Revokes a secret key (Stripe's key roll, without the grace period). Returns whether it
    /// was known.
    public func revoke(apiKey: String) -> Bool {
        guard let merchant = owner(ofAPIKey: apiKey) else { return false }
        return gateway(merchant).revoke(APIKey(secret: apiKey))
    }

    /// `POST /v1/payment_intents` without `confirm`: the payment exists, waiting for
    /// confirmation.
    public func openPayment(
        _ request: PaymentRequest, apiKey: String, idempotencyKey: String? = nil,
        fingerprint parameters: [(key: String, value: String)], rendering: APIRendering = .compact
    ) async -> APIResponse {
        await call(
            .createPayment, merchant: request.merchant, apiKey: apiKey, idempotencyKey: idempotencyKey,
            fingerprint: RequestFingerprint(
                method: "POST", path: "/v1/payment_intents",
                sortedParameters: parameters.sorted { $0.key < $1.key }),
            rendering: rendering
        ) { [orchestrator] () async throws(PaymentServiceError) -> PaymentRecord in
            let id = try await orchestrator.open(request, opened: rendering.opened)
            return try await orchestrator.record(id)
        }
    }

    /// `POST /v1/payment_intents/:id/confirm`, with the request as it stands at confirmation.
    public func confirmPayment(
        _ id: PaymentID, _ request: PaymentRequest, apiKey: String, idempotencyKey: String? = nil,
        fingerprint parameters: [(key: String, value: String)], rendering: APIRendering = .compact
    ) async -> APIResponse {
        await call(
            .createPayment, merchant: request.merchant, apiKey: apiKey, idempotencyKey: idempotencyKey,
            fingerprint: RequestFingerprint(
                method: "POST", path: "/v1/payment_intents/\(id)/confirm",
                sortedParameters: parameters.sorted { $0.key < $1.key }),
            rendering: rendering
        ) { [orchestrator] () async throws(PaymentServiceError) -> PaymentRecord in
            try await orchestrator.ownedBy(request.merchant, id)
            return try await orchestrator.confirm(id, request)
        }
    }

    /// The customer completed (or failed) the 3-D Secure challenge of a payment waiting in
    /// `requires_action`. Comes from the customer's browser, not the merchant: no key.
    public func completeAuthentication(
        _ id: PaymentID, succeeded: Bool
    ) async throws(PaymentServiceError) -> PaymentRecord {
        try await orchestrator.completeAuthentication(id, succeeded: succeeded)
    }

    /// A payment of `merchant`'s as it stands, or nil (also for another merchant's payment:
    /// Stripe answers 404 for an object of another account).
    public func payment(_ id: PaymentID, of merchant: MerchantID) async -> PaymentRecord? {
        guard let record = await orchestrator.payment(id), record.merchant == merchant else { return nil }
        return record
    }

    /// Opens a dispute on a captured payment, as the cardholder's bank does (Stripe's test card
    /// `4000000000000259` disputes every charge).
    public func openDispute(
        _ id: PaymentID, isInquiry: Bool
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let record = try await orchestrator.record(id)
        return try await orchestrator.openDispute(
            id,
            amountMinorUnits: record.payment.amountCapturedMinorUnits
                - record.payment.amountRefundedMinorUnits,
            isInquiry: isInquiry)
    }

    /// The merchant's answer to a dispute: evidence submitted (`submit=true`) or the dispute
    /// accepted (`POST /v1/disputes/:id/close`: the merchant loses).
    public func respondToDispute(
        _ id: PaymentID, merchant: MerchantID, accept: Bool
    ) async throws(PaymentServiceError) -> PaymentRecord {
        try await orchestrator.ownedBy(merchant, id)
        if accept { return try await orchestrator.closeDispute(id, won: false) }
        return try await orchestrator.submitDisputeEvidence(id)
    }
}

extension PaymentSystem {
    /// A payment's record as it stands, without suspending: for an observer of events, which
    /// is called synchronously as each one is emitted.
    public func paymentNow(_ id: PaymentID) -> PaymentRecord? { orchestrator.shard(id).record(id) }

    /// Registers a secret key the caller chose for an onboarded merchant (a test server started
    /// with `--api-key sk_test_...`, or a restricted `rk_test_...` key the server made), as if
    /// the gateway had issued it. Only its hash is kept. With a journal, the key's hash is
    /// durable before this returns, as an issued key's is, so that a resumed system still
    /// accepts it.
    /// - Throws: `GatewayError.authenticationFailed` for a key without a test key prefix; the
    ///   journal's error if it refused the record (the key is then not registered).
    public func addAPIKey(_ secret: String, for merchant: MerchantID) async throws {
        guard APIKey.hasKeyPrefix(secret) else {
            throw GatewayError.authenticationFailed
        }
        let hash = APIKeyHash(of: secret)
        try gateway(merchant).registerKey(hash, for: merchant)
        do {
            try await paymentJournal.keyIssued(hash, for: merchant)
        } catch {
            _ = gateway(merchant).revoke(APIKey(secret: secret))
            throw error
        }
    }

    /// Every ledger account's balance (the audit's view).
    public func ledgerBalances() async -> [AccountSnapshot] { await ledger.allBalances() }
}

extension PaymentSystem {
    /// The merchant that owns `apiKey`, spending no rate-limit token (the call that follows
    /// admits the request and spends it). Nil for an unknown or revoked key.
    public func owner(ofAPIKey apiKey: String) -> MerchantID? {
        guard APIKey.hasKeyPrefix(apiKey) else { return nil }
        // Hashed once: the stores are sharded by merchant, which the request does not name.
        return owner(of: APIKeyHash(of: apiKey), hint: nil)
    }

    /// The merchant that owns the key hashed to `hash`, asking `hint`'s gateway first: a
    /// caller that keeps its own record of the keys (the HTTP server's registry) knows the
    /// owner, and one look-up replaces one in each of the `paymentShards` stores (16 by
    /// default, most of them misses) on every request. The hint is only where to look first:
    /// the gateways' stores decide.
    public func owner(of hash: APIKeyHash, hint: MerchantID?) -> MerchantID? {
        if let hint, let merchant = gateway(hint).owner(of: hash) { return merchant }
        for gateway in gateways {
            if let merchant = gateway.owner(of: hash) { return merchant }
        }
        return nil
    }

    /// `admit(apiKey:)` for a caller that hashed the key already and may know its owner
    /// (`owner(of:hint:)`): the same checks and rate limit, the key hashed once.
    public func admit(
        apiKey: String, hash: APIKeyHash, ownerHint: MerchantID?
    ) throws(GatewayError) -> MerchantID {
        guard APIKey.hasKeyPrefix(apiKey), let merchant = owner(of: hash, hint: ownerHint) else {
            throw .authenticationFailed
        }
        return try gateway(merchant).admit(hash: hash, for: merchant)
    }
}
