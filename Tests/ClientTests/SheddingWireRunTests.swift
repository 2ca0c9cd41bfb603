import Client
import Core
import Scenarios
import Services
import Testing

/// A run whose load outruns the runner's connections: the creates and reads that wait past
/// their patience are shed at once, never sent, counted, and not counted as answered, while
/// every payment that was sent is still checked and every invariant holds.
@Suite(.serialized) struct SheddingWireRunTests {
    /// Each authorization 300 ms slower: a connection that carries creates is busy most of the
    /// time, however fast or starved the machine.
    static func slowNetworks(_ target: HTTPPaymentTarget) async {
        let slowed = NetworkFault(addedLatency: .milliseconds(300))
        #expect(await target.setNetworkFault(.visa, slowed))
        #expect(await target.setNetworkFault(.mastercard, slowed))
        #expect(await target.setNetworkFault(.amex, slowed))
    }

    @Test func createsPastTheirPatienceAreShedWhileReadsOnTheirOwnConnectionsAreNot() async throws {
        // Eight seconds: the reads need a payment answered first (scripts/test runs this suite
        // alone: a process that shared its two threads with every other suite once took
        // more than three seconds to answer one, and once none in eight).
        var scenario = try WireRunTests.scenario(seconds: 8)
        scenario.reads.rates[.statusChecks] = .perSecond(100)
        // No merchant resends a create: a resend shed counts as a create shed, and its arrival
        // was answered, which would blur the comparison of sheds with arrivals not answered.
        scenario.mix.clientRetryRate = 0
        try await WireRunTests.withServer { [scenario] url in
            let receiver = try await WebhookReceiver.start()
            // One connection for the journeys; a new payment waits a second for it at most
            // (about three creates are answered in that time, so most arrivals are shed, yet
            // some payments exist to be read however starved the machine). The reads have 64
            // connections of their own, and wait as long as it takes for one: a test process
            // starved by the suites beside it once took a second to answer a read, and kept
            // eight connections busy at 100 reads a second.
            let target = HTTPPaymentTarget(
                baseURL: url, connectionsMax: 1, patience: [.payment: .seconds(1), .read: .zero],
                receiver: receiver)
            let reader = target.forReadTraffic(connectionsMax: 64, patience: [:])
            await Self.slowNetworks(target)
            let report = await ScenarioRunner.runOverWire(
                scenario, target: target, targetName: url, keyPrefix: "shed-journey", webhooks: receiver,
                faults: target, readTarget: reader)
            try await target.shutdown()
            try await reader.shutdown()
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
            // The journeys' one connection was busy throughout; the reads never waited for it:
            // every read went through the reads' own client (its count of connection waits is
            // theirs) and none was shed, while creates were. Their waits are not compared with
            // the journeys': in a starved process both are mostly the scheduler's delay.
            let statusChecks = try #require(report.reads?.first { $0.kind == "status_checks" })
            #expect(statusChecks.sent > 0, "\(statusChecks)")
            #expect(statusChecks.shed == 0, "\(statusChecks)")
            #expect(statusChecks.succeeded == statusChecks.sent, "\(statusChecks)")
            let readsWait = try #require(wire.readsClient?.connectionWaitMilliseconds)
            let journeysWait = try #require(wire.journeysClient?.connectionWaitMilliseconds)
            #expect(readsWait.count == UInt64(statusChecks.sent), "\(readsWait)")
            // The journeys' connection was busy: their requests waited for it.
            #expect(journeysWait.p99 > 100, "\(String(describing: wire))")
        }
    }

    @Test func readsPastTheirPatienceAreShedAndCountedNotFailed() async throws {
        var scenario = try WireRunTests.scenario(seconds: 6)
        // Many reads a second on one connection that no read waits for: whenever two are due
        // together, or one comes while another is out, one is shed.
        scenario.reads.rates[.statusChecks] = .perSecond(400)
        try await WireRunTests.withServer { [scenario] url in
            let target = HTTPPaymentTarget(baseURL: url, connectionsMax: 16)
            let reader = target.forReadTraffic(connectionsMax: 1, patience: [.read: .zero])
            let report = await ScenarioRunner.runOverWire(
                scenario, target: target, targetName: url, keyPrefix: "shed-reads", faults: target,
                readTarget: reader)
            try await target.shutdown()
            try await reader.shutdown()
            let failing = report.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
            #expect(failing.isEmpty, "\(failing)")
            let statusChecks = try #require(report.reads?.first { $0.kind == "status_checks" })
            #expect(statusChecks.shed > 0, "\(statusChecks)")
            #expect(statusChecks.failed == 0, "\(statusChecks)")
            #expect(statusChecks.succeeded == statusChecks.sent, "\(statusChecks)")
            // Nothing went unanswered on a healthy loopback server.
            #expect(report.wire?.readsClient?.unansweredByReason == [:], "\(String(describing: report.wire))")
        }
    }
}
