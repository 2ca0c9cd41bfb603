import Core
import Foundation
import Services

/// Payments as CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes
/// doubled), with the API's field names and units.
struct PaymentsCSV: Sendable {
    static let header = [
        "id", "created", "amount", "currency", "status", "dashboard_status", "amount_received",
        "amount_refunded", "card_brand", "card_last4", "description",
    ]

    private(set) var text = header.joined(separator: ",") + "\r\n"

    mutating func append(_ match: MatchedPayment) {
        let payment = match.record.payment
        let fields = [
            match.id.description, String(match.details.createdUnixSeconds), String(payment.amount.minorUnits),
            payment.amount.currency.code.lowercased(), StripeRenderer.status(payment.state, match.details),
            DashboardStatus(match.record).rawValue, String(payment.amountCapturedMinorUnits),
            String(payment.amountRefundedMinorUnits), match.record.card?.brand ?? "",
            match.record.card?.last4 ?? "", match.details.description ?? "",
        ]
        text += fields.map(Self.field).joined(separator: ",") + "\r\n"
    }

    /// One field, quoted when it must be; a text a spreadsheet would run as a formula (`=`,
    /// `+`, `-`, `@` first) gets a leading apostrophe, as OWASP advises for CSV exports.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first), Int64(value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
