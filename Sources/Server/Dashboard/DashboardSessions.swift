import Core
import Crypto
import Foundation
import Synchronization

/// The dashboard's signed-in sessions, in memory, each valid for `lifetimeSeconds` from sign-in
/// (an absolute lifetime: a stolen cookie is not kept alive by use).
///
/// Bounded at `sessionsMax`: when full, expired sessions go first, then the one closest to
/// expiry, so that signing in in a loop cannot grow the server.
final class DashboardSessions: Sendable {
    static let sessionsMax = 10_000
    let lifetimeSeconds: Int64
    let now: @Sendable () -> Int64
    private let sessions = Mutex<[String: DashboardSession]>([:])
    /// Keys the sign-in form's token: the form is not yet a session's, so its token is the
    /// MAC of a random value the browser holds in a short-lived cookie.
    /// Raw bytes: `SymmetricKey` is not `Sendable`.
    private let signInKeyBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }

    init(lifetimeSeconds: Int64 = 3_600, now: @escaping @Sendable () -> Int64 = { ServerBackend.now() }) {
        self.lifetimeSeconds = lifetimeSeconds
        self.now = now
    }

    /// 32 random bytes in hex, from the system's generator.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let value = generator.next() as UInt64
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    func start(merchant: MerchantID, apiKey: String) -> DashboardSession {
        let session = DashboardSession(
            token: Self.randomToken(), merchant: merchant, apiKey: apiKey, csrfToken: Self.randomToken(),
            expiresUnixSeconds: now() + lifetimeSeconds,
            readOnly: APIKeyRegistry.kind(of: apiKey) == .restrictedRead)
        let nowSeconds = now()
        sessions.withLock { sessions in
            if sessions.count >= Self.sessionsMax {
                sessions = sessions.filter { $0.value.expiresUnixSeconds > nowSeconds }
            }
            if sessions.count >= Self.sessionsMax,
                let oldest = sessions.min(by: { $0.value.expiresUnixSeconds < $1.value.expiresUnixSeconds })
            {
                sessions[oldest.key] = nil
            }
            sessions[session.token] = session
        }
        return session
    }

    /// The live session of `token`, or nil (unknown, ended or expired: an expired one is
    /// dropped here).
    func session(_ token: String?) -> DashboardSession? {
        guard let token, !token.isEmpty else { return nil }
        let nowSeconds = now()
        return sessions.withLock { sessions in
            guard let session = sessions[token] else { return nil }
            guard session.expiresUnixSeconds > nowSeconds else {
                sessions[token] = nil
                return nil
            }
            return session
        }
    }

    /// Moves the session to another key of its merchant (its own key was rolled): it lives on
    /// with the new key instead of ending with the old one.
    func changeKey(of token: String, to apiKey: String) {
        sessions.withLock { $0[token]?.apiKey = apiKey }
    }

    func end(_ token: String) {
        _ = sessions.withLock { $0.removeValue(forKey: token) }
    }

    var count: Int { sessions.withLock { $0.count } }

    /// Leaves a message for the session's next page.
    func setNotice(_ notice: String, for token: String) {
        sessions.withLock { $0[token]?.notice = notice }
    }

    /// The session's message, forgotten once read.
    func takeNotice(for token: String) -> String? {
        sessions.withLock { sessions in
            let notice = sessions[token]?.notice
            sessions[token]?.notice = nil
            return notice
        }
    }

    func setRevealedSecret(_ secret: String, for token: String) {
        sessions.withLock { $0[token]?.revealedSecret = secret }
    }

    /// The secret to show, forgotten once read: a reload shows only its last four characters.
    func takeRevealedSecret(for token: String) -> String? {
        sessions.withLock { sessions in
            let secret = sessions[token]?.revealedSecret
            sessions[token]?.revealedSecret = nil
            return secret
        }
    }

    // MARK: The sign-in form's token

    func signInToken(for nonce: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(nonce.utf8), using: SymmetricKey(data: signInKeyBytes))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    func isValidSignInToken(_ token: String?, nonce: String?) -> Bool {
        guard let token, let nonce, !nonce.isEmpty else { return false }
        return Self.equalInConstantTime(token, signInToken(for: nonce))
    }

    /// Compares without stopping at the first difference, so that timing tells nothing about
    /// how much of a guessed token was right.
    static func equalInConstantTime(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
