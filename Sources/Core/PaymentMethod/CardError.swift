/// Why a card could not be tokenized.
///
/// Messages never echo the PAN: an error ends up in logs and webhook payloads, and a PAN must
/// not. At most the last four digits appear, as on a receipt.
public enum CardError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The PAN was empty.
    case emptyNumber
    /// The PAN holds something other than ASCII digits at this 0-based position.
    case nonDigitCharacter(position: Int)
    /// The PAN has a length no brand issues (12...19 digits; 15 for American Express).
    case invalidLength(Int, brand: CardBrand)
    /// The PAN fails the Luhn check digit: a typo, most likely.
    case failedLuhnCheck(last4: String)
    /// The expiry month is not 1...12.
    case invalidExpiryMonth(Int)
    /// The expiry year is not a four-digit year in `Card.expiryYears`.
    case invalidExpiryYear(Int)
    /// The token was empty.
    case emptyToken
    /// The token contains the PAN, which would defeat tokenization.
    case tokenContainsNumber

    public var description: String {
        switch self {
        case .emptyNumber:
            "invalid card number: it is empty"
        case .nonDigitCharacter(let position):
            "invalid card number: character \(position + 1) is not a digit (only 0-9 are allowed)"
        case .invalidLength(let length, let brand):
            "invalid card number: \(length) digits, but \(brand) numbers have \(Self.text(brand.panLengths)) digits"
        case .failedLuhnCheck(let last4):
            "invalid card number ending in \(last4): the Luhn check digit does not match"
        case .invalidExpiryMonth(let month):
            "invalid expiry month \(month): expected 1 to 12"
        case .invalidExpiryYear(let year):
            "invalid expiry year \(year): expected a four-digit year from \(Self.text(Card.expiryYears))"
        case .emptyToken:
            "invalid card token: it is empty"
        case .tokenContainsNumber:
            "invalid card token: it contains the card number"
        }
    }

    private static func text(_ range: ClosedRange<Int>) -> String {
        range.lowerBound == range.upperBound
            ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
    }
}
