import HTTPTypes
import Hummingbird
import NIOCore

/// The URL map: Stripe's `/v1` routes, the 3-D Secure test page and the admin routes.
enum StripeRoutes {
    typealias Handler = @Sendable (APIRequest) async throws(StripeError) -> APIAnswer
    typealias IDHandler = @Sendable (APIRequest, String) async throws(StripeError) -> APIAnswer
    typealias Read = @Sendable (APIRequest) throws(StripeError) -> APIAnswer
    typealias IDRead = @Sendable (APIRequest, String) throws(StripeError) -> APIAnswer

    /// Every API route, each written once: Hummingbird's router answers them all, and
    /// `APIFastPath` those marked `pipeline` (the requests a payment and the wire runner's
    /// reads make most), in the channel pipeline, unless a request comes behind one the router
    /// still holds. A `now` route's handler never waits, so the fast path answers it on the
    /// connection's event loop; a `later` route's waits for the processor.
    static func table(api: StripeAPI, admin: AdminAPI) -> [APIRoute] {
        // A request that may make events waits while the webhook line is long: the API slows
        // to what the endpoints take instead of dead-lettering what it cannot deliver.
        func later(
            _ method: HTTPRequest.Method, _ path: String, pipeline: Bool = false,
            _ handler: @escaping IDHandler
        ) -> APIRoute {
            APIRoute(
                method, path, answeredInPipeline: pipeline,
                .later { (request, id) async throws(StripeError) in
                    if method != .get { await api.backend().sender.waitForRoom() }
                    return try await handler(request, id)
                })
        }
        func later(
            _ method: HTTPRequest.Method, _ path: String, pipeline: Bool = false, _ handler: @escaping Handler
        ) -> APIRoute {
            APIRoute(
                method, path, answeredInPipeline: pipeline,
                .later { (request, _) async throws(StripeError) in
                    if method != .get { await api.backend().sender.waitForRoom() }
                    return try await handler(request)
                })
        }
        func now(_ path: String, pipeline: Bool = false, _ handler: @escaping IDRead) -> APIRoute {
            APIRoute(.get, path, answeredInPipeline: pipeline, .now(handler))
        }
        func now(_ path: String, pipeline: Bool = false, _ handler: @escaping Read) -> APIRoute {
            now(path, pipeline: pipeline) { (request, _) throws(StripeError) in try handler(request) }
        }
        return [
            later(.post, "/v1/payment_intents", pipeline: true, api.createPaymentIntent),
            later(.get, "/v1/payment_intents", api.listPaymentIntents),
            now("/v1/payment_intents/search", pipeline: true, api.searchPaymentIntents),
            now("/v1/payment_intents/:id", pipeline: true, api.retrievePaymentIntent),
            later(.post, "/v1/payment_intents/:id", api.updatePaymentIntent),
            later(.post, "/v1/payment_intents/:id/confirm", api.confirmPaymentIntent),
            later(.post, "/v1/payment_intents/:id/capture", pipeline: true, api.capturePaymentIntent),
            later(.post, "/v1/payment_intents/:id/cancel", pipeline: true, api.cancelPaymentIntent),
            later(.post, "/v1/test_helpers/three_d_secure/:id", api.authenticate),
            later(.post, "/v1/refunds", pipeline: true, api.createRefund),
            later(.get, "/v1/refunds", api.listRefunds),
            later(.get, "/v1/refunds/:id", api.retrieveRefund),
            later(.get, "/v1/disputes", api.listDisputes),
            later(.get, "/v1/disputes/:id", api.retrieveDispute),
            later(.post, "/v1/disputes/:id") { (request, id) async throws(StripeError) in
                try await api.respondToDispute(request, id: id, accept: false)
            },
            later(.post, "/v1/disputes/:id/close") { (request, id) async throws(StripeError) in
                try await api.respondToDispute(request, id: id, accept: true)
            },
            now("/v1/balance", pipeline: true, api.balance),
            later(.get, "/v1/balance_transactions", api.listBalanceTransactions),
            later(.get, "/v1/balance_transactions/:id", api.retrieveBalanceTransaction),
            now("/v1/payouts", pipeline: true, api.listPayouts),
            later(.get, "/v1/payouts/:id", api.retrievePayout),
            later(.get, "/v1/events", api.listEvents),
            later(.get, "/v1/events/:id", api.retrieveEvent),
            later(.post, "/v1/webhook_endpoints", api.createWebhookEndpoint),
            later(.get, "/v1/webhook_endpoints", api.listWebhookEndpoints),
            later(.delete, "/v1/webhook_endpoints/:id", api.deleteWebhookEndpoint),
            later(.post, "/admin/merchants", pipeline: true, admin.onboard),
            later(.post, "/admin/reset", admin.resetAll),
            later(.post, "/admin/settlement", admin.settle),
            later(.post, "/admin/faults", admin.fault),
            later(.get, "/admin/faults") { (_: APIRequest) async throws(StripeError) in
                try await admin.faults()
            },
            later(.get, "/admin/audit", admin.audit),
        ]
    }

    /// Registers `routes` and the 3-D Secure test page (HTML, not the API's JSON) on `router`.
    static func register(_ routes: [APIRoute], on router: Router<BasicRequestContext>) {
        for route in routes {
            let handler = route.handler
            let parameterName = route.parameterName
            router.on(RouterPath(route.path), method: route.method) { request, context in
                let parameter = parameterName.flatMap { context.parameters.get($0) } ?? ""
                return await respond(request) { (request) async throws(StripeError) in
                    switch handler {
                    case .now(let answer): try answer(request, parameter)
                    case .later(let answer): try await answer(request, parameter)
                    }
                }
            }
        }
        router.get("/v1/test_helpers/three_d_secure/:id") { _, context in
            threeDSecurePage(context.parameters.get("id") ?? "")
        }
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
        for (name, value) in headerFields(answer) { headers.append(HTTPField(name: name, value: value)) }
        return (
            HTTPResponse(status: HTTPResponse.Status(code: answer.status), headerFields: headers),
            ByteBuffer(string: answer.body)
        )
    }

    /// An answer's own headers in order: its type, its caching, then its extra headers, one a
    /// name (a name given again replaces the value in its first place, as `HTTPFields` would).
    /// `APIFastPath` writes them as they are, without making `HTTPFields` of them.
    static func headerFields(_ answer: APIAnswer) -> [(HTTPField.Name, String)] {
        var fields: [(HTTPField.Name, String)] = [
            (.contentType, "application/json"), (.cacheControl, "no-cache, no-store"),
        ]
        fields.reserveCapacity(2 + answer.headers.count + 4)
        for (name, value) in answer.headers {
            if let index = fields.firstIndex(where: { $0.0 == name }) {
                fields[index] = (name, value)
            } else {
                fields.append((name, value))
            }
        }
        return fields
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
