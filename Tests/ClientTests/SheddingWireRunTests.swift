import Client
import Core
import Scenarios
import Services
import Testing

/// A run whose load outruns the runner's connections: the creates and reads that wait past
/// their patience are shed at once, never sent, counted, and not counted as answered, while
/// every payment that was sent is still checked and every invariant holds.
@Suite(.serialized) struct SheddingWireRunTests {
    @Test func createsAndReadsPastTheirPatienceAreShedAndCountedNotAnswered() async throws {
        // Eight seconds: the reads need a payment answered first, and a test process that
        // shares its two threads with the whole suite took more than three to answer one.
        var scenario = try WireRunTests.scenario(seconds: 8)
        scenario.reads.rates[.statusChecks] = .perSecond(100)
        // No merchant resends a create: a resend shed counts as a create shed, and its arrival
        // was answered, which would blur the comparison of sheds with arrivals not answered.
        scenario.mix.clientRetryRate = 0
        try await WireRunTests.withServer { [scenario] url in
            let receiver = try await WebhookReceiver.start()
            // One connection; a new payment waits a second for it at most (about three creates
            // are answered in that time, so most arrivals are shed, yet some payments exist to be
            // read however starved the machine), and a read does not wait at all.
            let target = HTTPPaymentTarget(
                baseURL: url, connectionsMax: 1, patience: [.payment: .seconds(1), .read: .zero],
                receiver: receiver)
            // Each authorization 300 ms slower: the one connection is busy most of the time,
            // however fast or starved the machine, so reads and creates find it busy.
            let slowed = NetworkFault(addedLatency: .milliseconds(300))
            #expect(await target.setNetworkFault(.visa, slowed))
            #expect(await target.setNetworkFault(.mastercard, slowed))
            #expect(await target.setNetworkFault(.amex, slowed))
            let report = await ScenarioRunner.runOverWire(
                scenario, target: target, targetName: url, keyPrefix: "shed-journey", webhooks: receiver,
                faults: target, readTarget: target.forReadTraffic())
            try await target.shutdown()
            await receiver.stop()
            let failing = report.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
            #expect(failing.isEmpty, "\(failing)")
            let wire = try #require(report.wire)
            #expect(wire.createsShed > 0)
            // A shed create has no payment: only the others were checked against the API.
            #expect(wire.paymentsChecked < report.payments.attempted)
            // Shed arrivals are due and not answered.
            let due = report.stages.reduce(0) { $0 + $1.due }
            let answered = report.stages.reduce(0) { $0 + $1.answered }
            #expect(due - answered >= wire.createsShed, "due \(due), answered \(answered)")
            let statusChecks = try #require(report.reads?.first { $0.kind == "status_checks" })
            #expect(statusChecks.shed > 0, "\(statusChecks)")
            #expect(statusChecks.failed == 0, "\(statusChecks)")
        }
    }
}
