import Journal
import Ledger

/// What `PaymentSystemRecovery` found in a journal: counts of everything it rebuilt, what it had
/// to finish or undo because the process died mid-operation, and each invariant it checked.
public struct PaymentRecoveryReport: Sendable, Codable, CustomStringConvertible {
    /// One checked invariant: its name, how many times it was violated, a few examples.
    public struct Invariant: Sendable, Hashable, Codable {
        public let name: String
        public internal(set) var violations = 0
        public internal(set) var examples: [String] = []
        static let examplesMax = 10

        public var holds: Bool { violations == 0 }

        init(_ name: String) { self.name = name }

        mutating func violated(_ example: @autoclosure () -> String) {
            violations += 1
            if examples.count < Self.examplesMax { examples.append(example()) }
        }
    }

    public internal(set) var records = 0
    /// The snapshot recovery started from (nil: from the journal's first record), and the
    /// records it then read; `records` counts those the snapshot covers as well.
    public internal(set) var snapshotPosition: JournalPosition?
    public internal(set) var recordsReplayed = 0
    public internal(set) var recordsByType: [UInt8: Int] = [:]
    public internal(set) var merchants = 0
    public internal(set) var payments = 0
    /// Payments retired (the scenario runner checked each when its journey ended) and no longer
    /// rebuilt: `payments` counts only those still held.
    public internal(set) var paymentsRetired = 0
    /// Transitions or answers read for a payment already retired, left out of the fold (none
    /// in a correct run: the live system no longer holds a retired payment).
    public internal(set) var recordsAfterRetirement = 0
    /// Payments by state name ("captured", "failed(fraudulent)" folded to "failed").
    public internal(set) var paymentsByState: [String: Int] = [:]
    public internal(set) var transitions = 0
    public internal(set) var acknowledgements = 0
    public internal(set) var idempotencyKeys = 0
    public internal(set) var bookingIntents = 0
    public internal(set) var bookingAborts = 0
    /// Intent transfers the ledger had not journaled when the process died: booked by recovery.
    public internal(set) var transfersRolledForward = 0
    /// Webhook events emitted and never settled: delivered again by a resumed system.
    public internal(set) var webhooksPending = 0
    /// Pending events beyond `PaymentRecoveryState.pendingWebhooksMax`, not kept.
    public internal(set) var webhooksPendingDropped = 0
    public internal(set) var ledgerReplay = LedgerReplayReport()
    public internal(set) var reconciliation: LedgerReconciliation?
    public internal(set) var invariants: [Invariant] = []

    /// What a snapshot of the fold carries: the counts kept while folding (the rest is
    /// filled in by `finish`).
    enum CodingKeys: CodingKey {
        case records, recordsByType, transitions, acknowledgements, bookingIntents, bookingAborts
        case webhooksPendingDropped, recordsAfterRetirement
    }

    public var invariantsHold: Bool { invariants.allSatisfy(\.holds) }

    public func invariant(_ name: String) -> Invariant? { invariants.first { $0.name == name } }

    public var description: String {
        var lines = [
            "records: \(records)",
            (snapshotPosition.map { "start: from snapshot at position \($0.sequence), " }
                ?? "start: from the first record (no snapshot), ") + "replayed \(recordsReplayed) records",
            "merchants: \(merchants)",
            "payments: \(payments) ("
                + paymentsByState.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", ")
                + ")" + (paymentsRetired > 0 ? ", \(paymentsRetired) retired" : ""),
            "transitions: \(transitions), acknowledgements: \(acknowledgements), idempotency keys: \(idempotencyKeys)",
            "bookings: \(bookingIntents) intents, \(bookingAborts) aborts",
            "crash repair: \(transfersRolledForward) intent transfers rolled forward",
            "webhooks: \(webhooksPending) events owed to merchants (emitted, never settled)"
                + (webhooksPendingDropped > 0 ? ", \(webhooksPendingDropped) more not kept" : ""),
            "ledger: \(ledgerReplay)",
        ]
        if let reconciliation { lines.append(reconciliation.description) }
        for invariant in invariants {
            lines.append(
                (invariant.holds ? "✓ " : "✗ ") + invariant.name
                    + (invariant.holds ? "" : ": \(invariant.violations) violations"))
            for example in invariant.examples { lines.append("    " + example) }
        }
        return lines.joined(separator: "\n")
    }
}
