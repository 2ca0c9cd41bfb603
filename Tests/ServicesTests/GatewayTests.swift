import Core
import PaystormRuntime
import Testing

@testable import Services

/// Counts how often an idempotent operation really ran.
actor OperationCounter {
    private(set) var runs = 0
    func increment() -> Int {
        runs += 1
        return runs
    }
}

@Suite struct APIKeyTests {
    @Test func generatedKeysLookLikeStripeKeysAndRepeatPerSeed() {
        var first = RandomStream(seed: 7).derived("api-keys")
        var second = RandomStream(seed: 7).derived("api-keys")
        let key = APIKey.generate(using: &first)
        #expect(key.secret.hasPrefix("sk_test_"))
        #expect(key.secret.count == "sk_test_".count + 64)
        #expect(key.secret.dropFirst(8).allSatisfy { "0123456789abcdef".contains($0) })
        #expect(APIKey.generate(using: &second) == key)
        #expect(APIKey.generate(using: &first) != key)
        #expect(!key.description.contains(key.secret.dropFirst(8).prefix(20)))
    }

    @Test func hashIsSHA256OfTheSecret() {
        // python3: hashlib.sha256(b"sk_test_abc").hexdigest()
        #expect(
            Hex.encode(APIKey(secret: "sk_test_abc").hash.bytes)
                == "4b4090ccee1e713c3d411b96a4226b90bd0f0deb34e02d19475a951316fd04ee")
    }

    @Test func storeAuthenticatesOnlyIssuedUnrevokedKeys() throws {
        var store = try APIKeyStore(keysMax: 3)
        var random = RandomStream(seed: 1)
        let alice = MerchantID(1)
        let bob = MerchantID(2)
        let aliceKey = try store.issue(for: alice, using: &random)
        let bobKey = try store.issue(for: bob, using: &random)
        #expect(try store.authenticate(aliceKey.secret) == alice)
        #expect(try store.authenticate(bobKey.secret) == bob)
        #expect(throws: GatewayError.authenticationFailed) { try store.authenticate("sk_test_nope") }
        #expect(throws: GatewayError.authenticationFailed) { try store.authenticate("pk_live_x") }
        var tampered = Array(aliceKey.secret.utf8)
        tampered[tampered.count - 1] =
            tampered.last == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(throws: GatewayError.authenticationFailed) {
            try store.authenticate(String(decoding: tampered, as: UTF8.self))
        }
        let outcome1 = store.revoke(aliceKey); #expect(outcome1)
        #expect(throws: GatewayError.authenticationFailed) { try store.authenticate(aliceKey.secret) }
        #expect(store.count == 1)
        _ = try store.issue(for: alice, using: &random)
        _ = try store.issue(for: alice, using: &random)
        #expect(throws: GatewayError.self) { _ = try store.issue(for: alice, using: &random) }
    }

    @Test func constantTimeEqualsComparesWholeContents() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([0, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
    }
}

@Suite struct GatewayErrorTests {
    @Test func errorsCarryStripeStatusTypeAndCode() {
        #expect(GatewayError.idempotencyKeyInUse.httpStatus == 409)
        #expect(GatewayError.idempotencyKeyInUse.code == "idempotency_key_in_use")
        #expect(GatewayError.idempotencyParametersMismatch.httpStatus == 400)
        #expect(GatewayError.idempotencyParametersMismatch.type == "idempotency_error")
        #expect(GatewayError.rateLimited(retryAfter: .seconds(1)).httpStatus == 429)
        #expect(GatewayError.authenticationFailed.httpStatus == 401)
        #expect(GatewayError.idempotencyKeyTooLong(length: 256).httpStatus == 400)
        #expect(GatewayError.idempotencyAnswerDropped.httpStatus == 409)
        #expect(GatewayError.idempotencyAnswerDropped.type == "idempotency_error")
        #expect(GatewayError.idempotencyAnswerDropped.code == "idempotency_answer_dropped")
    }

    @Test func idempotencyKeysAreAtMost255Characters() throws {
        let merchant = MerchantID(9)
        _ = try IdempotencyKey(merchant: merchant, value: String(repeating: "k", count: 255))
        #expect(throws: GatewayError.idempotencyKeyTooLong(length: 256)) {
            _ = try IdempotencyKey(merchant: merchant, value: String(repeating: "k", count: 256))
        }
        #expect(throws: GatewayError.idempotencyKeyEmpty) {
            _ = try IdempotencyKey(merchant: merchant, value: "")
        }
    }

    /// The limit is in characters, not bytes: 255 four-byte characters (1,020 UTF-8 bytes) are
    /// a valid key, and the 256th is refused with the character count.
    @Test func theLimitCountsCharactersNotBytes() throws {
        let merchant = MerchantID(9)
        _ = try IdempotencyKey(merchant: merchant, value: String(repeating: "🛒", count: 255))
        _ = try IdempotencyKey(merchant: merchant, value: String(repeating: "é", count: 200) + "-retry")
        #expect(throws: GatewayError.idempotencyKeyTooLong(length: 256)) {
            _ = try IdempotencyKey(merchant: merchant, value: String(repeating: "🛒", count: 256))
        }
    }
}

@Suite struct TokenBucketTests {
    @Test func burstThenExactRetryAfter() throws {
        let configuration = try TokenBucket.Configuration(capacityTokens: 10, refillTokensPerSecond: 3)
        var bucket = TokenBucket(configuration: configuration, now: .zero)
        for _ in 0..<10 { let outcome2 = bucket.take(now: .zero) == .allowed; #expect(outcome2) }
        // One token takes 1/3 s = 333_333_333.3 ns: rounded up so that the retry finds it.
        let outcome3 = bucket.take(now: .zero) == .denied(retryAfter: .nanoseconds(333_333_334));
        #expect(outcome3)
        let outcome4 = bucket.take(now: SimTime(nanoseconds: 333_333_333)) != .allowed; #expect(outcome4)
        let outcome5 = bucket.take(now: SimTime(nanoseconds: 333_333_334)) == .allowed; #expect(outcome5)
        // Three tokens per second: after a further second exactly three are available.
        let later = SimTime(nanoseconds: 1_333_333_334)
        for _ in 0..<3 { let outcome6 = bucket.take(now: later) == .allowed; #expect(outcome6) }
        let outcome7 = bucket.take(now: later) != .allowed; #expect(outcome7)
    }

    @Test(arguments: [Int64(1), 7, 1_234_567])
    func manySmallRefillsEqualOneLargeRefill(stepNanoseconds: Int64) throws {
        let configuration = try TokenBucket.Configuration(capacityTokens: 1_000, refillTokensPerSecond: 7)
        var stepped = TokenBucket(configuration: configuration, now: .zero)
        var once = stepped
        for _ in 0..<1_000 {
            _ = stepped.take(now: .zero)
            _ = once.take(now: .zero)
        }
        #expect(stepped.millitokens == 0)
        for step in 1...1_000 {
            stepped.refill(now: SimTime(nanoseconds: Int64(step) * stepNanoseconds))
        }
        once.refill(now: SimTime(nanoseconds: 1_000 * stepNanoseconds))
        #expect(stepped.millitokens == once.millitokens)
        #expect(stepped.carryUnits == once.carryUnits)
        // 7 tokens/s = 7 millitokens per ms.
        #expect(once.millitokens == 7 * 1_000 * stepNanoseconds / 1_000_000)
    }

    @Test func refillStopsAtCapacityAndLongIdleDoesNotOverflow() throws {
        let configuration = try TokenBucket.Configuration(
            capacityTokens: 5, refillTokensPerSecond: 1_000_000_000)
        var bucket = TokenBucket(configuration: configuration, now: .zero)
        _ = bucket.take(now: .zero)
        bucket.refill(now: SimTime(nanoseconds: .max / 2))
        #expect(bucket.millitokens == 5_000)
        #expect(bucket.isFull(at: SimTime(nanoseconds: .max / 2)))
    }

    @Test func badConfigurationIsATypedError() {
        #expect(throws: GatewayError.self) {
            _ = try TokenBucket.Configuration(capacityTokens: 0, refillTokensPerSecond: 1)
        }
        #expect(throws: GatewayError.self) {
            _ = try TokenBucket.Configuration(capacityTokens: 1, refillTokensPerSecond: -1)
        }
    }
}

@Suite struct RateLimiterTests {
    @Test func merchantsHaveSeparateBuckets() throws {
        var limiter = try RateLimiter(
            bucket: .init(capacityTokens: 2, refillTokensPerSecond: 1), merchantsMax: 10)
        let a = MerchantID(1)
        let b = MerchantID(2)
        let outcome8 = limiter.check(a, now: .zero) == .allowed; #expect(outcome8)
        let outcome9 = limiter.check(a, now: .zero) == .allowed; #expect(outcome9)
        let outcome10 = limiter.check(a, now: .zero) == .rateLimited(retryAfter: .seconds(1));
        #expect(outcome10)
        let outcome11 = limiter.check(b, now: .zero) == .allowed; #expect(outcome11)
        #expect(limiter.allowedCount == 3)
        #expect(limiter.limitedCount == 1)
    }

    @Test func tableIsBoundedIdleBucketsGoFirst() throws {
        var limiter = try RateLimiter(
            bucket: .init(capacityTokens: 2, refillTokensPerSecond: 1), merchantsMax: 2)
        _ = limiter.check(MerchantID(1), now: .zero)
        _ = limiter.check(MerchantID(2), now: SimTime(nanoseconds: 1_500_000_000))
        // At 2 s merchant 1's bucket is full again (idle), merchant 2's is not.
        _ = limiter.check(MerchantID(3), now: SimTime(nanoseconds: 2_000_000_000))
        #expect(limiter.trackedMerchants == 2)
        #expect(limiter.idleEvictions == 1)
        #expect(limiter.activeEvictions == 0)
        // Now both held buckets are refilling: the least recently used one goes, counted.
        _ = limiter.check(MerchantID(4), now: SimTime(nanoseconds: 2_000_000_000))
        #expect(limiter.trackedMerchants == 2)
        #expect(limiter.activeEvictions == 1)
    }
}

@Suite struct IdempotencyStateMachineTests {
    let merchant = MerchantID(42)
    let create = RequestFingerprint(
        method: "POST", path: "/v1/payment_intents", parameters: ["amount": "2000", "currency": "usd"])

    func key(_ value: String, merchant: MerchantID? = nil) throws -> IdempotencyKey {
        try IdempotencyKey(merchant: merchant ?? self.merchant, value: value)
    }

    func proceedToken(_ decision: IdempotencyStateMachine.Decision) -> IdempotencyStateMachine.Token? {
        if case .proceed(let token) = decision { return token }
        return nil
    }

    func begun(
        _ machine: inout IdempotencyStateMachine, _ key: IdempotencyKey, fingerprint: RequestFingerprint,
        now: SimTime
    ) throws -> IdempotencyStateMachine.Token {
        let decision = machine.begin(key, fingerprint: fingerprint, now: now)
        return try #require(proceedToken(decision))
    }

    @Test func fingerprintIgnoresParameterOrderButNotContent() {
        let reordered = RequestFingerprint(
            method: "post", path: "/v1/payment_intents", parameters: ["currency": "usd", "amount": "2000"])
        #expect(reordered == create)
        let other = RequestFingerprint(
            method: "POST", path: "/v1/payment_intents", parameters: ["amount": "2001", "currency": "usd"])
        #expect(other != create)
        let ambiguous1 = RequestFingerprint(method: "POST", path: "/p", parameters: ["a": "b=c"])
        let ambiguous2 = RequestFingerprint(method: "POST", path: "/p", parameters: ["a=b": "c"])
        #expect(ambiguous1 != ambiguous2)
    }

    /// The API's calls pass their parameters sorted (no dictionary per request): the same
    /// fingerprint as the dictionary gives, so a retry through either path matches.
    @Test func sortedParametersGiveTheDictionarysFingerprint() {
        let parameters = [
            "amount": "2000", "capture_method": "manual", "currency": "USD",
            "payment_method": "card_visa_4242",
        ]
        // Written out in order, as the API's calls write them.
        let sorted = RequestFingerprint(
            method: "POST", path: "/v1/payment_intents",
            sortedParameters: [
                (key: "amount", value: "2000"), (key: "capture_method", value: "manual"),
                (key: "currency", value: "USD"), (key: "payment_method", value: "card_visa_4242"),
            ])
        #expect(
            sorted == RequestFingerprint(method: "POST", path: "/v1/payment_intents", parameters: parameters))
        #expect(sorted.bytes.count == 32)
        let changed = RequestFingerprint(
            method: "POST", path: "/v1/payment_intents",
            sortedParameters: [(key: "amount", value: "2001"), (key: "currency", value: "USD")])
        #expect(changed != sorted)
    }

    @Test func replayReturnsTheStoredResponseIncludingErrors() throws {
        var machine = IdempotencyStateMachine()
        let declined = StoredResponse(status: 402, text: #"{"error":{"code":"card_declined"}}"#)
        let token = try begun(&machine, try key("k1"), fingerprint: create, now: .zero)
        let outcome12 = machine.complete(token, response: declined, now: .zero); #expect(outcome12)
        for second in 1...3 {
            let decision = machine.begin(
                try key("k1"), fingerprint: create, now: SimTime(nanoseconds: Int64(second) * 1_000_000_000))
            #expect(decision == .replay(declined))
        }
        #expect(machine.statistics.replayed == 3)
        #expect(machine.statistics.proceeded == 1)
    }

    @Test func sameKeyOtherParametersIsAMismatch() throws {
        var machine = IdempotencyStateMachine()
        let token = try begun(&machine, try key("k1"), fingerprint: create, now: .zero)
        let other = RequestFingerprint(
            method: "POST", path: "/v1/payment_intents", parameters: ["amount": "1"])
        let outcome13 = machine.begin(try key("k1"), fingerprint: other, now: .zero) == .mismatch;
        #expect(outcome13)
        machine.complete(token, response: StoredResponse(status: 200, text: "ok"), now: .zero)
        let outcome14 = machine.begin(try key("k1"), fingerprint: other, now: .zero) == .mismatch;
        #expect(outcome14)
        #expect(machine.statistics.mismatched == 2)
    }

    @Test func keysAreScopedToTheMerchant() throws {
        var machine = IdempotencyStateMachine()
        let first = machine.begin(try key("order-1"), fingerprint: create, now: .zero)
        let second = machine.begin(
            try key("order-1", merchant: MerchantID(43)), fingerprint: create, now: .zero)
        #expect(proceedToken(first) != nil)
        #expect(proceedToken(second) != nil)
    }

    @Test func inFlightDuplicateIsInUseAndAbandonedKeysMayBeRetried() throws {
        var machine = IdempotencyStateMachine()
        let token = try begun(&machine, try key("k"), fingerprint: create, now: .zero)
        let outcome15 = machine.begin(try key("k"), fingerprint: create, now: .zero) == .inUse;
        #expect(outcome15)
        let outcome16 = machine.abandon(token); #expect(outcome16)
        #expect(machine.statistics.entries == 0)
        let retry = try begun(&machine, try key("k"), fingerprint: create, now: .zero)
        // The first token is stale now: it can neither complete nor abandon the new entry.
        let outcome17 = !machine.complete(
            token, response: StoredResponse(status: 200, text: "stale"), now: .zero);
        #expect(outcome17)
        let outcome18 = !machine.abandon(token); #expect(outcome18)
        let outcome19 = machine.complete(
            retry, response: StoredResponse(status: 200, text: "fresh"), now: .zero);
        #expect(outcome19)
        let replayed = machine.begin(try key("k"), fingerprint: create, now: .zero)
        #expect(replayed == .replay(StoredResponse(status: 200, text: "fresh")))
    }

    @Test func entriesExpireAfterTheRetentionWindowNotBefore() throws {
        var machine = IdempotencyStateMachine(configuration: try .init(retention: .seconds(86_400)))
        let completedAt = SimTime(nanoseconds: 5_000_000_000)
        let token = try begun(&machine, try key("k"), fingerprint: create, now: .zero)
        machine.complete(token, response: StoredResponse(status: 200, text: "first"), now: completedAt)
        let justBefore = completedAt + .seconds(86_400) + .nanoseconds(-1)
        let beforeExpiry = machine.begin(try key("k"), fingerprint: create, now: justBefore)
        #expect(beforeExpiry == .replay(StoredResponse(status: 200, text: "first")))
        let after = completedAt + .seconds(86_400)
        let afterExpiry = machine.begin(try key("k"), fingerprint: create, now: after)
        #expect(proceedToken(afterExpiry) != nil)
        #expect(machine.statistics.expired == 1)
    }

    @Test func fullStoreRefusesRatherThanEvictingKeptOrInFlightEntries() throws {
        var machine = IdempotencyStateMachine(
            configuration: try .init(retention: .seconds(60), entriesMax: 2))
        let inFlight = try begun(&machine, try key("a"), fingerprint: create, now: .zero)
        let done = try begun(&machine, try key("b"), fingerprint: create, now: .zero)
        machine.complete(done, response: StoredResponse(status: 200, text: "b"), now: .zero)
        let full = machine.begin(try key("c"), fingerprint: create, now: .seconds(59))
        #expect(full == .storeFull)
        #expect(machine.statistics.storeFull == 1)
        // Existing keys still answer while full.
        let existing = machine.begin(try key("a"), fingerprint: create, now: .seconds(59))
        #expect(existing == .inUse)
        // Once "b" has expired there is room; the in-flight "a" is never evicted, even after an hour.
        let roomAgain = machine.begin(try key("c"), fingerprint: create, now: .seconds(3_600))
        #expect(proceedToken(roomAgain) != nil)
        let stillInFlight = machine.begin(try key("a"), fingerprint: create, now: .seconds(3_600))
        #expect(stillInFlight == .inUse)
        let completed = machine.complete(
            inFlight, response: StoredResponse(status: 201, text: "a"), now: .seconds(3_600))
        #expect(completed)
    }

    @Test func answersBeyondTheBoundAreDroppedOldestFirstAndTheirKeysNeverRunAgain() throws {
        var machine = IdempotencyStateMachine(
            configuration: try .init(retention: .seconds(60), entriesMax: 100, answersMax: 2))
        for (index, name) in ["a", "b", "c"].enumerated() {
            let token = try begun(&machine, try key(name), fingerprint: create, now: .seconds(Int64(index)))
            machine.complete(
                token, response: StoredResponse(status: 200, text: name), now: .seconds(Int64(index)))
        }
        // "a", the oldest answer, was dropped; its key is still known, so a retry cannot run it.
        #expect(machine.begin(try key("a"), fingerprint: create, now: .seconds(10)) == .answerDropped)
        #expect(
            machine.begin(try key("b"), fingerprint: create, now: .seconds(10))
                == .replay(StoredResponse(status: 200, text: "b")))
        let statistics = machine.statistics
        #expect(statistics.answersDropped == 1)
        #expect(statistics.answerDroppedRetries == 1)
        #expect(statistics.entries == 2)
        #expect(statistics.droppedKeys == 1)
        // The dropped key lives out its retention window, not a second longer.
        let justBefore = SimTime.zero + .seconds(60) + .nanoseconds(-1)
        #expect(machine.begin(try key("a"), fingerprint: create, now: justBefore) == .answerDropped)
        #expect(proceedToken(machine.begin(try key("a"), fingerprint: create, now: .seconds(60))) != nil)
        #expect(machine.statistics.droppedKeys == 0)
    }

    @Test func droppedKeysCountAgainstTheStoreAndAreRestoredNoMore() throws {
        var machine = IdempotencyStateMachine(
            configuration: try .init(retention: .seconds(60), entriesMax: 2, answersMax: 1))
        for name in ["a", "b"] {
            let token = try begun(&machine, try key(name), fingerprint: create, now: .zero)
            machine.complete(token, response: StoredResponse(status: 200, text: name), now: .zero)
        }
        // One answer kept, one key dropped: two keys held, the store is full.
        #expect(machine.begin(try key("c"), fingerprint: create, now: .seconds(1)) == .storeFull)
        // Restoring the dropped key's answer after a restart would replay what was dropped
        // for some clients and not others: a dropped key stays dropped.
        machine.restore(
            try key("a"), response: StoredResponse(status: 200, text: "a"), completedAt: .zero,
            now: .seconds(1))
        #expect(machine.begin(try key("a"), fingerprint: create, now: .seconds(1)) == .answerDropped)
    }

    @Test func restoredAnswersAreBoundedLikeCompletedOnes() throws {
        var machine = IdempotencyStateMachine(
            configuration: try .init(retention: .seconds(60), entriesMax: 10, answersMax: 2))
        for (index, name) in ["a", "b", "c"].enumerated() {
            machine.restore(
                try key(name), response: StoredResponse(status: 200, text: name),
                completedAt: .seconds(Int64(index)), now: .seconds(5))
        }
        #expect(machine.begin(try key("a"), fingerprint: create, now: .seconds(5)) == .answerDropped)
        #expect(
            machine.begin(try key("c"), fingerprint: create, now: .seconds(5))
                == .replay(StoredResponse(status: 200, text: "c")))
    }
}

extension SimTime {
    fileprivate static func seconds(_ value: Int64) -> SimTime { SimTime(nanoseconds: value * 1_000_000_000) }
}

@Suite struct IdempotencyGateTests {
    static let fingerprint = RequestFingerprint(
        method: "POST", path: "/v1/payment_intents", parameters: ["amount": "500", "currency": "eur"])

    /// `submissions` requests with one key arrive `spacingMilliseconds` apart while the operation takes
    /// 100 ms.
    static func concurrentSubmissions(
        seed: UInt64, submissions: Int = 8, spacingMilliseconds: Int = 30
    ) throws
        -> (runs: Int, results: [Result<IdempotencyGateResult, GatewayError>])
    {
        let runtime = DeterministicRuntime(seed: seed)
        let gate = IdempotencyGate(store: IdempotencyStore(runtime: runtime))
        let counter = OperationCounter()
        let key = try IdempotencyKey(merchant: MerchantID(1), value: "charge-once")
        let results = try runtime.run {
            await withTaskGroup(of: Result<IdempotencyGateResult, GatewayError>.self) { group in
                for index in 0..<submissions {
                    group.addTask {
                        try? await runtime.sleep(for: .milliseconds(spacingMilliseconds * index))
                        do throws(GatewayError) {
                            return .success(
                                try await gate.perform(key: key, fingerprint: fingerprint) {
                                    let run = await counter.increment()
                                    try? await runtime.sleep(for: .milliseconds(100))
                                    return .completed(
                                        StoredResponse(status: 200, text: "pi_\(run) for \(index)"))
                                })
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<IdempotencyGateResult, GatewayError>] = []
                for await result in group { all.append(result) }
                return all
            }
        }
        #expect(runtime.escapedJobCount == 0)
        let runs = try runtime.run { await counter.runs }
        return (runs, results)
    }

    @Test(arguments: UInt64(1)...200)
    func concurrentDuplicatesRunTheOperationOnce(seed: UInt64) throws {
        let (runs, results) = try Self.concurrentSubmissions(seed: seed)
        #expect(runs == 1, "seed \(seed)")
        var executed = 0
        var replayed = 0
        var inUse = 0
        for result in results {
            switch result {
            case .success(.executed(let response)):
                executed += 1
                #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("pi_1 for "))
            case .success(.replayed(let response)):
                replayed += 1
                #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("pi_1 for "))
            case .failure(.idempotencyKeyInUse): inUse += 1
            default: Issue.record("unexpected \(result) for seed \(seed)")
            }
        }
        #expect(executed == 1)
        // Arrivals at 30, 60, 90 ms overlap the 100 ms operation; 120 ms and later replay.
        #expect(inUse == 3, "seed \(seed)")
        #expect(replayed == 4, "seed \(seed)")
    }

    /// All submissions at the same instant: the scheduler's seeded choice decides who goes first,
    /// and a check-then-suspend-then-reserve bug would let two of them run.
    @Test(arguments: UInt64(1)...200)
    func simultaneousDuplicatesRunTheOperationOnce(seed: UInt64) throws {
        let (runs, results) = try Self.concurrentSubmissions(
            seed: seed, submissions: 6, spacingMilliseconds: 0)
        #expect(runs == 1, "seed \(seed)")
        let executed = results.filter { if case .success(.executed) = $0 { true } else { false } }
        let inUse = results.filter { $0 == .failure(.idempotencyKeyInUse) }
        #expect(executed.count == 1, "seed \(seed)")
        #expect(inUse.count == 5, "seed \(seed)")
    }

    /// The seed, not the code, decides which simultaneous submission wins: the test above
    /// explores different interleavings.
    @Test func theWinnerOfSimultaneousSubmissionsDependsOnTheSeed() throws {
        var winners: Set<String> = []
        for seed in UInt64(1)...32 {
            let (_, results) = try Self.concurrentSubmissions(
                seed: seed, submissions: 6, spacingMilliseconds: 0)
            for case .success(.executed(let response)) in results {
                winners.insert(String(decoding: response.body, as: UTF8.self))
            }
            // Replays and the executed response are byte for byte the same.
            let responses = Set(results.compactMap { try? $0.get().response })
            #expect(responses.count == 1)
        }
        #expect(winners.count > 1, "every seed picked the same submission: no exploration")
    }

    @Test func validationFailureIsNotStoredAndMayBeRetried() throws {
        let runtime = DeterministicRuntime(seed: 5)
        let counter = OperationCounter()
        let (first, second, third) = try runtime.run {
            let gate = IdempotencyGate(store: IdempotencyStore(runtime: runtime))
            let key = try IdempotencyKey(merchant: MerchantID(3), value: "k")
            let first = try await gate.perform(key: key, fingerprint: Self.fingerprint) {
                _ = await counter.increment()
                return .rejectedBeforeWork(StoredResponse(status: 400, text: "missing currency"))
            }
            let second = try await gate.perform(key: key, fingerprint: Self.fingerprint) {
                _ = await counter.increment()
                return .completed(StoredResponse(status: 500, text: "api_error"))
            }
            let third = try await gate.perform(key: key, fingerprint: Self.fingerprint) {
                _ = await counter.increment()
                return .completed(StoredResponse(status: 200, text: "never"))
            }
            return (first, second, third)
        }
        #expect(first == .rejected(StoredResponse(status: 400, text: "missing currency")))
        #expect(second == .executed(StoredResponse(status: 500, text: "api_error")))
        // A stored 500 is replayed as Stripe does, and the operation does not run again.
        #expect(third == .replayed(StoredResponse(status: 500, text: "api_error")))
        #expect(try runtime.run { await counter.runs } == 2)
    }

    @Test func mismatchThroughTheGateDoesNotRunTheOperation() throws {
        let runtime = DeterministicRuntime(seed: 6)
        let counter = OperationCounter()
        let outcome: GatewayError? = try runtime.run {
            let gate = IdempotencyGate(store: IdempotencyStore(runtime: runtime))
            let key = try IdempotencyKey(merchant: MerchantID(3), value: "k")
            _ = try await gate.perform(key: key, fingerprint: Self.fingerprint) {
                _ = await counter.increment()
                return .completed(StoredResponse(status: 200, text: "ok"))
            }
            let other = RequestFingerprint(method: "POST", path: "/v1/refunds", parameters: [:])
            do throws(GatewayError) {
                _ = try await gate.perform(key: key, fingerprint: other) {
                    _ = await counter.increment()
                    return .completed(StoredResponse(status: 200, text: "second"))
                }
                return nil
            } catch {
                return error
            }
        }
        #expect(outcome == .idempotencyParametersMismatch)
        #expect(try runtime.run { await counter.runs } == 1)
    }

    @Test func afterTheRetentionWindowInVirtualTimeTheKeyIsNew() throws {
        let runtime = DeterministicRuntime(seed: 8)
        let counter = OperationCounter()
        let results = try runtime.run {
            let gate = IdempotencyGate(store: IdempotencyStore(runtime: runtime))
            let key = try IdempotencyKey(merchant: MerchantID(3), value: "k")
            var results: [IdempotencyGateResult] = []
            for wait in [Duration.zero, .seconds(23 * 3_600), .seconds(3_600)] {
                try await runtime.sleep(for: wait)
                results.append(
                    try await gate.perform(key: key, fingerprint: Self.fingerprint) {
                        let run = await counter.increment()
                        return .completed(StoredResponse(status: 200, text: "pi_\(run)"))
                    })
            }
            return results
        }
        #expect(results[0] == .executed(StoredResponse(status: 200, text: "pi_1")))
        #expect(results[1] == .replayed(StoredResponse(status: 200, text: "pi_1")))
        #expect(results[2] == .executed(StoredResponse(status: 200, text: "pi_2")))
        #expect(runtime.now() >= SimTime.zero + .seconds(86_400))
    }

    @Test func aRetryWhoseAnswerWasDroppedGetsAClearErrorAndChargesNothing() throws {
        let runtime = DeterministicRuntime(seed: 9)
        let counter = OperationCounter()
        let (outcome, runs) = try runtime.run { () async throws -> (GatewayError?, Int) in
            let configuration = try IdempotencyStateMachine.Configuration(
                retention: .seconds(120), entriesMax: 1_000, answersMax: 1)
            let gate = IdempotencyGate(
                store: IdempotencyStore(runtime: runtime, configuration: configuration))
            let first = try IdempotencyKey(merchant: MerchantID(3), value: "charge-1")
            let second = try IdempotencyKey(merchant: MerchantID(3), value: "charge-2")
            for key in [first, second] {
                _ = try await gate.perform(key: key, fingerprint: Self.fingerprint) {
                    let run = await counter.increment()
                    return .completed(StoredResponse(status: 200, text: "pi_\(run)"))
                }
            }
            // The first key's answer made room for the second's; the client retries the first.
            try await runtime.sleep(for: .seconds(5))
            do throws(GatewayError) {
                _ = try await gate.perform(key: first, fingerprint: Self.fingerprint) {
                    let run = await counter.increment()
                    return .completed(StoredResponse(status: 200, text: "pi_\(run)"))
                }
                return (nil, await counter.runs)
            } catch {
                return (error, await counter.runs)
            }
        }
        #expect(outcome == .idempotencyAnswerDropped)
        #expect(outcome?.httpStatus == 409)
        #expect(outcome?.code == "idempotency_answer_dropped")
        #expect(runs == 2)
    }
}

@Suite struct APIGatewayTests {
    @Test func admitsKnownKeysWithinTheRateLimit() throws {
        let runtime = DeterministicRuntime(seed: 12)
        let outcomes = try runtime.run {
            let gateway = APIGateway(
                runtime: runtime, keys: try APIKeyStore(),
                rateLimiter: try RateLimiter(bucket: .init(capacityTokens: 2, refillTokensPerSecond: 1)))
            let key = try gateway.issueKey(for: MerchantID(5))
            var outcomes: [Result<MerchantID, GatewayError>] = []
            for presented in [key.secret, key.secret, key.secret, "sk_test_forged", key.secret] {
                if outcomes.count == 4 { try await runtime.sleep(for: .seconds(1)) }
                do throws(GatewayError) {
                    outcomes.append(.success(try gateway.admit(apiKey: presented)))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            return outcomes
        }
        #expect(
            outcomes == [
                .success(MerchantID(5)), .success(MerchantID(5)),
                .failure(.rateLimited(retryAfter: .seconds(1))), .failure(.authenticationFailed),
                .success(MerchantID(5)),
            ])
    }

    @Test func aValidKeyOfAnotherMerchantIsRefusedWithoutSpendingItsRateLimit() throws {
        let runtime = DeterministicRuntime(seed: 13)
        let (outcomes, failures) = try runtime.run {
            let gateway = APIGateway(
                runtime: runtime, keys: try APIKeyStore(),
                rateLimiter: try RateLimiter(bucket: .init(capacityTokens: 1, refillTokensPerSecond: 1)))
            let key = try gateway.issueKey(for: MerchantID(5))
            var outcomes: [Result<MerchantID, GatewayError>] = []
            for claimed in [MerchantID(6), MerchantID(5)] {
                do throws(GatewayError) {
                    outcomes.append(.success(try gateway.admit(apiKey: key.secret, for: claimed)))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            return (outcomes, gateway.authenticationFailures)
        }
        // The refused claim took no token: the one token left serves the rightful merchant.
        #expect(outcomes == [.failure(.authenticationFailed), .success(MerchantID(5))])
        #expect(failures == 1)
    }

    @Test func gatewaysOnDifferentStreamsIssueDifferentKeys() throws {
        let runtime = DeterministicRuntime(seed: 14)
        let secrets = try runtime.run {
            var secrets: [String] = []
            for stream in UInt64(0)..<4 {
                let gateway = APIGateway(
                    runtime: runtime, keys: try APIKeyStore(),
                    rateLimiter: try RateLimiter(bucket: .init(capacityTokens: 1, refillTokensPerSecond: 1)),
                    stream: stream)
                secrets.append(try gateway.issueKey(for: MerchantID(1)).secret)
            }
            return secrets
        }
        #expect(Set(secrets).count == 4, "a merchant's key must not open another shard's merchant")
    }
}
