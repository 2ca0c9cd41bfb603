import Core
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// One test per path of the payment state diagram (`PaymentState`), end to end through the API:
/// after every step, exactly which ledger entries were booked (account, side, amount) and which
/// webhook events went out for the payment, in order.
///
/// Figures: a 100.00 USD card payment to merchant 7, fee 2.9% + 30 = 320; visa accounts.
@Suite struct LifecyclePathTests {
    typealias E = BookedEntry
    static let m = LifecycleHarness.merchant
    static let receivable = AccountID.networkReceivable(.visa, .usd)
    static let payable = AccountID.networkPayable(.visa, .usd)
    static let customer = AccountID.customerFunds(.usd)
    static let merchant = AccountID.merchantBalance(m, .usd)
    static let fees = AccountID.feesRevenue(.usd)
    static let bank = AccountID.bank(.usd)

    static func hold(_ amount: Int64, on receivable: AccountID = receivable) -> [E] {
        [.held(.debit, receivable, amount), .held(.credit, customer, amount)].sorted()
    }

    /// Posting `captured` of the hold and moving it to the merchant less `fee`.
    static func capture(_ captured: Int64, fee: Int64, on receivable: AccountID = receivable) -> [E] {
        [
            .holdPosted(.debit, receivable, captured), .holdPosted(.credit, customer, captured),
            .posted(.debit, customer, captured), .posted(.credit, merchant, captured - fee),
            .posted(.credit, fees, fee),
        ].sorted()
    }

    static func toMerchant(_ from: AccountID, _ amount: Int64) -> [E] {
        [.posted(.debit, from, amount), .posted(.credit, merchant, amount)].sorted()
    }

    static func fromMerchant(_ to: AccountID, _ amount: Int64) -> [E] {
        [.posted(.debit, merchant, amount), .posted(.credit, to, amount)].sorted()
    }

    // MARK: Authorize, capture, settle, void, expire

    @Test func authorizeCaptureSettle() async throws {
        let runtime = DeterministicRuntime(seed: 301)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let created = try await h.create(10_000, capture: .manual)
            let id = try #require(created.paymentID)
            #expect(h.events(id) == [.paymentIntentCreated, .paymentIntentAmountCapturableUpdated])
            #expect(await h.entries() == Self.hold(10_000))
            #expect(await h.state(id) == .authorized)

            #expect(await h.system.capture(id, merchant: Self.m, apiKey: h.key.secret).isSuccess)
            #expect(h.events(id) == [.chargeCaptured, .paymentIntentSucceeded])
            #expect(await h.entries() == Self.capture(10_000, fee: 320))

            let summary = await h.system.runDailySettlement()
            #expect(summary.paymentsSettled == 1 && summary.paidOut["USD"] == 9_680)
            #expect(h.events(id) == [.chargeSettled])
            #expect(await h.entries() == Self.fromMerchant(Self.bank, 9_680))
            #expect(await h.state(id) == .settled)
            #expect(await h.merchantBalance() == 0)
            #expect(await h.system.ledger.reconcile().isBalanced)
        }
    }

    @Test func authorizeThenVoid() async throws {
        let runtime = DeterministicRuntime(seed: 302)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .manual).paymentID)
            _ = h.events(id)
            _ = await h.entries()
            #expect(await h.system.cancel(id, merchant: Self.m, apiKey: h.key.secret).isSuccess)
            #expect(h.events(id) == [.paymentIntentCanceled])
            #expect(
                await h.entries()
                    == [
                        .holdVoided(.debit, Self.receivable, 10_000),
                        .holdVoided(.credit, Self.customer, 10_000),
                    ]
                    .sorted())
            #expect(await h.state(id) == .voided)
            // Nothing can be captured once voided: no event, no entry.
            let late = await h.system.capture(id, merchant: Self.m, apiKey: h.key.secret)
            #expect(late.status == 400)
            #expect(h.events(id).isEmpty)
            #expect(await h.entries().isEmpty)
        }
    }

    @Test func authorizeThenExpireAfterSevenDays() async throws {
        let runtime = DeterministicRuntime(seed: 303)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .manual).paymentID)
            _ = h.events(id)
            _ = await h.entries()
            try await runtime.sleep(for: .seconds(7 * 86_400 - 60))
            #expect(await h.system.expireStaleAuthorizations() == 0)
            #expect(h.events(id).isEmpty)
            try await runtime.sleep(for: .seconds(61))
            #expect(await h.system.expireStaleAuthorizations() == 1)
            #expect(h.events(id) == [.chargeExpired, .paymentIntentCanceled])
            #expect(
                await h.entries()
                    == [
                        .holdVoided(.debit, Self.receivable, 10_000),
                        .holdVoided(.credit, Self.customer, 10_000),
                    ]
                    .sorted())
            #expect(await h.state(id) == .expired)
        }
    }

    // MARK: Partial capture and refunds

    @Test func partialCaptureThenSeveralPartialRefundsAndNoMore() async throws {
        let runtime = DeterministicRuntime(seed: 304)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .manual).paymentID)
            _ = h.events(id)
            _ = await h.entries()
            // 60.00 of 100.00: fee 174 + 30; the other 40.00 of the hold is released.
            #expect(
                await h.system.capture(id, amountMinorUnits: 6_000, merchant: Self.m, apiKey: h.key.secret)
                    .isSuccess)
            #expect(h.events(id) == [.chargeCaptured, .paymentIntentSucceeded])
            #expect(await h.entries() == Self.capture(6_000, fee: 204))
            #expect(await h.system.ledger.balance(of: Self.customer).creditsPending == 0)

            for (amount, state) in [(Int64(1_000), PaymentState.captured), (2_000, .captured)] {
                let refund = await h.system.refund(
                    id, amountMinorUnits: amount, merchant: Self.m, apiKey: h.key.secret)
                #expect(refund.isSuccess, "\(refund.body)")
                #expect(h.events(id) == [.chargeRefunded])
                #expect(await h.entries() == Self.fromMerchant(Self.payable, amount))
                #expect(await h.state(id) == state)
            }
            // 3,000 is left: 3,001 is refused and changes nothing.
            let above = await h.system.refund(
                id, amountMinorUnits: 3_001, merchant: Self.m, apiKey: h.key.secret)
            #expect(above.status == 400)
            #expect(above.errorCode == "payment_intent_unexpected_state")
            #expect(h.events(id).isEmpty)
            #expect(await h.entries().isEmpty)

            #expect(
                await h.system.refund(id, amountMinorUnits: 3_000, merchant: Self.m, apiKey: h.key.secret)
                    .isSuccess)
            #expect(h.events(id) == [.chargeRefunded])
            #expect(await h.entries() == Self.fromMerchant(Self.payable, 3_000))
            #expect(await h.state(id) == .refunded)
            // Stripe keeps the processing fee on refunds: the merchant is 204 short.
            #expect(await h.merchantBalance() == -204)
            #expect(await h.system.ledger.reconcile().isBalanced)
        }
    }

    @Test func aVoidAfterCaptureIsRefusedAndBooksNothing() async throws {
        let runtime = DeterministicRuntime(seed: 305)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .automatic).paymentID)
            #expect(
                h.events(id) == [
                    .paymentIntentCreated, .paymentIntentAmountCapturableUpdated, .chargeCaptured,
                    .paymentIntentSucceeded,
                ])
            #expect(await h.entries() == (Self.hold(10_000) + Self.capture(10_000, fee: 320)).sorted())
            let void = await h.system.cancel(id, merchant: Self.m, apiKey: h.key.secret)
            #expect(void.status == 400)
            #expect(void.errorCode == "payment_intent_unexpected_state")
            #expect(h.events(id).isEmpty)
            #expect(await h.entries().isEmpty)
            #expect(await h.state(id) == .captured)
        }
    }

    // MARK: Disputes

    /// The chargeback's withdrawal: the disputed amount back to the network, the fee to revenue.
    static func withdrawal(_ amount: Int64) -> [E] {
        (Self.fromMerchant(Self.payable, amount) + Self.fromMerchant(Self.fees, 1_500)).sorted()
    }

    /// A chargeback (`needs_response`): the amount and the 15.00 fee leave when it opens; the
    /// merchant's evidence (its own API call) moves nothing and puts it `under_review`; won gives
    /// both back, lost keeps them.
    @Test(arguments: [true, false])
    func chargeback(won: Bool) async throws {
        let runtime = DeterministicRuntime(seed: won ? 306 : 307)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .automatic).paymentID)
            _ = h.events(id)
            _ = await h.entries()
            try await h.system.orchestrator.openDispute(id, amountMinorUnits: 10_000)
            #expect(h.events(id) == [.chargeDisputeCreated, .chargeDisputeFundsWithdrawn])
            #expect(await h.entries() == Self.withdrawal(10_000))
            #expect(await h.merchantBalance() == 9_680 - 10_000 - 1_500)
            #expect(await h.dispute(id) == .needsResponse)

            let evidence = await h.system.submitDisputeEvidence(id, merchant: Self.m, apiKey: h.key.secret)
            #expect(evidence.isSuccess)
            #expect(h.events(id) == [.chargeDisputeUpdated])
            #expect(await h.entries().isEmpty)
            #expect(await h.dispute(id) == .underReview)
            // Evidence is submitted once.
            let again = await h.system.submitDisputeEvidence(id, merchant: Self.m, apiKey: h.key.secret)
            #expect(again.status == 400 && again.errorCode == "payment_intent_unexpected_state")
            #expect(h.events(id).isEmpty)

            try await h.system.orchestrator.closeDispute(id, won: won)
            if won {
                #expect(h.events(id) == [.chargeDisputeClosed, .chargeDisputeFundsReinstated])
                #expect(
                    await h.entries()
                        == (Self.toMerchant(Self.payable, 10_000) + Self.toMerchant(Self.fees, 1_500))
                        .sorted())
                #expect(await h.merchantBalance() == 9_680)
            } else {
                #expect(h.events(id) == [.chargeDisputeClosed])
                #expect(await h.entries().isEmpty)
                #expect(await h.merchantBalance() == 9_680 - 11_500)
            }
            #expect(await h.state(id) == .disputed)
            #expect(await h.dispute(id) == (won ? .won : .lost))
        }
    }

    /// A chargeback nobody answers can only be lost (Stripe: no response by the deadline); it
    /// cannot be won without evidence, and a refusal books and emits nothing.
    @Test func anUnansweredChargebackIsLost() async throws {
        let runtime = DeterministicRuntime(seed: 312)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .automatic).paymentID)
            try await h.system.orchestrator.openDispute(id, amountMinorUnits: 4_000)
            _ = h.events(id)
            #expect(await h.entries().contains(.posted(.debit, Self.merchant, 4_000)))
            await #expect(throws: PaymentServiceError.self) {
                try await h.system.orchestrator.closeDispute(id, won: true)
            }
            #expect(h.events(id).isEmpty)
            #expect(await h.entries().isEmpty)
            try await h.system.orchestrator.closeDispute(id, won: false)
            #expect(h.events(id) == [.chargeDisputeClosed])
            #expect(await h.entries().isEmpty)
            #expect(await h.dispute(id) == .lost)
            #expect(await h.merchantBalance() == 9_680 - 4_000 - 1_500)
        }
    }

    /// An inquiry (`warning_needs_response`) moves no money: the merchant answers it
    /// (`warning_under_review`), the bank closes it (`warning_closed`), and the payment is
    /// captured again, refundable as before.
    @Test func anInquiryClosedWithoutAChargebackMovesNothing() async throws {
        let runtime = DeterministicRuntime(seed: 313)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .automatic).paymentID)
            _ = h.events(id)
            _ = await h.entries()
            try await h.system.orchestrator.openDispute(id, amountMinorUnits: 10_000, isInquiry: true)
            #expect(h.events(id) == [.chargeDisputeCreated])
            #expect(await h.entries().isEmpty)
            #expect(await h.merchantBalance() == 9_680)
            #expect(await h.dispute(id) == .warningNeedsResponse)
            // While the inquiry is open the payment cannot be refunded.
            let refused = await h.system.refund(
                id, amountMinorUnits: 1_000, merchant: Self.m, apiKey: h.key.secret)
            #expect(refused.status == 400)

            #expect(
                await h.system.submitDisputeEvidence(id, merchant: Self.m, apiKey: h.key.secret).isSuccess)
            #expect(h.events(id) == [.chargeDisputeUpdated])
            #expect(await h.entries().isEmpty)
            #expect(await h.dispute(id) == .warningUnderReview)

            try await h.system.orchestrator.closeInquiry(id)
            #expect(h.events(id) == [.chargeDisputeClosed])
            #expect(await h.entries().isEmpty)
            #expect(await h.dispute(id) == .warningClosed)
            #expect(await h.state(id) == .captured)
            #expect(await h.merchantBalance() == 9_680)

            #expect(
                await h.system.refund(id, amountMinorUnits: 1_000, merchant: Self.m, apiKey: h.key.secret)
                    .isSuccess)
            #expect(h.events(id) == [.chargeRefunded])
            #expect(await h.entries() == Self.fromMerchant(Self.payable, 1_000))
        }
    }

    /// An inquiry escalated into a chargeback: nothing moves at the inquiry, the amount and the
    /// fee leave at the escalation (`needs_response`), and from then on it is a chargeback that
    /// needs its own evidence.
    @Test(arguments: [true, false])
    func anInquiryEscalatedIntoAChargeback(won: Bool) async throws {
        let runtime = DeterministicRuntime(seed: won ? 314 : 315)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .automatic).paymentID)
            _ = h.events(id)
            _ = await h.entries()
            try await h.system.orchestrator.openDispute(id, amountMinorUnits: 6_000, isInquiry: true)
            #expect(h.events(id) == [.chargeDisputeCreated])
            #expect(await h.entries().isEmpty)

            try await h.system.orchestrator.escalateInquiry(id)
            #expect(h.events(id) == [.chargeDisputeUpdated, .chargeDisputeFundsWithdrawn])
            #expect(await h.entries() == Self.withdrawal(6_000))
            #expect(await h.dispute(id) == .needsResponse)
            #expect(await h.merchantBalance() == 9_680 - 6_000 - 1_500)
            await #expect(throws: PaymentServiceError.self) {
                try await h.system.orchestrator.closeInquiry(id)
            }
            #expect(h.events(id).isEmpty)

            #expect(
                await h.system.submitDisputeEvidence(id, merchant: Self.m, apiKey: h.key.secret).isSuccess)
            #expect(h.events(id) == [.chargeDisputeUpdated])
            #expect(await h.entries().isEmpty)
            #expect(await h.dispute(id) == .underReview)

            try await h.system.orchestrator.closeDispute(id, won: won)
            if won {
                #expect(h.events(id) == [.chargeDisputeClosed, .chargeDisputeFundsReinstated])
                #expect(
                    await h.entries()
                        == (Self.toMerchant(Self.payable, 6_000) + Self.toMerchant(Self.fees, 1_500)).sorted()
                )
                #expect(await h.merchantBalance() == 9_680)
            } else {
                #expect(h.events(id) == [.chargeDisputeClosed])
                #expect(await h.entries().isEmpty)
                #expect(await h.merchantBalance() == 9_680 - 7_500)
            }
            #expect(await h.system.ledger.reconcile().isBalanced)
        }
    }

    /// Another merchant cannot answer a dispute on this merchant's payment (Stripe: 404).
    @Test func evidenceFromAnotherMerchantIsRefused() async throws {
        let runtime = DeterministicRuntime(seed: 316)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .automatic).paymentID)
            try await h.system.orchestrator.openDispute(id, amountMinorUnits: 10_000)
            _ = h.events(id)
            let other = MerchantID(8)
            let otherKey = try #require(try await h.system.onboard(other, settlementCurrency: .usd))
            let response = await h.system.submitDisputeEvidence(id, merchant: other, apiKey: otherKey.secret)
            #expect(response.status == 404)
            #expect(h.events(id).isEmpty)
            #expect(await h.dispute(id) == .needsResponse)
        }
    }

    // MARK: Screening, 3-D Secure, declines

    @Test(arguments: [true, false])
    func threeDSecure(passes: Bool) async throws {
        let runtime = DeterministicRuntime(seed: passes ? 308 : 309)
        try runtime.run {
            var h = try await LifecycleHarness(runtime) { configuration in
                // Every score falls in the 3-D Secure band.
                configuration.fraudThresholds = try! FraudThresholds(
                    reviewFrom: 0, challengeFrom: 0, blockAbove: 100)
                configuration.threeDSecure = ThreeDSecureChallenge.Configuration(
                    legitimatePassProbability: passes ? 1 : 0, legitimateAbandonProbability: passes ? 0 : 1)
            }
            let response = try await h.create(10_000, capture: .manual)
            let id = try #require(response.paymentID)
            if passes {
                #expect(response.isSuccess)
                #expect(
                    h.events(id) == [
                        .paymentIntentCreated, .paymentIntentRequiresAction, .paymentIntentProcessing,
                        .paymentIntentAmountCapturableUpdated,
                    ])
                #expect(await h.entries() == Self.hold(10_000))
                let record = try #require(await h.system.orchestrator.payment(id))
                #expect(record.payment.state == .authorized && record.payment.isAuthenticated)
            } else {
                #expect(response.status == 402)
                #expect(response.errorCode == "authentication_required")
                #expect(response.declineCode == "authentication_required")
                #expect(
                    h.events(id) == [
                        .paymentIntentCreated, .paymentIntentRequiresAction, .paymentIntentPaymentFailed,
                    ])
                #expect(await h.entries().isEmpty)
                #expect(await h.state(id) == .failed(.authenticationRequired))
            }
        }
    }

    @Test func fraudBlockDeclinesBeforeTheNetworkAndBooksNothing() async throws {
        let runtime = DeterministicRuntime(seed: 310)
        try runtime.run {
            var h = try await LifecycleHarness(runtime) { configuration in
                configuration.fraudThresholds = try! FraudThresholds(
                    reviewFrom: 0, challengeFrom: 0, blockAbove: 0)
            }
            let response = try await h.create(10_000, capture: .automatic)
            let id = try #require(response.paymentID)
            #expect(response.status == 402)
            #expect(response.errorCode == "card_declined")
            #expect(response.declineCode == "fraudulent")
            #expect(h.events(id) == [.paymentIntentCreated, .paymentIntentPaymentFailed])
            #expect(await h.entries().isEmpty)
            #expect(await h.state(id) == .failed(.fraudulent))
            #expect(h.system.networks[.visa]?.statistics.authorizations == 0)
        }
    }

    @Test func anIssuerDeclineBooksNothing() async throws {
        let runtime = DeterministicRuntime(seed: 311)
        try runtime.run {
            var h = try await LifecycleHarness(runtime) { configuration in
                configuration.networks[.visa]?.declineRate = 1
                configuration.networks[.visa]?.declineWeights = [.init(.insufficientFunds, 1)]
            }
            let response = try await h.create(10_000, capture: .automatic)
            let id = try #require(response.paymentID)
            #expect(response.status == 402)
            #expect(response.errorCode == "card_declined")
            #expect(response.declineCode == "insufficient_funds")
            #expect(response.body.contains("\"type\":\"card_error\""))
            #expect(h.events(id) == [.paymentIntentCreated, .paymentIntentPaymentFailed])
            #expect(await h.entries().isEmpty)
            #expect(await h.state(id) == .failed(.insufficientFunds))
        }
    }

    // MARK: Network timeouts

    /// The issuer approved but the answer was lost: the inquiry finds the approval and the hold
    /// is booked once, with no second authorization.
    @Test func aTimeoutResolvedByAnInquiryThatFindsTheApproval() async throws {
        let runtime = DeterministicRuntime(seed: 312)
        try runtime.run {
            var h = try await LifecycleHarness(runtime) { configuration in
                configuration.networks[.visa]?.timeoutRate = 1
                configuration.networks[.visa]?.timedOutProcessedProbability = 1
            }
            let response = try await h.create(10_000, capture: .manual)
            let id = try #require(response.paymentID)
            #expect(response.isSuccess, "\(response.body)")
            #expect(
                h.events(id) == [
                    .paymentIntentCreated, .paymentIntentProcessing, .paymentIntentAmountCapturableUpdated,
                ])
            #expect(await h.entries() == Self.hold(10_000))
            #expect(await h.state(id) == .authorized)
            #expect(h.system.counters.authorizationTimeouts == 1 && h.system.counters.inquiries == 1)
            #expect(h.system.networks[.visa]?.statistics.authorizations == 1, "never retried")
        }
    }

    /// The request never reached the issuer: the inquiry says so and the payment fails cleanly.
    @Test func aTimeoutResolvedByAnInquiryThatFindsNothing() async throws {
        let runtime = DeterministicRuntime(seed: 313)
        try runtime.run {
            var h = try await LifecycleHarness(runtime) { configuration in
                configuration.networks[.visa]?.timeoutRate = 1
                configuration.networks[.visa]?.timedOutProcessedProbability = 0
            }
            let response = try await h.create(10_000, capture: .manual)
            let id = try #require(response.paymentID)
            #expect(response.status == 402)
            #expect(
                h.events(id) == [
                    .paymentIntentCreated, .paymentIntentProcessing, .paymentIntentPaymentFailed,
                ])
            #expect(await h.entries().isEmpty)
            #expect(await h.state(id) == .failed(.processingError))
        }
    }

    /// The network is down: no inquiry gets through, so the payment is reversed (voided), never
    /// authorized again.
    @Test func aTimeoutResolvedByAReversal() async throws {
        let runtime = DeterministicRuntime(seed: 314)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            h.system.networks[.visa]?.setOutage(true)
            let response = try await h.create(10_000, capture: .manual)
            let id = try #require(response.paymentID)
            #expect(response.status == 402)
            #expect(
                h.events(id) == [.paymentIntentCreated, .paymentIntentProcessing, .paymentIntentCanceled])
            #expect(await h.entries().isEmpty)
            #expect(await h.state(id) == .voided)
            #expect(h.system.counters.reversals == 1)
            #expect(h.system.counters.inquiries == 0)
        }
    }

    // MARK: Bank transfers

    @Test func aBankTransferSettles() async throws {
        let runtime = DeterministicRuntime(seed: 315)
        try runtime.run {
            var h = try await LifecycleHarness(runtime)
            let rail = AccountID.networkReceivable(.bankRail, .usd)
            let response = try await h.create(
                10_000, capture: .automatic, method: LifecycleHarness.bankAccount())
            let id = try #require(response.paymentID)
            #expect(response.isSuccess, "\(response.body)")
            #expect(
                h.events(id) == [
                    .paymentIntentCreated, .paymentIntentAmountCapturableUpdated, .chargeCaptured,
                    .paymentIntentSucceeded,
                ])
            #expect(
                await h.entries()
                    == (Self.hold(10_000, on: rail) + Self.capture(10_000, fee: 320, on: rail)).sorted())
            _ = await h.system.runDailySettlement()
            #expect(h.events(id) == [.chargeSettled])
            #expect(await h.entries() == Self.fromMerchant(Self.bank, 9_680))
            #expect(await h.state(id) == .settled)
        }
    }

    /// An ACH-like debit accepted, paid out, and returned by the customer's bank three days later
    /// (R01): the receivable is cleared, the merchant gives the amount back (its balance goes
    /// negative and is carried), the payment is `returned` with Stripe's failure events, and
    /// the rail's settlement file and the ledger still agree.
    @Test func aBankTransferReturnedAfterItWasPaidOut() async throws {
        let runtime = DeterministicRuntime(seed: 316)
        try runtime.run {
            var h = try await LifecycleHarness(runtime) { configuration in
                configuration.networks[.bankRail]?.returnRate = 1
                configuration.networks[.bankRail]?.returnWeights = [.init(.r01, 1)]
            }
            let rail = AccountID.networkReceivable(.bankRail, .usd)
            let id = try #require(
                try await h.create(10_000, capture: .automatic, method: LifecycleHarness.bankAccount())
                    .paymentID)
            _ = h.events(id)
            _ = await h.entries()
            let first = await h.system.runDailySettlement()
            #expect(first.bankReturns == 0, "not due before the rail's settlement day")
            #expect(h.events(id) == [.chargeSettled])
            #expect(await h.entries() == Self.fromMerchant(Self.bank, 9_680))

            try await runtime.sleep(for: .seconds(3 * 86_400))
            let second = await h.system.runDailySettlement()
            #expect(second.bankReturns == 1)
            #expect(second.payouts == 0 && second.negativeBalancesCarried == 1)
            #expect(h.events(id) == [.chargeFailed, .paymentIntentPaymentFailed])
            #expect(await h.entries() == Self.fromMerchant(rail, 10_000))
            let record = try #require(await h.system.orchestrator.payment(id))
            #expect(record.payment.state == .returned)
            #expect(record.payment.state.stripeStatus == "requires_payment_method")
            #expect(record.bankReturnCode == .r01)
            #expect(await h.system.ledger.balance(of: rail).balance == 0, "the rail owes nothing")
            #expect(await h.merchantBalance() == -10_000)
            let view = try #require(await h.system.merchants.account(Self.m))
            #expect(view.bankReturns == 1)

            // Nothing more can happen to it: a refund is refused and books nothing.
            let refund = await h.system.refund(
                id, amountMinorUnits: 100, merchant: Self.m, apiKey: h.key.secret)
            #expect(refund.status == 400)
            #expect(h.events(id).isEmpty)
            #expect(await h.entries().isEmpty)
            // A later run does not apply the return again.
            #expect(await h.system.runDailySettlement().bankReturns == 0)
            #expect(h.system.counters.bankReturnsNotApplied == 0)

            let reconciliation = await h.system.reconcileSettlement()
            #expect(
                reconciliation.isReconciled,
                "\(reconciliation.mismatches) \(reconciliation.accountMismatches)")
            let key = SettlementFileKey(network: .bankRail, day: 3, currency: .usd)
            #expect(reconciliation.networkTotals[key]?.capturedMinorUnits == 10_000)
            #expect(reconciliation.networkTotals[key]?.returnedMinorUnits == 10_000)
            #expect(await h.system.ledger.reconcile().isBalanced)
        }
    }

    /// Returned after a partial refund: the refund already went to the customer, so the merchant
    /// bears the whole captured amount again.
    @Test func aBankTransferReturnedAfterAPartialRefund() async throws {
        let runtime = DeterministicRuntime(seed: 317)
        try runtime.run {
            var h = try await LifecycleHarness(runtime) { configuration in
                configuration.networks[.bankRail]?.returnRate = 1
                configuration.networks[.bankRail]?.returnWeights = [.init(.r10, 1)]
            }
            let rail = AccountID.networkReceivable(.bankRail, .usd)
            let id = try #require(
                try await h.create(10_000, capture: .automatic, method: LifecycleHarness.bankAccount())
                    .paymentID)
            #expect(
                await h.system.refund(id, amountMinorUnits: 2_500, merchant: Self.m, apiKey: h.key.secret)
                    .isSuccess)
            _ = h.events(id)
            _ = await h.entries()
            try await runtime.sleep(for: .seconds(3 * 86_400))
            #expect(await h.system.processBankReturns() == 1)
            #expect(h.events(id) == [.chargeFailed, .paymentIntentPaymentFailed])
            #expect(await h.entries() == Self.fromMerchant(rail, 10_000))
            #expect(await h.merchantBalance() == 9_680 - 2_500 - 10_000)
            #expect(await h.system.orchestrator.payment(id)?.bankReturnCode == .r10)
            let reconciliation = await h.system.reconcileSettlement()
            #expect(
                reconciliation.isReconciled,
                "\(reconciliation.mismatches) \(reconciliation.accountMismatches)")
        }
    }
}

/// Three-decimal currencies through the API: Stripe takes KWD, BHD, JOD, OMR and TND amounts only
/// with the last digit 0, for a partial capture and a refund as at creation. A refused amount is
/// a typed 400 (`invalid_charge_amount`) that did no work: nothing booked, no event, and the
/// idempotency key stays free for the corrected request.
@Suite struct ThreeDecimalAmountTests {
    static let m = LifecycleHarness.merchant

    @Test(arguments: [Currency.kwd, .bhd, .jod, .omr, .tnd])
    func partialCapturesAndRefundsMustEndInZero(_ currency: Currency) async throws {
        let runtime = DeterministicRuntime(seed: 320 + UInt64(currency.index))
        try runtime.run {
            var h = try await LifecycleHarness(runtime, settlementCurrency: currency)
            let odd = try await h.create(10_005, currency, capture: .manual)
            #expect(odd.status == 400 && odd.paymentID == nil)
            let id = try #require(try await h.create(10_000, currency, capture: .manual).paymentID)
            _ = h.events(id)
            _ = await h.entries()

            let oddCapture = await h.system.capture(
                id, amountMinorUnits: 5_005, merchant: Self.m, apiKey: h.key.secret, idempotencyKey: "cap")
            #expect(oddCapture.status == 400)
            #expect(oddCapture.errorCode == "invalid_charge_amount")
            #expect(oddCapture.body.contains("multiple of 10"))
            #expect(h.events(id).isEmpty)
            #expect(await h.entries().isEmpty)
            #expect(await h.state(id) == .authorized)
            let capture = await h.system.capture(
                id, amountMinorUnits: 5_010, merchant: Self.m, apiKey: h.key.secret, idempotencyKey: "cap")
            #expect(capture.isSuccess && !capture.replayed)
            #expect(h.events(id) == [.chargeCaptured, .paymentIntentSucceeded])
            _ = await h.entries()

            let oddRefund = await h.system.refund(
                id, amountMinorUnits: 1_001, merchant: Self.m, apiKey: h.key.secret)
            #expect(oddRefund.status == 400 && oddRefund.errorCode == "invalid_charge_amount")
            #expect(h.events(id).isEmpty)
            #expect(await h.entries().isEmpty)
            let refund = await h.system.refund(
                id, amountMinorUnits: 1_000, merchant: Self.m, apiKey: h.key.secret)
            #expect(refund.isSuccess)
            #expect(h.events(id) == [.chargeRefunded])
            let record = try #require(await h.system.orchestrator.payment(id))
            #expect(record.payment.amountCapturedMinorUnits == 5_010)
            #expect(record.payment.amountRefundedMinorUnits == 1_000)
        }
    }

    /// Two-decimal currencies take any minor unit.
    @Test func aUSDPartialCaptureMayEndInAnyDigit() async throws {
        let runtime = DeterministicRuntime(seed: 340)
        try runtime.run {
            let h = try await LifecycleHarness(runtime)
            let id = try #require(try await h.create(10_000, capture: .manual).paymentID)
            #expect(
                await h.system.capture(id, amountMinorUnits: 5_005, merchant: Self.m, apiKey: h.key.secret)
                    .isSuccess)
            #expect(
                await h.system.refund(id, amountMinorUnits: 1_001, merchant: Self.m, apiKey: h.key.secret)
                    .isSuccess)
        }
    }
}
