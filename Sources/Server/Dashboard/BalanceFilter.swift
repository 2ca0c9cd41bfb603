import Core
import Foundation
import Services

/// The balance page's filters, read from its query string: type, currency and created dates
/// (UTC days, both ends included). Values that do not parse are reported, not ignored.
struct BalanceFilter: Sendable {
    var type: BalanceTransaction.Kind?
    /// Lower case, as balance transactions write it.
    var currency: String?
    var createdFromUnixSeconds: Int64?
    /// The first second after the last day asked for.
    var createdUntilUnixSeconds: Int64?
    var problems: [String] = []

    /// The query parameters this filter reads, for links that keep the filter.
    static let names = ["type", "currency", "from", "to"]

    init(_ form: FormParameters) {
        func value(_ name: String) -> String? {
            guard let text = form.string(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                return nil
            }
            return String(text.prefix(64))
        }
        if let text = value("type") {
            if let type = BalanceTransaction.Kind(rawValue: text) {
                self.type = type
            } else {
                problems.append("Unknown type \(text).")
            }
        }
        if let text = value("currency") {
            if let currency = try? Currency(code: text.uppercased()) {
                self.currency = currency.code.lowercased()
            } else {
                problems.append("Unknown currency \(text).")
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
    }

    func matches(_ transaction: BalanceTransaction) -> Bool {
        if let type, transaction.type != type { return false }
        if let currency, transaction.currency != currency { return false }
        if let createdFromUnixSeconds, transaction.created < createdFromUnixSeconds { return false }
        if let createdUntilUnixSeconds, transaction.created >= createdUntilUnixSeconds { return false }
        return true
    }

    /// The filter as query parameters, empty ones left out.
    func queryPairs(_ form: FormParameters) -> [(String, String)] {
        Self.names.compactMap { name in
            guard let value = form.string(name), !value.isEmpty else { return nil }
            return (name, value)
        }
    }
}
