import Core
import Ledger

/// The numbers Services writes into `PaymentEventRecord`'s generic fields: state codes, command
/// codes, event type codes and API operation codes. Fixed forever once journaled (append new
/// codes, never renumber), so they are spelled out rather than derived from declaration order.
enum PaymentJournalCodes {
    // MARK: States

    static func code(_ state: PaymentState) -> UInt8 {
        switch state {
        case .created: 1
        case .requiresAction: 2
        case .authorizationUnknown: 3
        case .authorized: 4
        case .captured: 5
        case .settled: 6
        case .failed: 7
        case .voided: 8
        case .expired: 9
        case .refunded: 10
        case .disputed: 11
        case .returned: 12
        }
    }

    /// The state for `code`; `decline` is needed for `failed`.
    static func state(_ code: UInt8, decline: DeclineCode?) -> PaymentState? {
        switch code {
        case 1: .created
        case 2: .requiresAction
        case 3: .authorizationUnknown
        case 4: .authorized
        case 5: .captured
        case 6: .settled
        case 7: decline.map { .failed($0) }
        case 8: .voided
        case 9: .expired
        case 10: .refunded
        case 11: .disputed
        case 12: .returned
        default: nil
        }
    }

    static func decline(of state: PaymentState) -> DeclineCode? {
        if case .failed(let code) = state { return code }
        return nil
    }

    // MARK: Commands

    static func code(_ command: PaymentCommand) -> UInt8 {
        switch command {
        case .authorizationResult(.approved): 1
        case .authorizationResult(.declined): 2
        case .authorizationResult(.timedOut): 3
        case .requireAction: 4
        case .actionCompleted: 5
        case .actionAbandoned: 6
        case .inquiryResult(.approved): 7
        case .inquiryResult(.declined): 8
        case .inquiryResult(.notFound): 9
        case .reverse: 10
        case .capture: 11
        case .void: 12
        case .expire: 13
        case .settle: 14
        case .refund: 15
        case .openDispute(_, isInquiry: false): 16
        case .openDispute(_, isInquiry: true): 23
        case .submitEvidence: 17
        case .closeDispute(.won): 18
        case .closeDispute(.lost): 19
        case .bankReturn: 20
        case .escalateInquiry: 21
        case .closeInquiry: 22
        }
    }

    /// The command `code` names, with the amount it carried read from the transition's
    /// `result` (and the payment `before` it, for a refund); nil for a code that names none.
    static func command(_ code: UInt8, result: RecoveredPayment, before: Payment) -> PaymentCommand? {
        let decline = Self.decline(of: result.state)
        switch code {
        case 1: return .authorizationResult(.approved)
        case 2: return decline.map { .authorizationResult(.declined($0)) }
        case 3: return .authorizationResult(.timedOut)
        case 4: return .requireAction
        case 5: return .actionCompleted
        case 6: return .actionAbandoned
        case 7: return .inquiryResult(.approved)
        case 8: return decline.map { .inquiryResult(.declined($0)) }
        case 9: return .inquiryResult(.notFound)
        case 10: return .reverse
        case 11: return .capture(amountMinorUnits: result.amountCapturedMinorUnits)
        case 12: return .void
        case 13: return .expire
        case 14: return .settle
        case 15:
            return .refund(
                amountMinorUnits: result.amountRefundedMinorUnits - before.amountRefundedMinorUnits)
        case 16, 23:
            return .openDispute(amountMinorUnits: result.disputeAmountMinorUnits, isInquiry: code == 23)
        case 17: return .submitEvidence
        case 18: return .closeDispute(.won)
        case 19: return .closeDispute(.lost)
        case 20: return .bankReturn
        case 21: return .escalateInquiry
        case 22: return .closeInquiry
        default: return nil
        }
    }

    static let captureCommand: UInt8 = 11
    static let approvedCommand: UInt8 = 1
    /// Not a command: a resumed system's record that recovery rolled the payment's last
    /// transition back (its booking never started), so that later recoveries undo it too.
    static let rollbackCommand: UInt8 = 100
    static let inquiryApprovedCommand: UInt8 = 7
    /// Not a command: a payment created and left waiting for its confirmation (an intent
    /// opened without `confirm`), journaled before its client hears of it.
    static let openCommand: UInt8 = 101

    // MARK: Small enumerations, 1-based so that 0 means "none"

    static let declines: [DeclineCode] = [
        .insufficientFunds, .doNotHonor, .genericDecline, .expiredCard, .incorrectCVC, .lostCard,
        .stolenCard, .pickupCard, .cardVelocityExceeded, .fraudulent, .processingError, .issuerNotAvailable,
        .authenticationRequired, .currencyNotSupported, .transactionNotAllowed,
    ]
    static let disputeStatuses: [DisputeStatus] = [
        .warningNeedsResponse, .needsResponse, .underReview, .won, .lost, .warningUnderReview, .warningClosed,
    ]
    static let networks: [PaymentNetwork] = [.visa, .mastercard, .amex, .bankRail]
    static let eventTypes: [PaymentEventType] = [
        .paymentIntentCreated, .paymentIntentRequiresAction, .paymentIntentProcessing,
        .paymentIntentAmountCapturableUpdated, .paymentIntentSucceeded, .paymentIntentPaymentFailed,
        .paymentIntentCanceled, .chargeCaptured, .chargeExpired, .chargeRefunded, .chargeSettled,
        .chargeDisputeCreated, .chargeDisputeUpdated, .chargeDisputeClosed, .chargeDisputeFundsWithdrawn,
        .chargeDisputeFundsReinstated, .chargeFailed,
    ]

    static func code<Value: Equatable>(_ value: Value?, in table: [Value]) -> Int64 {
        guard let value, let index = table.firstIndex(of: value) else { return 0 }
        return Int64(index + 1)
    }

    static func value<Value>(_ code: Int64, in table: [Value]) -> Value? {
        code >= 1 && code <= Int64(table.count) ? table[Int(code - 1)] : nil
    }

    // MARK: Record kinds

    /// `PaymentEventRecord.eventType` of an API acknowledgement: this bit plus the operation.
    /// Below it, the event type code (1-based in `eventTypes`) of the transition's first event.
    static let acknowledgementBit: UInt16 = 0x8000
}

/// The API operations whose answers are acknowledged in the journal.
package enum APIOperation: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case createPayment = 1
    case capture = 2
    case cancel = 3
    case refund = 4
    case submitDisputeEvidence = 5

    package var description: String {
        switch self {
        case .createPayment: "create_payment"
        case .capture: "capture"
        case .cancel: "cancel"
        case .refund: "refund"
        case .submitDisputeEvidence: "submit_dispute_evidence"
        }
    }
}
