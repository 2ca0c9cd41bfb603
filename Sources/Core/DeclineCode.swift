/// Why an issuer or Paystorm declined a payment, in Stripe's `decline_code` vocabulary.
///
/// The journal codes a case as its position in `allCases` (`BinaryEncoder`): a new case goes last.
public enum DeclineCode: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case insufficientFunds = "insufficient_funds"
    case doNotHonor = "do_not_honor"
    case genericDecline = "generic_decline"
    case expiredCard = "expired_card"
    case incorrectCVC = "incorrect_cvc"
    case lostCard = "lost_card"
    case stolenCard = "stolen_card"
    case pickupCard = "pickup_card"
    case cardVelocityExceeded = "card_velocity_exceeded"
    case fraudulent = "fraudulent"
    case processingError = "processing_error"
    case issuerNotAvailable = "issuer_not_available"
    case authenticationRequired = "authentication_required"
    case currencyNotSupported = "currency_not_supported"
    case transactionNotAllowed = "transaction_not_allowed"

    public var description: String { rawValue }

    /// Whether a client may reasonably retry the same card later (Stripe's soft declines).
    public var isSoft: Bool {
        switch self {
        case .insufficientFunds, .processingError, .issuerNotAvailable, .cardVelocityExceeded,
            .authenticationRequired, .doNotHonor, .genericDecline:
            true
        default:
            false
        }
    }
}
