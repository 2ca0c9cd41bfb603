import Core
import Ledger

/// Why a network refused a request outright (as opposed to an issuer's decline, which is an
/// authorization result).
public enum NetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The network is down (fault hook or outage window) and answered at once.
    case unavailable(PaymentNetwork)
    /// The payment already has an authorization on this network: authorizing it again is
    /// exactly the blind retry that double-charges, so it is refused.
    case duplicateAuthorization(PaymentID)
    /// The network has no record of the payment (never seen, or forgotten past its cap).
    case unknownPayment(PaymentID)
    /// The authorization was declined, so there is nothing to capture or refund.
    case notApproved(PaymentID)
    /// The authorization was reversed.
    case reversed(PaymentID)
    /// The payment was already captured (with another amount), or a captured payment cannot be
    /// reversed.
    case alreadyCaptured(PaymentID)
    /// Capture above the authorized amount.
    case captureExceedsAuthorized(requested: Money, authorized: Money)
    /// Refund above what is captured and not yet refunded.
    case refundExceedsCaptured(requested: Money, refundable: Money)
    /// Refund of a payment that is not captured.
    case notCaptured(PaymentID)
    /// The bank debit was returned; nothing is left to refund.
    case returned(PaymentID, BankReturnCode)
    case currencyMismatch(expected: Currency, got: Currency)
    case nonPositiveAmount(Money)
    /// A payment has reached the cap on refunds per payment.
    case tooManyRefunds(PaymentID)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .unavailable(let kind): "\(kind) is unavailable"
        case .duplicateAuthorization(let id): "\(id) already has an authorization"
        case .unknownPayment(let id): "no record of \(id)"
        case .notApproved(let id): "\(id) was not approved"
        case .reversed(let id): "\(id) was reversed"
        case .alreadyCaptured(let id): "\(id) is already captured"
        case .captureExceedsAuthorized(let requested, let authorized):
            "capture of \(requested) exceeds the authorized \(authorized)"
        case .refundExceedsCaptured(let requested, let refundable):
            "refund of \(requested) exceeds the refundable \(refundable)"
        case .notCaptured(let id): "\(id) is not captured"
        case .returned(let id, let code): "\(id) was returned (\(code))"
        case .currencyMismatch(let expected, let got): "expected \(expected), got \(got)"
        case .nonPositiveAmount(let amount): "amount must be positive, got \(amount)"
        case .tooManyRefunds(let id): "\(id) has too many refunds"
        case .invalidConfiguration(let reason): "invalid network configuration: \(reason)"
        }
    }
}
