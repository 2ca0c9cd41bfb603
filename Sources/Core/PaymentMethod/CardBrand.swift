/// The card network a PAN belongs to, in Stripe's `card.brand` vocabulary.
///
/// The brand decides which card-network actor authorizes the payment, so it is read from the
/// PAN's leading digits (the IIN ranges the networks publish) rather than trusted from input.
public enum CardBrand: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case visa
    case mastercard
    case amex
    case discover
    case jcb
    case diners
    case unionpay
    case unknown

    public var description: String { rawValue }

    /// The brand whose IIN range holds `pan`'s first four digits, or `.unknown`.
    ///
    /// Only ASCII digits are looked at; anything else makes the brand `.unknown` (validation is
    /// `Card.tokenize`'s job, not this function's).
    public static func detect(pan: String) -> CardBrand {
        var leading = 0
        var count = 0
        for scalar in pan.unicodeScalars.prefix(4) {
            guard let digit = CardDigits.value(of: scalar) else { return .unknown }
            leading = leading * 10 + digit
            count += 1
        }
        guard count == 4 else { return .unknown }
        switch leading {
        case 4000...4999: return .visa
        case 5100...5599, 2221...2720: return .mastercard
        case 3400...3499, 3700...3799: return .amex
        case 6011, 6440...6599: return .discover
        case 3528...3589: return .jcb
        case 3000...3059, 3600...3699, 3800...3999: return .diners
        case 6200...6299: return .unionpay
        default: return .unknown
        }
    }

    /// PAN lengths the brand issues. American Express numbers are always 15 digits; the others
    /// are held to the ISO/IEC 7812 range that `Card.tokenize` accepts.
    public var panLengths: ClosedRange<Int> {
        switch self {
        case .amex: 15...15
        case .diners: 14...19
        default: 12...19
        }
    }
}
