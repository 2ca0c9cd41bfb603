/// How a customer pays: a tokenized card or a tokenized bank account.
///
/// Both cases hold tokens only, never a PAN or an account number, so a payment method can be
/// stored on a payment, journaled and sent in webhooks.
public enum PaymentMethod: Hashable, Sendable, Codable, CustomStringConvertible {
    case card(Card)
    case bankTransfer(BankAccount)

    public var kind: PaymentMethodKind {
        switch self {
        case .card: .card
        case .bankTransfer: .bankTransfer
        }
    }

    /// Stripe's `payment_method.type`: "card", or "us_bank_account", "sepa_debit" or
    /// "bank_transfer" for bank accounts (see `BankAccount.typeName`).
    public var typeName: String {
        switch self {
        case .card: "card"
        case .bankTransfer(let account): account.typeName
        }
    }

    /// The vault token.
    public var token: String {
        switch self {
        case .card(let card): card.token
        case .bankTransfer(let account): account.token
        }
    }

    /// Stable across tokenizations of the same card or account: what velocity checks count.
    public var fingerprint: String {
        switch self {
        case .card(let card): card.fingerprint
        case .bankTransfer(let account): account.fingerprint
        }
    }

    /// The issuing country (card BIN country or bank country), ISO 3166-1 alpha-2.
    public var country: String {
        switch self {
        case .card(let card): card.country
        case .bankTransfer(let account): account.country
        }
    }

    public var description: String {
        switch self {
        case .card(let card):
            // One string: "card \(card)" made the card's and then this one.
            var text = "card "
            card.write(to: &text)
            return text
        case .bankTransfer(let account):
            return account.description
        }
    }
}
