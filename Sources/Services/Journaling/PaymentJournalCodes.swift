import Core
import Ledger

/// The numbers Services writes into `PaymentEventRecord`'s generic fields: state codes, command
/// codes, event type codes and API operation codes. Fixed forever once journaled (append new
/// codes, never renumber), so they are spelled out rather than derived from declaration order.
enum PaymentJournalCodes {
    // MARK: States

    /// State codes 1... in order. `failed` stands for every decline: its code is journaled apart.
    static let states: [PaymentState] = [
        .created, .requiresAction, .authorizationUnknown, .authorized, .captured, .settled,
        .failed(.genericDecline), .voided, .expired, .refunded, .disputed, .returned,
    ]

    static func code(_ state: PaymentState) -> UInt8 {
        UInt8(code(decline(of: state) == nil ? state : .failed(.genericDecline), in: states))
    }

    /// The state for `code`; `decline` is needed for `failed`.
    static func state(_ code: UInt8, decline: DeclineCode?) -> PaymentState? {
        let state = value(Int64(code), in: states)
        if case .failed? = state { return decline.map { .failed($0) } }
        return state
    }

    static func decline(of state: PaymentState) -> DeclineCode? {
        if case .failed(let code) = state { return code }
        return nil
    }

    // MARK: Commands

    /// Command codes 1... in order, each with placeholder payloads: the journal keeps which
    /// command it was, and recovery reads its amounts and decline from the transition's result.
    static let commands: [PaymentCommand] = [
        .authorizationResult(.approved), .authorizationResult(.declined(.genericDecline)),
        .authorizationResult(.timedOut), .requireAction, .actionCompleted, .actionAbandoned,
        .inquiryResult(.approved), .inquiryResult(.declined(.genericDecline)), .inquiryResult(.notFound),
        .reverse, .capture(amountMinorUnits: nil), .void, .expire, .settle, .refund(amountMinorUnits: 0),
        .openDispute(amountMinorUnits: 0, isInquiry: false), .submitEvidence, .closeDispute(.won),
        .closeDispute(.lost), .bankReturn, .escalateInquiry, .closeInquiry,
        .openDispute(amountMinorUnits: 0, isInquiry: true),
    ]

    static func code(_ command: PaymentCommand) -> UInt8 {
        let placeholder: PaymentCommand =
            switch command {
            case .authorizationResult(.declined): .authorizationResult(.declined(.genericDecline))
            case .inquiryResult(.declined): .inquiryResult(.declined(.genericDecline))
            case .capture: .capture(amountMinorUnits: nil)
            case .refund: .refund(amountMinorUnits: 0)
            case .openDispute(_, let isInquiry): .openDispute(amountMinorUnits: 0, isInquiry: isInquiry)
            default: command
            }
        let code = code(placeholder, in: commands)
        // A command added to Core without a code here would journal as "none" and never replay.
        precondition(code > 0, "no journal code for \(command)")
        return UInt8(code)
    }

    /// The command `code` names, with the amount it carried read from the transition's
    /// `result` (and the payment `before` it, for a refund); nil for a code that names none.
    static func command(_ code: UInt8, result: RecoveredPayment, before: Payment) -> PaymentCommand? {
        let decline = Self.decline(of: result.state)
        switch value(Int64(code), in: commands) {
        case .authorizationResult(.declined)?: return decline.map { .authorizationResult(.declined($0)) }
        case .inquiryResult(.declined)?: return decline.map { .inquiryResult(.declined($0)) }
        case .capture?: return .capture(amountMinorUnits: result.amountCapturedMinorUnits)
        case .refund?:
            return .refund(
                amountMinorUnits: result.amountRefundedMinorUnits - before.amountRefundedMinorUnits)
        case .openDispute(_, let isInquiry)?:
            return .openDispute(amountMinorUnits: result.disputeAmountMinorUnits, isInquiry: isInquiry)
        case let command: return command
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
public enum APIOperation: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case createPayment = 1
    case capture = 2
    case cancel = 3
    case refund = 4
    case submitDisputeEvidence = 5

    public var description: String {
        switch self {
        case .createPayment: "create_payment"
        case .capture: "capture"
        case .cancel: "cancel"
        case .refund: "refund"
        case .submitDisputeEvidence: "submit_dispute_evidence"
        }
    }
}
