/// A tokenized bank account for bank-transfer payments (ACH debit in the US, SEPA Direct Debit
/// in the euro area), holding no account number.
///
/// Like `Card`, the account number only passes through `tokenize` and leaves behind a
/// fingerprint and the last four characters. The routing number (US ABA routing number, or the
/// bank code of an IBAN) is public information and kept, because settlement routes on it.
public struct BankAccount: Hashable, Sendable, Codable, CustomStringConvertible {
    /// ISO 3166-1 alpha-2 country of the bank, e.g. "US", "DE".
    public let country: String
    /// Bank routing number or bank code.
    public let routingNumber: String
    /// The last four characters of the account number.
    public let last4: String
    /// 16 hex digits, equal for every tokenization of the same account (country, routing number,
    /// account number).
    public let fingerprint: String
    /// An opaque vault reference, e.g. "ba_…".
    public let token: String

    /// Countries whose bank transfers run on SEPA Direct Debit (the euro-area members Paystorm's
    /// currencies and test data cover).
    public static let sepaCountries: Set<String> = [
        "AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "NL", "PT",
    ]

    /// Account numbers are 4...34 ASCII letters or digits (34 is the IBAN maximum).
    public static let accountNumberLengths: ClosedRange<Int> = 4...34

    private init(country: String, routingNumber: String, last4: String, fingerprint: String, token: String) {
        self.country = country
        self.routingNumber = routingNumber
        self.last4 = last4
        self.fingerprint = fingerprint
        self.token = token
    }

    /// Validates an account and returns it without the account number.
    /// - Parameters:
    ///   - accountNumber: 4...34 ASCII letters or digits.
    ///   - routingNumber: 1...11 ASCII letters or digits (a US routing number has 9 digits).
    ///   - country: two ASCII letters; stored upper-cased.
    ///   - token: the opaque vault reference the caller allocated.
    /// - Throws: `BankAccountError`; the message never contains the account number.
    public static func tokenize(
        accountNumber: String, routingNumber: String, country: String, token: String
    ) throws(BankAccountError) -> BankAccount {
        let isAlphanumeric: (Unicode.Scalar) -> Bool = {
            ("0"..."9").contains($0) || ("A"..."Z").contains($0) || ("a"..."z").contains($0)
        }
        let upperCountry = country.uppercased()
        guard upperCountry.unicodeScalars.count == 2,
            upperCountry.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) })
        else { throw .invalidCountry(country) }
        let accountLength = accountNumber.unicodeScalars.count
        guard accountNumberLengths.contains(accountLength),
            accountNumber.unicodeScalars.allSatisfy(isAlphanumeric)
        else { throw .invalidAccountNumber(length: accountLength) }
        guard (1...11).contains(routingNumber.unicodeScalars.count),
            routingNumber.unicodeScalars.allSatisfy(isAlphanumeric)
        else { throw .invalidRoutingNumber(routingNumber) }
        if upperCountry == "US" {
            guard routingNumber.unicodeScalars.count == 9,
                routingNumber.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) })
            else { throw .invalidRoutingNumber(routingNumber) }
        }
        guard !token.isEmpty else { throw .emptyToken }
        // Searched as bytes, as a card's token is searched for its PAN (the account number is
        // ASCII by now): `String.contains` goes through the string-processing searcher, which
        // cost a table for every bank payment.
        guard !CardDigits.contains(token, accountNumber) else { throw .tokenContainsAccountNumber }
        let identity = upperCountry + "/" + routingNumber.uppercased() + "/" + accountNumber.uppercased()
        return BankAccount(
            country: upperCountry,
            routingNumber: routingNumber,
            last4: String(accountNumber.suffix(4)),
            fingerprint: CardDigits.fingerprint(Array(identity.utf8), domain: "bank"),
            token: token)
    }

    /// Stripe's payment-method type for this account: "us_bank_account" for US accounts,
    /// "sepa_debit" for SEPA countries and "bank_transfer" otherwise.
    public var typeName: String {
        if country == "US" { return "us_bank_account" }
        if Self.sepaCountries.contains(country) { return "sepa_debit" }
        return "bank_transfer"
    }

    /// "us_bank_account 110000000 •••• 6789 US ba_…": safe to log.
    public var description: String { "\(typeName) \(routingNumber) •••• \(last4) \(country) \(token)" }
}
