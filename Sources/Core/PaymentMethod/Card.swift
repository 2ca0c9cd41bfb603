/// A tokenized payment card: everything the simulation needs to route, score and describe a
/// card payment, and never the card number itself.
///
/// No stored property holds the PAN (and none holds enough of it to rebuild it: the BIN is
/// reduced to its country, as the fraud engine and fees need no more). A `Card` can therefore be
/// logged, journaled, put in webhook payloads and dumped in test failures. Build one with
/// `Card.tokenize(pan:expiryMonth:expiryYear:funding:token:)`, the only place a PAN is read.
public struct Card: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The network, detected from the PAN's IIN range.
    public let brand: CardBrand
    public let funding: CardFunding
    /// An opaque reference to the PAN in the (simulated) vault, e.g. "tok_1a2b3c".
    public let token: String
    /// 16 hex digits, equal for every tokenization of the same PAN, so that the fraud engine can
    /// count one physical card used under many tokens.
    public let fingerprint: String
    /// The last four digits, as printed on receipts.
    public let last4: String
    /// The issuing country (ISO 3166-1 alpha-2) from the BIN, via `BINCountryTable`.
    public let country: String
    /// 1...12.
    public let expiryMonth: Int
    /// Four digits, e.g. 2030.
    public let expiryYear: Int

    /// The four-digit expiry years `tokenize` accepts.
    public static let expiryYears: ClosedRange<Int> = 2000...2099

    private init(
        brand: CardBrand, funding: CardFunding, token: String, fingerprint: String, last4: String,
        country: String, expiryMonth: Int, expiryYear: Int
    ) {
        self.brand = brand
        self.funding = funding
        self.token = token
        self.fingerprint = fingerprint
        self.last4 = last4
        self.country = country
        self.expiryMonth = expiryMonth
        self.expiryYear = expiryYear
    }

    /// Validates a PAN and expiry and returns the card with the PAN reduced to a fingerprint,
    /// the last four digits and the BIN's country.
    ///
    /// - Parameters:
    ///   - pan: ASCII digits only, 12...19 of them (15 for American Express), with a valid Luhn
    ///     check digit. Spaces and dashes are rejected rather than guessed at.
    ///   - expiryMonth: 1...12.
    ///   - expiryYear: four digits, in `Card.expiryYears`. An expired card is still tokenized
    ///     (Stripe does the same; the issuer declines it with `expired_card`); see `isExpired`.
    ///   - funding: credit, debit or prepaid, as the issuer reports it.
    ///   - token: the opaque vault reference the caller allocated, e.g. "tok_…".
    /// - Throws: `CardError` naming the first problem found; the message never contains the PAN.
    public static func tokenize(
        pan: String, expiryMonth: Int, expiryYear: Int, funding: CardFunding, token: String
    ) throws(CardError) -> Card {
        guard !pan.isEmpty else { throw .emptyNumber }
        var digits: [Int] = []
        digits.reserveCapacity(19)
        for (position, scalar) in pan.unicodeScalars.enumerated() {
            guard let digit = CardDigits.value(of: scalar) else {
                throw .nonDigitCharacter(position: position)
            }
            // Stop collecting past the longest valid length: the length check below rejects it
            // anyway, and a huge input must not cost memory.
            if digits.count <= 19 { digits.append(digit) }
        }
        let length = pan.unicodeScalars.count
        let brand = CardBrand.detect(pan: pan)
        guard brand.panLengths.contains(length) else {
            throw .invalidLength(length, brand: brand)
        }
        guard CardDigits.passesLuhn(digits) else {
            throw .failedLuhnCheck(last4: CardDigits.last4(digits))
        }
        guard (1...12).contains(expiryMonth) else { throw .invalidExpiryMonth(expiryMonth) }
        guard expiryYears.contains(expiryYear) else { throw .invalidExpiryYear(expiryYear) }
        guard !token.isEmpty else { throw .emptyToken }
        guard !CardDigits.contains(token, pan) else { throw .tokenContainsNumber }
        return Card(
            brand: brand,
            funding: funding,
            token: token,
            fingerprint: CardDigits.fingerprint(CardDigits.ascii(digits), domain: "card"),
            last4: CardDigits.last4(digits),
            country: BINCountryTable.country(forLeadingDigits: pan.prefix(9)),
            expiryMonth: expiryMonth,
            expiryYear: expiryYear)
    }

    /// Whether the card has expired by the given month. A card is valid through the last day of
    /// its expiry month, so a card expiring 12/2030 is expired from 1/2031 on.
    public func isExpired(atYear year: Int, month: Int) -> Bool {
        (year, month) > (expiryYear, expiryMonth)
    }

    /// "visa credit •••• 4242 exp 12/2030 US tok_…": safe to log.
    public var description: String {
        var text = ""
        write(to: &text)
        return text
    }

    /// `description`, appended to `text` in pieces short enough to need no storage of their
    /// own: the interpolated whole made two strings on every payment's request fingerprint.
    func write(to text: inout String) {
        text.reserveCapacity(text.utf8.count + 48 + token.utf8.count)
        text += brand.description
        text += " "
        text += funding.description
        text += " •••• "
        text += last4
        text += expiryMonth < 10 ? " exp 0" : " exp "
        text += String(expiryMonth)
        text += "/"
        text += String(expiryYear)
        text += " "
        text += country
        text += " "
        text += token
    }
}
