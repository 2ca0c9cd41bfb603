import Foundation
import Testing

@testable import Core

/// Card tokenization: validation, brand and country detection, and that the PAN never stays.
@Suite struct CardTests {
    static func tokenize(
        _ pan: String, month: Int = 12, year: Int = 2030, funding: CardFunding = .credit,
        token: String = "tok_test"
    ) throws(CardError) -> Card {
        try Card.tokenize(pan: pan, expiryMonth: month, expiryYear: year, funding: funding, token: token)
    }

    @Test(arguments: [
        ("4242424242424242", CardBrand.visa),
        ("4000056655665556", .visa),
        ("4222222222222", .visa),  // 13 digits
        ("5555555555554444", .mastercard),
        ("2223003122003222", .mastercard),
        ("5200828282828210", .mastercard),
        ("378282246310005", .amex),
        ("371449635398431", .amex),
        ("6011111111111117", .discover),
        ("3566002020360505", .jcb),
        ("36227206271667", .diners),
        ("6200000000000005", .unionpay),
        ("9999999999999995", .unknown),
    ])
    func validNumbersTokenizeWithTheirBrand(pan: String, brand: CardBrand) throws {
        #expect(CardBrand.detect(pan: pan) == brand)
        let card = try Self.tokenize(pan)
        #expect(card.brand == brand)
        #expect(card.last4 == String(pan.suffix(4)))
        #expect(card.token == "tok_test")
    }

    @Test(arguments: [
        ("", CardError.emptyNumber),
        ("4242424242424241", .failedLuhnCheck(last4: "4241")),
        ("4242424242424243", .failedLuhnCheck(last4: "4243")),
        ("4242 4242 4242 4242", .nonDigitCharacter(position: 4)),
        ("4242-4242-4242-4242", .nonDigitCharacter(position: 4)),
        ("424242424242424x", .nonDigitCharacter(position: 15)),
        ("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", .nonDigitCharacter(position: 0)),  // Arabic-Indic digits
        ("42424242424", .invalidLength(11, brand: .visa)),
        ("42424242424242424242", .invalidLength(20, brand: .visa)),
        ("3782822463100050", .invalidLength(16, brand: .amex)),
    ])
    func invalidNumbersThrow(pan: String, expected: CardError) {
        #expect(throws: expected) { try Self.tokenize(pan) }
    }

    @Test func invalidExpiryAndTokenThrow() {
        let pan = "4242424242424242"
        #expect(throws: CardError.invalidExpiryMonth(0)) { try Self.tokenize(pan, month: 0) }
        #expect(throws: CardError.invalidExpiryMonth(13)) { try Self.tokenize(pan, month: 13) }
        #expect(throws: CardError.invalidExpiryYear(30)) { try Self.tokenize(pan, year: 30) }
        #expect(throws: CardError.emptyToken) { try Self.tokenize(pan, token: "") }
        #expect(throws: CardError.tokenContainsNumber) { try Self.tokenize(pan, token: "tok_\(pan)") }
    }

    @Test func errorMessagesAreDescriptiveAndNeverHoldThePAN() {
        let pan = "4242424242424241"
        do {
            _ = try Self.tokenize(pan)
            Issue.record("a bad check digit was accepted")
        } catch {
            #expect(error.description.contains("Luhn"))
            #expect(error.description.contains("4241"))
            #expect(!error.description.contains(pan))
            #expect(!error.description.contains(String(pan.prefix(6))))
        }
        #expect(CardError.invalidLength(16, brand: .amex).description.contains("15 digits"))
        #expect(CardError.invalidLength(11, brand: .visa).description.contains("12 to 19 digits"))
        #expect(CardError.invalidExpiryMonth(13).description.contains("1 to 12"))
        #expect(CardError.nonDigitCharacter(position: 4).description.contains("character 5"))
    }

    /// Random numbers with a computed check digit always pass; changing any one digit always
    /// fails (Luhn catches every single-digit error).
    @Test(arguments: TestSeeds.all)
    func luhnCatchesEverySingleDigitError(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let length = Int.random(in: 12...19, using: &random)
            var digits = [4] + (1..<(length - 1)).map { _ in Int.random(in: 0...9, using: &random) }
            digits.append(0)
            for check in 0...9 {
                digits[length - 1] = check
                if CardDigits.passesLuhn(digits) { break }
            }
            let pan = String(digits.map { Character(String($0)) })
            let card = try Self.tokenize(pan)
            #expect(card.brand == .visa)
            let position = Int.random(in: 0..<length, using: &random)
            var altered = digits
            altered[position] = (altered[position] + Int.random(in: 1...9, using: &random)) % 10
            let alteredPAN = String(altered.map { Character(String($0)) })
            #expect(throws: CardError.self, "seed \(seed): \(alteredPAN)") { try Self.tokenize(alteredPAN) }
        }
    }

    @Test(arguments: ["4242424242424242", "378282246310005", "5555555555554444", "4000008260000000"])
    func panIsNotRetained(pan: String) throws {
        let card = try Self.tokenize(pan, token: "tok_1a2b")
        var dumped = ""
        dump(card, to: &dumped)
        let json = String(decoding: try JSONEncoder().encode(card), as: UTF8.self)
        let method = PaymentMethod.card(card)
        var dumpedMethod = ""
        dump(method, to: &dumpedMethod)
        let texts = [
            String(describing: card), String(reflecting: card), dumped, json, dumpedMethod,
            method.description,
        ]
        for text in texts {
            #expect(!text.contains(pan), "\(text)")
            // Not even the BIN: the first six and the last four would narrow a PAN down.
            #expect(!text.contains(String(pan.prefix(6))), "\(text)")
        }
        let labels = Mirror(reflecting: card).children.compactMap(\.label)
        #expect(
            labels.sorted() == [
                "brand", "country", "expiryMonth", "expiryYear", "fingerprint", "funding", "last4", "token",
            ])
    }

    @Test func fingerprintIsStablePerPANAndDiffersAcrossPANs() throws {
        let first = try Self.tokenize(
            "4242424242424242", month: 1, year: 2027, funding: .debit, token: "tok_a")
        let second = try Self.tokenize(
            "4242424242424242", month: 6, year: 2031, funding: .credit, token: "tok_b")
        let other = try Self.tokenize("4000056655665556", token: "tok_c")
        #expect(first.fingerprint == second.fingerprint)
        #expect(first.token != second.token)
        #expect(first != second)
        #expect(first.fingerprint != other.fingerprint)
        #expect(first.fingerprint.count == 16)
        #expect(first.fingerprint.allSatisfy { $0.isHexDigit })
        // Fixed across processes and toolchains: the hash is FNV-1a, not the seeded Hasher.
        #expect(first.fingerprint == (try Self.tokenize("4242424242424242")).fingerprint)
    }

    @Test func fingerprintIsAFixedFunction() {
        // Pinned so that a change of the fingerprint function (which would split every stored
        // card's history in two) is a deliberate, visible change.
        #expect(CardDigits.fingerprint([], domain: "") == "af63a24c860189fe")
        #expect(
            (try? Card.tokenize(
                pan: "4242424242424242", expiryMonth: 1, expiryYear: 2030, funding: .credit, token: "t"))?
                .fingerprint == "d2114ea0fd8a9f70")
    }

    @Test(arguments: [
        ("4242424242424242", "US"),
        ("4000008260000000", "GB"),
        ("4000002500000003", "FR"),
        ("4000002760000016", "DE"),
        ("4000003920000003", "JP"),
        ("3566002020360505", "JP"),
        ("6200000000000005", "CN"),
        ("4111111111111111", "US"),  // not in the table: the default
    ])
    func countryComesFromTheBIN(pan: String, country: String) throws {
        #expect(try Self.tokenize(pan).country == country)
        #expect(BINCountryTable.country(forLeadingDigits: pan) == country)
    }

    @Test func expiry() throws {
        let card = try Self.tokenize("4242424242424242", month: 12, year: 2030)
        #expect(!card.isExpired(atYear: 2030, month: 12))
        #expect(!card.isExpired(atYear: 2029, month: 12))
        #expect(!card.isExpired(atYear: 2030, month: 1))
        #expect(card.isExpired(atYear: 2031, month: 1))
        let march = try Self.tokenize("4242424242424242", month: 3, year: 2027)
        #expect(march.isExpired(atYear: 2027, month: 4))
        #expect(!march.isExpired(atYear: 2027, month: 3))
        #expect(march.description.contains("exp 03/2027"))
    }
}

@Suite struct BankAccountTests {
    @Test func tokenizesWithoutTheAccountNumber() throws {
        let account = try BankAccount.tokenize(
            accountNumber: "000123456789", routingNumber: "110000000", country: "us", token: "ba_1")
        #expect(account.country == "US")
        #expect(account.last4 == "6789")
        #expect(account.typeName == "us_bank_account")
        var dumped = ""
        dump(account, to: &dumped)
        #expect(!dumped.contains("000123456789"))
        #expect(!account.description.contains("000123456789"))
        let again = try BankAccount.tokenize(
            accountNumber: "000123456789", routingNumber: "110000000", country: "US", token: "ba_2")
        #expect(again.fingerprint == account.fingerprint)
        let other = try BankAccount.tokenize(
            accountNumber: "000123456780", routingNumber: "110000000", country: "US", token: "ba_3")
        #expect(other.fingerprint != account.fingerprint)
    }

    @Test func typeNameFollowsTheRail() throws {
        let sepa = try BankAccount.tokenize(
            accountNumber: "DE89370400440532013000", routingNumber: "37040044", country: "DE", token: "ba_de")
        #expect(sepa.typeName == "sepa_debit")
        let uk = try BankAccount.tokenize(
            accountNumber: "31926819", routingNumber: "601613", country: "GB", token: "ba_gb")
        #expect(uk.typeName == "bank_transfer")
        #expect(PaymentMethod.bankTransfer(sepa).typeName == "sepa_debit")
        #expect(PaymentMethod.bankTransfer(sepa).kind == .bankTransfer)
        #expect(PaymentMethod.bankTransfer(sepa).country == "DE")
    }

    @Test func invalidAccountsThrow() {
        #expect(throws: BankAccountError.invalidRoutingNumber("12345")) {
            try BankAccount.tokenize(
                accountNumber: "000123456789", routingNumber: "12345", country: "US", token: "t")
        }
        #expect(throws: BankAccountError.invalidAccountNumber(length: 3)) {
            try BankAccount.tokenize(
                accountNumber: "123", routingNumber: "110000000", country: "US", token: "t")
        }
        #expect(throws: BankAccountError.invalidCountry("USA")) {
            try BankAccount.tokenize(
                accountNumber: "1234", routingNumber: "110000000", country: "USA", token: "t")
        }
        #expect(throws: BankAccountError.emptyToken) {
            try BankAccount.tokenize(
                accountNumber: "1234", routingNumber: "110000000", country: "US", token: "")
        }
        #expect(throws: BankAccountError.tokenContainsAccountNumber) {
            try BankAccount.tokenize(
                accountNumber: "123456", routingNumber: "110000000", country: "US", token: "ba_123456")
        }
        #expect(!BankAccountError.invalidAccountNumber(length: 40).description.isEmpty)
    }
}

@Suite struct PaymentMethodTests {
    @Test func cardMethod() throws {
        let card = try Card.tokenize(
            pan: "5555555555554444", expiryMonth: 5, expiryYear: 2029, funding: .debit, token: "tok_mc")
        let method = PaymentMethod.card(card)
        #expect(method.kind == .card)
        #expect(method.typeName == "card")
        #expect(method.token == "tok_mc")
        #expect(method.fingerprint == card.fingerprint)
        #expect(method.country == "US")
        #expect(card.funding == .debit)
        #expect(PaymentMethodKind.bankTransfer.rawValue == "bank_transfer")
    }

    /// The descriptions written piece by piece read as the interpolated ones did (a request's
    /// fingerprint hashes the method's description), with one- and two-digit months.
    @Test(arguments: [5, 11])
    func descriptionsReadAsInterpolated(month: Int) throws {
        let card = try Card.tokenize(
            pan: "5555555555554444", expiryMonth: month, expiryYear: 2029, funding: .debit,
            token: "tok_a_token_longer_than_fifteen_bytes")
        let monthText = month < 10 ? "0\(month)" : "\(month)"
        let expected =
            "\(card.brand) \(card.funding) •••• \(card.last4) exp \(monthText)/\(card.expiryYear) "
            + "\(card.country) \(card.token)"
        #expect(card.description == expected)
        #expect(PaymentMethod.card(card).description == "card " + expected)
        #expect(
            card.description
                == "mastercard debit •••• 4444 exp \(monthText)/2029 US tok_a_token_longer_than_fifteen_bytes"
        )
    }
}
