import Core

/// What the dashboard's lists filter and total on, one per payment, kept by the store in the
/// order payments were made. Plain values only (no strings, no references): a merchant's whole
/// list copies as one block of memory, and a filtered walk over a day's payments reads nothing
/// else (the 25 rows of a page then read their payments' details and records).
struct PaymentSummary: Sendable {
    var id: PaymentID
    var createdUnixSeconds: Int64
    var amountMinorUnits: Int64
    /// `Currency.index`.
    var currencyIndex: UInt8
    /// Kept current by the store's event observer: every state change emits an event.
    var status: DashboardStatus
    var brand: CardBrand?
    /// The card's last four digits as a number, or -1 for no card.
    var last4: Int16
    /// What the payment adds to its merchant's overview, as of its latest event.
    var contribution = PaymentContribution.none

    init(
        id: PaymentID, details: IntentDetails, status: DashboardStatus,
        contribution: PaymentContribution = .none
    ) {
        self.id = id
        self.contribution = contribution
        createdUnixSeconds = details.createdUnixSeconds
        amountMinorUnits = details.request.amount.minorUnits
        currencyIndex = UInt8(details.request.amount.currency.index)
        self.status = status
        brand = nil
        last4 = -1
        card(details)
    }

    /// The card of the payment's method as it stands (confirmation may change it).
    mutating func card(_ details: IntentDetails) {
        guard details.paymentMethodID != nil, case .card(let card) = details.request.method else {
            brand = nil
            last4 = -1
            return
        }
        brand = card.brand
        last4 = Int16(card.last4) ?? -1
    }

    var currency: Currency { Currency.all[Int(currencyIndex)] }
}
