import Core
import Ledger
import PaystormRuntime
import PaystormTesting
import Testing

@testable import Services

/// A payment system with one USD merchant, and readers for what each step did: the ledger
/// entries it booked and the webhook events it emitted for the payment, in order.
struct LifecycleHarness {
    static let merchant = MerchantID(7)

    let system: PaymentSystem
    let key: APIKey
    var tape: LedgerTape
    private var eventsSeen: [PaymentID: Int] = [:]

    /// - Parameter configure: changes to the standard test configuration (networks that approve
    ///   everything in 100 ms, no webhooks delivery).
    init(
        _ runtime: DeterministicRuntime, settlementCurrency: Currency = .usd,
        configure: (inout PaymentSystemConfiguration) -> Void = { _ in }
    ) async throws {
        var configuration = PaymentSystemConfiguration.quiet(webhooks: false)
        configuration.networks[.bankRail]?.settlementDelayDays = 3
        configure(&configuration)
        system = try PaymentSystem(runtime: runtime, configuration: configuration)
        key = try #require(try await system.onboard(Self.merchant, settlementCurrency: settlementCurrency))
        tape = await LedgerTape(system.ledger)
    }

    static func card(_ pan: String = "4242424242424242") throws -> PaymentMethod {
        .card(
            try Card.tokenize(pan: pan, expiryMonth: 12, expiryYear: 2030, funding: .credit, token: "tok_t"))
    }

    static func bankAccount() throws -> PaymentMethod {
        .bankTransfer(
            try BankAccount.tokenize(
                accountNumber: "000123456789", routingNumber: "110000000", country: "US", token: "ba_t"))
    }

    func create(
        _ minorUnits: Int64, _ currency: Currency = .usd, capture: PaymentRequest.CaptureMethod,
        method: PaymentMethod? = nil
    ) async throws -> APIResponse {
        let request = PaymentRequest(
            merchant: Self.merchant, amount: Money(minorUnits: minorUnits, currency: currency),
            method: try method ?? Self.card(), captureMethod: capture, customerCountry: "US", deviceID: 1)
        return await system.createPayment(request, apiKey: key.secret)
    }

    /// The events emitted for `id` since the previous call for it.
    mutating func events(_ id: PaymentID) -> [PaymentEventType] {
        let all = system.events.recentEvents(for: id)
        let new = Array(all.dropFirst(eventsSeen[id, default: 0]))
        eventsSeen[id] = all.count
        return new
    }

    /// The ledger entries booked since the previous call.
    mutating func entries() async -> [BookedEntry] { await tape.take() }

    func state(_ id: PaymentID) async -> PaymentState? {
        await system.orchestrator.payment(id)?.payment.state
    }

    func dispute(_ id: PaymentID) async -> DisputeStatus? {
        await system.orchestrator.payment(id)?.payment.dispute?.status
    }

    func merchantBalance(_ currency: Currency = .usd) async -> Int64 {
        await system.ledger.balance(of: .merchantBalance(Self.merchant, currency)).balance
    }
}
