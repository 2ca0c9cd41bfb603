import Core
import Journal
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// Replay of a journal: the ledger's transfers alone reproduce its balances exactly, and a
/// journaled payment system is rebuilt with the same payments, merchants and balances, also
/// from any prefix of its journal (a crash at every record boundary).
@Suite struct LedgerReplayTests {
    static func workload(seed: UInt64) -> LedgerWorkloadConfiguration {
        var configuration = LedgerWorkloadConfiguration()
        configuration.seed = seed
        configuration.transfers = 3_000
        configuration.producers = 8
        configuration.shardCount = 4
        configuration.merchants = 100
        configuration.batchSize = 16
        configuration.redeliveryRate = 0.05
        return configuration
    }

    @Test(arguments: [1, 2] as [UInt64])
    func replayOfAJournaledWorkloadReproducesTheExactBalances(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        let configuration = Self.workload(seed: seed)
        try runtime.run {
            let journal = InMemoryJournal()
            let result = try await LedgerWorkload.run(
                configuration, runtime: runtime, journal: JournalLedgerAdapter(journal))
            #expect(result.checksHold, "seed \(seed)")
            var ledgerConfiguration = LedgerConfiguration(shardCount: configuration.shardCount)
            ledgerConfiguration.defaultFlags[.merchantBalance] = [.debitsMustNotExceedCredits]
            let fresh = try ShardedLedger(configuration: ledgerConfiguration)
            let report = try await fresh.replay(from: journal)
            #expect(report.transfersRead == result.applied, "seed \(seed): one record per applied transfer")
            #expect(report.isComplete, "seed \(seed): \(report)")
            #expect(report.alreadyApplied == 0)
            #expect(await fresh.balancesDigest() == result.balancesDigest, "seed \(seed)")
            #expect(await fresh.reconcile().isBalanced)
            // Replaying again is idempotent: exactly-once answers alreadyApplied for everything.
            let again = try await fresh.replay(from: journal)
            #expect(again.applied == 0 && again.alreadyApplied == report.applied)
            #expect(await fresh.balancesDigest() == result.balancesDigest)
        }
    }

    /// Concurrent submitters journal in append order, not booking order: a debit can precede
    /// the credit that covered it. Replay defers it instead of losing it, and reports a transfer
    /// that can never apply.
    @Test func aDebitJournaledBeforeItsCoveringCreditIsDeferredAndAnImpossibleOneReported() async throws {
        let merchant = AccountID.merchantBalance(MerchantID(3), .usd)
        let credit = Transfer(
            id: TransferID(1), currency: .usd, debit: .customerFunds(.usd), credit: merchant, amount: 100)
        let payout = Transfer(
            id: TransferID(2), currency: .usd, debit: merchant, credit: .bank(.usd), amount: 100)
        // A merchant that never received anything cannot pay out, in any order.
        let impossible = Transfer(
            id: TransferID(3), currency: .usd, debit: .merchantBalance(MerchantID(4), .usd),
            credit: .bank(.usd),
            amount: 1)
        let journal = InMemoryJournal()
        _ = try await journal.append([payout, credit, impossible].map { JournalRecord($0.journalRecord) })
        var configuration = LedgerConfiguration(shardCount: 2)
        configuration.defaultFlags[.merchantBalance] = [.debitsMustNotExceedCredits]
        let ledger = try ShardedLedger(configuration: configuration)
        let report = try await ledger.replay(from: journal)
        #expect(report.transfersRead == 3)
        #expect(report.applied == 2)
        #expect(report.appliedAfterDeferral == 1)
        #expect(report.rejected == 1 && !report.isComplete)
        #expect(report.rejectedExamples.first?.contains("\(TransferID(3))") == true)
        #expect(await ledger.balance(of: merchant).balance == 0)
        #expect(await ledger.reconcile().isBalanced)
    }

    @Test func everyPhaseOfTransferRoundTripsThroughItsJournalRecord() throws {
        let pending = Transfer(
            id: TransferID(7), currency: .jpy, debit: .networkReceivable(.visa, .jpy),
            credit: .customerFunds(.jpy),
            amount: 5_000, code: 10, phase: .pending)
        let transfers = [
            Transfer(
                id: TransferID(1 << 40 | 3), currency: .kwd,
                legs: [
                    .debit(.customerFunds(.kwd), 1_234),
                    .credit(.merchantBalance(MerchantID(9), .kwd), 1_200),
                    .credit(.feesRevenue(.kwd), 34),
                ], code: 11),
            pending, Transfer.post(TransferID(8), of: pending, amount: 4_000),
            Transfer.void(TransferID(9), of: pending),
        ]
        for transfer in transfers {
            let record = JournalRecord(transfer.journalRecord)
            let decoded = try Transfer(journalRecord: record.decode(LedgerTransferRecord.self))
            #expect(decoded == transfer)
        }
    }

    @Test func aRecordWithAnUnknownCurrencyIsATypedError() {
        var record = Transfer(
            id: TransferID(1), currency: .usd, debit: .customerFunds(.usd), credit: .bank(.usd), amount: 1
        ).journalRecord
        record.currencyIndex = 200
        #expect(throws: JournalError.self) { try Transfer(journalRecord: record) }
    }
}

@Suite struct PaymentRecoveryTests {
    static let merchants = [MerchantID(7), MerchantID(8)]

    static func makeSystem(_ runtime: DeterministicRuntime, journal: any Journal) throws -> PaymentSystem {
        var configuration = PaymentSystemConfiguration()
        configuration.paymentShards = 4
        configuration.ledgerShards = 4
        configuration.webhooks.enabled = false
        configuration.journal = DurablePaymentJournal(journal)
        for kind in PaymentNetwork.allCases {
            configuration.networks[kind] = NetworkBehaviour(
                latencyMedian: .milliseconds(50), latencySigma: 0, declineRate: 0.1, fraudDeclineRate: 0,
                timeoutRate: 0.1)
        }
        return try PaymentSystem(runtime: runtime, configuration: configuration)
    }

    static func request(
        _ merchant: MerchantID, _ minorUnits: Int64, _ currency: Currency, manual: Bool
    ) throws
        -> PaymentRequest
    {
        PaymentRequest(
            merchant: merchant, amount: Money(minorUnits: minorUnits, currency: currency),
            method: .card(
                try Card.tokenize(
                    pan: pan(Int(minorUnits)), expiryMonth: 12, expiryYear: 2030, funding: .credit,
                    token: "tok_\(minorUnits)")),
            captureMethod: manual ? .manual : .automatic, customerCountry: "US", deviceID: UInt64(minorUnits))
    }

    /// A distinct valid Visa number per payment (one card reused 40 times is a velocity pattern
    /// the fraud engine blocks).
    static func pan(_ number: Int) -> String {
        let body = "4" + String(String(100_000_000_000_000 + number).suffix(14))
        var sum = 0
        for (index, character) in body.reversed().enumerated() {
            var digit = Int(String(character))!
            if index % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return body + String((10 - sum % 10) % 10)
    }

    /// Drives every lifecycle path: automatic and manual (partial) capture, voids, refunds,
    /// disputes won and lost, declines and timeouts from the networks, settlement and payouts.
    static func drive(_ system: PaymentSystem) async throws {
        var keys: [MerchantID: String] = [:]
        keys[merchants[0]] = try #require(try await system.onboard(merchants[0], settlementCurrency: .usd))
            .secret
        keys[merchants[1]] = try #require(try await system.onboard(merchants[1], settlementCurrency: .eur))
            .secret
        for number in 0..<40 {
            let merchant = merchants[number % 2]
            let apiKey = keys[merchant]!
            let currency: Currency = number % 3 == 0 ? .eur : .usd
            let manual = number % 4 != 0
            let created = await system.createPayment(
                try request(merchant, Int64(1_000 + number * 37), currency, manual: manual), apiKey: apiKey,
                idempotencyKey: "key-\(number)")
            guard created.isSuccess, let id = created.paymentID else { continue }
            switch number % 5 {
            case 0:
                _ = await system.cancel(id, merchant: merchant, apiKey: apiKey)
            case 1:
                _ = await system.capture(id, amountMinorUnits: 500, merchant: merchant, apiKey: apiKey)
                _ = await system.refund(id, amountMinorUnits: 200, merchant: merchant, apiKey: apiKey)
            case 2:
                _ = await system.capture(
                    id, merchant: merchant, apiKey: apiKey, idempotencyKey: "cap-\(number)")
                do {
                    try await system.orchestrator.openDispute(id, amountMinorUnits: 300)
                    try await system.orchestrator.submitDisputeEvidence(id)
                    try await system.orchestrator.closeDispute(id, won: number % 2 == 0)
                } catch {
                    Issue.record("dispute of \(id): \(error)")
                }
            default:
                _ = await system.capture(id, merchant: merchant, apiKey: apiKey)
            }
        }
        _ = await system.runDailySettlement()
    }

    @Test(arguments: [3, 4] as [UInt64])
    func aJournaledRunRecoversTheSamePaymentsMerchantsAndBalances(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let journal = InMemoryJournal()
            let system = try Self.makeSystem(runtime, journal: journal)
            try await Self.drive(system)
            let live = Dictionary(
                uniqueKeysWithValues: await system.orchestrator.allPayments().map {
                    ($0.id, RecoveredPayment($0))
                })
            #expect(live.count > 20)

            let recovered = try await PaymentSystemRecovery.recover(
                from: journal, ledgerConfiguration: LedgerConfiguration(shardCount: 3))
            #expect(recovered.report.invariantsHold, "seed \(seed):\n\(recovered.report)")
            #expect(recovered.payments.mapValues(RecoveredPayment.init) == live, "seed \(seed)")
            // Each payment's process replayed its bookings as the live one booked them.
            let all = await system.orchestrator.allPayments()
            for record in all {
                #expect(recovered.payments[record.id].map(Self.booked) == Self.booked(record), "\(record.id)")
            }
            #expect(all.contains { $0.lockedRate != nil }, "no cross-currency capture to check")
            #expect(Set(recovered.merchants.keys) == Set(Self.merchants))
            #expect(recovered.merchants[Self.merchants[1]] == .eur)
            #expect(await recovered.ledger.balancesDigest() == system.ledger.balancesDigest())
            #expect(recovered.report.transfersRolledForward == 0)
            #expect(recovered.state.idempotencyKeys["\(Self.merchants[0])/key-0"] != nil)
            // The run covered what recovery must rebuild.
            let states = Set(live.values.map { "\($0.payment.state)" })
            #expect(
                states.contains("settled") && states.contains("voided") && states.contains("disputed"),
                "\(live.values.map { "\($0.payment.state)" }.sorted())")
        }
    }

    /// What a payment's bookings and events left in its record (not its rate: recovery keeps
    /// the one the capture's booking implies, and not when it was opened: the journal holds its
    /// first record's time).
    static func booked(_ record: PaymentRecord) -> [String] {
        [
            "\(record.hold?.id.rawValue ?? 0)", "\(record.capturedSettled)", "\(record.feeSettled)",
            "\(record.refundedSettled)", "\(record.disputedSettled)", "\(record.disputeFeeSettled)",
            "\(record.eventsEmitted)", "\(record.authorizedAt?.nanoseconds ?? -1)",
            "\(record.isCreationEventEmitted)",
            // The rate a cross-currency capture locked, as journaled with its booking.
            String(describing: record.lockedRate),
        ]
    }

    /// A crash at every record boundary: each prefix of the journal recovers to a consistent
    /// state: balanced ledger, nothing acknowledged missing, nothing half-booked.
    @Test func everyPrefixOfTheJournalRecoversConsistently() throws {
        let runtime = DeterministicRuntime(seed: 5)
        try runtime.run {
            let journal = InMemoryJournal()
            let system = try Self.makeSystem(runtime, journal: journal)
            try await Self.drive(system)
            let entries = try await journal.read(from: .origin, limit: .max)
            #expect(entries.count > 300)
            var rolledForward = 0
            for cut in 0...entries.count {
                let prefix = InMemoryJournal()
                if cut > 0 { _ = try await prefix.append(entries[..<cut].map(\.record)) }
                let recovered = try await PaymentSystemRecovery.recover(from: prefix)
                #expect(recovered.report.invariantsHold, "cut \(cut):\n\(recovered.report)")
                rolledForward += recovered.report.transfersRolledForward
            }
            // The cuts did fall inside operations, so the repair path was exercised.
            #expect(rolledForward > 0)
        }
    }

    /// A journaled image of payment `id` of merchant 7.
    static func image(
        _ id: PaymentID, _ network: PaymentNetwork?, _ state: PaymentState, amount: Int64,
        currency: Currency = .usd, captured: Int64 = 0, disputeStatus: DisputeStatus? = nil,
        isSettled: Bool = false, isAuthenticated: Bool = false
    ) throws -> RecoveredPayment {
        RecoveredPayment(
            id: id, merchant: MerchantID(7), network: network,
            payment: try Payment(
                restoring: state, amount: Money(minorUnits: amount, currency: currency),
                amountCapturableMinorUnits: 0, amountCapturedMinorUnits: captured,
                amountRefundedMinorUnits: 0,
                dispute: disputeStatus.map { (0, $0) }, isSettled: isSettled, isAuthenticated: isAuthenticated
            ))
    }

    /// A record whose amounts break `Payment`'s invariants (refunded beyond captured, as a
    /// corrupted or foreign journal could hold) is refused where it is read: counted against
    /// the bounds check and left out, and the rest of the journal recovers.
    @Test func aRecordWithImpossibleAmountsIsAViolationAndLeftOut() async throws {
        let payment = try Self.image(PaymentID(1), .visa, .captured, amount: 1_000, captured: 1_000)
        var bytes = JournalRecord(
            PaymentJournalRecord.transition(
                JournaledTransition(
                    command: .capture(amountMinorUnits: nil), next: .done, events: [.chargeCaptured],
                    result: payment, eventsEmitted: 1, timeNanoseconds: 0))
        ).payload
        // amount 1,000, capturable 0, captured 1,000, refunded 0 (zigzag varints): refunded 2,000.
        let amounts: [UInt8] = [0xD0, 0x0F, 0x00, 0xD0, 0x0F, 0x00]
        let at = try #require(
            (0...(bytes.count - amounts.count)).first { Array(bytes[$0..<($0 + amounts.count)]) == amounts })
        bytes.replaceSubrange((at + 5)..<(at + 6), with: [0xA0, 0x1F])
        let journal = InMemoryJournal()
        _ = try await journal.append([
            JournalRecord(
                PaymentJournalRecord.merchantOnboarded(
                    MerchantID(7), settlementCurrency: .usd, timeNanoseconds: 0)),
            JournalRecord(
                type: PaymentJournalRecord.recordType, version: PaymentJournalRecord.formatVersion,
                payload: bytes),
        ])
        let report = try await PaymentSystemRecovery.recover(from: journal).report
        let bounds = try #require(report.invariant("payment_amounts_within_bounds"))
        #expect(
            bounds.violations == 1 && bounds.examples.first?.hasPrefix("\(PaymentID(1)):") == true,
            "\(bounds)")
        #expect(report.payments == 0 && report.transitions == 0)
    }

    /// The checks can fail: an acknowledgement the journal has no transition for, and a second
    /// capture of one payment, are reported.
    @Test func anAcknowledgementWithoutItsTransitionAndADoubleCaptureAreViolations() async throws {
        let journal = InMemoryJournal()
        let payment = try Self.image(PaymentID(1), .visa, .captured, amount: 1_000, captured: 1_000)
        let ghost = RecoveredPayment(
            id: PaymentID(2), merchant: payment.merchant, network: payment.network, payment: payment.payment)
        let capture = PaymentJournalRecord.transition(
            JournaledTransition(
                command: .capture(amountMinorUnits: nil), next: .done, events: [.chargeCaptured],
                result: payment, eventsEmitted: 1, timeNanoseconds: 0))
        let ack = PaymentJournalRecord.acknowledged(
            .capture, httpStatus: 200, answer: ghost, timeNanoseconds: 0, idempotencyKey: nil)
        _ = try await journal.append([
            JournalRecord(
                PaymentJournalRecord.merchantOnboarded(
                    MerchantID(7), settlementCurrency: .usd, timeNanoseconds: 0)),
            JournalRecord(capture), JournalRecord(capture), JournalRecord(ack),
        ])
        let report = try await PaymentSystemRecovery.recover(from: journal).report
        #expect(!report.invariantsHold)
        #expect(report.invariant("acknowledged_answers_were_durable")?.violations == 1)
        #expect(report.invariant("no_payment_captured_twice")?.violations == 1)
        #expect(report.invariant("captured_payments_booked_once")?.violations == 1)
    }

    /// Every kind of record decodes to what was encoded: encoding the decoded record gives the
    /// same bytes.
    @Test func servicesRecordsRoundTrip() throws {
        let payment = try Self.image(
            PaymentID(3), .amex, .failed(.stolenCard), amount: 10, currency: .kwd,
            disputeStatus: .underReview,
            isSettled: true, isAuthenticated: true)
        let transfer = Transfer(
            id: TransferID(5), currency: .eur, debit: .customerFunds(.eur), credit: .fx(.eur), amount: 99)
        let refund = PaymentProcess.Booking(
            transfers: [transfer], network: .visa, day: 3,
            purpose: .refund(RefundID(8), amount: Money(minorUnits: 7, currency: .eur), settledMinorUnits: 6))
        let records: [PaymentJournalRecord] = [
            .merchantOnboarded(MerchantID(1 << 40), settlementCurrency: .jpy, timeNanoseconds: -5),
            .apiKeyIssued(MerchantID(UInt64.max), keyHash: (0..<32).map { UInt8($0 * 7) }),
            .webhookSettled(EventID(1 << 63 | 5), deadLettered: true),
            .paymentIDBlock(firstID: 1 << 20), .paymentRetired(PaymentID(UInt64.max)),
            .opened(payment, timeNanoseconds: 1, idempotencyKey: "k", sealedCard: [1, 2, 3]),
            .transition(
                JournaledTransition(
                    command: .refund(amountMinorUnits: 7), next: .refund(amountMinorUnits: 7),
                    events: [.chargeRefunded, .paymentIntentSucceeded], result: payment, eventsEmitted: 4,
                    booking: refund, timeNanoseconds: 9, idempotencyKey: nil, sealedCard: nil)),
            .bookingIntent(PaymentID(77), refund),
            .bookingAborted(PaymentID(77)),
            // Cases the layout leaves to `Codable` (after its tag 255), beside hand-coded ones.
            .transition(
                JournaledTransition(
                    command: .openDispute(amountMinorUnits: 5, isInquiry: false),
                    next: .bankReturn(
                        BankReturnNotice(
                            paymentID: PaymentID(3), amount: Money(minorUnits: 5, currency: .kwd), code: .r02,
                            day: 9)),
                    events: [], result: payment, eventsEmitted: 1, timeNanoseconds: 2,
                    idempotencyKey: "k", sealedCard: [9])),
            .bookingIntent(
                PaymentID(3),
                PaymentProcess.Booking(
                    transfers: [transfer], purpose: .hold(transfer, capturesAutomatically: true))),
            .bookingIntent(
                PaymentID(3),
                PaymentProcess.Booking(
                    transfers: [transfer], isFiledOnSettlementDay: true,
                    purpose: .capture(
                        lockedRate: try LockedRate(
                            id: FXQuoteID(6),
                            midMarket: ExchangeRate(from: .eur, to: .usd, nanos: 1_100_000_000),
                            spreadBasisPoints: 100, lockedAt: SimTime(nanoseconds: 4)),
                        capturedMinorUnits: 99, settledMinorUnits: 108, feeMinorUnits: 3, hold: transfer))),
            .bookingIntent(
                PaymentID(3),
                PaymentProcess.Booking(
                    transfers: [],
                    purpose: .disputeReinstatement(amount: Money(minorUnits: 5, currency: .kwd)))),
            .acknowledged(
                .refund, httpStatus: 402, answer: payment, timeNanoseconds: 123, idempotencyKey: "k"),
        ]
        for record in records {
            let journaled = JournalRecord(record)
            #expect(journaled.type == PaymentJournalRecord.recordType)
            #expect(journaled.version == PaymentJournalRecord.formatVersion)
            let decoded = try journaled.decode(PaymentJournalRecord.self)
            #expect(JournalRecord(decoded).payload == journaled.payload, "\(record)")
        }
        // A truncated record is refused, not misread.
        let cut = JournalRecord(records[6]).payload.dropLast(3)
        #expect(throws: JournalError.self) {
            _ = try JournalRecord(
                type: PaymentJournalRecord.recordType, version: PaymentJournalRecord.formatVersion,
                payload: Array(cut)
            )
            .decode(PaymentJournalRecord.self)
        }
    }

    /// Every command and every next step a transition can journal comes back as written, those
    /// the layout codes by hand and those it leaves to `Codable`.
    @Test func everyCommandAndStepRoundTrips() throws {
        let payment = try Self.image(PaymentID(3), nil, .created, amount: 10)
        let commands: [PaymentCommand] = [
            .authorizationResult(.approved), .authorizationResult(.declined(.doNotHonor)),
            .authorizationResult(.timedOut), .requireAction, .actionCompleted, .actionAbandoned,
            .inquiryResult(.approved), .inquiryResult(.declined(.expiredCard)), .inquiryResult(.notFound),
            .reverse,
            .capture(amountMinorUnits: nil), .capture(amountMinorUnits: 4), .void, .expire, .settle,
            .refund(amountMinorUnits: 3), .openDispute(amountMinorUnits: 2, isInquiry: true), .submitEvidence,
            .escalateInquiry, .closeInquiry, .closeDispute(.won), .bankReturn,
        ]
        let steps: [PaymentProcess.Next] =
            [
                .done, .decline(.fraudulent), .waitForCustomer, .reverse, .capture, .release,
                .refund(amountMinorUnits: 5), .withdrawDisputedFunds, .reinstateDisputedFunds,
                .bankReturn(
                    BankReturnNotice(
                        paymentID: PaymentID(3), amount: Money(minorUnits: 5, currency: .usd), code: .r01,
                        day: 2)),
            ]
            + [false, true].flatMap { automatic in
                [
                    .challenge(capturesAutomatically: automatic),
                    .authorize(capturesAutomatically: automatic),
                    .bookHold(capturesAutomatically: automatic),
                    .inquire(capturesAutomatically: automatic, countsTimeout: !automatic),
                ]
            }
        for (index, command) in commands.enumerated() {
            let next = steps[index % steps.count]
            let record = JournalRecord(
                PaymentJournalRecord.transition(
                    JournaledTransition(
                        command: command, next: next, events: [], result: payment, eventsEmitted: 0,
                        timeNanoseconds: 0)))
            guard case .transition(let decoded) = try record.decode(PaymentJournalRecord.self) else {
                Issue.record("\(command) did not decode as a transition")
                continue
            }
            #expect(decoded.command == command)
            #expect(decoded.next == next, "\(next)")
        }
    }

    /// A journal written by a build of payment journal format 1 or 2 is refused with an error
    /// that names the format, not misread.
    @Test func aJournalOfAnEarlierFormatIsRefused() async throws {
        let event = PaymentEventRecord(
            paymentID: 1, merchantID: 1, eventType: 1, state: 1, amounts: Array(repeating: 0, count: 12),
            currencyIndex: 0, timeNanoseconds: 0)
        // Format 2's record type, its paymentIDBlock case (tag 9) as that build wrote it.
        let formatTwo = JournalRecord(type: PaymentJournalRecord.recordType, version: 2, payload: [9, 1])
        for (record, version) in [(JournalRecord(event), UInt8(1)), (formatTwo, 2)] {
            let journal = InMemoryJournal()
            _ = try await journal.append([record])
            await #expect {
                _ = try await PaymentSystemRecovery.recover(from: journal)
            } throws: { error in
                guard case RecoveryError.journalFormat(_, let found) = error else { return false }
                return found == version && "\(error)".contains("format \(version)")
                    && "\(error)".contains("format 3")
            }
        }
    }
}
