import Core
import Journal
import Services
import Testing

@testable import Server

@Suite struct ServedObjectsFoldTests {
    static func intent(_ id: UInt64, status: String, metadata: [String: String] = [:]) -> ServerRecord {
        ServerRecord(
            .intent,
            ServerRecord.IntentImage(
                paymentID: id, merchantID: 1, paymentMethodID: nil, testMethodID: "pm_card_visa",
                manualCapture: false, metadata: metadata, description: nil, createdUnixSeconds: 100,
                cancellationReason: nil, canceledUnixSeconds: nil, lastError: nil, status: status))
    }

    static func answer(_ key: String, body: String, atNanoseconds: Int64) -> ServerRecord {
        ServerRecord(
            .answer,
            ServerRecord.AnswerImage(
                merchantID: 1, key: key, status: 200, body: body, answeredUnixNanoseconds: atNanoseconds))
    }

    /// Through the journal's own encoding, as a resumed server reads them.
    static func roundTrip(_ record: ServerRecord) throws -> ServerRecord {
        try JournalRecord(record).decode(ServerRecord.self)
    }

    @Test func theLatestImageOfAnIntentWinsAndWaitingOnesAreSpared() throws {
        var fold = ServedObjectsFold()
        for record in [
            Self.intent(1, status: "requires_confirmation", metadata: ["a": "1"]),
            Self.intent(2, status: "requires_action"),
            Self.intent(3, status: "succeeded"),
            Self.intent(1, status: "succeeded", metadata: ["a": "2"]),
            Self.intent(4, status: "requires_payment_method"),
        ] {
            fold.apply(try Self.roundTrip(record))
        }
        #expect(fold.intentOrder == [1, 2, 3, 4])
        #expect(fold.intents[1]?.metadata == ["a": "2"])
        let served = fold.served(nowUnixNanoseconds: 0)
        #expect(served.waitingForClient == [PaymentID(2), PaymentID(4)])
        #expect(served.restoresBalanceTransactions)
    }

    @Test func theFirstAnswerToAKeyIsKeptWithItsAge() throws {
        var fold = ServedObjectsFold()
        fold.apply(try Self.roundTrip(Self.answer("k1", body: "{\"id\":\"first\"}", atNanoseconds: 1_000)))
        fold.apply(try Self.roundTrip(Self.answer("k1", body: "{\"id\":\"second\"}", atNanoseconds: 2_000)))
        fold.apply(try Self.roundTrip(Self.answer("k2", body: "{}", atNanoseconds: 3_000)))
        let answers = fold.served(nowUnixNanoseconds: 5_000).answers
        #expect(answers.map(\.key) == ["k1", "k2"])
        #expect(answers[0].response == StoredResponse(status: 200, text: "{\"id\":\"first\"}"))
        #expect(answers[0].age == .nanoseconds(4_000))
        #expect(answers[1].age == .nanoseconds(2_000))
    }

    @Test func aRemovedEndpointStaysRemovedAndABrokenImageIsCounted() throws {
        var fold = ServedObjectsFold()
        let endpoint = WebhookEndpointObject(
            id: "we_00000000000001", merchant: MerchantID(1), url: "http://127.0.0.1:9/hook",
            enabledEvents: ["*"], secret: "whsec_abc", createdUnixSeconds: 5, description: nil, metadata: [:])
        fold.apply(try Self.roundTrip(.endpoint(endpoint, sealing: nil)))
        var second = endpoint
        second.id = "we_00000000000002"
        fold.apply(try Self.roundTrip(.endpoint(second, sealing: nil)))
        fold.apply(
            try Self.roundTrip(
                ServerRecord(
                    .endpointRemoved, ServerRecord.EndpointRemovedImage(id: endpoint.id, merchantID: 1))))
        #expect(fold.endpoints.map(\.id) == ["we_00000000000002"])
        #expect(fold.endpoints.first?.secret == "whsec_abc")
        var writer = BinaryWriter()
        writer.write(ServerRecord.Kind.refund.rawValue)
        writer.writeBytes(Array("not json".utf8))
        let broken = JournalRecord(
            type: ServerRecord.recordType, version: ServerRecord.formatVersion, payload: writer.bytes)
        fold.apply(try broken.decode(ServerRecord.self))
        #expect(fold.undecodable == 1)
        #expect(fold.refunds.isEmpty)
    }

    @Test func anUnknownKindDoesNotDecode() {
        var writer = BinaryWriter()
        writer.write(UInt8(200))
        writer.writeBytes([])
        let record = JournalRecord(type: ServerRecord.recordType, payload: writer.bytes)
        #expect(throws: JournalError.self) { try record.decode(ServerRecord.self) }
    }

    @Test func eventObjectsReadBackAsWritten() {
        let object: JSON = .object([
            ("id", "pi_0000000000002a"), ("object", "payment_intent"), ("amount", 2_000),
            ("negative", -7), ("metadata", .object([("zeta", "1"), ("alpha", "a \"quoted\" \\ é 😀 \n")])),
            ("list", .array([true, false, nil, .array([]), .object([])])),
            ("escaped", "<script>&"),
        ])
        let parsed = JSON(parsing: object.serialized)
        #expect(parsed?.serialized == object.serialized)
        if case .object(let pairs)? = parsed?["metadata"] {
            #expect(pairs.map(\.0) == ["zeta", "alpha"])
        } else {
            Issue.record("metadata did not parse as an object")
        }
        for broken in ["", "{", "{\"a\":}", "[1,]", "1.5", "\"\\x\"", "{} x", "\"\\ud800\""] {
            #expect(JSON(parsing: broken).map { _ in 1 } == nil, "\(broken)")
        }
    }

    @Test func aRolledKeysExpiryComesBackFromTheJournal() throws {
        let secret = "sk_test_rolled0123456789"
        let hash = APIKeyRegistry.hash(secret)
        let made = APIKeyRegistry.Entry(
            id: "key_0000000000000a", merchant: MerchantID(3), kind: .secret, name: "ci", last4: "6789",
            createdUnixSeconds: 1_000)
        var rolled = made
        rolled.expiresUnixSeconds = 1_060
        rolled.replacedBy = "key_0000000000000b"
        var fold = ServedObjectsFold()
        for record in [ServerRecord.keyEntry(hash: hash, made), ServerRecord.keyEntry(hash: hash, rolled)] {
            fold.apply(try Self.roundTrip(record))
        }
        #expect(fold.keyOrder.count == 1)
        #expect(fold.undecodable == 0)
        let image = try #require(fold.keyEntries[fold.keyOrder[0]])
        #expect(ServerBackend.bytes(hex: image.hashHex) == hash)
        let registry = APIKeyRegistry()
        registry.restore(
            hash: try #require(ServerBackend.bytes(hex: image.hashHex)),
            APIKeyRegistry.Entry(
                id: image.id, merchant: MerchantID(image.merchantID), kind: .secret, name: image.name,
                last4: image.last4, createdUnixSeconds: image.createdUnixSeconds,
                expiresUnixSeconds: image.expiresUnixSeconds, replacedBy: image.replacedBy))
        let restored = try #require(registry.entry(forSecret: secret))
        #expect(restored.isExpired(atUnixSeconds: 1_060))
        #expect(!restored.isExpired(atUnixSeconds: 1_059))
        #expect(restored.replacedBy == "key_0000000000000b")
        // New keys are numbered above the restored one.
        let next = try #require(
            registry.add(
                "sk_test_newer0123456789", merchant: MerchantID(3), name: "n", createdUnixSeconds: 2_000))
        #expect(next.id == "key_0000000000000b")
        #expect(ServerBackend.bytes(hex: "0g") == nil)
        #expect(ServerBackend.bytes(hex: "abc") == nil)
    }

    @Test func aSealedEndpointSecretOpensOnlyWithItsKey() throws {
        let endpoint = WebhookEndpointObject(
            id: "we_00000000000003", merchant: MerchantID(1), url: "http://127.0.0.1:9/hook",
            enabledEvents: ["*"], secret: "whsec_sealed", createdUnixSeconds: 5, description: nil,
            metadata: [:])
        let key = [UInt8](repeating: 7, count: 32)
        let cipher = try FieldCipher(key: key, domain: ServerJournal.endpointSecretDomain)
        var fold = ServedObjectsFold()
        fold.apply(try Self.roundTrip(.endpoint(endpoint, sealing: cipher)))
        let image = try #require(fold.endpoints.first)
        #expect(image.secret == "")
        #expect(image.sealedSecret?.contains("whsec") == false)
        let journal = InMemoryJournal()
        #expect(try ServerJournal(journal: journal, secretCipher: cipher).secret(of: image) == "whsec_sealed")
        #expect(throws: JournalError.self) { try ServerJournal(journal: journal).secret(of: image) }
        let other = try FieldCipher(key: [UInt8](repeating: 8, count: 32))
        #expect(throws: JournalError.self) {
            try ServerJournal(journal: journal, secretCipher: other).secret(of: image)
        }
    }

    @Test func settledDeliveriesAreFoldedByEventAndEndpoint() throws {
        var fold = ServedObjectsFold()
        fold.apply(try Self.roundTrip(.deliverySettled(eventID: "evt_1", endpointID: "we_1")))
        #expect(fold.settledDeliveries == ["evt_1/we_1"])
        #expect(fold.undecodable == 0)
    }
}
