import Core
import PaystormRuntime

/// What a restarted webhook dispatcher rebuilt.
public struct WebhookRestartReport: Sendable, Hashable {
    /// Events the journal showed owed (emitted, never settled) when the dispatcher restarted.
    public var owedInJournal = 0
    /// Events handed to the restarted dispatcher (the rest were in flight there already).
    public var handedOver = 0
}

extension PaymentSystem {
    /// Crashes the webhook dispatcher, as if its process were killed: its deliveries stop where
    /// they are (an attempt on the wire is abandoned; the endpoint may have processed it), its
    /// queue and counters are gone with it, and until `restartWebhookDispatcher()` events are
    /// left to the journal. The rest of the system runs on.
    ///
    /// Why a successor exists from the crash on: endpoint registrations made while the
    /// dispatcher is down (a merchant onboarded, a webhook fault moving an endpoint) are the
    /// merchants' configuration, which a real service keeps in its database, not in the dead
    /// process; they go to the successor, which delivers nothing until the restart.
    /// - Returns: false when there was no running dispatcher to crash (down already).
    /// - Throws: `RecoveryError.noJournal` without a journal (a restart could not rebuild what
    ///   the crash loses), `PaymentServiceError.invalidRequest` when webhooks are off or the
    ///   dispatcher was not configured `restartable`.
    @discardableResult
    public func crashWebhookDispatcher() async throws -> Bool {
        guard paymentJournal.isDurable else { throw RecoveryError.noJournal }
        guard let makeDispatcher, configuration.webhooks.restartable else {
            throw PaymentServiceError.invalidRequest(
                "the webhook dispatcher can crash only with webhooks on and webhooks.restartable set")
        }
        guard let dead = events.crashDispatcher(successor: makeDispatcher()) else { return false }
        dead.kill()
        return true
    }

    /// Starts the dispatcher that replaces the crashed one and rebuilds its deliveries: the
    /// endpoints of the dead one (the merchants' configuration), then every event the journal
    /// shows owed (`PaymentSystemRecovery.owedWebhooks`), each under its original id: every event is emitted
    /// after its journal record is durable, so the journal holds all the dead one owed. Delivery stays at least once: an event the dead dispatcher had delivered
    /// without settling goes out again, and the endpoints de-duplicate it.
    ///
    /// The successor takes live events before the journal is read, so that an event emitted
    /// meanwhile is either in the journal read or handed over live; one found both ways is
    /// skipped as already in flight.
    /// - Returns: what was rebuilt, nil when the dispatcher was not down.
    /// - Throws: `RecoveryError.noJournal` without a journal; `RecoveryError.undecodable` when
    ///   the journal does not read (the successor then serves, without the owed events).
    @discardableResult
    public func restartWebhookDispatcher() async throws -> WebhookRestartReport? {
        guard paymentJournal.isDurable else { throw RecoveryError.noJournal }
        guard events.isDispatcherDown else { return nil }
        if let successor = webhooks, let dead = events.lastKilledDispatcher {
            successor.adoptEndpoints(of: dead)
        }
        guard let successor = events.restartDispatcher() else { return nil }
        var report = WebhookRestartReport()
        // The planted bug: a dispatcher that restarts empty, as if its queue had been durable.
        guard configuration.plantedBug != .restartWithoutRebuild else { return report }
        let owed = try await PaymentSystemRecovery.owedWebhooks(
            in: paymentJournal.log, ledgerConfiguration: ledger.configuration, cipher: paymentJournal.cipher
        )
        report.owedInJournal = owed.count
        report.handedOver += events.handOver(owed.map(events.webhookEvent), to: successor)
        return report
    }
}
