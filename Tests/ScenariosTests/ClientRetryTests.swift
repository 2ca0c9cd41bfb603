import PaystormRuntime
import Services
import Testing

@testable import Scenarios

/// Clients retry as Stripe's SDKs do, and what is still refused after that is a counted outcome
/// of the run, never an invariant violation.
/// A generator that returns one value over and over: the jitter pinned to its bounds.
struct ConstantGenerator: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}

@Suite struct ClientRetryTests {
    static func response(_ status: Int, retryAfter: Duration? = nil, shouldRetry: Bool? = nil) -> APIResponse
    {
        var response = APIResponse(status: status, body: "{}")
        response.retryAfter = retryAfter
        response.shouldRetry = shouldRetry
        return response
    }

    @Test func conflictsRateLimitsAndServerErrorsAreRetriedTwice() {
        let policy = ClientRetryPolicy.stripe
        for status in [409, 429, 500, 502, 503] {
            #expect(policy.shouldRetry(Self.response(status), retriesMade: 0), "\(status)")
            #expect(policy.shouldRetry(Self.response(status), retriesMade: 1), "\(status)")
            #expect(!policy.shouldRetry(Self.response(status), retriesMade: 2), "\(status)")
        }
        for status in [200, 400, 401, 402, 404] {
            #expect(!policy.shouldRetry(Self.response(status), retriesMade: 0), "\(status)")
        }
        // Stripe-Should-Retry decides when the answer carries it.
        #expect(!policy.shouldRetry(Self.response(500, shouldRetry: false), retriesMade: 0))
        #expect(policy.shouldRetry(Self.response(400, shouldRetry: true), retriesMade: 0))
    }

    @Test func theBackoffDoublesWithJitterAndHonoursRetryAfter() {
        let policy = ClientRetryPolicy.stripe
        let plain = Self.response(429)
        // Drawn in [half, all] of 0.5 s, 1 s, 2 s, 4 s, 5 s (capped), never under 0.5 s.
        for (retries, full) in [(0, 500), (1, 1_000), (2, 2_000), (3, 4_000), (4, 5_000), (9, 5_000)] {
            var lowest = ConstantGenerator(value: 0)
            var highest = ConstantGenerator(value: .max)
            let low = policy.delay(retriesMade: retries, plain, using: &lowest)
            let high = policy.delay(retriesMade: retries, plain, using: &highest)
            #expect(low == .milliseconds(max(500, full / 2)), "\(retries)")
            #expect(high <= .milliseconds(full) && high > .milliseconds(full) * 0.99, "\(retries)")
        }
        var lowest = ConstantGenerator(value: 0)
        #expect(
            policy.delay(retriesMade: 0, Self.response(429, retryAfter: .seconds(3)), using: &lowest)
                == .seconds(3))
        // A Retry-After past a minute is not believed.
        #expect(
            policy.delay(retriesMade: 0, Self.response(429, retryAfter: .seconds(120)), using: &lowest)
                == .milliseconds(500))
    }

    /// One merchant at 120 TPS against a limit of 100 requests a second: 429s come back, the
    /// clients retry them, and no invariant is violated by a refusal.
    @Test func aRateLimitedMerchantRaisesNoFalseAlarm() async throws {
        let scenario = try ScenarioParser.parse(
            """
            name: one-busy-merchant
            seed: 3
            merchants: {count: 1}
            load: {start_tps: 120, stages: [{hold: 10s}]}
            mix:
              capture: {immediate: 0.6, delayed: 0.4, never: 0, partial: 0.2}
              refunds: {full: 0.1, partial: 0.1}
              client_retries: 0.3
              fraud: {share: 0}
            """, file: "busy.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        #expect(report.payments.clientRetries > 0)
        #expect(report.payments.attempted > 1_000)
        // Most requests get through after a retry; what does not is counted, not hidden.
        #expect(report.payments.succeeded > report.payments.attempted / 2)
    }
}
