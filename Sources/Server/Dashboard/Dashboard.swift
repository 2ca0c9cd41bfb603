import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Services

/// The merchant dashboard at `/dashboard`: pages rendered on the server from the binary's
/// Mustache templates over the same objects the API serves, for the merchant signed in with
/// one of its secret keys. Reads go to the stores directly; actions (refund, capture, cancel,
/// dispute evidence) call the API's own handlers with the session's key, so they are checked,
/// rate-limited and idempotent exactly as API calls are.
struct Dashboard: Sendable {
    let api: StripeAPI
    let backend: @Sendable () -> ServerBackend
    let sessions: DashboardSessions
    let sender: WebhookSender

    static let sessionCookie = "paystorm_session"
    /// Holds the random value the sign-in form's token is the MAC of.
    static let signInCookie = "paystorm_sign_in"
    static let signInLifetimeSeconds = 600
    /// A form's body is a few fields; anything larger is refused before it is parsed.
    static let formBytesMax = 64 * 1_024

    /// Every dashboard route, registered in one call so that the server's route table names
    /// the dashboard once.
    static func register(
        on router: Router<BasicRequestContext>, api: StripeAPI, sender: WebhookSender,
        sessions: DashboardSessions = DashboardSessions()
    ) {
        let dashboard = Dashboard(api: api, backend: api.backend, sessions: sessions, sender: sender)
        router.get("/dashboard/style.css") { _, _ in DashboardResponse.stylesheet() }
        router.get("/dashboard/sign-in") { request, _ in dashboard.signInPage(request) }
        router.post("/dashboard/sign-in") { request, _ in await dashboard.signIn(request) }
        router.post("/dashboard/sign-out") { request, _ in await dashboard.signOut(request) }
        router.get("/dashboard") { request, _ in
            dashboard.page(request) { session, backend in dashboard.overview(session, backend) }
        }
        router.get("/dashboard/payments") { request, _ in
            dashboard.page(request) { session, backend in dashboard.payments(request, session, backend) }
        }
        router.get("/dashboard/payments.csv") { request, _ in
            dashboard.page(request) { session, backend in dashboard.paymentsCSV(request, session, backend) }
        }
        router.get("/dashboard/payments/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await dashboard.asyncPage(request) { session, backend in
                await dashboard.payment(id, session, backend)
            }
        }
        for action in PaymentAction.allCases {
            router.post("/dashboard/payments/:id/\(action.rawValue)") { request, context in
                let id = context.parameters.get("id") ?? ""
                return await dashboard.action(request) { session, form, backend in
                    await dashboard.perform(action, on: id, form, session, backend)
                }
            }
        }
        router.get("/dashboard/disputes") { request, _ in
            dashboard.page(request) { session, backend in dashboard.disputes(session, backend) }
        }
        router.post("/dashboard/disputes/:id/evidence") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await dashboard.action(request) { session, form, backend in
                await dashboard.submitEvidence(id, form, session, backend)
            }
        }
        router.get("/dashboard/balance") { request, _ in
            dashboard.page(request) { session, backend in dashboard.balance(request, session, backend) }
        }
        router.get("/dashboard/balance.csv") { request, _ in
            dashboard.page(request) { session, backend in dashboard.balanceCSV(request, session, backend) }
        }
        router.get("/dashboard/api-keys") { request, _ in
            dashboard.page(request) { session, backend in dashboard.apiKeys(session, backend) }
        }
        router.post("/dashboard/api-keys/create") { request, _ in
            await dashboard.action(request) { session, form, backend in
                await dashboard.createKey(form, session, backend)
            }
        }
        router.post("/dashboard/api-keys/roll") { request, _ in
            await dashboard.action(request) { session, form, backend in
                await dashboard.rollKey(form, session, backend)
            }
        }
        router.get("/dashboard/webhooks") { request, _ in
            dashboard.page(request) { session, backend in dashboard.webhooks(session, backend) }
        }
        router.post("/dashboard/webhooks/resend") { request, _ in
            await dashboard.action(request) { session, form, backend in
                dashboard.resend(form, session, backend)
            }
        }
    }

    // MARK: Sessions

    /// The request's live session, if its cookie names one whose key still belongs to its
    /// merchant (a revoked key, or a reset server, ends the session).
    func session(_ request: Request, _ backend: ServerBackend) -> DashboardSession? {
        guard let session = sessions.session(request.cookies[Self.sessionCookie]?.value) else { return nil }
        guard backend.system.owner(ofAPIKey: session.apiKey) == session.merchant,
            !(backend.keys.entry(forSecret: session.apiKey)?.isExpired(atUnixSeconds: ServerBackend.now())
                ?? false)
        else {
            sessions.end(session.token)
            return nil
        }
        return session
    }

    /// A signed-in page, or a redirect to the sign-in form.
    func page(_ request: Request, _ render: (DashboardSession, ServerBackend) -> Response) -> Response {
        let backend = backend()
        guard let session = session(request, backend) else {
            return DashboardResponse.redirect("/dashboard/sign-in")
        }
        return render(session, backend)
    }

    func asyncPage(
        _ request: Request, _ render: (DashboardSession, ServerBackend) async -> Response
    ) async -> Response {
        let backend = backend()
        guard let session = session(request, backend) else {
            return DashboardResponse.redirect("/dashboard/sign-in")
        }
        return await render(session, backend)
    }

    /// A form post from a signed-in page: its body read (bounded) and its `csrf` field checked
    /// against the session's token before anything else happens.
    func action(
        _ request: Request, writes: Bool = true,
        _ perform: (DashboardSession, FormParameters, ServerBackend) async -> Response
    ) async -> Response {
        let backend = backend()
        guard let session = session(request, backend) else {
            return DashboardResponse.redirect("/dashboard/sign-in")
        }
        // Refused here, not only left off the page: a read key's session can still post a form.
        if writes, session.readOnly {
            return problem(
                .forbidden, "Read only",
                "You signed in with a restricted read key: it can look at everything and change nothing.",
                session: session)
        }
        guard let form = await Self.form(request),
            DashboardSessions.equalInConstantTime(form.string("csrf") ?? "", session.csrfToken)
        else {
            return problem(
                .forbidden, "This form has expired",
                "The page was older than your session, or came from somewhere else. Reload it and try again.",
                session: session)
        }
        return await perform(session, form, backend)
    }

    static func form(_ request: Request) async -> FormParameters? {
        var request = request
        guard let body = try? await request.collectBody(upTo: formBytesMax) else { return nil }
        return try? FormParameters(encoded: Substring(String(buffer: body)))
    }

    static func query(_ request: Request) -> FormParameters {
        (try? FormParameters(encoded: Substring(request.uri.query ?? ""))) ?? FormParameters()
    }

    func layout(
        _ title: String, _ section: DashboardLayout.Section?, _ session: DashboardSession
    ) -> DashboardLayout {
        DashboardLayout(
            title: title, section: section, session: session, notice: sessions.takeNotice(for: session.token))
    }

    func problem(
        _ status: HTTPResponse.Status, _ heading: String, _ message: String, session: DashboardSession?
    ) -> Response {
        let frame = session.map { layout(heading, nil, $0) } ?? DashboardLayout.signedOut(title: heading)
        return DashboardResponse.html(
            DashboardTemplates.render(
                ProblemPage(layout: frame, heading: heading, message: message), "problem"),
            status: status)
    }

    /// What another merchant's id, a malformed id and a missing one all answer: the same 404,
    /// so that a page says nothing about objects that are not the merchant's.
    func notFound(_ what: String, _ session: DashboardSession) -> Response {
        problem(.notFound, "Not found", "No such \(what) in your account.", session: session)
    }

    static func sessionCookie(_ session: DashboardSession, lifetimeSeconds: Int64) -> Cookie {
        // No `Secure`: `paystorm serve` listens on loopback over plain HTTP, where a Secure
        // cookie would never be sent back.
        Cookie(
            name: sessionCookie, value: session.token, maxAge: Int(lifetimeSeconds), path: "/dashboard",
            httpOnly: true, sameSite: .strict)
    }

    static func expiredCookie(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/dashboard", httpOnly: true, sameSite: .strict)
    }
}
