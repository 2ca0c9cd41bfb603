import Core
import Testing

@testable import Server

/// The server's record of keys: found by the secret's hash (the secret is not kept), kinds by
/// prefix, a roll's expiry never pushed later, and a bound per merchant.
@Suite struct APIKeyRegistryTests {
    let merchant = MerchantID(1)

    @Test func findsAKeyByItsSecretAndKeepsOnlyItsLastFour() throws {
        let registry = APIKeyRegistry()
        let secret = "sk_test_" + String(repeating: "ab", count: 32) + "wxyz"
        let entry = try #require(
            registry.add(secret, merchant: merchant, name: "main", createdUnixSeconds: 10))
        #expect(entry.kind == .secret)
        #expect(entry.redacted == "sk_test_…wxyz")
        #expect(registry.entry(forSecret: secret)?.id == entry.id)
        #expect(registry.entry(forSecret: secret + "0") == nil)
        // Added twice, recorded once.
        #expect(
            registry.add(secret, merchant: merchant, name: "again", createdUnixSeconds: 11)?.id == entry.id)
        #expect(registry.entries(of: merchant).count == 1)
        #expect(!String(describing: registry.entries(of: merchant)).contains("abab"))
    }

    @Test func restrictedKeysAreReadOnlyByPrefix() throws {
        let registry = APIKeyRegistry()
        let entry = try #require(
            registry.add("rk_test_0123456789", merchant: merchant, name: "support", createdUnixSeconds: 0))
        #expect(entry.kind == .restrictedRead)
        #expect(APIKeyRegistry.kind(of: "rk_test_x") == .restrictedRead)
        #expect(APIKeyRegistry.kind(of: "sk_test_x") == .secret)
    }

    @Test func aRolledKeyExpiresAtTheEarliestTimeGiven() throws {
        let registry = APIKeyRegistry()
        let old = try #require(
            registry.add("sk_test_old1", merchant: merchant, name: "k", createdUnixSeconds: 0))
        #expect(registry.expire(old.id, of: MerchantID(2), atUnixSeconds: 5, replacedBy: "key_x") == nil)
        let rolled = try #require(
            registry.expire(old.id, of: merchant, atUnixSeconds: 100, replacedBy: "key_2"))
        #expect(!rolled.isExpired(atUnixSeconds: 99))
        #expect(rolled.isExpired(atUnixSeconds: 100))
        let later = try #require(
            registry.expire(old.id, of: merchant, atUnixSeconds: 500, replacedBy: "key_3"))
        #expect(later.expiresUnixSeconds == 100)
        #expect(registry.entry(forSecret: "sk_test_old1")?.isExpired(atUnixSeconds: 100) == true)
    }

    @Test func aMerchantHoldsAtMostTheLimit() {
        let registry = APIKeyRegistry()
        for index in 0..<APIKeyRegistry.keysPerMerchantMax {
            #expect(
                registry.add("sk_test_\(index)", merchant: merchant, name: "k", createdUnixSeconds: 0) != nil)
        }
        #expect(!registry.hasRoom(for: merchant))
        #expect(registry.add("sk_test_one_more", merchant: merchant, name: "k", createdUnixSeconds: 0) == nil)
        #expect(registry.hasRoom(for: MerchantID(2)))
    }
}
