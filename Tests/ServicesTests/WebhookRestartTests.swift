import Core
import Journal
import PaystormRuntime
import Testing

@testable import Services

/// A crash and restart of the webhook dispatcher alone: what it held is lost, the rest of the
/// system runs on, and the restarted dispatcher rebuilds every owed event from the journal, so
/// that every event still reaches its merchant.
@Suite struct WebhookRestartTests {
    static func makeSystem(
        _ runtime: DeterministicRuntime, journal: (any Journal)?, plantedBug: PlantedBug? = nil
    ) throws -> PaymentSystem {
        var configuration = try PaymentRecoveryTests.makeSystem(runtime, journal: InMemoryJournal())
            .configuration
        configuration.journal = journal.map { DurablePaymentJournal($0) } ?? NullPaymentJournal()
        configuration.plantedBug = plantedBug
        configuration.webhooks.enabled = true
        configuration.webhooks.restartable = true
        configuration.webhooks.failureProbability = 0
        return try PaymentSystem(runtime: runtime, configuration: configuration)
    }

    /// Pays `count` times for `merchant`, amounts from `first` on.
    static func pay(
        _ system: PaymentSystem, _ merchant: MerchantID, apiKey: String, count: Int, first: Int64
    ) async throws {
        for number in 0..<Int64(count) {
            _ = await system.createPayment(
                try PaymentRecoveryTests.request(merchant, first + number, .usd, manual: false),
                apiKey: apiKey, idempotencyKey: "r\(first + number)")
        }
    }

    /// The events of every payment the endpoints never processed (`payment << 16 | index`).
    static func unprocessed(_ system: PaymentSystem) async -> [EventID] {
        var missing: [EventID] = []
        for record in await system.orchestrator.allPayments() {
            let endpoint = system.endpoints[Int(record.merchant.rawValue % UInt64(system.endpoints.count))]
            for index in 0...UInt64(record.eventsEmitted) {
                let id = EventID(record.id.rawValue << 16 | index)
                if !endpoint.hasProcessed(id) { missing.append(id) }
            }
        }
        return missing
    }

    /// Crash with deliveries in flight, pay (and onboard) while it is down, restart.
    static func crashPayRestart(
        _ system: PaymentSystem
    ) async throws -> (report: WebhookRestartReport?, dead: WebhookDispatcher) {
        let merchant = PaymentRecoveryTests.merchants[0]
        let apiKey = try #require(try await system.onboard(merchant, settlementCurrency: .usd)).secret
        try await pay(system, merchant, apiKey: apiKey, count: 8, first: 1_000)
        let dead = try #require(system.webhooks)
        #expect(try await system.crashWebhookDispatcher())
        #expect(system.events.isDispatcherDown)
        // A merchant onboarded while the dispatcher is down gets its endpoint in the successor.
        let late = PaymentRecoveryTests.merchants[1]
        let lateKey = try #require(try await system.onboard(late, settlementCurrency: .usd)).secret
        try await pay(system, merchant, apiKey: apiKey, count: 4, first: 2_000)
        try await pay(system, late, apiKey: lateKey, count: 4, first: 3_000)
        try? await system.runtime.sleep(for: .seconds(1))
        let report = try await system.restartWebhookDispatcher()
        await system.webhooks?.waitUntilIdle()
        return (report, dead)
    }

    @Test(arguments: [21, 22, 23] as [UInt64])
    func theRestartedDispatcherRebuildsFromTheJournalAndEveryEventArrives(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let journal = InMemoryJournal()
            let system = try Self.makeSystem(runtime, journal: journal)
            let (report, dead) = try await Self.crashPayRestart(system)
            let rebuilt = try #require(report, "seed \(seed)")
            #expect(!system.events.isDispatcherDown)
            #expect(system.webhooks !== dead)
            // The crash cut deliveries off and events went to the journal meanwhile: not vacuous.
            let deadFigures = dead.statistics()
            #expect(deadFigures.abandoned > 0, "seed \(seed): \(deadFigures)")
            #expect(deadFigures.inFlight == 0)
            #expect(system.events.snapshot.leftToJournal > 0)
            #expect(rebuilt.owedInJournal >= Int(system.events.snapshot.leftToJournal), "seed \(seed)")
            #expect(rebuilt.handedOver > 0)
            #expect(system.events.snapshot.noEndpoint + system.events.snapshot.refusedQueueFull == 0)
            // Every event of every payment reached its endpoint, and the journal owes nothing.
            #expect(await Self.unprocessed(system).isEmpty, "seed \(seed)")
            #expect(try await PaymentSystemRecovery.owedWebhooks(in: journal).isEmpty, "seed \(seed)")
            // The whole-process recovery agrees: nothing owed.
            let recovered = try await PaymentSystemRecovery.recover(from: journal)
            #expect(recovered.report.webhooksPending == 0, "seed \(seed):\n\(recovered.report)")
        }
    }

    /// The restart reads what is owed from the latest snapshot and the tail when the memory
    /// journal has dropped the records its snapshots cover (reading from the origin would be
    /// refused as compacted), and every event still arrives.
    @Test func aRestartFindsWhatIsOwedInAJournalThatDroppedItsSnapshottedRecords() throws {
        let runtime = DeterministicRuntime(seed: 24)
        try runtime.run {
            let disk = InMemoryJournal(
                configuration: InMemoryJournal.Configuration(dropsSnapshottedRecords: true))
            let probe = try Self.makeSystem(runtime, journal: disk)
            let checkpointer = JournalCheckpointer(
                journal: disk, recordsPerSnapshot: 8, ledgerConfiguration: probe.ledger.configuration,
                cipher: nil, runtime: runtime)
            let system = try Self.makeSystem(runtime, journal: checkpointer)
            let (report, _) = try await Self.crashPayRestart(system)
            #expect(checkpointer.statistics.snapshots > 0)
            await #expect(throws: JournalError.self) { _ = try await disk.read(from: .origin, limit: 1) }
            let rebuilt = try #require(report)
            #expect(rebuilt.owedInJournal >= Int(system.events.snapshot.leftToJournal))
            #expect(await Self.unprocessed(system).isEmpty)
            let owed = try await PaymentSystemRecovery.owedWebhooks(
                in: checkpointer, ledgerConfiguration: system.ledger.configuration)
            #expect(owed.isEmpty)
        }
    }

    /// The same run with the restarted dispatcher starting empty: what the dead one held and
    /// what was emitted while it was down never arrives, and the journal says so.
    @Test(arguments: [21, 22] as [UInt64])
    func withoutTheRebuildEventsAreLostAndTheJournalShowsThem(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let journal = InMemoryJournal()
            let system = try Self.makeSystem(runtime, journal: journal, plantedBug: .restartWithoutRebuild)
            let (report, _) = try await Self.crashPayRestart(system)
            #expect(report?.handedOver == 0)
            let missing = await Self.unprocessed(system)
            #expect(!missing.isEmpty, "seed \(seed)")
            let owed = try await PaymentSystemRecovery.owedWebhooks(in: journal)
            #expect(Set(owed.map(\.eventID)).isSuperset(of: missing), "seed \(seed)")
        }
    }

    @Test func aCrashNeedsAJournalAndARestartableDispatcher() throws {
        let runtime = DeterministicRuntime(seed: 5)
        try runtime.run {
            let unjournaled = try Self.makeSystem(runtime, journal: nil)
            await #expect(throws: RecoveryError.self) { try await unjournaled.crashWebhookDispatcher() }
            await #expect(throws: RecoveryError.self) { try await unjournaled.restartWebhookDispatcher() }
            var configuration = try Self.makeSystem(runtime, journal: InMemoryJournal()).configuration
            configuration.webhooks.restartable = false
            let fixed = try PaymentSystem(runtime: runtime, configuration: configuration)
            await #expect(throws: PaymentServiceError.self) { try await fixed.crashWebhookDispatcher() }
            // Restarting a dispatcher that is up, or crashing one that is down, does nothing.
            let system = try Self.makeSystem(runtime, journal: InMemoryJournal())
            #expect(try await system.restartWebhookDispatcher() == nil)
            #expect(try await system.crashWebhookDispatcher())
            #expect(try await system.crashWebhookDispatcher() == false)
        }
    }
}

/// The sink's rules across a dispatcher crash, with plain values for dispatchers.
@Suite struct WebhookOutboxStateMachineTests {
    @Test func eventsGoToTheRunningDispatcherAndToTheJournalWhileItIsDown() {
        var outbox = WebhookOutboxStateMachine(dispatcher: "first")
        guard case .enqueue("first") = outbox.emitted() else {
            Issue.record("an event while up goes to the running dispatcher")
            return
        }
        #expect(outbox.crash(successor: "second") == "first")
        #expect(outbox.isDown)
        #expect(outbox.registrar == "second")
        #expect(outbox.crash(successor: "third") == nil)
        guard case .leaveToJournal = outbox.emitted() else {
            Issue.record("an event while down is left to the journal")
            return
        }
        #expect(outbox.restart() == "second")
        #expect(outbox.restart() == nil)
        #expect(outbox.earlierLives == ["first"])
        #expect(outbox.lastKilled == "first")
    }

    @Test func withoutADispatcherEventsAreDropped() {
        var outbox = WebhookOutboxStateMachine<Int>(dispatcher: nil)
        guard case .drop = outbox.emitted() else {
            Issue.record("no dispatcher: nothing to hand the event to")
            return
        }
        #expect(outbox.crash(successor: 2) == nil)
        #expect(outbox.registrar == nil)
    }
}
