import Core
import Services

/// The payments list's filters, read from the page's query string: status, currency, an amount
/// range in major units ("10" or "10.50", in each payment's own currency), created dates (UTC
/// days, both ends included), card brand and last4, and an id search. Values that do not parse
/// are reported, not ignored, so that a typo does not silently show everything.
struct PaymentFilter: Sendable {
    var status: DashboardStatus?
    var currency: Currency?
    var amountMinText: String?
    var amountMaxText: String?
    var createdFromUnixSeconds: Int64?
    /// The first second after the last day asked for.
    var createdUntilUnixSeconds: Int64?
    var brand: String?
    var last4: String?
    /// A payment, charge or dispute id, or the start of one.
    var search: String?
    var problems: [String] = []

    /// The query parameters this filter reads, for links that keep the filter.
    static let names = [
        "status", "currency", "amount_min", "amount_max", "from", "to", "brand", "last4", "q",
    ]

    static let finestCurrency = Currency.all.max { $0.exponent < $1.exponent } ?? .usd

    init() { prepare() }

    init(_ form: FormParameters) {
        func value(_ name: String) -> String? {
            guard let text = form.string(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                return nil
            }
            return String(text.prefix(64))
        }
        if let text = value("status") {
            if let status = DashboardStatus(rawValue: text) {
                self.status = status
            } else {
                problems.append("Unknown status \(text).")
            }
        }
        if let text = value("currency") {
            if let currency = try? Currency(code: text.uppercased()) {
                self.currency = currency
            } else {
                problems.append("Unknown currency \(text).")
            }
        }
        for (name, text) in [("minimum", value("amount_min")), ("maximum", value("amount_max"))] {
            guard let text else { continue }
            // Three decimals is the most any currency has (KWD); each payment's own currency
            // is applied when matching.
            if (try? Money(parsing: text, currency: Self.finestCurrency)) == nil {
                problems.append("The \(name) amount \(text) is not a number.")
            } else if name == "minimum" {
                amountMinText = text
            } else {
                amountMaxText = text
            }
        }
        if let text = value("from") {
            if let start = DashboardTime.dayStart(text) {
                createdFromUnixSeconds = start
            } else {
                problems.append("The date \(text) is not a day (YYYY-MM-DD).")
            }
        }
        if let text = value("to") {
            if let start = DashboardTime.dayStart(text) {
                createdUntilUnixSeconds = start + DashboardTime.secondsPerDay
            } else {
                problems.append("The date \(text) is not a day (YYYY-MM-DD).")
            }
        }
        if let text = value("brand") { brand = text.lowercased() }
        if let text = value("last4") {
            if text.count == 4, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
                last4 = text
            } else {
                problems.append("Last4 is four digits.")
            }
        }
        if let text = value("q") {
            // A charge or dispute id names its payment by the same digits.
            if text.hasPrefix("ch_") || text.hasPrefix("dp_") {
                search = "pi_" + text.dropFirst(3)
            } else {
                search = text
            }
        }
        prepare()
    }

    /// An amount bound in each currency's minor units (by `Currency.index`), read once per
    /// filter rather than once per payment. A bound with more decimals than a currency has
    /// matches no payment in that currency (`.min` as a maximum, `.max` as a minimum).
    private(set) var minimumByCurrency: [Int64] = []
    private(set) var maximumByCurrency: [Int64] = []
    /// The payment a full id search names; nil for a partial id (matched as a prefix).
    private(set) var searchID: PaymentID?
    private(set) var last4Number: Int16?
    /// `brand` as a value; nil for a name no card has (then nothing matches).
    private(set) var brandValue: CardBrand?

    mutating func prepare() {
        minimumByCurrency = Currency.all.map { currency in
            guard let text = amountMinText else { return .min }
            return (try? Money(parsing: text, currency: currency).minorUnits) ?? .max
        }
        maximumByCurrency = Currency.all.map { currency in
            guard let text = amountMaxText else { return .max }
            return (try? Money(parsing: text, currency: currency).minorUnits) ?? .min
        }
        if let search, let id = try? PaymentID(parsing: search), id.description == search { searchID = id }
        last4Number = last4.flatMap { Int16($0) }
        brandValue = brand.flatMap { CardBrand(rawValue: $0) }
        indexQuery = PaymentIndexQuery()
        if let status { indexQuery.statusMask = PaymentIndexQuery.mask([status]) }
        if let currency { indexQuery.currencyMask = PaymentIndexQuery.mask(currency) }
        let upper = createdUntilUnixSeconds.map { $0 == .min ? $0 : $0 - 1 } ?? .max
        let lower = createdFromUnixSeconds ?? .min
        // An empty range (from after to) matches nothing: no status can then match either.
        if lower > upper { indexQuery.statusMask = 0 } else { indexQuery.createdRange = lower...upper }
    }

    /// What of this filter the store's indexes narrow to: status, currency, created days.
    private(set) var indexQuery = PaymentIndexQuery()

    /// Whether the filter is status and currency alone (or nothing), whose totals the store
    /// keeps as it goes.
    var isIndexedOnly: Bool {
        amountMinText == nil && amountMaxText == nil && createdFromUnixSeconds == nil
            && createdUntilUnixSeconds == nil && brand == nil && last4 == nil && search == nil
    }

    /// Whether a payment passes every filter.
    func matches(_ summary: PaymentSummary) -> Bool {
        if let createdFromUnixSeconds, summary.createdUnixSeconds < createdFromUnixSeconds { return false }
        if let createdUntilUnixSeconds, summary.createdUnixSeconds >= createdUntilUnixSeconds { return false }
        let currencyIndex = Int(summary.currencyIndex)
        if let currency, currencyIndex != currency.index { return false }
        if summary.amountMinorUnits < minimumByCurrency[currencyIndex] { return false }
        if summary.amountMinorUnits > maximumByCurrency[currencyIndex] { return false }
        if let status, summary.status != status { return false }
        if brand != nil, summary.brand != brandValue { return false }
        if let last4Number, summary.last4 != last4Number { return false }
        if let searchID {
            if summary.id != searchID { return false }
        } else if let search, !summary.id.description.hasPrefix(search) {
            return false
        }
        return true
    }

    /// `status=failed&currency=usd...`: the filter as query parameters, empty ones left out.
    func queryPairs(_ form: FormParameters) -> [(String, String)] {
        Self.names.compactMap { name in
            guard let value = form.string(name), !value.isEmpty else { return nil }
            return (name, value)
        }
    }
}
