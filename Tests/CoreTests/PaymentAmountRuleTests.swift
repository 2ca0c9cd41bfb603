import Testing

@testable import Core

/// The money rules of the lifecycle: captures within the authorization, refunds and disputes
/// within the capture, and amounts that are positive.
@Suite struct PaymentAmountRuleTests {
    static let usd = Currency.usd

    static func authorized(_ units: Int64 = 10_000) throws -> Payment {
        var payment = try Payment(amount: Money(minorUnits: units, currency: usd))
        try payment.apply(.authorizationResult(.approved))
        return payment
    }

    static func captured(_ units: Int64 = 10_000, capture: Int64? = nil) throws -> Payment {
        var payment = try authorized(units)
        try payment.apply(.capture(amountMinorUnits: capture))
        return payment
    }

    @Test func paymentAmountMustBePositive() {
        #expect(throws: PaymentTransitionError.paymentAmountNotPositive(.zero(.usd))) {
            try Payment(amount: .zero(.usd))
        }
        let negative = Money(minorUnits: -1, currency: .usd)
        #expect(throws: PaymentTransitionError.paymentAmountNotPositive(negative)) {
            try PaymentStateMachine.create(amount: negative)
        }
        let created = try? PaymentStateMachine.create(amount: Money(minorUnits: 1, currency: .jpy))
        #expect(created?.events == [.paymentIntentCreated])
        #expect(created?.payment.state == .created)
    }

    @Test func authorizationHoldsTheAmountAndFullCaptureTakesIt() throws {
        var payment = try Self.authorized()
        #expect(payment.amountCapturableMinorUnits == 10_000)
        #expect(payment.amountCapturable == Money(minorUnits: 10_000, currency: .usd))
        try payment.apply(.capture(amountMinorUnits: nil))
        #expect(payment.amountCapturedMinorUnits == 10_000)
        #expect(payment.amountCapturableMinorUnits == 0)
        #expect(payment.amountRefundableMinorUnits == 10_000)
    }

    @Test func partialCaptureReleasesTheRest() throws {
        let payment = try Self.captured(capture: 6_000)
        #expect(payment.state == .captured)
        #expect(payment.amountCapturedMinorUnits == 6_000)
        #expect(payment.amountCapturableMinorUnits == 0)
        #expect(payment.amountRefundableMinorUnits == 6_000)
        #expect(payment.amountCaptured == Money(minorUnits: 6_000, currency: .usd))
    }

    @Test func captureAmountIsChecked() throws {
        let payment = try Self.authorized()
        let tooMuch = PaymentCommand.capture(amountMinorUnits: 10_001)
        #expect(
            throws: PaymentTransitionError.amountExceedsLimit(
                command: tooMuch, state: .authorized, limitMinorUnits: 10_000)
        ) {
            try PaymentStateMachine.apply(tooMuch, to: payment)
        }
        for amount: Int64 in [0, -1, .min] {
            let command = PaymentCommand.capture(amountMinorUnits: amount)
            #expect(throws: PaymentTransitionError.amountNotPositive(command: command, state: .authorized)) {
                try PaymentStateMachine.apply(command, to: payment)
            }
        }
        #expect(throws: PaymentTransitionError.self) {
            try PaymentStateMachine.apply(.capture(amountMinorUnits: .max), to: payment)
        }
        do {
            _ = try PaymentStateMachine.apply(tooMuch, to: payment)
        } catch {
            #expect(error.description.contains("cannot capture a payment in state authorized"))
            #expect(error.description.contains("10001"))
            #expect(error.description.contains("10000"))
        }
    }

    @Test func severalPartialRefundsUpToTheCapture() throws {
        var payment = try Self.captured(capture: 6_000)
        try payment.apply(.refund(amountMinorUnits: 1_000))
        try payment.apply(.refund(amountMinorUnits: 2_000))
        #expect(payment.state == .captured)
        #expect(payment.amountRefundedMinorUnits == 3_000)
        #expect(payment.amountRefunded == Money(minorUnits: 3_000, currency: .usd))
        #expect(payment.amountRefundableMinorUnits == 3_000)

        let beyond = PaymentCommand.refund(amountMinorUnits: 3_001)
        let before = payment
        #expect(
            throws: PaymentTransitionError.amountExceedsLimit(
                command: beyond, state: .captured, limitMinorUnits: 3_000)
        ) {
            try payment.apply(beyond)
        }
        #expect(payment == before)
        #expect(
            throws: PaymentTransitionError.amountNotPositive(
                command: .refund(amountMinorUnits: 0), state: .captured)
        ) {
            try payment.apply(.refund(amountMinorUnits: 0))
        }

        #expect(try payment.apply(.refund(amountMinorUnits: 3_000)) == [.chargeRefunded])
        #expect(payment.state == .refunded)
        #expect(payment.amountRefundedMinorUnits == 6_000)
        #expect(payment.amountRefundableMinorUnits == 0)
        #expect(
            throws: PaymentTransitionError.illegal(command: .refund(amountMinorUnits: 1), state: .refunded)
        ) {
            try payment.apply(.refund(amountMinorUnits: 1))
        }
    }

    @Test func refundsAfterSettlementStaySettledUntilFull() throws {
        var payment = try Self.captured()
        try payment.apply(.settle)
        try payment.apply(.refund(amountMinorUnits: 4_000))
        #expect(payment.state == .settled)
        try payment.apply(.refund(amountMinorUnits: 6_000))
        #expect(payment.state == .refunded)
        #expect(payment.isSettled)
        #expect(throws: PaymentTransitionError.illegal(command: .settle, state: .refunded)) {
            try payment.apply(.settle)
        }
    }

    @Test func disputeWon() throws {
        var payment = try Self.captured()
        try payment.apply(.settle)
        #expect(
            try payment.apply(.openDispute(amountMinorUnits: 10_000, isInquiry: false)) == [
                .chargeDisputeCreated, .chargeDisputeFundsWithdrawn,
            ])
        #expect(payment.state == .disputed)
        #expect(payment.dispute?.status == .needsResponse)
        #expect(payment.dispute?.isFundsWithdrawn == true)
        #expect(try payment.apply(.submitEvidence) == [.chargeDisputeUpdated])
        #expect(payment.dispute?.status == .underReview)
        #expect(throws: PaymentTransitionError.illegal(command: .submitEvidence, state: .disputed)) {
            try payment.apply(.submitEvidence)
        }
        #expect(
            try payment.apply(.closeDispute(.won)) == [.chargeDisputeClosed, .chargeDisputeFundsReinstated])
        #expect(payment.dispute?.status == .won)
        #expect(payment.dispute?.isFundsWithdrawn == false)
        #expect(throws: PaymentTransitionError.illegal(command: .closeDispute(.lost), state: .disputed)) {
            try payment.apply(.closeDispute(.lost))
        }
        #expect(
            throws: PaymentTransitionError.illegal(command: .refund(amountMinorUnits: 1), state: .disputed)
        ) {
            try payment.apply(.refund(amountMinorUnits: 1))
        }
    }

    @Test func disputeLost() throws {
        var payment = try Self.captured()
        try payment.apply(.openDispute(amountMinorUnits: 2_500, isInquiry: false))
        #expect(try payment.apply(.closeDispute(.lost)) == [.chargeDisputeClosed])
        #expect(payment.dispute == PaymentDispute(amountMinorUnits: 2_500, status: .lost))
        #expect(payment.dispute?.isFundsWithdrawn == true)
        #expect(payment.state.isTerminal)
        // Not yet settled: the settlement run may still mark it.
        #expect(try payment.apply(.settle) == [.chargeSettled])
        #expect(payment.isSettled && payment.state == .disputed)
    }

    @Test func anInquiryMovesNothingAndClosesBackToCaptured() throws {
        var payment = try Self.captured()
        #expect(
            try payment.apply(.openDispute(amountMinorUnits: 100, isInquiry: true)) == [.chargeDisputeCreated]
        )
        #expect(payment.dispute?.status == .warningNeedsResponse)
        #expect(payment.dispute?.isFundsWithdrawn == false)
        // An inquiry is not decided as won or lost: it closes or escalates.
        for outcome in DisputeOutcome.allCases {
            #expect(throws: PaymentTransitionError.illegal(command: .closeDispute(outcome), state: .disputed))
            {
                try payment.apply(.closeDispute(outcome))
            }
        }
        #expect(try payment.apply(.submitEvidence) == [.chargeDisputeUpdated])
        #expect(payment.dispute?.status == .warningUnderReview)
        #expect(payment.dispute?.isFundsWithdrawn == false)
        #expect(try payment.apply(.closeInquiry) == [.chargeDisputeClosed])
        #expect(payment.dispute == PaymentDispute(amountMinorUnits: 100, status: .warningClosed))
        #expect(payment.state == .captured && payment.dispute?.isFundsWithdrawn == false)
        // The payment is refundable again, in full; a second dispute is refused.
        #expect(payment.amountRefundableMinorUnits == 10_000)
        #expect(
            throws: PaymentTransitionError.illegal(
                command: .openDispute(amountMinorUnits: 100, isInquiry: false), state: .captured)
        ) {
            try payment.apply(.openDispute(amountMinorUnits: 100, isInquiry: false))
        }
        try payment.apply(.refund(amountMinorUnits: 10_000))
        #expect(payment.state == .refunded)
    }

    @Test func aSettledInquiryClosesBackToSettled() throws {
        var payment = try Self.captured()
        try payment.apply(.settle)
        try payment.apply(.openDispute(amountMinorUnits: 100, isInquiry: true))
        #expect(try payment.apply(.closeInquiry) == [.chargeDisputeClosed])
        #expect(payment.state == .settled && payment.isSettled)
    }

    @Test func anEscalatedInquiryIsAChargebackFromThenOn() throws {
        var payment = try Self.captured()
        try payment.apply(.openDispute(amountMinorUnits: 4_000, isInquiry: true))
        try payment.apply(.submitEvidence)
        // The escalation is when the funds are withdrawn.
        #expect(try payment.apply(.escalateInquiry) == [.chargeDisputeUpdated, .chargeDisputeFundsWithdrawn])
        #expect(payment.dispute == PaymentDispute(amountMinorUnits: 4_000, status: .needsResponse))
        #expect(payment.dispute?.isFundsWithdrawn == true)
        #expect(throws: PaymentTransitionError.illegal(command: .escalateInquiry, state: .disputed)) {
            try payment.apply(.escalateInquiry)
        }
        #expect(throws: PaymentTransitionError.illegal(command: .closeInquiry, state: .disputed)) {
            try payment.apply(.closeInquiry)
        }
        // The chargeback needs its own evidence before it can be won.
        #expect(throws: PaymentTransitionError.illegal(command: .closeDispute(.won), state: .disputed)) {
            try payment.apply(.closeDispute(.won))
        }
        #expect(try payment.apply(.submitEvidence) == [.chargeDisputeUpdated])
        #expect(payment.dispute?.status == .underReview)
        #expect(
            try payment.apply(.closeDispute(.won)) == [.chargeDisputeClosed, .chargeDisputeFundsReinstated])
        #expect(payment.state == .disputed && payment.dispute?.isFundsWithdrawn == false)
    }

    @Test func anUnansweredChargebackCanOnlyBeLost() throws {
        var payment = try Self.captured()
        try payment.apply(.openDispute(amountMinorUnits: 10_000, isInquiry: false))
        #expect(throws: PaymentTransitionError.illegal(command: .closeDispute(.won), state: .disputed)) {
            try payment.apply(.closeDispute(.won))
        }
        #expect(throws: PaymentTransitionError.illegal(command: .closeInquiry, state: .disputed)) {
            try payment.apply(.closeInquiry)
        }
        #expect(try payment.apply(.closeDispute(.lost)) == [.chargeDisputeClosed])
        #expect(throws: PaymentTransitionError.illegal(command: .submitEvidence, state: .disputed)) {
            try payment.apply(.submitEvidence)
        }
    }

    // MARK: Three-decimal currencies

    /// Stripe takes KWD, BHD, JOD, OMR and TND amounts only with the last digit 0: for a partial
    /// capture and a refund as at creation. Zero- and two-decimal currencies are unaffected.
    @Test(arguments: [Currency.kwd, .bhd, .jod, .omr, .tnd])
    func threeDecimalCapturesAndRefundsEndInZero(_ currency: Currency) throws {
        #expect(currency.exponent == 3)
        var payment = try Payment(amount: Money(minorUnits: 10_000, currency: currency))
        try payment.apply(.authorizationResult(.approved))
        let odd = PaymentCommand.capture(amountMinorUnits: 5_005)
        #expect(
            throws: PaymentTransitionError.amountNotStripeCompatible(
                command: odd, state: .authorized, currency: currency)
        ) {
            try payment.apply(odd)
        }
        #expect(payment.state == .authorized && payment.amountCapturableMinorUnits == 10_000)
        try payment.apply(.capture(amountMinorUnits: 5_010))
        #expect(payment.amountCapturedMinorUnits == 5_010)
        let oddRefund = PaymentCommand.refund(amountMinorUnits: 1_001)
        do {
            try payment.apply(oddRefund)
            Issue.record("refunded \(oddRefund) in \(currency)")
        } catch {
            #expect(
                error == .amountNotStripeCompatible(command: oddRefund, state: .captured, currency: currency))
            #expect(error.description.contains("must be a multiple of 10"))
        }
        #expect(payment.amountRefundedMinorUnits == 0)
        try payment.apply(.refund(amountMinorUnits: 1_000))
        try payment.apply(.refund(amountMinorUnits: 4_010))
        #expect(payment.state == .refunded)
    }

    @Test func otherCurrenciesTakeAnyMinorUnit() throws {
        for currency in [Currency.usd, .jpy, .eur] {
            var payment = try Payment(amount: Money(minorUnits: 10_000, currency: currency))
            try payment.apply(.authorizationResult(.approved))
            try payment.apply(.capture(amountMinorUnits: 5_005))
            try payment.apply(.refund(amountMinorUnits: 1_001))
            #expect(payment.amountRefundedMinorUnits == 1_001, "\(currency)")
        }
    }

    /// The amount checks run in order: positive, within the limit, then the currency's rule.
    @Test func aThreeDecimalAmountBeyondTheLimitIsReportedAsBeyondTheLimit() throws {
        var payment = try Payment(amount: Money(minorUnits: 1_000, currency: .kwd))
        try payment.apply(.authorizationResult(.approved))
        let command = PaymentCommand.capture(amountMinorUnits: 1_001)
        #expect(
            throws: PaymentTransitionError.amountExceedsLimit(
                command: command, state: .authorized, limitMinorUnits: 1_000)
        ) {
            try payment.apply(command)
        }
    }

    @Test func disputeIsBoundedByWhatIsLeftOfTheCapture() throws {
        var payment = try Self.captured(capture: 8_000)
        try payment.apply(.refund(amountMinorUnits: 3_000))
        let tooMuch = PaymentCommand.openDispute(amountMinorUnits: 5_001, isInquiry: false)
        #expect(
            throws: PaymentTransitionError.amountExceedsLimit(
                command: tooMuch, state: .captured, limitMinorUnits: 5_000)
        ) {
            try payment.apply(tooMuch)
        }
        let zero = PaymentCommand.openDispute(amountMinorUnits: 0, isInquiry: false)
        #expect(throws: PaymentTransitionError.amountNotPositive(command: zero, state: .captured)) {
            try payment.apply(zero)
        }
        try payment.apply(.openDispute(amountMinorUnits: 5_000, isInquiry: false))
        #expect(payment.dispute?.amountMinorUnits == 5_000)
        #expect(throws: PaymentTransitionError.self) {
            try payment.apply(.openDispute(amountMinorUnits: 1, isInquiry: false))
        }
    }

    @Test func threeDSecureRoundTripAuthenticates() throws {
        var payment = try Payment(amount: Money(minorUnits: 500, currency: .eur))
        try payment.apply(.requireAction)
        try payment.apply(.actionCompleted)
        #expect(payment.state == .created && payment.isAuthenticated)
        try payment.apply(.authorizationResult(.approved))
        #expect(payment.state == .authorized)
    }

    @Test func timeoutIsNeverRetriedBlindly() throws {
        var payment = try Payment(amount: Money(minorUnits: 500, currency: .eur))
        try payment.apply(.authorizationResult(.timedOut))
        // A second authorization would risk a double authorization: refused.
        #expect(
            throws: PaymentTransitionError.illegal(
                command: .authorizationResult(.approved), state: .authorizationUnknown)
        ) {
            try payment.apply(.authorizationResult(.approved))
        }
        #expect(throws: PaymentTransitionError.illegal(command: .void, state: .authorizationUnknown)) {
            try payment.apply(.void)
        }
        try payment.apply(.inquiryResult(.approved))
        #expect(payment.state == .authorized && payment.amountCapturableMinorUnits == 500)
    }

    /// Random command sequences: after every accepted command the invariants hold, and a refused
    /// command changes nothing.
    @Test(arguments: TestSeeds.all)
    func randomWalksKeepTheInvariants(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var accepted = 0
        var reached: Set<String> = []
        for _ in 0..<2_000 {
            let amount = Int64.random(in: 1...100_000, using: &random)
            var payment = try Payment(
                amount: Money(minorUnits: amount, currency: Currency.all.randomElement(using: &random)!))
            for _ in 0..<12 {
                let command = Self.randomCommand(for: payment, using: &random)
                let before = payment
                do {
                    let events = try payment.apply(command)
                    accepted += 1
                    #expect(!events.isEmpty)
                } catch {
                    #expect(payment == before, "seed \(seed): a refused \(command) changed the payment")
                    #expect(error.state == before.state)
                    #expect(error.command == command)
                }
                Self.checkInvariants(payment, seed: seed)
                reached.insert(String(payment.state.description.prefix { $0 != "(" }))
            }
        }
        #expect(accepted > 2_000, "seed \(seed): the walk hardly moved")
        // Every state was visited, so the invariants were checked in each.
        let states = Set(
            StateFixture.allCases.map { String($0.expectedState.description.prefix { $0 != "(" }) })
        #expect(reached == states, "seed \(seed): reached only \(reached.sorted())")
    }

    /// A command with an amount drawn from the edges that matter for `payment`: zero, negative,
    /// exactly what is left, one more than that, or anything.
    static func randomCommand(for payment: Payment, using random: inout SeededGenerator) -> PaymentCommand {
        let left =
            payment.state == .authorized
            ? payment.amountCapturableMinorUnits : payment.amountRefundableMinorUnits
        let some = { (random: inout SeededGenerator) -> Int64 in
            switch Int.random(in: 0..<6, using: &random) {
            case 0: -1
            case 1: 0
            case 2, 3: max(1, left)
            case 4: left + 1
            default: Int64.random(in: 1...max(1, left), using: &random)
            }
        }
        let decline = DeclineCode.allCases.randomElement(using: &random)!
        switch Int.random(in: 0..<19, using: &random) {
        case 0:
            return .authorizationResult(
                [.approved, .declined(decline), .timedOut].randomElement(using: &random)!)
        case 1: return .requireAction
        case 2: return Bool.random(using: &random) ? .actionCompleted : .actionAbandoned
        case 3:
            return .inquiryResult([.approved, .declined(decline), .notFound].randomElement(using: &random)!)
        case 4: return .reverse
        case 5, 6: return .capture(amountMinorUnits: Bool.random(using: &random) ? nil : some(&random))
        case 7: return .void
        case 8: return .expire
        case 9: return .settle
        case 10, 11: return .refund(amountMinorUnits: some(&random))
        case 12: return .openDispute(amountMinorUnits: some(&random), isInquiry: Bool.random(using: &random))
        case 13: return .submitEvidence
        case 14: return .bankReturn
        case 15: return .escalateInquiry
        case 16: return .closeInquiry
        default: return .closeDispute(Bool.random(using: &random) ? .won : .lost)
        }
    }

    static func checkInvariants(_ payment: Payment, seed: UInt64) {
        let amount = payment.amount.minorUnits
        #expect(0 <= payment.amountRefundedMinorUnits, "seed \(seed): \(payment)")
        #expect(
            payment.amountRefundedMinorUnits <= payment.amountCapturedMinorUnits, "seed \(seed): \(payment)")
        #expect(payment.amountCapturedMinorUnits <= amount, "seed \(seed): \(payment)")
        #expect(
            payment.amountCapturableMinorUnits == (payment.state == .authorized ? amount : 0),
            "seed \(seed): \(payment)")
        #expect(
            payment.state.isCaptured == (payment.amountCapturedMinorUnits > 0), "seed \(seed): \(payment)")
        #expect(
            (payment.state == .refunded)
                == (payment.state.isCaptured && payment.state != .returned
                    && payment.amountRefundedMinorUnits == payment.amountCapturedMinorUnits
                    && (payment.dispute == nil || payment.dispute?.status == .warningClosed)),
            "seed \(seed): \(payment)")
        if let dispute = payment.dispute {
            // Only an inquiry closed without a chargeback leaves `disputed`.
            #expect(
                (payment.state == .disputed) == (dispute.status != .warningClosed), "seed \(seed): \(payment)"
            )
            #expect(dispute.amountMinorUnits > 0)
            #expect(dispute.amountMinorUnits <= payment.amountCapturedMinorUnits)
            if payment.state == .disputed {
                #expect(
                    dispute.amountMinorUnits <= payment.amountCapturedMinorUnits
                        - payment.amountRefundedMinorUnits)
            }
            #expect(
                dispute.isFundsWithdrawn == [.needsResponse, .underReview, .lost].contains(dispute.status),
                "seed \(seed): \(payment)")
        }
        if payment.isSettled { #expect(payment.state.isCaptured, "seed \(seed): \(payment)") }
    }
}
