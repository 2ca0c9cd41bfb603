import Core
import Foundation
import Hummingbird
import Services

/// The merchant's API keys: each with its name, kind, last four characters and expiry; forms
/// to create a secret or restricted read key and to roll one with a grace period. A new
/// secret is shown once, on the page that follows its creation, and never again.
struct APIKeysPage: Sendable {
    struct Row: Sendable {
        var id: String
        var name: String
        var kind: String
        var token: String
        var created: String
        var expires: String?
        var expired: Bool
        var replacedBy: String?
        var isSessionKey: Bool
        var canRoll: Bool
    }

    var layout: DashboardLayout
    var rows: [Row]
    /// The secret made by the last action, shown this once.
    var newSecret: String?
    var canManage: Bool
    var graceSecondsMax: Int64
}

extension Dashboard {
    static let keyNameCharactersMax = 64

    func apiKeys(_ session: DashboardSession, _ backend: ServerBackend) -> Response {
        let now = ServerBackend.now()
        let sessionKey = backend.keys.entry(forSecret: session.apiKey)?.id
        let rows = backend.keys.entries(of: session.merchant).reversed().map { entry in
            let expired = entry.isExpired(atUnixSeconds: now)
            return APIKeysPage.Row(
                id: entry.id, name: entry.name,
                kind: entry.kind == .secret ? "Secret" : "Restricted (read only)", token: entry.redacted,
                created: DashboardTime.dateTime(entry.createdUnixSeconds),
                expires: entry.expiresUnixSeconds.map { DashboardTime.dateTime($0) + " UTC" },
                expired: expired,
                replacedBy: entry.replacedBy, isSessionKey: entry.id == sessionKey,
                canRoll: !session.readOnly && !expired && entry.replacedBy == nil)
        }
        let page = APIKeysPage(
            layout: layout("API keys", .apiKeys, session), rows: rows,
            newSecret: sessions.takeRevealedSecret(for: session.token), canManage: !session.readOnly,
            graceSecondsMax: APIKeyRegistry.graceSecondsMax)
        return DashboardResponse.html(DashboardTemplates.render(page, "apikeys"))
    }

    /// Makes a secret (`sk_test_`) or restricted read (`rk_test_`) key: 256 random bits from
    /// the system's generator, handed to the gateway as a hash, shown to the merchant once.
    func createKey(
        _ form: FormParameters, _ session: DashboardSession, _ backend: ServerBackend
    ) async -> Response {
        let kind = APIKeyRegistry.Kind(rawValue: form.string("kind") ?? "") ?? .secret
        let name = Self.keyName(form.string("name"), kind: kind)
        switch await makeKey(kind, name: name, session, backend) {
        case .success(let (secret, entry)):
            sessions.setRevealedSecret(secret, for: session.token)
            sessions.setNotice(
                "Created \(entry.redacted) (\(entry.name)). Copy the key now: it is not shown again.",
                for: session.token)
        case .failure(let error):
            sessions.setNotice(error.message, for: session.token)
        }
        return DashboardResponse.redirect("/dashboard/api-keys")
    }

    /// Stripe's roll: a new key of the same kind and name now, the old one valid for the grace
    /// period chosen (0: it stops at once). A session signed in with the old key moves to the
    /// new one; every other use of the old key ends with the grace period.
    func rollKey(
        _ form: FormParameters, _ session: DashboardSession, _ backend: ServerBackend
    ) async -> Response {
        let id = form.string("key") ?? ""
        guard let old = backend.keys.entries(of: session.merchant).first(where: { $0.id == id }) else {
            return notFound("API key", session)
        }
        let graceText = (form.string("grace_seconds") ?? "").trimmingCharacters(in: .whitespaces)
        guard let graceSeconds = Int64(graceText), (0...APIKeyRegistry.graceSecondsMax).contains(graceSeconds)
        else {
            sessions.setNotice(
                "The grace period is a number of seconds from 0 to \(APIKeyRegistry.graceSecondsMax).",
                for: session.token)
            return DashboardResponse.redirect("/dashboard/api-keys")
        }
        let now = ServerBackend.now()
        guard !old.isExpired(atUnixSeconds: now), old.replacedBy == nil else {
            sessions.setNotice("\(old.redacted) was rolled already.", for: session.token)
            return DashboardResponse.redirect("/dashboard/api-keys")
        }
        switch await makeKey(old.kind, name: old.name, session, backend) {
        case .success(let (secret, entry)):
            _ = backend.keys.expire(
                old.id, of: session.merchant, atUnixSeconds: now + graceSeconds, replacedBy: entry.id)
            if backend.keys.entry(forSecret: session.apiKey)?.id == old.id {
                sessions.changeKey(of: session.token, to: secret)
            }
            sessions.setRevealedSecret(secret, for: session.token)
            let when = graceSeconds == 0 ? "now" : "at " + DashboardTime.dateTime(now + graceSeconds) + " UTC"
            // The old key's expiry must outlive a restart, or a resumed server would accept it.
            var durable = true
            if let journal = backend.journal,
                let (hash, expired) = backend.keys.hashAndEntry(old.id, of: session.merchant)
            {
                do {
                    try await journal.commit([ServerRecord.keyEntry(hash: hash, expired)])
                } catch {
                    durable = false
                }
            }
            sessions.setNotice(
                "Rolled \(old.redacted): it stops working \(when). The new key \(entry.redacted) is shown once below."
                    + (durable
                        ? ""
                        : " The roll could not be made durable: after a restart the old key would work again."),
                for: session.token)
        case .failure(let error):
            sessions.setNotice(error.message, for: session.token)
        }
        return DashboardResponse.redirect("/dashboard/api-keys")
    }

    private func makeKey(
        _ kind: APIKeyRegistry.Kind, name: String, _ session: DashboardSession, _ backend: ServerBackend
    ) async -> Result<(String, APIKeyRegistry.Entry), DashboardActionError> {
        guard backend.keys.hasRoom(for: session.merchant) else {
            return .failure(
                DashboardActionError(
                    message:
                        "You hold \(APIKeyRegistry.keysPerMerchantMax) keys already: no more can be made."))
        }
        let secret =
            (kind == .secret ? APIKey.testPrefix : APIKey.restrictedTestPrefix)
            + DashboardSessions.randomToken()
        do {
            try await backend.system.addAPIKey(secret, for: session.merchant)
        } catch {
            return .failure(DashboardActionError(message: "The key could not be stored: \(error)."))
        }
        guard
            let entry = backend.keys.add(
                secret, merchant: session.merchant, name: name, createdUnixSeconds: ServerBackend.now())
        else {
            _ = backend.system.revoke(apiKey: secret)
            return .failure(DashboardActionError(message: "The key could not be stored."))
        }
        do {
            try await backend.journal?.commit([
                ServerRecord.keyEntry(hash: APIKeyRegistry.hash(secret), entry)
            ])
        } catch {
            return .failure(
                DashboardActionError(
                    message: "The key works, but its name could not be made durable: \(error)."))
        }
        return .success((secret, entry))
    }

    static func keyName(_ text: String?, kind: APIKeyRegistry.Kind) -> String {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return kind == .secret ? "Secret key" : "Read-only key" }
        return String(trimmed.prefix(keyNameCharactersMax))
    }
}
