import Core
import Testing

@testable import Services

/// The numbers journaled for states and commands are fixed forever (a journal written by an
/// earlier build must read the same): each is spelled out here, and each reads back.
@Suite struct PaymentJournalCodesTests {
    static let stateCodes: [(PaymentState, UInt8)] = [
        (.created, 1), (.requiresAction, 2), (.authorizationUnknown, 3), (.authorized, 4), (.captured, 5),
        (.settled, 6), (.failed(.insufficientFunds), 7), (.failed(.fraudulent), 7), (.voided, 8),
        (.expired, 9), (.refunded, 10), (.disputed, 11), (.returned, 12),
    ]

    static let commandCodes: [(PaymentCommand, UInt8)] = [
        (.authorizationResult(.approved), 1), (.authorizationResult(.declined(.doNotHonor)), 2),
        (.authorizationResult(.timedOut), 3), (.requireAction, 4), (.actionCompleted, 5),
        (.actionAbandoned, 6), (.inquiryResult(.approved), 7), (.inquiryResult(.declined(.lostCard)), 8),
        (.inquiryResult(.notFound), 9), (.reverse, 10), (.capture(amountMinorUnits: 700), 11),
        (.capture(amountMinorUnits: nil), 11), (.void, 12), (.expire, 13), (.settle, 14),
        (.refund(amountMinorUnits: 300), 15), (.openDispute(amountMinorUnits: 500, isInquiry: false), 16),
        (.submitEvidence, 17), (.closeDispute(.won), 18), (.closeDispute(.lost), 19), (.bankReturn, 20),
        (.escalateInquiry, 21), (.closeInquiry, 22),
        (.openDispute(amountMinorUnits: 500, isInquiry: true), 23),
    ]

    @Test func stateCodesAreFixedAndReadBack() {
        for (state, code) in Self.stateCodes {
            #expect(PaymentJournalCodes.code(state) == code, "\(state)")
            #expect(
                PaymentJournalCodes.state(code, decline: PaymentJournalCodes.decline(of: state)) == state,
                "\(state)")
        }
        #expect(PaymentJournalCodes.state(7, decline: nil) == nil)
        #expect(PaymentJournalCodes.state(0, decline: nil) == nil)
        #expect(PaymentJournalCodes.state(13, decline: nil) == nil)
    }

    @Test func commandCodesAreFixedAndReadBackWithTheirAmountsFromTheResult() throws {
        for (command, code) in Self.commandCodes {
            #expect(PaymentJournalCodes.code(command) == code, "\(command)")
        }
        var before = try Payment(amount: Money(minorUnits: 1_000, currency: .usd))
        _ = try before.apply(.authorizationResult(.approved))
        _ = try before.apply(.capture(amountMinorUnits: 700))
        _ = try before.apply(.refund(amountMinorUnits: 100))
        let result = RecoveredPayment(
            id: PaymentID(1), merchant: MerchantID(1), currency: .usd, network: .visa,
            state: .failed(.lostCard), amountMinorUnits: 1_000, amountCapturableMinorUnits: 0,
            amountCapturedMinorUnits: 700, amountRefundedMinorUnits: 400, disputeAmountMinorUnits: 500,
            disputeStatus: nil, isSettled: false, isAuthenticated: false)
        func read(_ code: UInt8) -> PaymentCommand? {
            PaymentJournalCodes.command(code, result: result, before: before)
        }
        #expect(read(2) == .authorizationResult(.declined(.lostCard)))
        #expect(read(8) == .inquiryResult(.declined(.lostCard)))
        #expect(read(11) == .capture(amountMinorUnits: 700))
        #expect(read(15) == .refund(amountMinorUnits: 300))
        #expect(read(16) == .openDispute(amountMinorUnits: 500, isInquiry: false))
        #expect(read(23) == .openDispute(amountMinorUnits: 500, isInquiry: true))
        for (command, code) in Self.commandCodes where ![2, 8, 11, 15, 16, 23].contains(code) {
            #expect(read(code) == command, "\(code)")
        }
        for code: UInt8 in [0, 24, PaymentJournalCodes.rollbackCommand, PaymentJournalCodes.openCommand] {
            #expect(read(code) == nil, "\(code)")
        }
    }
}
