import Core
import Foundation
import Journal
import PaystormRuntime
import Testing

@testable import Services

/// The card fields a journal keeps are sealed with AES-GCM under the run's
/// key, so that the bytes on disk hold none of them in the clear, and recovery with the key
/// (and only with it) gives them back.
@Suite struct JournaledCardFieldsTests {
    static let key: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 3) }

    /// Runs the recovery fixture's workload with a journal key; returns the live card fields
    /// per payment and the journal's records.
    static func journaledRun(
        seed: UInt64
    ) throws -> (cards: [PaymentID: JournaledCardFields], records: [JournalRecord]) {
        let memory = InMemoryJournal()
        let runtime = DeterministicRuntime(seed: seed)
        return try runtime.run { () async throws -> ([PaymentID: JournaledCardFields], [JournalRecord]) in
            var configuration = try PaymentRecoveryTests.makeSystem(runtime, journal: memory).configuration
            configuration.journal = DurablePaymentJournal(
                memory, cipher: try FieldCipher(key: Self.key, domain: UInt32(seed)))
            let system = try PaymentSystem(runtime: runtime, configuration: configuration)
            try await PaymentRecoveryTests.drive(system)
            var cards: [PaymentID: JournaledCardFields] = [:]
            for record in await system.orchestrator.allPayments() { cards[record.id] = record.card }
            return (cards, try await memory.read(from: .origin, limit: .max).map(\.record))
        }
    }

    /// Every byte of every segment file in `directory`.
    static func segmentBytes(_ directory: String) throws -> Data {
        var bytes = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        where name.hasSuffix(".wal") {
            bytes += try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return bytes
    }

    static func contains(_ haystack: Data, _ needle: [UInt8]) -> Bool {
        haystack.range(of: Data(needle)) != nil
    }

    @Test func cardFieldsAreSealedOnDiskAndRecoveryWithTheKeyRestoresThem() async throws {
        let (cards, records) = try Self.journaledRun(seed: 11)
        #expect(cards.count >= 30)
        let sealedRecords = records.filter {
            switch PaymentJournalRecord.of($0) {
            case .transition(let transition)?: transition.sealedCard != nil
            case .opened(_, _, _, let sealed)?: sealed != nil
            default: false
            }
        }
        // One sealed copy per payment: on its first transition.
        #expect(sealedRecords.count == cards.count)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-card-fields-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try FileJournal(directory: directory)
        _ = try await file.append(records)
        await file.close()

        let disk = try Self.segmentBytes(directory)
        // The search works: the idempotency keys are in the clear.
        #expect(Self.contains(disk, Array("key-1".utf8)))
        for (id, card) in cards.sorted(by: { $0.key < $1.key }) {
            #expect(!Self.contains(disk, card.plaintext), "\(id): the sealed fields' plaintext is on disk")
            #expect(!Self.contains(disk, Array(card.token.utf8)), "\(id): token \(card.token) is on disk")
            #expect(!Self.contains(disk, [4] + Array(card.last4.utf8)), "\(id): last4 is on disk")
            #expect(
                !Self.contains(disk, withUnsafeBytes(of: card.fingerprint.littleEndian) { Array($0) }),
                "\(id): the fingerprint is on disk")
        }

        let reopened = try FileJournal(directory: directory)
        let recovered = try await PaymentSystemRecovery.recover(
            from: reopened, cipher: FieldCipher(key: Self.key))
        await reopened.close()
        #expect(recovered.report.invariantsHold, "\(recovered.report)")
        #expect(recovered.cards == cards)
        #expect(recovered.cards.values.allSatisfy { $0.expiryYear == 2030 && $0.expiryMonth == 12 })
    }

    @Test func recoveryWithoutTheKeyOrWithAnotherKeyIsAClearError() async throws {
        let (_, records) = try Self.journaledRun(seed: 12)
        let journal = InMemoryJournal()
        _ = try await journal.append(records)
        var wrongKey = Self.key
        wrongKey[0] ^= 1
        for cipher in [nil, try FieldCipher(key: wrongKey)] as [FieldCipher?] {
            do {
                _ = try await PaymentSystemRecovery.recover(from: journal, cipher: cipher)
                Issue.record("recovery with \(cipher == nil ? "no key" : "a wrong key") succeeded")
            } catch let error as RecoveryError {
                guard case .cardFields = error else {
                    Issue.record("expected cardFields, got \(error)")
                    continue
                }
                #expect(error.description.contains("journal key"), "\(error)")
            }
        }
    }

    @Test func aResumedSystemKeepsTheCardFields() throws {
        let runtime = DeterministicRuntime(seed: 13)
        try runtime.run {
            let journal = InMemoryJournal()
            var configuration = try PaymentRecoveryTests.makeSystem(runtime, journal: journal).configuration
            configuration.journal = DurablePaymentJournal(
                journal, cipher: try FieldCipher(key: Self.key, domain: 13))
            let live = try PaymentSystem(runtime: runtime, configuration: configuration)
            try await PaymentRecoveryTests.drive(live)
            let before = Dictionary(
                uniqueKeysWithValues: await live.orchestrator.allPayments().map { ($0.id, $0.card) })
            let (resumed, _) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration)
            let after = Dictionary(
                uniqueKeysWithValues: await resumed.orchestrator.allPayments().map { ($0.id, $0.card) })
            #expect(after == before)
            #expect(after.values.allSatisfy { $0 != nil })
        }
    }
}
