import Hummingbird

/// The sign-in form, signing in with a secret key, and signing out.
struct SignInPage: Sendable {
    var layout: DashboardLayout
    var csrf: String
    var error: String?
}

extension Dashboard {
    /// The form, with a fresh random value in a short-lived cookie and the value's MAC as the
    /// form's token: a page from elsewhere can neither read the cookie nor forge the token.
    func signInPage(_ request: Request, error: String? = nil) -> Response {
        if error == nil, session(request, backend()) != nil {
            return DashboardResponse.redirect("/dashboard")
        }
        let nonce = DashboardSessions.randomToken()
        let page = SignInPage(
            layout: .signedOut(title: "Sign in"), csrf: sessions.signInToken(for: nonce), error: error)
        var response = DashboardResponse.html(
            DashboardTemplates.render(page, "signin"), status: error == nil ? .ok : .unauthorized)
        response.setCookie(
            Cookie(
                name: Self.signInCookie, value: nonce, maxAge: Self.signInLifetimeSeconds, path: "/dashboard",
                httpOnly: true, sameSite: .strict))
        return response
    }

    func signIn(_ request: Request) async -> Response {
        guard let form = await Self.form(request),
            sessions.isValidSignInToken(form.string("csrf"), nonce: request.cookies[Self.signInCookie]?.value)
        else {
            return problem(
                .forbidden, "This form has expired", "Reload the sign-in page and try again.", session: nil)
        }
        let key = (form.string("key") ?? "").trimmingCharacters(in: .whitespaces)
        let backend = backend()
        guard let merchant = backend.system.owner(ofAPIKey: key),
            !(backend.keys.entry(forSecret: key)?.isExpired(atUnixSeconds: ServerBackend.now()) ?? false)
        else {
            return signInPage(request, error: "That is not a key of this server.")
        }
        let session = sessions.start(merchant: merchant, apiKey: key)
        var response = DashboardResponse.redirect("/dashboard")
        response.setCookie(Self.sessionCookie(session, lifetimeSeconds: sessions.lifetimeSeconds))
        response.setCookie(Self.expiredCookie(Self.signInCookie))
        return response
    }

    /// Ends the session on the server (the cookie alone is worth nothing afterwards) and
    /// clears the cookie.
    func signOut(_ request: Request) async -> Response {
        await action(request, writes: false) { session, _, _ in
            sessions.end(session.token)
            var response = DashboardResponse.redirect("/dashboard/sign-in")
            response.setCookie(Self.expiredCookie(Self.sessionCookie))
            return response
        }
    }
}
