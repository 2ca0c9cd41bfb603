import Core
import PaystormRuntime
import Testing

@testable import Services

@Suite struct WebhookSignerTests {
    static let secret = "whsec_test_secret"
    static let payload = Array(#"{"id":"evt_test_webhook","object":"event"}"#.utf8)
    static let timestamp: Int64 = 1_767_225_600

    @Test func matchesAnIndependentlyComputedVector() throws {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_secret",
        //   b"1767225600." + b"{\"id\":\"evt_test_webhook\",\"object\":\"event\"}", hashlib.sha256).hexdigest())'
        let expected = "ea39823a9ff870c5ea2be9961fdbf5dcbe1056e7895a312bfede2475c7e436ce"
        #expect(
            WebhookSigner.signature(payload: Self.payload, secret: Self.secret, timestamp: Self.timestamp)
                == expected)
        let header = WebhookSigner.header(
            payload: Self.payload, secret: Self.secret, timestamp: Self.timestamp)
        #expect(header == "t=1767225600,v1=" + expected)
        #expect(
            try WebhookSigner.verify(
                payload: Self.payload, header: header, secret: Self.secret, now: Self.timestamp)
                == Self.timestamp)
    }

    @Test func theHeaderInAStackBufferIsTheStringsBytesAndVerifiesAsBytes() throws {
        let key = WebhookSigningKey(secret: Self.secret)
        let header = WebhookSigner.header(payload: Self.payload, key: key, timestamp: Self.timestamp)
        let bytes = Self.payload.withUnsafeBufferPointer { payload in
            WebhookSigner.withHeader(payload: payload, key: key, timestamp: Self.timestamp) { Array($0) }
        }
        #expect(bytes == Array(header.utf8))
        func verify(_ payload: [UInt8], now: Int64) -> Result<Int64, WebhookSignatureError> {
            bytes.withUnsafeBufferPointer { header in
                payload.withUnsafeBufferPointer { payload in
                    Result { () throws(WebhookSignatureError) in
                        try WebhookSigner.verify(payload: payload, header: header, key: key, now: now)
                    }
                }
            }
        }
        #expect(try verify(Self.payload, now: Self.timestamp).get() == Self.timestamp)
        var tampered = Self.payload
        tampered[3] ^= 0x01
        #expect(throws: WebhookSignatureError.signatureMismatch) {
            try verify(tampered, now: Self.timestamp).get()
        }
        #expect(
            throws: WebhookSignatureError.timestampOutsideTolerance(
                timestamp: Self.timestamp, now: Self.timestamp + 301)
        ) {
            try verify(Self.payload, now: Self.timestamp + 301).get()
        }
    }

    @Test func tamperedPayloadOrWrongSecretFails() {
        let header = WebhookSigner.header(
            payload: Self.payload, secret: Self.secret, timestamp: Self.timestamp)
        var tampered = Self.payload
        tampered[7] ^= 0x01
        #expect(throws: WebhookSignatureError.signatureMismatch) {
            try WebhookSigner.verify(
                payload: tampered, header: header, secret: Self.secret, now: Self.timestamp)
        }
        #expect(throws: WebhookSignatureError.signatureMismatch) {
            try WebhookSigner.verify(
                payload: Self.payload, header: header, secret: "whsec_other", now: Self.timestamp)
        }
        // Changing the timestamp invalidates the signature too: it is signed.
        let shifted = "t=1767225601" + header.dropFirst("t=1767225600".count)
        #expect(throws: WebhookSignatureError.signatureMismatch) {
            try WebhookSigner.verify(
                payload: Self.payload, header: shifted, secret: Self.secret, now: Self.timestamp)
        }
    }

    @Test func acceptsAnyOfSeveralV1SignaturesAndIgnoresOtherSchemes() throws {
        let header = WebhookSigner.header(
            payload: Self.payload, secrets: ["whsec_old", Self.secret], timestamp: Self.timestamp)
        #expect(header.split(separator: ",").filter { $0.hasPrefix("v1=") }.count == 2)
        try WebhookSigner.verify(
            payload: Self.payload, header: header, secret: Self.secret, now: Self.timestamp)
        try WebhookSigner.verify(
            payload: Self.payload, header: header, secret: "whsec_old", now: Self.timestamp)
        try WebhookSigner.verify(
            payload: Self.payload, header: header + ",v0=deadbeef", secret: Self.secret, now: Self.timestamp)
    }

    @Test func spacesAroundNamesAndValuesAreTolerated() throws {
        let signature = WebhookSigner.signature(
            payload: Self.payload, secret: Self.secret, timestamp: Self.timestamp)
        let key = WebhookSigningKey(secret: Self.secret)
        #expect(
            try WebhookSigner.verify(
                payload: Self.payload, header: " t = 1767225600 , v1 = \(signature) ", key: key,
                now: Self.timestamp) == Self.timestamp)
    }

    @Test(arguments: [
        ("", WebhookSignatureError.malformedHeader),
        ("v1=abc", .malformedHeader),
        ("t=abc,v1=abc", .malformedHeader),
        ("t=1767225600,garbage", .malformedHeader),
        ("t=1767225600,", .malformedHeader),
        ("t=,v1=abc", .malformedHeader),
        ("t=1767225600", .noSignature),
        ("t=1767225600,v0=abc", .noSignature),
        ("t=1767225600,v1=abc", .signatureMismatch),
        ("t=99999999999999999999,v1=abc", .malformedHeader),
        ("t=-,v1=abc", .malformedHeader),
        ("t=17672x5600,v1=abc", .malformedHeader),
        ("t=+1767225600,v1=abc", .signatureMismatch),
    ])
    func malformedHeadersGetTypedErrors(header: String, expected: WebhookSignatureError) {
        #expect(throws: expected) {
            try WebhookSigner.verify(
                payload: Self.payload, header: header, secret: Self.secret, now: Self.timestamp)
        }
    }

    @Test func toleranceIs300SecondsIntoThePast() throws {
        let header = WebhookSigner.header(
            payload: Self.payload, secret: Self.secret, timestamp: Self.timestamp)
        try WebhookSigner.verify(
            payload: Self.payload, header: header, secret: Self.secret, now: Self.timestamp + 300)
        #expect(
            throws: WebhookSignatureError.timestampOutsideTolerance(
                timestamp: Self.timestamp, now: Self.timestamp + 301)
        ) {
            try WebhookSigner.verify(
                payload: Self.payload, header: header, secret: Self.secret, now: Self.timestamp + 301)
        }
        // Stripe's SDKs accept timestamps ahead of the receiver's clock.
        try WebhookSigner.verify(
            payload: Self.payload, header: header, secret: Self.secret, now: Self.timestamp - 3_600)
    }

    @Test func unixClockAddsTheConfiguredEpoch() {
        let clock = UnixClock(epochOffsetSeconds: 1_000)
        #expect(clock.seconds(at: .zero) == 1_000)
        #expect(clock.seconds(at: SimTime(nanoseconds: 2_999_999_999)) == 1_002)
        #expect(clock.seconds(at: SimTime(nanoseconds: -1)) == 999)
        #expect(UnixClock.standard.seconds(at: .zero) == 1_767_225_600)
    }
}

@Suite struct WebhookEventTests {
    @Test func bodyIsDeterministicSortedJSON() {
        let event = WebhookEvent(
            id: EventID(0x2a), type: "payment_intent.succeeded", merchant: MerchantID(7),
            createdUnixSeconds: 1_767_225_600,
            object: [
                "status": .string("succeeded"), "amount": .integer(2_000), "id": .string("pi_0000000000000b"),
                "livemode": .bool(false), "description": .string("say \"hi\"\n"), "customer": .null,
            ])
        let expected =
            #"{"account":"acct_00000000000007","api_version":"2025-01-27.acacia","created":1767225600,"#
            + #""data":{"object":{"amount":2000,"customer":null,"description":"say \"hi\"\n","id":"pi_0000000000000b","#
            + #""livemode":false,"status":"succeeded"}},"id":"evt_0000000000002a","livemode":false,"#
            + #""object":"event","type":"payment_intent.succeeded"}"#
        #expect(event.bodyText == expected)
        let again = WebhookEvent(
            id: EventID(0x2a), type: "payment_intent.succeeded", merchant: MerchantID(7),
            createdUnixSeconds: 1_767_225_600, object: event.object)
        #expect(again.body == event.body)
    }

    /// A payment intent's body is written into a buffer sized beforehand: the largest values
    /// (an escaped, long type, the largest ids and amounts) must fit and read as spelled out.
    @Test func aPaymentIntentBodyWithEveryFieldAtItsLargestFits() {
        let type = "charge.\"odd\"\n\u{01}" + String(repeating: "\\", count: 300)
        let amount = Money(minorUnits: .min, currency: .kwd)
        let payment = PaymentID(.max)
        let compact = WebhookEvent(
            id: EventID(.max), type: type, merchant: MerchantID(.max), createdUnixSeconds: .min,
            paymentIntent: payment, amount: amount)
        let spelled = WebhookEvent(
            id: EventID(.max), type: type, merchant: MerchantID(.max), createdUnixSeconds: .min,
            object: WebhookEvent.paymentIntentObject(payment, amount))
        #expect(compact.body == spelled.body)
        #expect(compact.withBody { Array($0) } == spelled.body)
        #expect(compact.bodyText.hasSuffix(#""type":\#(WebhookEvent.quoted(type))}"#))
    }

    @Test(arguments: Currency.all)
    func aPaymentIntentEventIsTheSameEventAsItsFieldsSpelledOut(currency: Currency) {
        let amount = Money(minorUnits: 123_456, currency: currency)
        let payment = PaymentID(0xbeef)
        let compact = WebhookEvent(
            id: EventID(0xbeef << 16 | 2), type: "charge.refunded", merchant: MerchantID(9),
            createdUnixSeconds: 1_767_225_601, paymentIntent: payment, amount: amount)
        let spelled = WebhookEvent(
            id: EventID(0xbeef << 16 | 2), type: "charge.refunded", merchant: MerchantID(9),
            createdUnixSeconds: 1_767_225_601, object: WebhookEvent.paymentIntentObject(payment, amount))
        #expect(compact.body == spelled.body)
        #expect(compact.withBody { Array($0) } == spelled.body, "the bytes lent are the body's")
        #expect(spelled.withBody { Array($0) } == spelled.body)
        #expect(compact == spelled)
        #expect(compact.hashValue == spelled.hashValue)
        #expect(compact.object == spelled.object)
        #expect(compact.bodyText.contains(#""currency":"\#(currency.code.lowercased())""#))
        let other = WebhookEvent(
            id: EventID(0xbeef << 16 | 2), type: "charge.refunded", merchant: MerchantID(9),
            createdUnixSeconds: 1_767_225_601, paymentIntent: payment,
            amount: Money(minorUnits: 1, currency: currency))
        #expect(other != compact)
    }
}

@Suite struct WebhookDeliveryTests {
    @Test func backoffCeilingDoublesUpToTheCap() throws {
        let policy = try WebhookDelivery.Policy(base: .seconds(1), cap: .seconds(10), attemptsMax: 8)
        let ceilings = (1...6).map { policy.ceiling(afterFailures: $0) }
        #expect(ceilings == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        #expect(policy.ceiling(afterFailures: 10_000) == .seconds(10))
    }

    @Test(arguments: UInt64(1)...20)
    func retriesWithFullJitterThenDeadLetters(seed: UInt64) throws {
        let policy = try WebhookDelivery.Policy(base: .seconds(1), cap: .seconds(3_600), attemptsMax: 5)
        var delivery = WebhookDelivery(policy: policy)
        var random = RandomStream(seed: seed)
        for failure in 1...4 {
            guard case .retry(let delay) = delivery.recordAttempt(succeeded: false, random: &random) else {
                Issue.record("expected a retry after failure \(failure)")
                return
            }
            #expect(delay >= .zero && delay <= policy.ceiling(afterFailures: failure))
        }
        let outcome21 = delivery.recordAttempt(succeeded: false, random: &random) == .deadLetter;
        #expect(outcome21)
        #expect(delivery.state == .deadLettered)
        #expect(delivery.attempts == 5)
        let outcome22 = delivery.recordAttempt(succeeded: true, random: &random) == .deadLetter;
        #expect(outcome22)
    }

    @Test func successEndsTheDelivery() throws {
        var delivery = WebhookDelivery()
        var random = RandomStream(seed: 1)
        _ = delivery.recordAttempt(succeeded: false, random: &random)
        let outcome23 = delivery.recordAttempt(succeeded: true, random: &random) == .delivered;
        #expect(outcome23)
        #expect(delivery.attempts == 2)
        #expect(delivery.state == .delivered)
    }

    @Test func badPolicyIsATypedError() {
        #expect(throws: WebhookDispatchError.self) { _ = try WebhookDelivery.Policy(attemptsMax: 0) }
        #expect(throws: WebhookDispatchError.self) {
            _ = try WebhookDelivery.Policy(base: .seconds(2), cap: .seconds(1))
        }
    }

    @Test func deduplicatorRemembersABoundedWindow() {
        var deduplicator = EventDeduplicator(capacity: 2)
        let outcome24 = deduplicator.insert(EventID(1)); #expect(outcome24)
        let outcome25 = !deduplicator.insert(EventID(1)); #expect(outcome25)
        let outcome26 = deduplicator.insert(EventID(2)); #expect(outcome26)
        let outcome27 = deduplicator.insert(EventID(3)); #expect(outcome27)
        #expect(deduplicator.count == 2)
        #expect(!deduplicator.contains(EventID(1)))
    }
}

/// The outcome of one simulated delivery run.
struct DispatchRun: Sendable {
    var dispatcher: WebhookDispatcher.Statistics
    var endpoint: WebhookEndpoint.Statistics
    var trace: [WebhookDispatcher.AttemptRecord]
    var deadLetters: [WebhookDispatcher.DeadLetter]
    var finishedAt: SimTime
}

@Suite struct WebhookDispatcherTests {
    static let secret = "whsec_dispatch"

    static func events(_ count: Int, merchant: MerchantID = MerchantID(1)) -> [WebhookEvent] {
        (0..<count).map { index in
            WebhookEvent(
                id: EventID(UInt64(index + 1)), type: "payment_intent.succeeded", merchant: merchant,
                createdUnixSeconds: UnixClock.standard.seconds(at: .zero),
                object: ["id": .string(PaymentID(UInt64(index + 1)).description), "amount": .integer(1_000)])
        }
    }

    static func run(
        seed: UInt64, events count: Int, endpoint endpointConfiguration: WebhookEndpoint.Configuration,
        policy: WebhookDelivery.Policy = .standard, dispatcherSecret: String = secret
    ) throws -> DispatchRun {
        let runtime = DeterministicRuntime(seed: seed)
        let result = try runtime.run {
            let endpoint = WebhookEndpoint(
                runtime: runtime, configuration: endpointConfiguration,
                random: runtime.randomStream("endpoint", 1))
            let dispatcher = WebhookDispatcher(
                runtime: runtime, configuration: .init(retryPolicy: policy, inFlightMax: 1_000))
            try dispatcher.register(endpoint, secret: dispatcherSecret, for: MerchantID(1))
            for event in Self.events(count) { try dispatcher.enqueue(event) }
            await dispatcher.waitUntilIdle()
            return DispatchRun(
                dispatcher: dispatcher.statistics(), endpoint: endpoint.statistics(),
                trace: dispatcher.trace(), deadLetters: dispatcher.deadLetters(),
                finishedAt: runtime.now())
        }
        #expect(runtime.escapedJobCount == 0)
        return result
    }

    /// Delivered answers left for whoever looks next (no settlement callback) against every
    /// answer run at its time (a callback): the same counters read along the way, the same
    /// trace, dead letters and end.
    @Test(arguments: UInt64(1)...5)
    func deferredAnswersReadAsAnswersRunAtTheirTime(seed: UInt64) throws {
        func run(exact: Bool) throws -> (DispatchRun, [WebhookDispatcher.Statistics]) {
            let runtime = DeterministicRuntime(seed: seed)
            return try runtime.run {
                let endpoint = WebhookEndpoint(
                    runtime: runtime,
                    configuration: .init(
                        secret: Self.secret, failureProbability: 0.2, lostAcknowledgementProbability: 0.1,
                        latencyMedian: .milliseconds(40), latencySigma: 0.8),
                    random: runtime.randomStream("endpoint", 1))
                let policy = try WebhookDelivery.Policy(
                    base: .milliseconds(20), cap: .seconds(1), attemptsMax: 4)
                let dispatcher = WebhookDispatcher(
                    runtime: runtime, configuration: .init(retryPolicy: policy, inFlightMax: 1_000),
                    settled: exact ? { @Sendable _ in } : nil)
                try dispatcher.register(endpoint, secret: Self.secret, for: MerchantID(1))
                var readings: [WebhookDispatcher.Statistics] = []
                for (index, event) in Self.events(60).enumerated() {
                    try dispatcher.enqueue(event)
                    try await runtime.sleep(for: .milliseconds(Int64(index % 7) * 3 + 1))
                    if index % 5 == 0 { readings.append(dispatcher.statistics()) }
                }
                await dispatcher.waitUntilIdle()
                let run = DispatchRun(
                    dispatcher: dispatcher.statistics(), endpoint: endpoint.statistics(),
                    trace: dispatcher.trace(), deadLetters: dispatcher.deadLetters(),
                    finishedAt: runtime.now())
                return (run, readings)
            }
        }
        let (exact, exactReadings) = try run(exact: true)
        let (deferred, deferredReadings) = try run(exact: false)
        #expect(deferred.dispatcher == exact.dispatcher)
        #expect(deferred.endpoint == exact.endpoint)
        #expect(deferred.trace == exact.trace)
        #expect(deferred.deadLetters == exact.deadLetters)
        #expect(deferred.finishedAt == exact.finishedAt)
        #expect(deferredReadings == exactReadings)
        #expect(exact.dispatcher.retries > 0 && exact.dispatcher.delivered > 0)
        #expect(exactReadings.contains { $0.delivered > 0 && $0.inFlight > 0 })
    }

    @Test(arguments: UInt64(1)...10)
    func halfFailingEndpointGetsEveryEventOnceOrDeadLetters(seed: UInt64) throws {
        let run = try Self.run(
            seed: seed, events: 50, endpoint: .init(secret: Self.secret, failureProbability: 0.5))
        #expect(run.dispatcher.delivered + run.dispatcher.deadLettered == 50)
        #expect(run.dispatcher.inFlight == 0)
        #expect(run.dispatcher.retries > 0)
        #expect(run.endpoint.badSignatures == 0)
        // Failures happen before processing, so each delivered event was processed exactly once.
        #expect(run.endpoint.processed == run.dispatcher.delivered)
        #expect(run.endpoint.duplicates == 0)
        #expect(run.dispatcher.attempts == run.endpoint.received)
        #expect(run.dispatcher.attemptsP50 >= 1 && run.dispatcher.attemptsP99 >= run.dispatcher.attemptsP50)
    }

    @Test func retriesWithBackoffUntilTheEndpointComesBack() throws {
        let downFor = SimTime.zero..<SimTime(nanoseconds: 30_000_000_000)
        let run = try Self.run(
            seed: 3, events: 1,
            endpoint: .init(secret: Self.secret, downtimes: [downFor]),
            policy: try .init(base: .seconds(1), cap: .seconds(3_600), attemptsMax: 30))
        #expect(run.dispatcher.delivered == 1)
        #expect(run.endpoint.processed == 1)
        #expect(run.endpoint.refusedWhileDown >= 1)
        #expect(run.trace.count == Int(run.endpoint.refusedWhileDown) + 1)
        #expect(run.trace.last?.status == 200)
        #expect(run.trace.dropLast().allSatisfy { $0.status == 503 })
        #expect(run.trace.last!.startedAt >= downFor.upperBound)
        // Each wait is at most its backoff ceiling.
        for (previous, next) in zip(run.trace, run.trace.dropFirst()) {
            let ceiling = WebhookDelivery.Policy.standard.ceiling(afterFailures: previous.attempt)
            #expect(next.startedAt - previous.startedAt <= ceiling + .seconds(1))
        }
    }

    @Test func deadLettersAfterTheAttemptCap() throws {
        let forever = SimTime.zero..<SimTime(nanoseconds: .max)
        let run = try Self.run(
            seed: 4, events: 5, endpoint: .init(secret: Self.secret, downtimes: [forever]),
            policy: try .init(base: .seconds(1), cap: .seconds(60), attemptsMax: 6))
        #expect(run.dispatcher.delivered == 0)
        #expect(run.dispatcher.deadLettered == 5)
        #expect(run.deadLetters.count == 5)
        #expect(run.deadLetters.allSatisfy { $0.attempts == 6 && $0.lastStatus == 503 })
        #expect(run.endpoint.refusedWhileDown == 30)
        #expect(run.dispatcher.retries == 25)
    }

    @Test func endpointDeduplicatesRedeliveredEvents() throws {
        let run = try Self.run(
            seed: 5, events: 40,
            endpoint: .init(secret: Self.secret, lostAcknowledgementProbability: 0.5),
            policy: try .init(base: .seconds(1), cap: .seconds(60), attemptsMax: 40))
        #expect(run.dispatcher.delivered == 40)
        #expect(run.endpoint.processed == 40)
        #expect(run.endpoint.duplicates > 0)
        #expect(run.endpoint.duplicates == run.endpoint.lostAcknowledgements)
    }

    @Test func wrongSecretIsCountedAsBadSignatureAndDeadLettered() throws {
        let run = try Self.run(
            seed: 6, events: 3, endpoint: .init(secret: Self.secret),
            policy: try .init(base: .seconds(1), cap: .seconds(4), attemptsMax: 3),
            dispatcherSecret: "whsec_wrong")
        #expect(run.endpoint.badSignatures == 9)
        #expect(run.endpoint.processed == 0)
        #expect(run.dispatcher.deadLettered == 3)
        #expect(run.deadLetters.allSatisfy { $0.lastStatus == 400 })
    }

    @Test func slowEndpointAttemptsTimeOut() throws {
        let run = try Self.run(
            seed: 7, events: 2,
            endpoint: .init(secret: Self.secret, latencyMedian: .seconds(60), latencySigma: 0),
            policy: try .init(base: .seconds(1), cap: .seconds(4), attemptsMax: 2))
        #expect(run.dispatcher.timeouts == 4)
        #expect(run.dispatcher.deadLettered == 2)
        #expect(run.deadLetters.allSatisfy { $0.lastStatus == nil })
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func sameSeedSameDeliveryTrace(seed: UInt64) throws {
        let configuration = WebhookEndpoint.Configuration(
            secret: Self.secret, failureProbability: 0.3, lostAcknowledgementProbability: 0.2)
        let first = try Self.run(seed: seed, events: 30, endpoint: configuration)
        let second = try Self.run(seed: seed, events: 30, endpoint: configuration)
        #expect(first.trace == second.trace)
        #expect(first.dispatcher == second.dispatcher)
        #expect(first.endpoint == second.endpoint)
        #expect(first.finishedAt == second.finishedAt)
        let other = try Self.run(seed: seed + 100, events: 30, endpoint: configuration)
        #expect(other.trace != first.trace)
    }

    @Test func attemptPercentilesComeFromTheHistogram() {
        // 90 deliveries needed 1 attempt, 9 needed 2, 1 needed 5.
        let histogram: [Int64] = [0, 90, 9, 0, 0, 1]
        #expect(WebhookDispatcher.percentile(0.50, of: histogram) == 1)
        #expect(WebhookDispatcher.percentile(0.90, of: histogram) == 1)
        #expect(WebhookDispatcher.percentile(0.99, of: histogram) == 2)
        #expect(WebhookDispatcher.percentile(1.0, of: histogram) == 5)
        #expect(WebhookDispatcher.percentile(0.99, of: [0, 0, 0]) == 0)
    }

    @Test func endpointRejectsATamperedPayload() throws {
        let runtime = DeterministicRuntime(seed: 10)
        let (statuses, statistics) = try runtime.run {
            let endpoint = WebhookEndpoint(
                runtime: runtime, configuration: .init(secret: Self.secret), random: runtime.randomStream("e")
            )
            let event = Self.events(1)[0]
            let header = WebhookSigner.header(
                payload: event.body, secret: Self.secret,
                timestamp: UnixClock.standard.seconds(at: runtime.now()))
            var tampered = event.body
            tampered[tampered.count - 3] ^= 0x20
            let forged = await endpoint.receive(
                WebhookRequest(eventID: event.id, payload: tampered, signatureHeader: header))
            let genuine = await endpoint.receive(
                WebhookRequest(eventID: event.id, payload: event.body, signatureHeader: header))
            let repeated = await endpoint.receive(
                WebhookRequest(eventID: event.id, payload: event.body, signatureHeader: header))
            return ([forged, genuine, repeated], endpoint.statistics())
        }
        #expect(statuses == [400, 200, 200])
        #expect(statistics.badSignatures == 1)
        #expect(statistics.processed == 1)
        #expect(statistics.duplicates == 1)
    }

    /// The dispatcher hands its header over as bytes: the endpoint must answer exactly as it
    /// answers the same requests with String headers (same draws, verdicts and counters).
    @Test func endpointAnswersHeaderBytesAsItAnswersHeaderStrings() throws {
        let runtime = DeterministicRuntime(seed: 11)
        func endpoint() -> WebhookEndpoint {
            WebhookEndpoint(
                runtime: runtime,
                configuration: .init(
                    secret: Self.secret, failureProbability: 0.3, lostAcknowledgementProbability: 0.2),
                random: runtime.randomStream("e"))
        }
        let (strings, bytes) = (endpoint(), endpoint())
        let key = WebhookSigningKey(secret: Self.secret)
        let timestamp = UnixClock.standard.seconds(at: runtime.now())
        var answers: [[Int]] = [[], []]
        for (index, event) in Self.events(12).enumerated() {
            var payload = event.body
            if index % 4 == 3 { payload[payload.count - 3] ^= 0x20 }  // a forged one now and then
            for _ in 0..<2 {  // and each sent twice: the second is a duplicate
                let header = WebhookSigner.header(payload: event.body, key: key, timestamp: timestamp)
                let string = strings.respond(
                    to: WebhookRequest(eventID: event.id, payload: payload, signatureHeader: header))
                let byte = event.withBody { body in
                    WebhookSigner.withHeader(payload: body, key: key, timestamp: timestamp) { header in
                        payload.withUnsafeBufferPointer {
                            bytes.respond(eventID: event.id, payload: $0, signatureHeader: header)
                        }
                    }
                }
                #expect(string == byte)
                answers[0].append(string.status)
                answers[1].append(byte.status)
            }
        }
        #expect(answers[0] == answers[1])
        #expect(Set(answers[0]) == [200, 400, 500], "every verdict was exercised")
        #expect(strings.statistics() == bytes.statistics())
        #expect(bytes.statistics().badSignatures > 0 && bytes.statistics().duplicates > 0)
    }

    @Test func merchantsRegisteringOneEndpointAndSecretShareOneTarget() throws {
        let runtime = DeterministicRuntime(seed: 12)
        func endpoint(_ secret: String) -> WebhookEndpoint {
            WebhookEndpoint(
                runtime: runtime, configuration: .init(secret: secret), random: runtime.randomStream("e"))
        }
        let (shared, other) = (endpoint(Self.secret), endpoint(Self.secret))
        let dispatcher = WebhookDispatcher(runtime: runtime)
        for merchant in 1...3 {
            try dispatcher.register(shared, secret: Self.secret, for: MerchantID(UInt64(merchant)))
        }
        try dispatcher.register(other, secret: Self.secret, for: MerchantID(4))
        try dispatcher.register(shared, secret: "whsec_rolled", for: MerchantID(5))
        let table = dispatcher.endpointTable()
        #expect(
            table[MerchantID(1)] === table[MerchantID(2)] && table[MerchantID(2)] === table[MerchantID(3)])
        #expect(table[MerchantID(4)] !== table[MerchantID(1)], "another endpoint: a target of its own")
        #expect(table[MerchantID(4)]?.endpoint === other)
        #expect(table[MerchantID(5)] !== table[MerchantID(1)], "another secret: a target of its own")
    }

    @Test func fullQueueIsBackPressureNotASilentDrop() throws {
        let runtime = DeterministicRuntime(seed: 9)
        let (errors, statistics) = try runtime.run {
            let endpoint = WebhookEndpoint(
                runtime: runtime, configuration: .init(secret: Self.secret), random: runtime.randomStream("e")
            )
            let dispatcher = WebhookDispatcher(runtime: runtime, configuration: .init(inFlightMax: 2))
            try dispatcher.register(endpoint, secret: Self.secret, for: MerchantID(1))
            var errors: [WebhookDispatchError] = []
            for event in Self.events(3) {
                do throws(WebhookDispatchError) {
                    try dispatcher.enqueue(event)
                } catch {
                    errors.append(error)
                }
            }
            do throws(WebhookDispatchError) {
                try dispatcher.enqueue(Self.events(1, merchant: MerchantID(99))[0])
            } catch {
                errors.append(error)
            }
            await dispatcher.waitUntilIdle()
            return (errors, dispatcher.statistics())
        }
        #expect(errors == [.queueFull(inFlightMax: 2), .noEndpoint(MerchantID(99))])
        #expect(statistics.rejectedQueueFull == 1)
        #expect(statistics.enqueued == 2)
        #expect(statistics.delivered == 2)
    }
}
