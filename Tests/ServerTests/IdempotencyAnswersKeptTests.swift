import Core
import PaystormRuntime
import Services
import Testing

@testable import Server

/// `paystorm serve` keeps Stripe's promise that a retried key gets its first answer back for 24
/// hours, where the runner's bound (sized for memory under overload) drops an answer that old.
@Suite struct IdempotencyAnswersKeptTests {
    static let merchant = MerchantID(1)
    /// Answers made after the first: one more than the runner keeps per store.
    static let laterAnswers = IdempotencyStateMachine.Configuration.answersMaxDefault

    /// Creates a payment under the key `first`, then makes `laterAnswers` more answers under
    /// other keys (captures of a payment that does not exist: a stored answer like any other,
    /// without a network's latency), and retries `first`. One idempotency store, so every answer
    /// counts against one store's bound.
    static func retryOfTheFirstKey(
        _ configuration: PaymentSystemConfiguration
    ) throws -> (first: APIResponse, retry: APIResponse) {
        var configuration = configuration
        configuration.paymentShards = 1
        configuration.rateLimit = .init(burst: 1_000_000, perSecond: 1_000_000)
        let runtime = DeterministicRuntime(seed: 1)
        return try runtime.run {
            let system = try PaymentSystem(runtime: runtime, configuration: configuration)
            let key = try #require(try await system.onboard(merchant, settlementCurrency: .usd)).secret
            let card = try Card.tokenize(
                pan: "4242424242424242", expiryMonth: 12, expiryYear: 2030, funding: .credit,
                token: "tok_kept")
            let request = PaymentRequest(
                merchant: merchant, amount: Money(minorUnits: 2_000, currency: .usd), method: .card(card),
                captureMethod: .automatic, customerCountry: "US", deviceID: 1)
            let first = await system.createPayment(request, apiKey: key, idempotencyKey: "first")
            for index in 0..<laterAnswers {
                let later = await system.capture(
                    PaymentID(UInt64(1_000_000 + index)), merchant: merchant, apiKey: key,
                    idempotencyKey: "later-\(index)")
                #expect(later.status == 404)
            }
            let retry = await system.createPayment(request, apiKey: key, idempotencyKey: "first")
            return (first, retry)
        }
    }

    @Test func aServeConfiguredSystemReplaysAnAnswerTheRunnersBoundDrops() throws {
        let serve = try Self.retryOfTheFirstKey(
            ServerBackend.quietConfiguration(rateLimitPerSecond: 100, burst: 200))
        #expect(serve.first.status == 200)
        #expect(serve.retry.replayed)
        #expect(serve.retry.status == 200)
        #expect(serve.retry.paymentID == serve.first.paymentID)

        var runner = ServerBackend.quietConfiguration(rateLimitPerSecond: 100, burst: 200)
        runner.idempotencyAnswersPerShardMax = PaymentSystemConfiguration().idempotencyAnswersPerShardMax
        let dropped = try Self.retryOfTheFirstKey(runner)
        #expect(dropped.first.status == 200)
        #expect(!dropped.retry.replayed)
        #expect(dropped.retry.status == 409)
        #expect(dropped.retry.errorCode == "idempotency_answer_dropped")
    }

    /// `--idempotency-answers-max` is a total over the stores, each holding its share.
    @Test func theServeBoundIsSharedOverTheStores() {
        let configuration = ServerBackend.quietConfiguration(
            rateLimitPerSecond: 100, burst: 200, idempotencyAnswersMax: 1_000_000)
        #expect(configuration.idempotencyAnswersPerShardMax * configuration.paymentShards >= 1_000_000)
        #expect(configuration.idempotencyAnswersPerShardMax < 1_000_000 / configuration.paymentShards + 1)
        #expect(
            PaymentSystemConfiguration().idempotencyAnswersPerShardMax
                < configuration.idempotencyAnswersPerShardMax)
    }
}
