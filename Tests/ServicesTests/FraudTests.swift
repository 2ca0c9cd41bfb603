import Core
import PaystormRuntime
import Testing

@testable import Services

extension FraudInput {
    static func card(
        _ fingerprint: UInt64, _ minorUnits: Int64, _ currency: Currency = .usd, country: String = "US",
        device: UInt64 = 1, fraud: Bool = false
    ) throws -> FraudInput {
        try FraudInput(
            fingerprint: fingerprint, amount: Money(minorUnits: minorUnits, currency: currency),
            country: country,
            deviceID: device, isFraudulentTruth: fraud)
    }
}

func minutes(_ value: Int64) -> SimTime { SimTime(nanoseconds: value * 60_000_000_000) }

@Suite struct FraudRulesTests {
    @Test func velocityRuleTriggersAtTheLimitWithinAnHour() throws {
        var rules = try FraudRules()
        let probe = try FraudInput.card(42, 50)
        for attempt in 1...9 {
            let signals = rules.evaluate(probe, now: minutes(Int64(attempt)))
            #expect(!signals.hardBlock, "attempt \(attempt) blocked early")
            #expect(signals.features.velocityLastHour == attempt - 1)
        }
        let tenth = rules.evaluate(probe, now: minutes(10))
        #expect(tenth.hardBlock)
        #expect(tenth.reasons.first == .velocityLimitExceeded(attemptsLastHour: 10, limit: 10))
        // Two hours later the window is empty again.
        let later = rules.evaluate(probe, now: minutes(130))
        #expect(!later.hardBlock)
        #expect(later.features.velocityLastHour == 0)
        // Another card is unaffected.
        #expect(rules.evaluate(try .card(43, 50), now: minutes(11)).features.velocityLastHour == 0)
    }

    @Test func knownCardHabitsShowAsFeatures() throws {
        var rules = try FraudRules()
        let usual = try FraudInput.card(7, 5_000, country: "FR", device: 9)
        #expect(rules.evaluate(usual, now: .zero).features.newCard)
        for _ in 0..<5 { rules.learn(usual) }
        let same = rules.evaluate(usual, now: minutes(600))
        #expect(!same.features.newCard && !same.features.countryMismatch && !same.features.unseenDevice)
        #expect(abs(same.features.amountLogRatio) < 1e-9)
        let odd = rules.evaluate(try .card(7, 100_000, country: "BR", device: 10), now: minutes(1200))
        #expect(odd.features.countryMismatch && odd.features.unseenDevice)
        #expect(odd.features.amountLogRatio > 2.9)
        #expect(odd.reasons.contains(.countryMismatch(usual: "FR", actual: "BR")))
        #expect(odd.reasons.contains(.unseenDevice))
        #expect(odd.reasons.contains(.amountSpike(ratioPercent: 2000)))
    }

    @Test func badInputAndConfigurationAreTypedErrors() {
        #expect(throws: FraudError.invalidCountry("USA")) { try FraudInput.card(1, 100, country: "USA") }
        #expect(throws: FraudError.invalidCountry("1A")) { try FraudInput.card(1, 100, country: "1A") }
        #expect(throws: FraudError.nonPositiveAmount(0)) { try FraudInput.card(1, 0) }
        #expect((try? FraudInput.card(1, 100, country: "de"))?.country == "DE")
        #expect(throws: FraudError.self) { try FraudRules(configuration: .init(velocityLimit: 0)) }
        #expect(throws: FraudError.self) { try FraudRules(configuration: .init(cardsMax: 1)) }
        #expect(throws: FraudError.self) {
            try FraudThresholds(reviewFrom: 50, challengeFrom: 40, blockAbove: 90)
        }
    }

    @Test func profileTableIsBounded() throws {
        var rules = try FraudRules(configuration: .init(cardsMax: 100))
        for card in UInt64(0)..<1_000 {
            _ = rules.evaluate(try .card(card, 100), now: .zero)
            // Card 0 is touched on every step, so it is never the least recently used.
            _ = rules.evaluate(try .card(0, 100), now: .zero)
            #expect(rules.cardsTracked <= 100)
        }
        #expect(rules.cardsEvicted > 800)
        // Card 0 is still known: it has a long attempt history (capped at attemptsTrackedMax).
        #expect(
            rules.evaluate(try .card(0, 100), now: .zero).features.velocityLastHour
                == FraudRules.attemptsTrackedMax)
    }
}

@Suite struct FraudModelTests {
    static let bases: [FraudFeatures] = [
        FraudFeatures(),
        FraudFeatures(newCard: true, smallAmount: true),
        FraudFeatures(amountLogRatio: 1, countryMismatch: true, unseenDevice: true),
    ]

    @Test(arguments: bases)
    func scoreIsMonotoneInVelocity(base: FraudFeatures) {
        var previous = -1.0
        var scores: [FraudScore] = []
        for velocity in 0...25 {
            var features = base
            features.velocityLastHour = velocity
            let probability = FraudModel.shipped.probability(features)
            #expect(probability >= previous)
            previous = probability
            scores.append(FraudModel.shipped.score(features))
        }
        #expect(scores == scores.sorted())
        #expect(scores.last! > scores.first!)
    }

    @Test(arguments: bases)
    func scoreIsMonotoneInAmountRatio(base: FraudFeatures) {
        var previous = -1.0
        for step in -40...60 {
            var features = base
            features.amountLogRatio = Double(step) / 10
            let probability = FraudModel.shipped.probability(features)
            #expect(probability >= previous)
            previous = probability
        }
        var low = base
        low.amountLogRatio = -3
        var high = base
        high.amountLogRatio = 5
        #expect(FraudModel.shipped.score(high) > FraudModel.shipped.score(low))
    }

    @Test func shippedWeightsGiveTheDocumentedReferencePoints() {
        let model = FraudModel.shipped
        #expect(model.score(FraudFeatures()).value == 4)
        #expect(model.score(FraudFeatures(newCard: true)).value == 9)
        #expect(model.score(FraudFeatures(countryMismatch: true, unseenDevice: true)).value == 57)
        let fiveTimes = FraudFeatures(
            amountLogRatio: 1.6094379124341003, countryMismatch: true, unseenDevice: true)
        #expect(model.score(fiveTimes).value == 83)
        let testing = FraudFeatures(velocityLastHour: 7, newCard: true, smallAmount: true)
        #expect(model.score(testing).value == 91)
    }

    @Test(arguments: [
        (0, FraudDecision.approve), (29, .approve), (30, .review), (69, .review), (70, .requireThreeDSecure),
        (90, .requireThreeDSecure), (91, .block), (100, .block),
    ])
    func thresholdsMapToDecisions(score: Int, decision: FraudDecision) throws {
        #expect(FraudThresholds.standard.decision(for: try FraudScore(score)) == decision)
    }

    @Test func scoresOutOfRangeAreRefusedOrClamped() {
        #expect(throws: FraudError.self) { try FraudScore(101) }
        #expect(FraudScore(clamping: -5).value == 0)
        #expect(FraudScore(clamping: 500).value == 100)
    }
}

@Suite struct FraudStatisticsTests {
    @Test func precisionAndRecallCountAgainstTheTruth() {
        var statistics = FraudStatistics()
        #expect(statistics.precision == nil && statistics.recall == nil)
        // 6 fraud: 4 caught (3 blocked, 1 challenged), 2 missed (approve, review).
        for decision in [FraudDecision.block, .block, .block, .requireThreeDSecure, .approve, .review] {
            statistics.record(decision, isFraudulent: true)
        }
        // 10 legitimate: 1 challenged (false positive), 9 let through.
        statistics.record(.requireThreeDSecure, isFraudulent: false)
        for _ in 0..<7 { statistics.record(.approve, isFraudulent: false) }
        for _ in 0..<2 { statistics.record(.review, isFraudulent: false) }
        #expect(statistics.truePositives == 4)
        #expect(statistics.falsePositives == 1)
        #expect(statistics.trueNegatives == 9)
        #expect(statistics.falseNegatives == 2)
        #expect(statistics.precision == 0.8)
        #expect(statistics.recall == 4.0 / 6.0)
        #expect(statistics.count(.block) == 3 && statistics.count(.approve) == 8)
        let doubled = statistics.merged(with: statistics)
        #expect(doubled.total == 32 && doubled.precision == 0.8)
    }
}

@Suite struct ThreeDSecureTests {
    @Test func fraudstersMostlyAbandonAndCustomersMostlyPass() throws {
        var challenge = try ThreeDSecureChallenge(random: RandomStream(seed: 4).derived("3ds"))
        var fraud = [0, 0, 0]
        var legitimate = [0, 0, 0]
        for _ in 0..<4_000 {
            fraud[challenge.attempt(isFraudulent: true).rawValue] += 1
            legitimate[challenge.attempt(isFraudulent: false).rawValue] += 1
        }
        // Defaults: fraud passes 3%, abandons 85%; customers pass 85%. Bounds are 5 sigma wide.
        #expect(fraud[ThreeDSecureOutcome.passed.rawValue] < 4_000 * 5 / 100)
        #expect(fraud[ThreeDSecureOutcome.abandoned.rawValue] > 4_000 * 82 / 100)
        #expect(legitimate[ThreeDSecureOutcome.passed.rawValue] > 4_000 * 82 / 100)
        #expect(throws: FraudError.self) {
            try ThreeDSecureChallenge(
                configuration: .init(legitimatePassProbability: 0.9, legitimateAbandonProbability: 0.2),
                random: RandomStream(seed: 1))
        }
    }
}

@Suite struct FraudEngineTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func cardTestingBurstIsBlocked(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        let engine = try FraudEngine(runtime: runtime, shardCount: 4)
        let decisions = try runtime.run {
            var decisions: [FraudAssessment] = []
            for _ in 0..<15 {
                decisions.append(
                    await engine.assess(try .card(0xBAD, 50, country: "US", device: 66, fraud: true)))
                try await runtime.sleep(for: .seconds(20))
            }
            return decisions
        }.map(\.decision)
        #expect(decisions.first != .block)
        #expect(decisions.suffix(6).allSatisfy { $0 == .block }, "decisions: \(decisions)")
    }

    @Test func aScoreInTheChallengeBandGoesThrough3DSecure() throws {
        let runtime = DeterministicRuntime(seed: 12)
        let engine = try FraudEngine(runtime: runtime, shardCount: 2)
        let (assessment, outcome, statistics) = try runtime.run {
            let usual = try FraudInput.card(77, 2_000, country: "DE", device: 5)
            for day in 0..<5 {
                #expect(await engine.assess(usual).decision == .approve)
                try await runtime.sleep(for: .seconds(86_400 + Int64(day)))
            }
            // New country, new device and five times the usual amount.
            let odd = try FraudInput.card(77, 10_000, country: "NG", device: 6, fraud: true)
            let assessment = await engine.assess(odd)
            let outcome = await engine.runThreeDSecure(for: odd)
            return (assessment, outcome, await engine.statistics())
        }
        #expect((70...90).contains(assessment.score.value), "score \(assessment.score)")
        #expect(assessment.decision == .requireThreeDSecure)
        #expect(assessment.reasons.contains(.unseenDevice))
        #expect(statistics.total == 6)
        #expect(statistics.truePositives == 1 && statistics.trueNegatives == 5)
        #expect(statistics.challengesFraudulent[outcome.rawValue] == 1)
        #expect(runtime.escapedJobCount == 0)
    }

    @Test func routingIsStableAndSpreadsCards() throws {
        let runtime = DeterministicRuntime(seed: 1)
        let engine = try FraudEngine(runtime: runtime, shardCount: 8)
        var perShard = Array(repeating: 0, count: 8)
        for fingerprint in UInt64(0)..<8_000 {
            let shard = engine.shard(for: fingerprint)
            #expect(shard === engine.shard(for: fingerprint))
            perShard[shard.index] += 1
        }
        #expect(perShard.allSatisfy { (800...1_200).contains($0) }, "\(perShard)")
        #expect(throws: FraudError.self) { try FraudEngine(runtime: runtime, shardCount: 0) }
    }

    /// A mixed population: legitimate customers with habits, fraudsters on stolen cards from
    /// other countries and devices. The engine must catch most fraud without challenging most
    /// customers; the same seed must give the same counts.
    @Test func mixedPopulationPrecisionRecallAndDeterminism() throws {
        func run(_ seed: UInt64) throws -> FraudStatistics {
            let runtime = DeterministicRuntime(seed: seed)
            let engine = try FraudEngine(runtime: runtime, shardCount: 4)
            return try runtime.run {
                var random = runtime.randomStream("population")
                for _ in 0..<3_000 {
                    let card = UInt64(random.index(300))
                    let fraud = random.chance(0.05)
                    let input = try FraudInput.card(
                        card, fraud ? random.int(in: 20_000...90_000) : 2_000 + Int64(card) * 10,
                        country: fraud ? "RU" : "US", device: fraud ? 1_000 + random.next() % 50 : card,
                        fraud: fraud)
                    let assessment = await engine.assess(input)
                    if assessment.decision == .requireThreeDSecure {
                        _ = await engine.runThreeDSecure(for: input)
                    }
                    try await runtime.sleep(for: .seconds(Int64(random.int(in: 1...600))))
                }
                return await engine.statistics()
            }
        }
        let statistics = try run(21)
        #expect(statistics.total == 3_000)
        #expect((statistics.recall ?? 0) > 0.6, "recall \(statistics.recall ?? -1)")
        #expect((statistics.precision ?? 0) > 0.5, "precision \(statistics.precision ?? -1)")
        #expect(try run(21) == statistics)
    }
}
