import Core
import PaystormRuntime
import Services

/// The in-process facade as a target: each call is the facade's own, unchanged, so a simulated
/// run keeps its digest.
struct InProcessTarget: PaymentTarget {
    let system: PaymentSystem

    func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> String? {
        // Onboarded by a call whose answer was lost (a crash), or whose key the journal refused:
        // the merchant exists, so it asks for another key.
        if let key = try await system.onboard(merchant, settlementCurrency: settlementCurrency) {
            return key.secret
        }
        return try await system.issueAPIKey(for: merchant)?.secret
    }

    func createPayment(_ order: PaymentOrder, apiKey: String, idempotencyKey: String) async -> APIResponse? {
        await system.createPayment(order.request, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func capture(
        _ id: PaymentID, amountMinorUnits: Int64?, merchant: MerchantID, apiKey: String,
        idempotencyKey: String
    ) async -> APIResponse? {
        await system.capture(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await system.cancel(id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await system.refund(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    func submitDisputeEvidence(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await system.submitDisputeEvidence(
            id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func retrievePayment(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> APIResponse? {
        // The merchant is the key's, as over the wire (a request names only its key).
        let owner: MerchantID
        do {
            owner = try system.admit(apiKey: apiKey)
        } catch {
            return .error(error)
        }
        guard let record = await system.payment(id, of: owner) else {
            return .resourceMissing("payment_intent")
        }
        let payment = record.payment
        return APIResponse(
            status: 200,
            body:
                "{\"id\":\"\(id)\",\"object\":\"payment_intent\",\"amount\":\(payment.amount.minorUnits),"
                + "\"amount_received\":\(payment.amountCapturedMinorUnits),"
                + "\"amount_refunded\":\(payment.amountRefundedMinorUnits),"
                + "\"currency\":\"\(payment.amount.currency.code.lowercased())\","
                + "\"status\":\"\(payment.state.stripeStatus)\"}")
    }

    func refundedMinorUnits(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> Int64? {
        system.refunded(id, merchant: merchant)?.minorUnits
    }

    // The reads below answer from the facade's reads: the payments the system holds (a run
    // retires each payment when its journey ends), the ledger's balance, the payouts kept.

    func listPayments(
        apiKey: String, createdWithinSeconds: Int64, limit: Int, startingAfter: String?
    ) async -> APIResponse? {
        let merchant: MerchantID
        do {
            merchant = try system.admit(apiKey: apiKey)
        } catch {
            return .error(error)
        }
        var cursor: PaymentID?
        if let startingAfter {
            guard let id = try? PaymentID(parsing: startingAfter) else {
                return .resourceMissing("payment_intent")
            }
            cursor = id
        }
        let now = system.runtime.now()
        let page = system.listPayments(
            merchant: merchant,
            PaymentListQuery(
                limit: limit, startingAfter: cursor,
                createdAtOrAfter: now + Duration.seconds(-createdWithinSeconds)))
        return .paymentList(page)
    }

    func searchPayments(
        apiKey: String, status: String, createdWithinSeconds: Int64, limit: Int, page: String?
    ) async -> APIResponse? {
        let merchant: MerchantID
        do {
            merchant = try system.admit(apiKey: apiKey)
        } catch {
            return .error(error)
        }
        // The in-process `next_page` token is the last payment id of the previous page.
        var cursor: PaymentID?
        if let page {
            guard let id = try? PaymentID(parsing: page) else { return .resourceMissing("payment_intent") }
            cursor = id
        }
        let now = system.runtime.now()
        let found = system.listPayments(
            merchant: merchant,
            PaymentListQuery(
                limit: limit, startingAfter: cursor, status: status,
                createdAtOrAfter: now + Duration.seconds(-createdWithinSeconds)))
        return .paymentSearchResult(found)
    }

    func balance(apiKey: String) async -> APIResponse? {
        let merchant: MerchantID
        do {
            merchant = try system.admit(apiKey: apiKey)
        } catch {
            return .error(error)
        }
        guard let balance = await system.balance(of: merchant) else { return .resourceMissing("account") }
        return .balance(balance)
    }

    func listPayouts(apiKey: String, limit: Int) async -> APIResponse? {
        let merchant: MerchantID
        do {
            merchant = try system.admit(apiKey: apiKey)
        } catch {
            return .error(error)
        }
        let payouts = system.payouts(of: merchant, limit: limit + 1)
        return .payoutList(Array(payouts.prefix(limit)), hasMore: payouts.count > limit)
    }
}
