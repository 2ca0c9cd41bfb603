import Core

/// A signed-in browser: whose objects it sees, the secret key its actions are made with (they
/// go through the API's own handlers), the token every form of the session carries, and when
/// it stops being valid.
struct DashboardSession: Sendable {
    /// The cookie's value: 32 random bytes in hex.
    var token: String
    var merchant: MerchantID
    var apiKey: String
    /// The value every form posts back (`csrf`); a different random value from the cookie's.
    var csrfToken: String
    var expiresUnixSeconds: Int64
    /// Signed in with a restricted read key: pages show no action, and the server refuses
    /// every form but signing out.
    var readOnly: Bool
    /// A message for the next page shown (after an action's redirect), then forgotten.
    var notice: String?
    /// A key's secret made by the last action, for the keys page to show once, then forgotten.
    var revealedSecret: String?
}
