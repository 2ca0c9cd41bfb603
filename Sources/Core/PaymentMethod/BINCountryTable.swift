/// Maps a PAN's leading digits (its BIN/IIN) to the issuing country, ISO 3166-1 alpha-2.
///
/// A small fixed table, so runs are deterministic: Stripe's international test cards
/// (`400000` followed by the ISO 3166 numeric code, e.g. 4000008260000000 for GB) plus a few
/// well-known ranges. Anything else is issued in `defaultCountry`. The fraud engine and the
/// currency service read the country (cross-border fees, country mismatch signals).
public enum BINCountryTable {
    /// The country of a PAN the table does not know.
    public static let defaultCountry = "US"

    /// (prefix, country), longest prefixes win.
    static let entries: [(prefix: String, country: String)] = [
        ("400000036", "AU"), ("400000040", "AT"), ("400000056", "BE"), ("400000076", "BR"),
        ("400000124", "CA"), ("400000208", "DK"), ("400000246", "FI"), ("400000250", "FR"),
        ("400000276", "DE"), ("400000372", "IE"), ("400000380", "IT"), ("400000392", "JP"),
        ("400000410", "KR"), ("400000414", "KW"), ("400000048", "BH"), ("400000484", "MX"),
        ("400000528", "NL"), ("400000578", "NO"), ("400000620", "PT"), ("400000724", "ES"),
        ("400000752", "SE"), ("400000756", "CH"), ("400000826", "GB"),
        ("4242", "US"), ("5555", "US"), ("3782", "US"), ("3714", "US"), ("6011", "US"),
        ("3566", "JP"), ("3530", "JP"), ("6200", "CN"), ("6212", "CN"),
        ("4571", "DK"), ("4917", "GB"), ("5232", "GB"), ("4970", "FR"), ("5101", "DE"),
    ]

    /// Longest first, as bytes: every payment's card is looked up, and a generic `hasPrefix`
    /// on a substring cost more than the rest of tokenizing.
    private static let sortedEntries: [(prefix: [UInt8], country: String)] =
        entries.sorted { $0.prefix.count > $1.prefix.count }.map { (Array($0.prefix.utf8), $0.country) }

    /// The issuing country of the card whose number starts with `leadingDigits`.
    public static func country(forLeadingDigits leadingDigits: some StringProtocol) -> String {
        let digits = Array(leadingDigits.utf8.prefix(9))
        for entry in sortedEntries where digits.starts(with: entry.prefix) {
            return entry.country
        }
        return defaultCountry
    }
}
