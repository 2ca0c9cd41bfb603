import Core
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// `PaymentProcess` with plain values: every state against every input that applies a
/// command (checked against Core's `PaymentStateMachine`, the leaf it builds on), what each
/// durable transition leads to, what a refused journal undoes, what a booking records and owes,
/// and where each planted bug strikes.
@Suite struct PaymentProcessTests {
    static let merchant = MerchantID(7)
    static let id = PaymentID(42)

    /// A record in `state`, reached through Core's machine (4,000 USD, a hold while authorized),
    /// with the events and transitions that path counted.
    static func record(_ state: PaymentState, currency: Currency = .usd) throws -> PaymentRecord {
        var payment = try Payment(amount: Money(minorUnits: 4_000, currency: currency))
        let path: [PaymentCommand] =
            switch state {
            case .created: []
            case .requiresAction: [.requireAction]
            case .authorizationUnknown: [.authorizationResult(.timedOut)]
            case .authorized: [.authorizationResult(.approved)]
            case .captured: [.authorizationResult(.approved), .capture(amountMinorUnits: 3_000)]
            case .settled: [.authorizationResult(.approved), .capture(amountMinorUnits: 3_000), .settle]
            case .failed(let code): [.authorizationResult(.declined(code))]
            case .voided: [.void]
            case .expired: [.authorizationResult(.approved), .expire]
            case .refunded:
                [
                    .authorizationResult(.approved), .capture(amountMinorUnits: 3_000),
                    .refund(amountMinorUnits: 3_000),
                ]
            case .disputed:
                [
                    .authorizationResult(.approved), .capture(amountMinorUnits: 3_000),
                    .openDispute(amountMinorUnits: 3_000, isInquiry: false),
                ]
            case .returned: [.authorizationResult(.approved), .capture(amountMinorUnits: 3_000), .bankReturn]
            }
        var events = 0
        for command in path { events += try payment.apply(command).count }
        let parties = PaymentBookkeeping.Parties(
            merchant: merchant, network: .visa, presentment: currency, settlement: .usd)
        var record = PaymentRecord(
            id: id, merchant: merchant, payment: payment, network: .visa, parties: parties, createdAt: .zero,
            isFraudulentTruth: false, fingerprint: 1)
        record.eventsEmitted = events
        record.transitions = path.count
        record.isCreationEventEmitted = true
        if state == .authorized {
            record.hold = PaymentBookkeeping.authorizationHold(TransferID(1), parties, amount: 4_000)
        }
        return record
    }

    static let states: [PaymentState] = [
        .created, .requiresAction, .authorizationUnknown, .authorized, .captured, .settled,
        .failed(.doNotHonor),
        .voided, .expired, .refunded, .disputed, .returned,
    ]

    static let notice = BankReturnNotice(
        paymentID: id, amount: Money(minorUnits: 3_000, currency: .usd), code: .r01, day: 9)

    /// Every input that applies a command, with the command it applies.
    static let commandInputs: [(PaymentProcess.Input, PaymentCommand)] = [
        (.confirm(requiresAuthentication: true, capturesAutomatically: false, route: nil), .requireAction),
        (.authenticated(true, capturesAutomatically: false), .actionCompleted),
        (.authenticated(false, capturesAutomatically: false), .actionAbandoned),
        (.capture(amountMinorUnits: nil), .capture(amountMinorUnits: nil)),
        (.capture(amountMinorUnits: 1_000), .capture(amountMinorUnits: 1_000)),
        (.cancel, .void),
        (.refund(amountMinorUnits: 1_000), .refund(amountMinorUnits: 1_000)),
        (.submitDisputeEvidence, .submitEvidence),
        (.screened(.block, capturesAutomatically: false), .authorizationResult(.declined(.fraudulent))),
        (.screened(.requireThreeDSecure, capturesAutomatically: false), .requireAction),
        (
            .authorizationAnswered(nil, isRetry: false, capturesAutomatically: false),
            .authorizationResult(.declined(.issuerNotAvailable))
        ),
        (
            .authorizationAnswered(.approved(authCode: "a"), isRetry: false, capturesAutomatically: false),
            .authorizationResult(.approved)
        ),
        (
            .authorizationAnswered(
                .declined(.insufficientFunds), isRetry: false, capturesAutomatically: false),
            .authorizationResult(.declined(.insufficientFunds))
        ),
        (
            .authorizationAnswered(.timedOut, isRetry: false, capturesAutomatically: false),
            .authorizationResult(.timedOut)
        ),
        (.inquiryAnswered(nil, attempt: 3, capturesAutomatically: false), .reverse),
        (
            .inquiryAnswered(.approved(authCode: "a"), attempt: 1, capturesAutomatically: false),
            .inquiryResult(.approved)
        ),
        (
            .inquiryAnswered(.declined(.doNotHonor), attempt: 1, capturesAutomatically: false),
            .inquiryResult(.declined(.doNotHonor))
        ),
        (.inquiryAnswered(.notFound, attempt: 1, capturesAutomatically: false), .inquiryResult(.notFound)),
        (.inquiryAnswered(.reversed, attempt: 1, capturesAutomatically: false), .inquiryResult(.notFound)),
        (
            .disputeOpened(amountMinorUnits: 1_000, isInquiry: false),
            .openDispute(amountMinorUnits: 1_000, isInquiry: false)
        ),
        (
            .disputeOpened(amountMinorUnits: 1_000, isInquiry: true),
            .openDispute(amountMinorUnits: 1_000, isInquiry: true)
        ),
        (.inquiryEscalated, .escalateInquiry),
        (.inquiryClosed, .closeInquiry),
        (.disputeClosed(won: true), .closeDispute(.won)),
        (.disputeClosed(won: false), .closeDispute(.lost)),
        (.bankReturned(notice), .bankReturn),
        (.authorizationExpired, .expire),
        (.settlementDue, .settle),
    ]

    static func context(_ bug: PlantedBug? = nil) -> PaymentProcess.Context {
        PaymentProcess.Context(
            now: SimTime(nanoseconds: 5_000), fees: .stripe, plantedBug: bug, inquiriesMax: 3,
            transferIDs: TransferIDSequence(producer: 0x1_0000, sequence: 100))
    }

    static func isBalanced(_ transfer: Transfer) -> Bool {
        let debits = transfer.legs.filter { $0.side == .debit }.reduce(0) { $0 + $1.amount }
        let credits = transfer.legs.filter { $0.side == .credit }.reduce(0) { $0 + $1.amount }
        return debits == credits
    }

    /// A short name per action, for comparing lists.
    static func name(_ action: PaymentProcess.Action) -> String {
        switch action {
        case .journal(let transition): "journal(\(transition.command.name))"
        case .emit(let events, let index, _, _):
            "emit(\(events.map(\.rawValue).joined(separator: ",")) at \(index))"
        case .screen: "screen"
        case .challenge: "challenge"
        case .waitForCustomer: "wait_for_customer"
        case .authorize(let isRetry, _): isRetry ? "authorize(retry)" : "authorize"
        case .inquire(let attempt, _): "inquire(\(attempt))"
        case .lockRate: "lock_rate"
        case .book(let booking, _): "book(\(booking.transfers.count))"
        case .owe(let obligation): "owe(\(obligation.kind))"
        case .recordBankReturn: "bank_return"
        case .count(let tally): "count(\(tally))"
        case .fail(let error): "fail(\(error.code))"
        }
    }

    @Test(arguments: states)
    func everyCommandInputIsLegalExactlyWhereCoresMachineSaysSo(state: PaymentState) throws {
        let start = try Self.record(state)
        for (input, command) in Self.commandInputs {
            var process = PaymentProcess(record: start)
            var context = Self.context()
            let actions = process.handle(input, &context)
            switch Result(catching: { () throws(PaymentTransitionError) in
                try PaymentStateMachine.apply(command, to: start.payment)
            }) {
            case .success(let expected):
                guard actions.count == 1, case .journal(let transition) = actions[0] else {
                    Issue.record(
                        "\(state) + \(command): \(actions.map(Self.name)), expected a journal record")
                    continue
                }
                #expect(transition.command == command, "\(state) + \(command)")
                #expect(transition.applied.payment == expected.payment, "\(state) + \(command)")
                #expect(transition.events == expected.events, "\(state) + \(command)")
                #expect(transition.previous == start, "\(state) + \(command)")
                #expect(process.record == transition.applied, "the transition is applied (reserved) at once")
                #expect(process.record.eventsEmitted == start.eventsEmitted + expected.events.count)
            case .failure:
                #expect(actions.map(Self.name).count == 1, "\(state) + \(command)")
                guard case .fail = actions.first else {
                    Issue.record("\(state) + \(command): \(actions.map(Self.name)), expected a refusal")
                    continue
                }
                #expect(process.record == start, "a refused command changes nothing: \(state) + \(command)")
            }
        }
    }

    @Test(arguments: states)
    func inputsThatDecideWithoutATransitionAskForTheNextStep(state: PaymentState) throws {
        let start = try Self.record(state)
        let cases: [(PaymentProcess.Input, PlantedBug?, [String])] = [
            (
                .confirm(requiresAuthentication: false, capturesAutomatically: true, route: nil), nil,
                ["screen"]
            ),
            (.screened(.approve, capturesAutomatically: false), nil, ["authorize"]),
            (.screened(.review, capturesAutomatically: false), nil, ["authorize"]),
            (.inquiryAnswered(nil, attempt: 1, capturesAutomatically: false), nil, ["inquire(2)"]),
            (.inquiryAnswered(nil, attempt: 2, capturesAutomatically: false), nil, ["inquire(3)"]),
            (
                .authorizationAnswered(.timedOut, isRetry: false, capturesAutomatically: false),
                .retryAuthorizationAfterTimeout, ["authorize(retry)"]
            ),
        ]
        for (input, bug, expected) in cases {
            var process = PaymentProcess(record: start)
            var context = Self.context(bug)
            #expect(process.handle(input, &context).map(Self.name) == expected, "\(state) + \(input)")
            #expect(process.record == start)
        }
    }

    @Test(arguments: states)
    func aRestartMovesOnOnlyWhatTheDeadProcessLeftMidFlight(state: PaymentState) throws {
        var process = PaymentProcess(record: try Self.record(state))
        var context = Self.context()
        let names = process.handle(.restarted, &context).map(Self.name)
        switch state {
        case .created: #expect(names == ["journal(authorization_result)"])
        case .requiresAction: #expect(names == ["journal(action_abandoned)"])
        case .authorizationUnknown: #expect(names == ["inquire(1)"])
        default: #expect(names.isEmpty, "\(state)")
        }
    }

    /// Runs `input` and feeds `.journaled` back for the transition it asked for.
    static func journaled(
        _ input: PaymentProcess.Input, from state: PaymentState, bug: PlantedBug? = nil
    ) throws -> (process: PaymentProcess, actions: [PaymentProcess.Action]) {
        var process = PaymentProcess(record: try record(state))
        var context = context(bug)
        guard case .journal(let transition) = try #require(process.handle(input, &context).first) else {
            Issue.record("\(input) in \(state) asked for no journal record")
            return (process, [])
        }
        let actions = process.handle(.journaled(transition), &context)
        return (process, actions)
    }

    @Test func eachDurableTransitionEmitsItsEventsThenStartsItsNextStep() throws {
        let cases: [(PaymentProcess.Input, PaymentState, [String])] = [
            (
                .capture(amountMinorUnits: 1_000), .authorized,
                ["emit(charge.captured,payment_intent.succeeded at 2)", "count(transition)", "book(2)"]
            ),
            (.cancel, .authorized, ["emit(payment_intent.canceled at 2)", "count(transition)", "book(1)"]),
            (
                .cancel, .created,
                ["emit(payment_intent.canceled at 1)", "count(transition)", "owe(reversal)"]
            ),
            (
                .authorizationExpired, .authorized,
                ["emit(charge.expired,payment_intent.canceled at 2)", "count(transition)", "book(1)"]
            ),
            (
                .refund(amountMinorUnits: 1_000), .captured,
                ["emit(charge.refunded at 4)", "count(transition)", "book(1)"]
            ),
            (
                .disputeOpened(amountMinorUnits: 1_000, isInquiry: false), .captured,
                [
                    "emit(charge.dispute.created,charge.dispute.funds_withdrawn at 4)", "count(transition)",
                    "book(2)",
                ]
            ),
            (
                .disputeOpened(amountMinorUnits: 1_000, isInquiry: true), .captured,
                ["emit(charge.dispute.created at 4)", "count(transition)"]
            ),
            (.settlementDue, .captured, ["emit(charge.settled at 4)", "count(transition)"]),
            (
                .bankReturned(Self.notice), .captured,
                ["emit(charge.failed,payment_intent.payment_failed at 4)", "count(transition)", "book(1)"]
            ),
            (
                .authorizationAnswered(.approved(authCode: "a"), isRetry: false, capturesAutomatically: true),
                .created,
                ["emit(payment_intent.amount_capturable_updated at 1)", "count(transition)", "book(1)"]
            ),
            (
                .authorizationAnswered(
                    .declined(.insufficientFunds), isRetry: false, capturesAutomatically: false), .created,
                ["emit(payment_intent.payment_failed at 1)", "count(transition)", "fail(card_declined)"]
            ),
            (
                .authorizationAnswered(.timedOut, isRetry: false, capturesAutomatically: false), .created,
                [
                    "emit(payment_intent.processing at 1)", "count(transition)",
                    "count(authorizationTimeout)", "inquire(1)",
                ]
            ),
            (
                .inquiryAnswered(nil, attempt: 3, capturesAutomatically: false), .authorizationUnknown,
                [
                    "emit(payment_intent.canceled at 2)", "count(transition)", "count(reversal)",
                    "owe(reversal)", "fail(processing_error)",
                ]
            ),
            (
                .screened(.requireThreeDSecure, capturesAutomatically: false), .created,
                ["emit(payment_intent.requires_action at 1)", "count(transition)", "challenge"]
            ),
            (
                .confirm(requiresAuthentication: true, capturesAutomatically: false, route: nil), .created,
                ["emit(payment_intent.requires_action at 1)", "count(transition)", "wait_for_customer"]
            ),
            (
                .authenticated(true, capturesAutomatically: false), .requiresAction,
                ["emit(payment_intent.processing at 2)", "count(transition)", "authorize"]
            ),
        ]
        for (input, state, expected) in cases {
            let (_, actions) = try Self.journaled(input, from: state)
            #expect(actions.map(Self.name) == expected, "\(input) in \(state)")
        }
    }

    @Test func theCreationEventGoesOutWithTheFirstDurableTransitionOnly() throws {
        var unopened = try Self.record(.created)
        unopened.isCreationEventEmitted = false
        var process = PaymentProcess(record: unopened)
        var context = Self.context()
        let screened = process.handle(.screened(.block, capturesAutomatically: false), &context)
        guard case .journal(let decline) = screened.first else {
            Issue.record("no journal record: \(screened.map(Self.name))")
            return
        }
        // Not before the transition is durable: a refused append emits nothing.
        var refused = process
        let undone = refused.handle(
            .journalRefused(decline, .journalUnavailable(Self.id, "sync failed")), &context)
        #expect(!undone.contains { if case .emit = $0 { true } else { false } })
        #expect(!refused.record.isCreationEventEmitted)
        let durable = process.handle(.journaled(decline), &context).map(Self.name)
        #expect(
            durable == [
                "emit(payment_intent.created at 0)", "emit(payment_intent.payment_failed at 1)",
                "count(transition)",
                "fail(card_declined)",
            ])
        #expect(process.record.isCreationEventEmitted)
    }

    @Test func theBookingThatFollowsIsDecidedWithTheTransition() throws {
        for (input, state, expects) in [
            (PaymentProcess.Input.capture(amountMinorUnits: nil), PaymentState.authorized, true),
            (.cancel, .authorized, true), (.cancel, .created, false), (.settlementDue, .captured, false),
            (.refund(amountMinorUnits: 10), .captured, true), (.submitDisputeEvidence, .disputed, false),
            (.disputeOpened(amountMinorUnits: 10, isInquiry: true), .captured, false),
        ] {
            var process = PaymentProcess(record: try Self.record(state))
            var context = Self.context()
            guard case .journal(let transition) = process.handle(input, &context).first else {
                Issue.record("\(input) in \(state)")
                continue
            }
            #expect((transition.booking != nil) == expects, "\(input) in \(state)")
        }
    }

    @Test func aTransitionTheJournalRefusedIsUndoneUnlessThePaymentMovedOn() throws {
        let start = try Self.record(.authorized)
        var process = PaymentProcess(record: start)
        var context = Self.context()
        guard case .journal(let capture) = process.handle(.capture(amountMinorUnits: nil), &context).first
        else {
            Issue.record("no journal record for the capture")
            return
        }
        var undone = process
        let refused = undone.handle(
            .journalRefused(capture, .journalUnavailable(Self.id, "sync failed")), &context)
        #expect(refused.map(Self.name) == ["count(undone(conflict: nil))", "fail(journal_unavailable)"])
        #expect(undone.record == start)
        // A refund moved the payment on before the refusal came back: nothing is undone.
        guard case .journal = process.handle(.refund(amountMinorUnits: 100), &context).first else {
            Issue.record("no journal record for the refund")
            return
        }
        let movedOn = process.record
        let conflict = process.handle(
            .journalRefused(capture, .journalUnavailable(Self.id, "sync failed")), &context)
        #expect(conflict.count == 2)
        #expect(process.record == movedOn)
        guard case .count(.undone(let text?)) = conflict.first else {
            Issue.record("no conflict counted: \(conflict.map(Self.name))")
            return
        }
        #expect(text.contains("superseded"))
    }

    @Test func aBookedCaptureRecordsWhatItMovedAndOwesTheNetworkItsCapture() throws {
        var (process, actions) = try Self.journaled(.capture(amountMinorUnits: 3_000), from: .authorized)
        guard case .book(let booking, _) = actions.last else {
            Issue.record("no booking: \(actions.map(Self.name))")
            return
        }
        #expect(booking.transfers.map(Self.isBalanced) == [true, true])
        var context = Self.context()
        let after = process.handle(.booked(booking), &context)
        // 3,000 less 2.9% (87) and 30.
        #expect(after.map(Self.name) == ["owe(capture(30.00 USD))"])
        #expect(process.record.hold == nil)
        #expect(process.record.capturedSettled == 3_000)
        #expect(process.record.feeSettled == 117)
    }

    @Test func aCaptureAcrossCurrenciesLocksItsRateBeforeItIsApplied() throws {
        var process = PaymentProcess(record: try Self.record(.authorized, currency: .eur))
        var context = Self.context()
        let names = process.handle(.capture(amountMinorUnits: nil), &context).map(Self.name)
        #expect(names == ["lock_rate"])
        #expect(process.record.payment.state == .authorized)
        // A capture the state refuses is refused without a quote.
        var captured = PaymentProcess(record: try Self.record(.captured, currency: .eur))
        #expect(captured.handle(.capture(amountMinorUnits: nil), &context).map(Self.name) != ["lock_rate"])
    }

    @Test func anAutomaticCaptureFollowsTheBookedHold() throws {
        var (process, actions) = try Self.journaled(
            .authorizationAnswered(.approved(authCode: "a"), isRetry: false, capturesAutomatically: true),
            from: .created)
        guard case .book(let hold, _) = actions.last else {
            Issue.record("no hold: \(actions.map(Self.name))")
            return
        }
        var context = Self.context()
        #expect(process.handle(.booked(hold), &context).map(Self.name) == ["journal(capture)"])
        #expect(process.record.payment.state == .captured)
    }

    /// The executor keeps one buffer for a whole operation: a step's actions go after what the
    /// buffer already holds, the same actions a step returns alone, and nothing before them moves.
    @Test func aStepAppendsItsActionsAfterWhatTheBufferHolds() throws {
        let hold = Transfer(
            id: TransferID(1), currency: .usd, debit: .customerFunds(.usd),
            credit: .merchantPending(MerchantID(1), .usd), amount: 4_000, phase: .pending)
        let inputs: [PaymentProcess.Input] = [
            .authorizationAnswered(.approved(authCode: "a"), isRetry: false, capturesAutomatically: true),
            .screened(.approve, capturesAutomatically: false),
            .booked(
                PaymentProcess.Booking(transfers: [hold], purpose: .hold(hold, capturesAutomatically: true))),
        ]
        for input in inputs {
            let start = try Self.record(.created)
            var alone = PaymentProcess(record: start)
            var aloneContext = Self.context()
            let expected = alone.handle(input, &aloneContext).map(Self.name)
            var buffered = PaymentProcess(record: start)
            var bufferedContext = Self.context()
            var actions: [PaymentProcess.Action] = [.count(.reversal), .waitForCustomer]
            buffered.handle(input, &bufferedContext, into: &actions)
            #expect(actions.prefix(2).map(Self.name) == ["count(reversal)", "wait_for_customer"], "\(input)")
            #expect(Array(actions.dropFirst(2).map(Self.name)) == expected, "\(input)")
            #expect(!expected.isEmpty, "\(input)")
        }
    }

    /// A transition keeps what follows it inline: the three actions of a reversal, in order;
    /// an action is replaced in place (as a booking is marked journaled).
    @Test func aTransitionsFollowUpHoldsAReversalsThreeActionsInOrder() throws {
        var process = PaymentProcess(record: try Self.record(.authorizationUnknown))
        var context = Self.context()
        let actions = process.handle(
            .inquiryAnswered(nil, attempt: 3, capturesAutomatically: false), &context)
        guard case .journal(let transition) = actions.first else {
            Issue.record("no journal record: \(actions.map(Self.name))")
            return
        }
        #expect(
            transition.followUp.map(Self.name) == [
                "count(reversal)", "owe(reversal)", "fail(processing_error)",
            ])
        var followUp = PaymentProcess.FollowUp()
        #expect(followUp.isEmpty)
        followUp.append(.waitForCustomer)
        followUp[0] = .count(.transition)
        #expect(followUp.map(Self.name) == ["count(transition)"])
    }

    @Test func thePlantedBugsStrikeWhereTheySay() throws {
        let dropped = try Self.journaled(.capture(amountMinorUnits: nil), from: .authorized, bug: .dropEvent)
            .actions
        #expect(Self.name(dropped[0]) == "emit(charge.captured at 2)")
        let doubled = try Self.journaled(
            .refund(amountMinorUnits: 100), from: .captured, bug: .emitEventTwice
        ).actions
        #expect(Self.name(doubled[0]) == "emit(charge.refunded,charge.refunded at 4)")
        let unbalanced = try Self.journaled(
            .capture(amountMinorUnits: nil), from: .authorized, bug: .bookFeeWithoutCounterLeg)
        guard case .book(let capture, _) = unbalanced.actions.last else {
            Issue.record("no booking")
            return
        }
        #expect(capture.transfers.contains { !Self.isBalanced($0) })
        var twice = try Self.journaled(
            .capture(amountMinorUnits: nil), from: .authorized, bug: .bookCaptureTwice)
        guard case .book(let booking, _) = twice.actions.last else {
            Issue.record("no booking")
            return
        }
        var context = Self.context(.bookCaptureTwice)
        #expect(twice.process.handle(.booked(booking), &context).map(Self.name).first == "book(1)")
        let beyond = try Self.journaled(
            .refund(amountMinorUnits: 3_000), from: .captured, bug: .refundBeyondCaptured)
        guard case .book(let refund, _) = beyond.actions.last else {
            Issue.record("no booking")
            return
        }
        // The full refund of a 3,000 capture of a 4,000 authorization books 4,000.
        #expect(refund.transfers.first?.legs.first?.amount == 4_000)
    }

    /// A capture's movement appended to its booking (after the hold's post) is the one the
    /// array-returning call gives, a zero leg or transfer dropped from it alone; a post of an
    /// amount moves that amount on every leg, as a post of that amount per leg does.
    @Test(arguments: [(Currency.usd, Int64(4_000), Int64(4_000)), (.eur, 4_000, 0), (.eur, 4_000, 3_700)])
    func aCaptureAppendedToItsBookingIsTheCaptureAlone(settlement: Currency, captured: Int64, settled: Int64)
    {
        let parties = PaymentBookkeeping.Parties(
            merchant: MerchantID(7), network: .visa, presentment: .usd, settlement: settlement)
        let hold = PaymentBookkeeping.authorizationHold(TransferID(1), parties, amount: 5_000)
        let post = Transfer.post(TransferID(2), of: hold, amount: captured)
        #expect(post == Transfer.post(TransferID(2), of: hold, amounts: [captured, captured]))
        #expect(post.legs.allSatisfy { $0.amount == captured })
        let alone = PaymentBookkeeping.capture(
            (TransferID(3), TransferID(4)), parties, captured: captured, settled: settled, fee: 0)
        var booking = [post]
        PaymentBookkeeping.capture(
            (TransferID(3), TransferID(4)), parties, captured: captured, settled: settled, fee: 0,
            into: &booking)
        #expect(booking == [post] + alone)
        #expect(!alone.isEmpty)
        #expect(alone.allSatisfy { $0.legs.allSatisfy { $0.amount != 0 } })
    }
}
