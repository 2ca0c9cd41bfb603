import Core
import Foundation
import Journal
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// Recovery from the latest snapshot plus the tail after it rebuilds exactly
/// what recovery from the first record does, with crash repair in the tail, for the memory and
/// the file journal; a snapshot that cannot be trusted is a clear error; card fields stay sealed.
@Suite struct SnapshotRecoveryTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case memory, file
        var testDescription: String { rawValue }
    }

    /// A journaled run with card fields (the recovery fixture's workload), shared by the tests.
    static let run: (cards: [PaymentID: JournaledCardFields], records: [JournalRecord]) = {
        // A fixture failure shows as an empty journal, which every test below rejects.
        (try? JournaledCardFieldsTests.journaledRun(seed: 21)) ?? ([:], [])
    }()

    static func cipher() throws -> FieldCipher { try FieldCipher(key: JournaledCardFieldsTests.key) }

    /// Prefix lengths whose last record leaves crash repair to do: a transition whose booking's
    /// transfers the ledger never journaled, one after the first third and one after two.
    static func repairCuts(_ records: [JournalRecord]) throws -> (early: Int, late: Int) {
        func cut(after start: Int) -> Int? {
            records.indices.first { index in
                guard index > start,
                    case .transition(let transition)? = PaymentJournalRecord.of(records[index])
                else { return false }
                return transition.booking.map { !$0.transfers.isEmpty } ?? false
            }.map { $0 + 1 }
        }
        return (try #require(cut(after: records.count / 3)), try #require(cut(after: 2 * records.count / 3)))
    }

    /// A journal holding `records[..<end]` with a snapshot written by the checkpointer after
    /// `records[..<cut]` (none for cut 0). A file journal is closed and reopened in between, so
    /// that the snapshot comes back from disk.
    static func journal(
        _ backend: Backend, _ records: [JournalRecord], snapshotAt cut: Int, end: Int, directory: String
    ) async throws -> any Journal {
        var journal: any Journal =
            backend == .memory ? InMemoryJournal() : try FileJournal(directory: directory)
        if cut > 0 {
            _ = try await journal.append(Array(records[..<cut]))
            let checkpointer = JournalCheckpointer(
                journal: journal, recordsPerSnapshot: cut, ledgerConfiguration: LedgerConfiguration(),
                cipher: try cipher())
            await checkpointer.catchUp()
            #expect(checkpointer.statistics.snapshots == 1, "\(checkpointer.statistics)")
            #expect(checkpointer.statistics.failures == 0, "\(checkpointer.statistics)")
        }
        if end > cut { _ = try await journal.append(Array(records[cut..<end])) }
        if backend == .file {
            await journal.close()
            journal = try FileJournal(directory: directory)
        }
        return journal
    }

    static func temporaryDirectory(_ label: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        ).path
    }

    /// Everything recovery returns, compared field by field (the ledger by its balances, its
    /// commit order and its reconciliation).
    static func expectSame(
        _ a: RecoveredPaymentSystem, _ b: RecoveredPaymentSystem, _ label: String
    ) async {
        #expect(a.payments == b.payments, "\(label): payments")
        #expect(a.merchants == b.merchants, "\(label): merchants")
        #expect(a.state.idempotencyKeys == b.state.idempotencyKeys, "\(label): idempotency keys")
        #expect(a.state.answers == b.state.answers, "\(label): answers")
        #expect(a.startedKeys == b.startedKeys, "\(label): started keys")
        #expect(a.pendingWebhooks == b.pendingWebhooks, "\(label): pending webhooks")
        #expect(a.state.paidOut == b.state.paidOut, "\(label): paid out")
        #expect(a.state.transferSequences == b.state.transferSequences, "\(label): transfer sequences")
        #expect(a.rolledForward == b.rolledForward, "\(label): rolled forward")
        #expect(a.cards == b.cards, "\(label): cards")
        #expect(a.state.paymentIDBlockReserved == b.state.paymentIDBlockReserved, "\(label): id block")
        #expect(a.state.retired == b.state.retired, "\(label): retired")
        #expect(a.state.retiredByMerchant == b.state.retiredByMerchant, "\(label): retired per merchant")
        #expect(a.report.paymentsRetired == b.report.paymentsRetired, "\(label): retired count")
        #expect(
            a.state.apiKeyHashes.map { "\($0.merchant) \($0.hash)" }
                == b.state.apiKeyHashes.map { "\($0.merchant) \($0.hash)" },
            "\(label): API keys")
        #expect(a.report.invariants == b.report.invariants, "\(label): invariants")
        #expect(a.report.records == b.report.records, "\(label): records")
        #expect(a.report.recordsByType == b.report.recordsByType, "\(label): records by type")
        #expect(a.report.paymentsByState == b.report.paymentsByState, "\(label): states")
        #expect(a.report.ledgerReplay == b.report.ledgerReplay, "\(label): ledger replay")
        #expect(await a.ledger.balancesDigest() == b.ledger.balancesDigest(), "\(label): balances")
        #expect(await a.ledger.traceDigest() == b.ledger.traceDigest(), "\(label): commit order")
        #expect(
            await a.ledger.reconcile().description == b.ledger.reconcile().description,
            "\(label): reconciliation")
    }

    @Test(arguments: Backend.allCases)
    func recoveryFromASnapshotEqualsRecoveryFromZero(backend: Backend) async throws {
        let records = Self.run.records
        #expect(records.count > 300)
        let (early, late) = try Self.repairCuts(records)
        let full = records.count
        // (snapshot after, journal ends after): mid-history snapshots with crash repair in the
        // tail, snapshots taken while a transition or an intent was still open, an empty tail.
        let cases = [
            (full / 2, full), (early / 2, early), (late / 2, late), (early - 1, early),
            (early, full), (late, full), (full, full),
        ]
        var rolledForward = 0
        for (cut, end) in cases {
            let reference = InMemoryJournal()
            _ = try await reference.append(Array(records[..<end]))
            let fromZero = try await PaymentSystemRecovery.recover(from: reference, cipher: Self.cipher())
            #expect(fromZero.report.snapshotPosition == nil)
            let directory = Self.temporaryDirectory("snapshot-equal")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let journal = try await Self.journal(
                backend, records, snapshotAt: cut, end: end, directory: directory)
            let fromSnapshot = try await PaymentSystemRecovery.recover(from: journal, cipher: Self.cipher())
            await journal.close()
            let label = "\(backend) snapshot at \(cut), end \(end)"
            #expect(fromSnapshot.report.snapshotPosition == JournalPosition(UInt64(cut)), "\(label)")
            #expect(fromSnapshot.report.recordsReplayed == end - cut, "\(label)")
            #expect(fromZero.report.invariantsHold, "\(label):\n\(fromZero.report)")
            await Self.expectSame(fromSnapshot, fromZero, label)
            rolledForward += fromZero.report.transfersRolledForward
        }
        // The tails did hold crash repair, so the comparison covered it.
        #expect(rolledForward > 0)
    }

    /// `records` with a retirement record after the last record naming each payment of odd
    /// id (as the runner retires a payment after its journey's last step), and those ids.
    static func withRetirements(_ records: [JournalRecord]) throws -> ([JournalRecord], Set<PaymentID>) {
        var last: [PaymentID: Int] = [:]
        for (index, record) in records.enumerated() {
            if let id = PaymentJournalRecord.of(record)?.payment, id.rawValue != 0 { last[id] = index }
        }
        let retired = Set(last.keys.filter { $0.rawValue % 2 == 1 })
        var after: [Int: [PaymentID]] = [:]
        for id in retired { after[last[id]!, default: []].append(id) }
        var out: [JournalRecord] = []
        for (index, record) in records.enumerated() {
            out.append(record)
            for id in (after[index] ?? []).sorted() {
                out.append(JournalRecord(PaymentJournalRecord.paymentRetired(id)))
            }
        }
        return (out, retired)
    }

    @Test func aRetiredPaymentIsForgottenAndItsSnapshotsEqualReplay() async throws {
        let plainRecords = Self.run.records
        let (records, retired) = try Self.withRetirements(plainRecords)
        #expect(!retired.isEmpty && records.count == plainRecords.count + retired.count)
        let plainJournal = InMemoryJournal()
        _ = try await plainJournal.append(plainRecords)
        let plain = try await PaymentSystemRecovery.recover(from: plainJournal, cipher: Self.cipher())
        let journal = InMemoryJournal()
        _ = try await journal.append(records)
        let recovered = try await PaymentSystemRecovery.recover(from: journal, cipher: Self.cipher())

        #expect(recovered.report.invariantsHold, "\(recovered.report)")
        #expect(recovered.report.paymentsRetired == retired.count)
        #expect(recovered.report.recordsAfterRetirement == 0)
        #expect(recovered.state.retired.count == retired.count)
        #expect(recovered.report.payments + retired.count == plain.report.payments)
        for id in retired {
            #expect(recovered.state.retired.contains(id))
            #expect(
                recovered.payments[id] == nil && recovered.cards[id] == nil)
        }
        #expect(!recovered.state.idempotencyKeys.values.contains { retired.contains($0) })
        #expect(!recovered.state.answers.values.contains { retired.contains($0.payment.id) })
        #expect(!recovered.state.startedKeys.values.contains { retired.contains($0) })
        // The payments still held are rebuilt as without retirements, and the money is the same.
        #expect(recovered.payments == plain.payments.filter { !retired.contains($0.key) })
        #expect(recovered.cards == plain.cards.filter { !retired.contains($0.key) })
        #expect(await recovered.ledger.balancesDigest() == plain.ledger.balancesDigest())
        #expect(recovered.report.transfersRolledForward == plain.report.transfersRolledForward)
        var perMerchant: [MerchantID: Int] = [:]
        for id in retired { perMerchant[try #require(plain.payments[id]).merchant, default: 0] += 1 }
        #expect(recovered.state.retiredByMerchant == perMerchant)

        let full = records.count
        for (cut, end) in [(full / 3, full), (full / 2, 2 * full / 3), (full, full)] {
            let reference = InMemoryJournal()
            _ = try await reference.append(Array(records[..<end]))
            let fromZero = try await PaymentSystemRecovery.recover(from: reference, cipher: Self.cipher())
            let directory = Self.temporaryDirectory("snapshot-retired")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let snapshotted = try await Self.journal(
                .file, records, snapshotAt: cut, end: end, directory: directory)
            let fromSnapshot = try await PaymentSystemRecovery.recover(
                from: snapshotted, cipher: Self.cipher())
            await snapshotted.close()
            #expect(fromZero.report.paymentsRetired > 0, "cut \(cut)")
            await Self.expectSame(fromSnapshot, fromZero, "retirements, snapshot at \(cut), end \(end)")
        }
    }

    @Test func aSnapshotHoldsNoPlaintextCardField() async throws {
        let (cards, records) = Self.run
        #expect(cards.count >= 30)
        let journal = InMemoryJournal()
        _ = try await journal.append(records)
        let checkpointer = JournalCheckpointer(
            journal: journal, recordsPerSnapshot: 1, ledgerConfiguration: LedgerConfiguration(),
            cipher: try Self.cipher())
        await checkpointer.catchUp()
        let snapshot = try #require(try await journal.latestSnapshot())
        let bytes = Data(snapshot.data)
        // The search works: the idempotency keys are in the clear.
        #expect(JournaledCardFieldsTests.contains(bytes, Array("key-1".utf8)))
        for (id, card) in cards.sorted(by: { $0.key < $1.key }) {
            #expect(!JournaledCardFieldsTests.contains(bytes, card.plaintext), "\(id): plaintext fields")
            #expect(!JournaledCardFieldsTests.contains(bytes, Array(card.token.utf8)), "\(id): token")
            #expect(
                !JournaledCardFieldsTests.contains(
                    bytes, withUnsafeBytes(of: card.fingerprint.littleEndian) { Array($0) }),
                "\(id): fingerprint")
        }
        // And they come back with the key, and only with it.
        let recovered = try await PaymentSystemRecovery.recover(from: journal, cipher: Self.cipher())
        #expect(recovered.cards == cards)
        await #expect(throws: RecoveryError.self) {
            _ = try await PaymentSystemRecovery.recover(from: journal, cipher: nil)
        }
    }

    /// A journal with `records` and `data` stored as its snapshot after `position`.
    static func journal(
        _ records: [JournalRecord], snapshot data: [UInt8], at position: Int
    ) async throws -> InMemoryJournal {
        let journal = InMemoryJournal()
        _ = try await journal.append(records)
        try await journal.snapshot(data, upTo: JournalPosition(UInt64(position)))
        return journal
    }

    /// `data` with its trailing checksum recomputed, as a newer build (or a bug) would have
    /// written it: the checksum passes and the content must still be judged.
    static func resealed(_ data: [UInt8]) -> [UInt8] {
        var body = Array(data.dropLast(4))
        let crc = CRC32C.checksum(body)
        for index in 0..<4 { body.append(UInt8(truncatingIfNeeded: crc >> (8 * index))) }
        return body
    }

    @Test func aDamagedNewerOrMisplacedSnapshotIsAClearErrorNeverAReplay() async throws {
        let records = Self.run.records
        let cut = records.count / 2
        let source = InMemoryJournal()
        _ = try await source.append(Array(records[..<cut]))
        let checkpointer = JournalCheckpointer(
            journal: source, recordsPerSnapshot: cut, ledgerConfiguration: LedgerConfiguration(),
            cipher: try Self.cipher())
        await checkpointer.catchUp()
        let good = try #require(try await source.latestSnapshot()).data

        var flipped = good
        flipped[flipped.count / 2] ^= 0x10
        var newer = good
        newer[4] = RecoverySnapshot.formatVersion + 1
        // A snapshot of the fold before it replayed records through the payment process.
        var older = good
        older[4] = 1
        var truncated = Array(good.dropLast(4))
        truncated.removeLast(truncated.count / 3)
        truncated += [0, 0, 0, 0]
        let cases: [(String, [UInt8], Int, String)] = [
            ("bit flip", flipped, cut, "checksum"),
            ("newer version", Self.resealed(newer), cut, "version"),
            ("older version", Self.resealed(older), cut, "cache of the journal"),
            ("truncated", Self.resealed(truncated), cut, "does not decode"),
            ("another position", good, cut - 1, "position"),
            ("not a snapshot", [1, 2, 3], cut, "magic"),
        ]
        for (label, data, position, reason) in cases {
            let journal = try await Self.journal(records, snapshot: data, at: position)
            do {
                _ = try await PaymentSystemRecovery.recover(from: journal, cipher: Self.cipher())
                Issue.record("\(label): recovery succeeded from a snapshot it cannot trust")
            } catch let error as RecoveryError {
                guard case .unreadableSnapshot(let at, let why) = error else {
                    Issue.record("\(label): expected unreadableSnapshot, got \(error)")
                    continue
                }
                #expect(at == JournalPosition(UInt64(position)), "\(label)")
                #expect(why.contains(reason), "\(label): \(why)")
                #expect(error.description.contains("snapshot"), "\(label): \(error)")
            }
        }
        // The same snapshot, undamaged, recovers.
        let intact = try await Self.journal(records, snapshot: good, at: cut)
        #expect(
            try await PaymentSystemRecovery.recover(from: intact, cipher: Self.cipher()).report.invariantsHold
        )
    }

    @Test func aSnapshotFileThatFailsItsChecksumIsAClearError() async throws {
        let records = Self.run.records
        let directory = Self.temporaryDirectory("snapshot-corrupt")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try await Self.journal(
            .file, records, snapshotAt: records.count / 2, end: records.count, directory: directory)
        await journal.close()
        let path = directory + "/snapshot.bin"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 10] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let reopened = try FileJournal(directory: directory)
        await #expect(throws: JournalError.corruptSnapshot(file: "snapshot.bin", reason: "checksum mismatch"))
        {
            _ = try await PaymentSystemRecovery.recover(from: reopened, cipher: Self.cipher())
        }
        await reopened.close()
    }

    /// A snapshot folded under one ledger shape restores only into a ledger of that shape.
    @Test func aSnapshotOfAnotherLedgerShapeIsRefused() async throws {
        let records = Self.run.records
        let journal = InMemoryJournal()
        _ = try await journal.append(records)
        let checkpointer = JournalCheckpointer(
            journal: journal, recordsPerSnapshot: 1, ledgerConfiguration: LedgerConfiguration(shardCount: 4),
            cipher: try Self.cipher())
        await checkpointer.catchUp()
        do {
            _ = try await PaymentSystemRecovery.recover(
                from: journal, ledgerConfiguration: LedgerConfiguration(shardCount: 3), cipher: Self.cipher())
            Issue.record("a 4-shard snapshot restored into a 3-shard ledger")
        } catch let error as RecoveryError {
            #expect("\(error)".contains("ledger shape"), "\(error)")
        }
        let same = try await PaymentSystemRecovery.recover(
            from: journal, ledgerConfiguration: LedgerConfiguration(shardCount: 4), cipher: Self.cipher())
        #expect(same.report.invariantsHold)
    }

    /// A live system journaling through the checkpointer (a memory journal that drops what the
    /// snapshots cover) runs exactly as without it, and recovers to the same state.
    @Test(arguments: [31, 32] as [UInt64])
    func checkpointingDoesNotChangeARunAndBoundsTheMemoryJournal(seed: UInt64) throws {
        func live(
            snapshotEvery: Int?
        ) throws -> (
            digest: UInt64, journal: InMemoryJournal, statistics: JournalCheckpointer.Statistics?
        ) {
            let runtime = DeterministicRuntime(seed: seed)
            return try runtime.run {
                () async throws -> (UInt64, InMemoryJournal, JournalCheckpointer.Statistics?) in
                let memory = InMemoryJournal(
                    configuration: InMemoryJournal.Configuration(
                        dropsSnapshottedRecords: snapshotEvery != nil))
                let checkpointer = snapshotEvery.map {
                    JournalCheckpointer(
                        journal: memory, recordsPerSnapshot: $0,
                        ledgerConfiguration: LedgerConfiguration(shardCount: 4), cipher: nil, runtime: runtime
                    )
                }
                let journal: any Journal = checkpointer ?? memory
                let system = try PaymentRecoveryTests.makeSystem(runtime, journal: journal)
                try await PaymentRecoveryTests.drive(system)
                return (await system.ledger.traceDigest(), memory, checkpointer?.statistics)
            }
        }
        let plain = try live(snapshotEvery: nil)
        let checkpointed = try live(snapshotEvery: 64)
        #expect(checkpointed.digest == plain.digest, "seed \(seed): snapshots changed the run")
        let statistics = try #require(checkpointed.statistics)
        #expect(statistics.snapshots > 3, "\(statistics)")
        #expect(statistics.failures == 0, "\(statistics)")
        let last = try DeterministicRuntime(seed: seed).run { await checkpointed.journal.lastPosition() }
        #expect(checkpointed.journal.recordsHeld < Int(last.sequence) - 64 * 3)
        #expect(checkpointed.journal.firstRetainedPosition() == statistics.lastSnapshotPosition.next)

        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let ledger = LedgerConfiguration(shardCount: 4)
            let fromZero = try await PaymentSystemRecovery.recover(
                from: plain.journal, ledgerConfiguration: ledger)
            let fromSnapshot = try await PaymentSystemRecovery.recover(
                from: checkpointed.journal, ledgerConfiguration: ledger)
            #expect(fromSnapshot.report.snapshotPosition == statistics.lastSnapshotPosition)
            #expect(fromZero.report.invariantsHold, "\(fromZero.report)")
            await Self.expectSame(fromSnapshot, fromZero, "seed \(seed)")
        }
    }
}
