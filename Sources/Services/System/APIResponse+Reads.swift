import Core

/// The compact bodies of the facade's reads, shaped as Stripe's (an `object` of `list` with
/// `data` and `has_more`, a `balance` with `available` and `pending`): what the runner's
/// in-process target answers its read traffic with.
extension APIResponse {
    /// `GET /v1/payment_intents`: the page's payments, newest first.
    public static func paymentList(_ page: PaymentPage) -> APIResponse {
        APIResponse(
            status: 200,
            body:
                "{\"object\":\"list\",\"data\":\(paymentsArray(page)),\"has_more\":\(page.hasMore),"
                + "\"url\":\"/v1/payment_intents\"}")
    }

    /// The page's payments as a JSON array.
    private static func paymentsArray(_ page: PaymentPage) -> String {
        var body = "["
        body.reserveCapacity(2 + 192 * page.payments.count)
        for (index, record) in page.payments.enumerated() {
            if index > 0 { body += "," }
            let payment = record.payment
            body += paymentBody(
                id: record.id, amount: payment.amount.minorUnits, received: payment.amountCapturedMinorUnits,
                currency: payment.amount.currency, state: payment.state)
        }
        return body + "]"
    }

    /// `GET /v1/payment_intents/search`: the page's payments, newest first, and the token of
    /// the next page (here the page's last id) when there is one.
    public static func paymentSearchResult(_ page: PaymentPage) -> APIResponse {
        let next = page.hasMore ? page.payments.last.map { "\"\($0.id)\"" } ?? "null" : "null"
        return APIResponse(
            status: 200,
            body:
                "{\"object\":\"search_result\",\"data\":\(paymentsArray(page)),\"has_more\":\(page.hasMore),"
                + "\"next_page\":\(next),\"url\":\"/v1/payment_intents/search\"}")
    }

    /// `GET /v1/balance`.
    public static func balance(_ balance: MerchantBalance) -> APIResponse {
        func amounts(_ money: Money) -> String {
            "[{\"amount\":\(money.minorUnits),\"currency\":\"\(money.currency.code.lowercased())\"}]"
        }
        return APIResponse(
            status: 200,
            body:
                "{\"object\":\"balance\",\"available\":\(amounts(balance.available)),"
                + "\"pending\":\(amounts(balance.pending))}")
    }

    /// `GET /v1/payouts`: a payout per balance transaction of type `payout`, newest first.
    public static func payoutList(_ transactions: [BalanceTransaction], hasMore: Bool) -> APIResponse {
        let data = transactions.map { transaction in
            "{\"id\":\"\(transaction.source)\",\"object\":\"payout\",\"amount\":\(-transaction.amount),"
                + "\"currency\":\"\(transaction.currency)\",\"balance_transaction\":\"\(transaction.id)\"}"
        }
        return APIResponse(
            status: 200,
            body: "{\"object\":\"list\",\"data\":[\(data.joined(separator: ","))],\"has_more\":\(hasMore)}")
    }

    /// Stripe's 404 for an object the merchant does not have.
    public static func resourceMissing(_ name: String) -> APIResponse {
        .error(
            status: 404, type: "invalid_request_error", code: "resource_missing",
            message: "No such \(name)")
    }
}
