import Client
import Core
import Foundation
import Scenarios
import Server
import Services
import Testing

/// A short scenario over real sockets against `paystorm serve`'s application on a loopback
/// port: the journeys' outside checks and the server's audit must hold, and a target that
/// answers a retrieve differently from what it acknowledged must be caught.
@Suite(.serialized) struct WireRunTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// smoke.yaml shortened to `seconds`, without the thresholds a few seconds cannot judge.
    static func scenario(seconds: Int64) throws -> Scenario {
        var scenario = try ScenarioParser.load(
            path: packageRoot.appendingPathComponent("scenarios/smoke.yaml").path
        ).withDuration(.seconds(seconds))
        scenario.thresholds = []
        return scenario
    }

    /// Serves the API on a free loopback port while `body` runs.
    static func withServer(_ body: @Sendable (String) async throws -> Void) async throws {
        var options = PaystormServer.Options()
        options.port = 0
        options.rateLimitPerSecond = 10_000
        options.rateLimitBurst = 10_000
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task {
            try await PaystormServer(options: options).run { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            server.cancel()
            Issue.record("the server never listened")
            return
        }
        do {
            try await body("http://127.0.0.1:\(port)")
        } catch {
            server.cancel()
            throw error
        }
        server.cancel()
        _ = await server.result
    }

    @Test func smokeOverTheWireHoldsEveryInvariant() async throws {
        var scenario = try Self.scenario(seconds: 4)
        // List queries by status go through the search API, page after page.
        scenario.reads.rates[.listQueries] = .perSecond(20)
        scenario.reads.listStatus = "succeeded"
        scenario.reads.listPagesMax = 2
        scenario.reads.listPageSize = 2
        try await Self.withServer { [scenario] url in
            let receiver = try await WebhookReceiver.start()
            let target = HTTPPaymentTarget(baseURL: url, connectionsMax: 32, receiver: receiver)
            // Its sleeps woken by an event loop's timer, as `paystorm run --target` wakes them.
            let report = await ScenarioRunner.runOverWire(
                scenario, target: target, targetName: url, keyPrefix: "test-journey", webhooks: receiver,
                faults: target, timerDriver: EventLoopTimerDriver())
            try await target.shutdown()
            await receiver.stop()
            let failing = report.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
            #expect(failing.isEmpty, "\(failing)")
            #expect(report.payments.attempted > 50)
            #expect(report.payments.succeeded > 0)
            #expect(report.payments.errors == 0)
            let wire = try #require(report.wire)
            #expect(wire.auditChecked)
            #expect(
                report.invariants.contains { $0.name == "audit_ledger_balanced_per_currency" && $0.holds })
            // Every journey that got a payment id checked it against the API.
            #expect(wire.paymentsChecked > report.payments.succeeded / 2)
            #expect(wire.notChecked.contains("settlement_reconciles_with_network_files"))
            // The receiver verified and counted the merchants' events, each acknowledged
            // payment's at least once.
            #expect(report.webhooks.delivered > report.payments.succeeded)
            #expect(report.invariants.contains { $0.name == "webhook_signatures_valid" && $0.holds })
            #expect(
                report.invariants.contains {
                    $0.name == "acknowledged_payment_events_delivered_or_dead_lettered" && $0.holds
                })
            #expect((wire.webhookLatencyMilliseconds?.count ?? 0) > 0)
            let lists = try #require(report.reads?.first { $0.kind == "list_queries" })
            // A read finds no payment of its merchant yet when the first answers come late (a
            // starved machine): it is skipped, not sent; one that waited its patience for a
            // connection is shed, not sent.
            #expect(lists.sent + lists.skippedNoPayment + lists.shed > 10, "\(lists)")
            #expect(lists.succeeded == lists.sent && lists.failed == 0 && lists.notServed == 0, "\(lists)")
            // However starved the run, the search a list query by status sends answers over the
            // wire with Stripe's search_result.
            let probe = HTTPPaymentTarget(baseURL: url, connectionsMax: 2)
            let key = try? await probe.onboard(MerchantID(9_999), settlementCurrency: .usd)
            var answer: APIResponse?
            if let key = key ?? nil {
                answer = await probe.searchPayments(
                    apiKey: key, status: "succeeded", createdWithinSeconds: 60, limit: 2, page: nil)
            }
            try await probe.shutdown()
            let found = try #require(answer)
            #expect(found.status == 200)
            #expect(found.body.contains("\"object\":\"search_result\""))
        }
    }

    @Test func aRetrieveThatContradictsTheAcknowledgementIsAViolation() async throws {
        let scenario = try Self.scenario(seconds: 2)
        try await Self.withServer { url in
            let honest = HTTPPaymentTarget(baseURL: url, connectionsMax: 16)
            let report = await ScenarioRunner.runOverWire(
                scenario, target: ForgetfulTarget(honest), targetName: url, keyPrefix: "forgetful-journey")
            try await honest.shutdown()
            let violated = report.invariants.first { $0.name == "acknowledged_payment_retrievable_as_told" }
            #expect(violated?.holds == false)
            #expect((violated?.violations ?? 0) > 0)
            // Without the audit route the report names the check it could not make.
            #expect(report.wire?.auditChecked == false)
            #expect(report.wire?.notChecked.contains("audit_ledger_balanced_per_currency") == true)
        }
    }
    /// Merchants that void some authorizations cancel them over HTTP as they do in process:
    /// the voided payments are counted, each retrieve agrees with the cancel's answer, and the
    /// server keeps the cancellation reason the client sent.
    @Test func cancelsInTheMixVoidPaymentsOverTheWire() async throws {
        var scenario = try Self.scenario(seconds: 4)
        scenario.mix.capture.immediate = 0.4
        scenario.mix.capture.cancel = 0.4
        try await Self.withServer { [scenario] url in
            let receiver = try await WebhookReceiver.start()
            let http = HTTPPaymentTarget(baseURL: url, connectionsMax: 32, receiver: receiver)
            let target = CancelCountingTarget(http)
            let report = await ScenarioRunner.runOverWire(
                scenario, target: target, targetName: url, keyPrefix: "cancel-journey", webhooks: receiver,
                faults: http)
            try await http.shutdown()
            await receiver.stop()
            let failing = report.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
            #expect(failing.isEmpty, "\(failing)")
            #expect(report.payments.errors == 0)
            #expect(report.wire?.auditChecked == true)
            // Every void the run counted was answered over HTTP by a canceled intent that keeps
            // the reason the client sent.
            let answers = target.canceledAnswers
            #expect(report.payments.voided > 0)
            #expect(answers >= report.payments.voided, "\(answers) canceled answers")
        }
    }
}

/// A server that loses what it acknowledged: every retrieve answers "canceled". It has no
/// audit route (it is not an `AuditableTarget`).
struct ForgetfulTarget: ForwardingTarget {
    let inner: HTTPPaymentTarget
    init(_ inner: HTTPPaymentTarget) { self.inner = inner }

    func retrievePayment(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> APIResponse? {
        APIResponse(
            status: 200,
            body:
                "{\"id\":\"\(id)\",\"object\":\"payment_intent\",\"amount_received\":0,\"status\":\"canceled\"}"
        )
    }
}
