import Core
import Crypto
import Synchronization

/// What the server knows of each merchant's API keys besides the gateway's hashes: a name, the
/// last four characters, when it was made, whether it may only read, and when a rolled key
/// stops working. The secret itself is never kept: entries are found by its SHA-256.
///
/// The gateway authenticates; this registry decides what an authenticated key may still do
/// (an expired rolled key: nothing; a restricted key: read). A lock, not an actor: every call
/// is a short look-up or insert.
final class APIKeyRegistry: Sendable {
    enum Kind: String, Sendable {
        /// `sk_test_...`: everything the API does.
        case secret
        /// `rk_test_...`: reads only (GET), in the API and in the dashboard.
        case restrictedRead = "restricted_read"
    }

    struct Entry: Sendable {
        /// `key_` and a number: how the dashboard names a key without its secret.
        var id: String
        var merchant: MerchantID
        var kind: Kind
        var name: String
        var last4: String
        var createdUnixSeconds: Int64
        /// Set when the key was rolled: it is refused from this time on.
        var expiresUnixSeconds: Int64?
        /// The key that replaced this one when it was rolled.
        var replacedBy: String?

        func isExpired(atUnixSeconds now: Int64) -> Bool {
            expiresUnixSeconds.map { now >= $0 } ?? false
        }

        /// `sk_test_…abcd`: what a page shows of a key after its secret was shown once.
        var redacted: String {
            (kind == .secret ? "sk_test_" : "rk_test_") + "…" + last4
        }
    }

    /// Keys a merchant may hold; making more is refused.
    static let keysPerMerchantMax = 100
    /// The longest grace period a roll may give the old key (Stripe offers up to seven days).
    static let graceSecondsMax: Int64 = 7 * 86_400

    private struct State {
        var entries: [[UInt8]: Entry] = [:]
        var byMerchant: [MerchantID: [[UInt8]]] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    static func kind(of secret: String) -> Kind {
        secret.hasPrefix("rk_test_") ? .restrictedRead : .secret
    }

    /// Records a key the gateway now holds. Returns nil when the merchant holds
    /// `keysPerMerchantMax` already.
    @discardableResult
    func add(
        _ secret: String, merchant: MerchantID, name: String, createdUnixSeconds: Int64
    ) -> Entry? {
        let hash = Self.hash(secret)
        return state.withLock { state in
            if let existing = state.entries[hash] { return existing }
            guard state.byMerchant[merchant, default: []].count < Self.keysPerMerchantMax else { return nil }
            state.nextID += 1
            let entry = Entry(
                id: "key_" + String(hex14: state.nextID), merchant: merchant, kind: Self.kind(of: secret),
                name: name, last4: String(secret.suffix(4)), createdUnixSeconds: createdUnixSeconds)
            state.entries[hash] = entry
            state.byMerchant[merchant, default: []].append(hash)
            return entry
        }
    }

    /// Puts back an entry a resumed server read from the journal (the latest image of it), and
    /// keeps new ids above its id.
    func restore(hash: [UInt8], _ entry: Entry) {
        state.withLock { state in
            if state.entries.updateValue(entry, forKey: hash) == nil {
                state.byMerchant[entry.merchant, default: []].append(hash)
            }
            if let number = UInt64(entry.id.dropFirst("key_".count), radix: 16) {
                state.nextID = max(state.nextID, number)
            }
        }
    }

    /// The hash and entry of the merchant's key `id`, for journaling it.
    func hashAndEntry(_ id: String, of merchant: MerchantID) -> ([UInt8], Entry)? {
        state.withLock { state in
            guard let hash = state.byMerchant[merchant]?.first(where: { state.entries[$0]?.id == id }),
                let entry = state.entries[hash]
            else { return nil }
            return (hash, entry)
        }
    }

    /// Whether a merchant may add another key.
    func hasRoom(for merchant: MerchantID) -> Bool {
        state.withLock { ($0.byMerchant[merchant]?.count ?? 0) < Self.keysPerMerchantMax }
    }

    /// The entry of a presented secret, if the server made or registered it.
    func entry(forSecret secret: String) -> Entry? { entry(forHash: Self.hash(secret)) }

    /// The entry of a presented secret by its SHA-256 (`hash(_:)`, the gateway's
    /// `APIKeyHash` bytes too): a request's key is hashed once for both.
    func entry(forHash hash: [UInt8]) -> Entry? { state.withLock { $0.entries[hash] } }

    /// The merchant's keys, oldest first.
    func entries(of merchant: MerchantID) -> [Entry] {
        state.withLock { state in (state.byMerchant[merchant] ?? []).compactMap { state.entries[$0] } }
    }

    /// Sets when the merchant's key `id` stops working (a roll), unless it already expires
    /// sooner. Returns the entry as it now stands, or nil if the merchant has no such key.
    func expire(
        _ id: String, of merchant: MerchantID, atUnixSeconds expires: Int64, replacedBy: String
    ) -> Entry? {
        state.withLock { state in
            guard
                let hash = state.byMerchant[merchant]?.first(where: { state.entries[$0]?.id == id }),
                var entry = state.entries[hash]
            else { return nil }
            entry.expiresUnixSeconds = min(entry.expiresUnixSeconds ?? .max, expires)
            entry.replacedBy = replacedBy
            state.entries[hash] = entry
            return entry
        }
    }
}
