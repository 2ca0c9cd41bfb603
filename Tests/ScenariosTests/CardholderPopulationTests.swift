import PaystormRuntime
import Testing

@testable import Scenarios

/// The cardholders follow the traffic: the velocity rule meant for card testing does not block
/// legitimate customers because a run has more payments than its merchants x 10 cards.
@Suite struct CardholderPopulationTests {
    @Test func thePopulationScalesWithThePaymentVolume() throws {
        let smoke = try SwarmTests.shipped("smoke.yaml")
        let base = JourneyPlanner(scenario: smoke).cardholders
        #expect(base == JourneyPlanner.cardholderCount(expectedPayments: smoke.load.expectedArrivals))
        #expect(Double(base) >= smoke.load.expectedArrivals / 2)
        let scaled = JourneyPlanner(scenario: smoke.scaled(by: 50)).cardholders
        #expect(abs(Double(scaled) / Double(base) - 50) < 0.1, "\(base) -> \(scaled)")
        #expect(JourneyPlanner.cardholderCount(expectedPayments: 0) == JourneyPlanner.cardholdersMin)
        #expect(JourneyPlanner.cardholderCount(expectedPayments: .infinity) > 0)
    }

    /// Drawn uniformly, a legitimate card sees about two payments; hardly any reaches the
    /// velocity limit of 10 in a run of 15,000 payments.
    @Test func legitimateCardsRepeatButRarelyReachTheVelocityLimit() throws {
        let scenario = try SwarmTests.shipped("smoke.yaml").scaled(by: 10)
        let planner = JourneyPlanner(scenario: scenario)
        var random = RandomStream(seed: 9)
        var perCard: [String: Int] = [:]
        var legitimate = 0
        for number in 0..<Int(scenario.load.expectedArrivals) {
            let plan = planner.plan(number, intended: .zero, random: &random)
            guard !plan.isFraudulent else { continue }
            perCard[plan.pan, default: 0] += 1
            legitimate += 1
        }
        let repeatPayments = perCard.values.filter { $0 > 1 }.reduce(0, +)
        #expect(Double(repeatPayments) / Double(legitimate) > 0.4, "returning customers exist")
        let mean = Double(legitimate) / Double(planner.cardholders)
        #expect(abs(mean - JourneyPlanner.paymentsPerCardholder) < 0.1, "\(mean)")
        // Poisson(2): a card with 10 or more payments is a 1-in-20,000 event.
        let busy = perCard.values.filter { $0 >= 10 }.count
        #expect(busy <= 3, "\(busy) of \(perCard.count) cards")
    }

    /// smoke.yaml at five times its rate: the engine blocks mostly fraud (it blocked more
    /// legitimate payments than fraudulent ones when cards were merchants x 10).
    @Test(arguments: [1.0, 5.0])
    func fraudFiguresStayMeaningfulWhenScaled(scale: Double) async throws {
        let scenario = try SwarmTests.shipped("smoke.yaml").scaled(by: scale)
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        #expect(report.fraud.precision > 0.5, "\(report.fraud)")
        #expect(report.fraud.recall > 0.1, "\(report.fraud)")
        #expect(report.payments.blocked < report.payments.attempted / 50, "\(report.payments)")
    }
}
