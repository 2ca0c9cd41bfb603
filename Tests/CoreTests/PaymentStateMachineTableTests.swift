import Testing

@testable import Core

/// A payment in each state, reached through legal commands from a fresh payment.
enum StateFixture: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case created, requiresAction, authorizationUnknown, authorized, captured, settled, failed, voided, expired
    case refunded, disputed, returned
    /// Disputes past their opening: a chargeback under review and won; an inquiry waiting for a
    /// response, under review, and closed without a chargeback (back in `captured`).
    case disputeUnderReview, disputeWon, inquiry, inquiryUnderReview, inquiryClosed

    static let amount = Money(minorUnits: 10_000, currency: .usd)

    var path: [PaymentCommand] {
        let authorize = PaymentCommand.authorizationResult(.approved)
        return switch self {
        case .created: []
        case .requiresAction: [.requireAction]
        case .authorizationUnknown: [.authorizationResult(.timedOut)]
        case .authorized: [authorize]
        case .captured: [authorize, .capture(amountMinorUnits: nil)]
        case .settled: [authorize, .capture(amountMinorUnits: nil), .settle]
        case .failed: [.authorizationResult(.declined(.insufficientFunds))]
        case .voided: [authorize, .void]
        case .expired: [authorize, .expire]
        case .refunded: [authorize, .capture(amountMinorUnits: nil), .refund(amountMinorUnits: 10_000)]
        case .disputed:
            [
                authorize, .capture(amountMinorUnits: nil),
                .openDispute(amountMinorUnits: 5_000, isInquiry: false),
            ]
        case .returned: [authorize, .capture(amountMinorUnits: nil), .bankReturn]
        case .disputeUnderReview: Self.disputed.path + [.submitEvidence]
        case .disputeWon: Self.disputeUnderReview.path + [.closeDispute(.won)]
        case .inquiry:
            [
                authorize, .capture(amountMinorUnits: nil),
                .openDispute(amountMinorUnits: 5_000, isInquiry: true),
            ]
        case .inquiryUnderReview: Self.inquiry.path + [.submitEvidence]
        case .inquiryClosed: Self.inquiry.path + [.closeInquiry]
        }
    }

    /// The dispute's status the path leaves (nil: no dispute).
    var expectedDisputeStatus: DisputeStatus? {
        switch self {
        case .disputed: .needsResponse
        case .disputeUnderReview: .underReview
        case .disputeWon: .won
        case .inquiry: .warningNeedsResponse
        case .inquiryUnderReview: .warningUnderReview
        case .inquiryClosed: .warningClosed
        default: nil
        }
    }

    var expectedState: PaymentState {
        switch self {
        case .created: .created
        case .requiresAction: .requiresAction
        case .authorizationUnknown: .authorizationUnknown
        case .authorized: .authorized
        case .captured: .captured
        case .settled: .settled
        case .failed: .failed(.insufficientFunds)
        case .voided: .voided
        case .expired: .expired
        case .refunded: .refunded
        case .disputed, .disputeUnderReview, .disputeWon, .inquiry, .inquiryUnderReview: .disputed
        case .returned: .returned
        case .inquiryClosed: .captured
        }
    }

    func payment() throws -> Payment {
        var payment = try Payment(amount: Self.amount)
        for command in path { try payment.apply(command) }
        return payment
    }

    var testDescription: String { rawValue }
}

/// Every (state, command) pair: the legal ones give the expected state and events, every other
/// one throws `.illegal` naming the state and the command, and leaves the payment as it was.
@Suite struct PaymentStateMachineTableTests {
    /// One representative of every command shape.
    static let commands: [PaymentCommand] = [
        .authorizationResult(.approved),
        .authorizationResult(.declined(.doNotHonor)),
        .authorizationResult(.timedOut),
        .requireAction,
        .actionCompleted,
        .actionAbandoned,
        .inquiryResult(.approved),
        .inquiryResult(.declined(.insufficientFunds)),
        .inquiryResult(.notFound),
        .reverse,
        .capture(amountMinorUnits: nil),
        .capture(amountMinorUnits: 4_000),
        .void,
        .expire,
        .settle,
        .refund(amountMinorUnits: 1_000),
        .openDispute(amountMinorUnits: 1_000, isInquiry: false),
        .openDispute(amountMinorUnits: 1_000, isInquiry: true),
        .submitEvidence,
        .escalateInquiry,
        .closeInquiry,
        .closeDispute(.won),
        .closeDispute(.lost),
        .bankReturn,
    ]

    struct Legal: Sendable {
        let from: StateFixture
        let command: PaymentCommand
        let to: PaymentState
        let events: [PaymentEventType]
        /// The dispute's status after the command, where it matters (nil: not checked).
        var dispute: DisputeStatus? = nil
    }

    /// The whole legal part of the table; every pair not listed here must be refused.
    static let legal: [Legal] = [
        .init(
            from: .created, command: .authorizationResult(.approved), to: .authorized,
            events: [.paymentIntentAmountCapturableUpdated]),
        .init(
            from: .created, command: .authorizationResult(.declined(.doNotHonor)), to: .failed(.doNotHonor),
            events: [.paymentIntentPaymentFailed]),
        .init(
            from: .created, command: .authorizationResult(.timedOut), to: .authorizationUnknown,
            events: [.paymentIntentProcessing]),
        .init(
            from: .created, command: .requireAction, to: .requiresAction,
            events: [.paymentIntentRequiresAction]),
        .init(from: .created, command: .void, to: .voided, events: [.paymentIntentCanceled]),

        .init(
            from: .requiresAction, command: .actionCompleted, to: .created, events: [.paymentIntentProcessing]
        ),
        .init(
            from: .requiresAction, command: .actionAbandoned, to: .failed(.authenticationRequired),
            events: [.paymentIntentPaymentFailed]),
        .init(from: .requiresAction, command: .void, to: .voided, events: [.paymentIntentCanceled]),

        .init(
            from: .authorizationUnknown, command: .inquiryResult(.approved), to: .authorized,
            events: [.paymentIntentAmountCapturableUpdated]),
        .init(
            from: .authorizationUnknown, command: .inquiryResult(.declined(.insufficientFunds)),
            to: .failed(.insufficientFunds), events: [.paymentIntentPaymentFailed]),
        .init(
            from: .authorizationUnknown, command: .inquiryResult(.notFound), to: .failed(.processingError),
            events: [.paymentIntentPaymentFailed]),
        .init(from: .authorizationUnknown, command: .reverse, to: .voided, events: [.paymentIntentCanceled]),

        .init(
            from: .authorized, command: .capture(amountMinorUnits: nil), to: .captured,
            events: [.chargeCaptured, .paymentIntentSucceeded]),
        .init(
            from: .authorized, command: .capture(amountMinorUnits: 4_000), to: .captured,
            events: [.chargeCaptured, .paymentIntentSucceeded]),
        .init(from: .authorized, command: .void, to: .voided, events: [.paymentIntentCanceled]),
        .init(
            from: .authorized, command: .expire, to: .expired,
            events: [.chargeExpired, .paymentIntentCanceled]),

        .init(from: .captured, command: .settle, to: .settled, events: [.chargeSettled]),
        .init(
            from: .captured, command: .refund(amountMinorUnits: 1_000), to: .captured,
            events: [.chargeRefunded]),
        .init(
            from: .captured, command: .openDispute(amountMinorUnits: 1_000, isInquiry: false), to: .disputed,
            events: [.chargeDisputeCreated, .chargeDisputeFundsWithdrawn]),
        .init(
            from: .captured, command: .openDispute(amountMinorUnits: 1_000, isInquiry: true), to: .disputed,
            events: [.chargeDisputeCreated]),
        .init(
            from: .captured, command: .bankReturn, to: .returned,
            events: [.chargeFailed, .paymentIntentPaymentFailed]),

        .init(
            from: .settled, command: .bankReturn, to: .returned,
            events: [.chargeFailed, .paymentIntentPaymentFailed]),
        .init(
            from: .settled, command: .refund(amountMinorUnits: 1_000), to: .settled, events: [.chargeRefunded]
        ),
        .init(
            from: .settled, command: .openDispute(amountMinorUnits: 1_000, isInquiry: false), to: .disputed,
            events: [.chargeDisputeCreated, .chargeDisputeFundsWithdrawn]),
        .init(
            from: .settled, command: .openDispute(amountMinorUnits: 1_000, isInquiry: true), to: .disputed,
            events: [.chargeDisputeCreated]),

        // Refunded and disputed before the settlement run: settling marks them, the state stays.
        .init(from: .refunded, command: .settle, to: .refunded, events: [.chargeSettled]),
        .init(
            from: .refunded, command: .bankReturn, to: .returned,
            events: [.chargeFailed, .paymentIntentPaymentFailed]),

        // A chargeback (needs_response, funds and fee withdrawn): evidence puts it under review;
        // unanswered it can only be lost; won only after evidence.
        .init(from: .disputed, command: .settle, to: .disputed, events: [.chargeSettled]),
        .init(
            from: .disputed, command: .submitEvidence, to: .disputed, events: [.chargeDisputeUpdated],
            dispute: .underReview),
        .init(
            from: .disputed, command: .closeDispute(.lost), to: .disputed, events: [.chargeDisputeClosed],
            dispute: .lost),
        .init(from: .disputeUnderReview, command: .settle, to: .disputed, events: [.chargeSettled]),
        .init(
            from: .disputeUnderReview, command: .closeDispute(.won), to: .disputed,
            events: [.chargeDisputeClosed, .chargeDisputeFundsReinstated], dispute: .won),
        .init(
            from: .disputeUnderReview, command: .closeDispute(.lost), to: .disputed,
            events: [.chargeDisputeClosed], dispute: .lost),
        .init(from: .disputeWon, command: .settle, to: .disputed, events: [.chargeSettled]),

        // An inquiry (warning_needs_response, nothing withdrawn): evidence puts it under review;
        // it closes (back to captured) or escalates into a chargeback, which withdraws the funds.
        .init(from: .inquiry, command: .settle, to: .disputed, events: [.chargeSettled]),
        .init(
            from: .inquiry, command: .submitEvidence, to: .disputed, events: [.chargeDisputeUpdated],
            dispute: .warningUnderReview),
        .init(
            from: .inquiry, command: .escalateInquiry, to: .disputed,
            events: [.chargeDisputeUpdated, .chargeDisputeFundsWithdrawn], dispute: .needsResponse),
        .init(
            from: .inquiry, command: .closeInquiry, to: .captured, events: [.chargeDisputeClosed],
            dispute: .warningClosed),
        .init(from: .inquiryUnderReview, command: .settle, to: .disputed, events: [.chargeSettled]),
        .init(
            from: .inquiryUnderReview, command: .escalateInquiry, to: .disputed,
            events: [.chargeDisputeUpdated, .chargeDisputeFundsWithdrawn], dispute: .needsResponse),
        .init(
            from: .inquiryUnderReview, command: .closeInquiry, to: .captured, events: [.chargeDisputeClosed],
            dispute: .warningClosed),

        // A closed inquiry leaves a captured payment as it was (refundable, settleable), but a
        // payment has one dispute: another is refused.
        .init(from: .inquiryClosed, command: .settle, to: .settled, events: [.chargeSettled]),
        .init(
            from: .inquiryClosed, command: .refund(amountMinorUnits: 1_000), to: .captured,
            events: [.chargeRefunded], dispute: .warningClosed),
        .init(
            from: .inquiryClosed, command: .bankReturn, to: .returned,
            events: [.chargeFailed, .paymentIntentPaymentFailed]),
    ]

    @Test(arguments: StateFixture.allCases)
    func fixtureReachesItsState(_ fixture: StateFixture) throws {
        #expect(try fixture.payment().state == fixture.expectedState)
        #expect(try fixture.payment().dispute?.status == fixture.expectedDisputeStatus)
    }

    @Test(arguments: StateFixture.allCases)
    func everyCommandInState(_ fixture: StateFixture) throws {
        let payment = try fixture.payment()
        for command in Self.commands {
            let expected = Self.legal.first { $0.from == fixture && $0.command == command }
            do {
                let transition = try PaymentStateMachine.apply(command, to: payment)
                guard let expected else {
                    Issue.record(
                        "\(command) in \(payment.state) should be illegal, went to \(transition.payment.state)"
                    )
                    continue
                }
                #expect(transition.payment.state == expected.to, "\(command) in \(payment.state)")
                #expect(transition.events == expected.events, "\(command) in \(payment.state)")
                if let dispute = expected.dispute {
                    #expect(transition.payment.dispute?.status == dispute, "\(command) in \(fixture)")
                }
                #expect(!transition.events.isEmpty)
            } catch {
                guard expected == nil else {
                    Issue.record("\(command) in \(payment.state) should be legal, threw \(error)")
                    continue
                }
                #expect(error == .illegal(command: command, state: payment.state))
                #expect(error.state == payment.state)
                #expect(error.command == command)
                #expect(
                    error.description.contains("cannot \(command.verb) a payment in state \(payment.state)"))
                // The mutating form leaves the payment untouched when it throws.
                var copy = payment
                #expect(throws: PaymentTransitionError.self) { try copy.apply(command) }
                #expect(copy == payment)
            }
        }
    }

    @Test func tableCoversOnlyKnownPairs() {
        // Every legal entry names a command this table tries, so none is silently untested.
        for entry in Self.legal {
            #expect(Self.commands.contains(entry.command), "\(entry.command)")
        }
        let pairs = Set(Self.legal.map { "\($0.from)/\($0.command)" })
        #expect(pairs.count == Self.legal.count, "a pair is listed twice")
        #expect(Self.legal.count == 44)
        #expect(StateFixture.allCases.count * Self.commands.count == 408)
    }

    @Test func illegalMessagesReadWell() throws {
        let voided = try StateFixture.voided.payment()
        do {
            _ = try PaymentStateMachine.apply(.capture(amountMinorUnits: nil), to: voided)
            Issue.record("captured a voided payment")
        } catch {
            #expect(error.description.hasPrefix("cannot capture a payment in state voided"))
        }
        let captured = try StateFixture.captured.payment()
        do {
            _ = try PaymentStateMachine.apply(.void, to: captured)
            Issue.record("voided a captured payment")
        } catch {
            #expect(error.description.hasPrefix("cannot void a payment in state captured"))
        }
        let failed = try StateFixture.failed.payment()
        do {
            _ = try PaymentStateMachine.apply(.refund(amountMinorUnits: 5), to: failed)
            Issue.record("refunded a failed payment")
        } catch {
            #expect(
                error.description.hasPrefix("cannot refund a payment in state failed(insufficient_funds)"))
        }
    }

    @Test func stripeStatuses() throws {
        let expected: [StateFixture: String] = [
            .created: "requires_confirmation", .requiresAction: "requires_action",
            .authorizationUnknown: "processing", .authorized: "requires_capture", .captured: "succeeded",
            .settled: "succeeded", .failed: "requires_payment_method", .voided: "canceled",
            .expired: "canceled", .refunded: "succeeded", .disputed: "succeeded",
            .returned: "requires_payment_method", .disputeUnderReview: "succeeded", .disputeWon: "succeeded",
            .inquiry: "succeeded", .inquiryUnderReview: "succeeded", .inquiryClosed: "succeeded",
        ]
        for fixture in StateFixture.allCases {
            #expect(try fixture.payment().state.stripeStatus == expected[fixture], "\(fixture)")
        }
    }
}

@Suite struct PaymentVocabularyTests {
    @Test func eventTypesUseStripeNames() {
        #expect(
            PaymentEventType.paymentIntentAmountCapturableUpdated.rawValue
                == "payment_intent.amount_capturable_updated")
        #expect(PaymentEventType.chargeDisputeFundsReinstated.rawValue == "charge.dispute.funds_reinstated")
        for event in PaymentEventType.allCases {
            let parts = event.rawValue.split(separator: ".", omittingEmptySubsequences: false)
            #expect(parts.count >= 2 && parts.allSatisfy { !$0.isEmpty }, "\(event)")
            #expect(
                event.rawValue.allSatisfy { $0 == "." || $0 == "_" || ("a"..."z").contains($0) }, "\(event)")
            #expect(event.rawValue.hasPrefix("payment_intent.") || event.rawValue.hasPrefix("charge."))
        }
        #expect(Set(PaymentEventType.allCases.map(\.rawValue)).count == PaymentEventType.allCases.count)
    }

    @Test func disputeStatusesUseStripeNames() {
        #expect(
            DisputeStatus.allCases.map(\.rawValue) == [
                "warning_needs_response", "warning_under_review", "warning_closed", "needs_response",
                "under_review", "won", "lost",
            ])
        #expect(
            DisputeStatus.allCases.filter(\.isOpen) == [
                .warningNeedsResponse, .warningUnderReview, .needsResponse, .underReview,
            ])
        #expect(
            DisputeStatus.allCases.filter(\.isInquiry) == [
                .warningNeedsResponse, .warningUnderReview, .warningClosed,
            ])
    }

    @Test func commandNamesAreUniquePerShape() {
        let names = Set(PaymentStateMachineTableTests.commands.map(\.name))
        #expect(names.count == 17)
        #expect(PaymentCommand.capture(amountMinorUnits: nil).description == "capture(all)")
        #expect(PaymentCommand.refund(amountMinorUnits: 5).amountMinorUnits == 5)
        #expect(PaymentCommand.void.amountMinorUnits == nil)
    }
}
