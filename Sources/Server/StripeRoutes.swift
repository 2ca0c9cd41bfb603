import HTTPTypes
import Hummingbird
import NIOCore

/// The URL map: Stripe's `/v1` routes, the 3-D Secure test page and the admin routes.
enum StripeRoutes {
    typealias Handler = @Sendable (APIRequest) async throws(StripeError) -> APIAnswer
    typealias IDHandler = @Sendable (APIRequest, String) async throws(StripeError) -> APIAnswer

    static func register(on router: Router<BasicRequestContext>, api: StripeAPI, admin: AdminAPI) {
        // A request that may make events waits while the webhook line is long: the API slows
        // to what the endpoints take instead of dead-lettering what it cannot deliver.
        func route(_ method: HTTPRequest.Method, _ path: RouterPath, _ handler: @escaping Handler) {
            router.on(path, method: method) { request, _ in
                if method != .get { await api.backend().sender.waitForRoom() }
                return await respond(request, handler)
            }
        }
        func route(_ method: HTTPRequest.Method, _ path: RouterPath, _ handler: @escaping IDHandler) {
            router.on(path, method: method) { request, context in
                if method != .get { await api.backend().sender.waitForRoom() }
                let id = context.parameters.get("id") ?? ""
                return await respond(request) { (request) async throws(StripeError) in
                    try await handler(request, id)
                }
            }
        }
        route(.post, "/v1/payment_intents", api.createPaymentIntent)
        route(.get, "/v1/payment_intents", api.listPaymentIntents)
        route(.get, "/v1/payment_intents/search", api.searchPaymentIntents)
        route(.get, "/v1/payment_intents/:id", api.retrievePaymentIntent)
        route(.post, "/v1/payment_intents/:id", api.updatePaymentIntent)
        route(.post, "/v1/payment_intents/:id/confirm", api.confirmPaymentIntent)
        route(.post, "/v1/payment_intents/:id/capture", api.capturePaymentIntent)
        route(.post, "/v1/payment_intents/:id/cancel", api.cancelPaymentIntent)
        route(.post, "/v1/test_helpers/three_d_secure/:id", api.authenticate)
        router.get("/v1/test_helpers/three_d_secure/:id") { _, context in
            threeDSecurePage(context.parameters.get("id") ?? "")
        }
        route(.post, "/v1/refunds", api.createRefund)
        route(.get, "/v1/refunds", api.listRefunds)
        route(.get, "/v1/refunds/:id", api.retrieveRefund)
        route(.get, "/v1/disputes", api.listDisputes)
        route(.get, "/v1/disputes/:id", api.retrieveDispute)
        route(.post, "/v1/disputes/:id") { (request, id) async throws(StripeError) in
            try await api.respondToDispute(request, id: id, accept: false)
        }
        route(.post, "/v1/disputes/:id/close") { (request, id) async throws(StripeError) in
            try await api.respondToDispute(request, id: id, accept: true)
        }
        route(.get, "/v1/balance", api.balance)
        route(.get, "/v1/balance_transactions", api.listBalanceTransactions)
        route(.get, "/v1/balance_transactions/:id", api.retrieveBalanceTransaction)
        route(.get, "/v1/payouts", api.listPayouts)
        route(.get, "/v1/payouts/:id", api.retrievePayout)
        route(.get, "/v1/events", api.listEvents)
        route(.get, "/v1/events/:id", api.retrieveEvent)
        route(.post, "/v1/webhook_endpoints", api.createWebhookEndpoint)
        route(.get, "/v1/webhook_endpoints", api.listWebhookEndpoints)
        route(.delete, "/v1/webhook_endpoints/:id", api.deleteWebhookEndpoint)
        route(.post, "/admin/merchants", admin.onboard)
        route(.post, "/admin/reset", admin.resetAll)
        route(.post, "/admin/settlement", admin.settle)
        route(.post, "/admin/faults", admin.fault)
        route(.get, "/admin/faults") { (_: APIRequest) async throws(StripeError) in try await admin.faults() }
        route(.get, "/admin/audit", admin.audit)
    }

    static func respond(_ request: Request, _ handler: Handler) async -> Response {
        var request = request
        do throws(StripeError) {
            let parsed = try await APIRequest(&request)
            return response(try await handler(parsed))
        } catch {
            return response(APIAnswer(error))
        }
    }

    static func response(_ answer: APIAnswer) -> Response {
        let (head, body) = parts(answer)
        return Response(status: head.status, headers: head.headerFields, body: ResponseBody(byteBuffer: body))
    }

    /// An answer's status, headers and body, before the `Content-Length` and the headers every
    /// answer gets (`Request-Id`, `Date`, `Server`).
    static func parts(_ answer: APIAnswer) -> (HTTPResponse, ByteBuffer) {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache, no-store"
        for (name, value) in answer.headers { headers[name] = value }
        return (
            HTTPResponse(status: HTTPResponse.Status(code: answer.status), headerFields: headers),
            ByteBuffer(string: answer.body)
        )
    }

    /// The customer's challenge page a `redirect_to_url` next action points at: two buttons
    /// that post the outcome back.
    static func threeDSecurePage(_ id: String) -> Response {
        let safe = id.filter { $0.isLetter || $0.isNumber || $0 == "_" }
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>3-D Secure test</title></head>
            <body><h1>3-D Secure authentication</h1><p>Payment \(safe)</p>
            <form method="post"><input type="hidden" name="outcome" value="succeed">
            <button type="submit">Complete authentication</button></form>
            <form method="post"><input type="hidden" name="outcome" value="fail">
            <button type="submit">Fail authentication</button></form></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
