import Core
import Hummingbird
import Services

/// Balance transactions and payouts: every movement of the merchant's balance the processor
/// keeps, filtered by type, currency and day, summed per UTC day and currency with fees, and
/// downloadable as CSV (the same lines `paystorm run --balance-transactions` writes).
struct BalancePage: Sendable {
    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct DayRow: Sendable {
        var day: String
        var currency: String
        var count: Int
        var amount: String
        var fee: String
        var net: String
        var payouts: String
    }

    struct Row: Sendable {
        var id: String
        var type: String
        var source: String
        /// The payment page of a charge or dispute's source; nil for a payout.
        var paymentID: String?
        var amount: String
        var fee: String
        var net: String
        var created: String
        var availableOn: String
    }

    var layout: DashboardLayout
    var types: [Option]
    var currencies: [Option]
    var from: String
    var to: String
    var problems: [String]
    var days: [DayRow]
    var payouts: [Row]
    var rows: [Row]
    var matchedCount: Int
    var shownCount: Int
    var csvHref: String
}

extension Dashboard {
    /// Transactions listed on the page at most (newest first); the CSV has every match.
    static let balanceRowsMax = 100

    func balance(_ request: Request, _ session: DashboardSession, _ backend: ServerBackend) -> Response {
        let form = Self.query(request)
        let filter = BalanceFilter(form)
        let kept = backend.system.keptBalanceTransactions(merchant: session.merchant)
        var days: [BalanceDay] = []
        var dayIndex: [String: Int] = [:]
        var rows: [BalancePage.Row] = []
        var payouts: [BalancePage.Row] = []
        var matched = 0
        var currenciesSeen: Set<String> = []
        for transaction in kept.reversed() {
            currenciesSeen.insert(transaction.currency)
            guard filter.problems.isEmpty, filter.matches(transaction) else { continue }
            matched += 1
            let day = DashboardTime.date(transaction.created)
            let key = day + " " + transaction.currency
            if dayIndex[key] == nil {
                dayIndex[key] = days.count
                days.append(BalanceDay(day: day, currency: transaction.currency))
            }
            days[dayIndex[key]!].add(
                amount: transaction.amount, fee: transaction.fee, net: transaction.net,
                isPayout: transaction.type == .payout)
            if rows.count < Self.balanceRowsMax { rows.append(Self.balanceRow(transaction)) }
            if transaction.type == .payout, payouts.count < Self.balanceRowsMax {
                payouts.append(Self.balanceRow(transaction))
            }
        }
        let query = filter.queryPairs(form)
        let page = BalancePage(
            layout: layout("Balance", .balance, session),
            types: BalanceTransaction.Kind.allCases.map {
                .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == filter.type)
            },
            currencies: currenciesSeen.union(filter.currency.map { [$0] } ?? []).sorted().map {
                .init(value: $0, label: $0.uppercased(), selected: $0 == filter.currency)
            },
            from: form.string("from") ?? "", to: form.string("to") ?? "", problems: filter.problems,
            days: days.map { day in
                func money(_ value: Int64) -> String {
                    day.overflowed ? "overflow" : Self.money(value, day.currency)
                }
                return .init(
                    day: day.day, currency: day.currency.uppercased(), count: day.count,
                    amount: money(day.amountMinorUnits), fee: money(day.feeMinorUnits),
                    net: money(day.netMinorUnits), payouts: money(day.payoutMinorUnits))
            },
            payouts: payouts, rows: rows, matchedCount: matched, shownCount: rows.count,
            csvHref: Self.href("/dashboard/balance.csv", query))
        return DashboardResponse.html(DashboardTemplates.render(page, "balance"))
    }

    /// Every transaction the filters match, newest first, as the API lists them.
    func balanceCSV(_ request: Request, _ session: DashboardSession, _ backend: ServerBackend) -> Response {
        let filter = BalanceFilter(Self.query(request))
        guard filter.problems.isEmpty else {
            return problem(
                .badRequest, "Bad filter", filter.problems.joined(separator: " "), session: session)
        }
        var text = BalanceTransaction.csvHeader + "\r\n"
        for transaction in backend.system.keptBalanceTransactions(merchant: session.merchant).reversed()
        where filter.matches(transaction) {
            // Every field is an id, a number or a fixed word: nothing needs quoting.
            text += transaction.csvLine + "\r\n"
        }
        return DashboardResponse.download(
            text, contentType: "text/csv; charset=utf-8", filename: "balance_transactions.csv")
    }

    static func balanceRow(_ transaction: BalanceTransaction) -> BalancePage.Row {
        let paymentID =
            transaction.source.hasPrefix("ch_") || transaction.source.hasPrefix("dp_")
            ? "pi_" + transaction.source.dropFirst(3) : nil
        return .init(
            id: transaction.id, type: transaction.type.rawValue, source: transaction.source,
            paymentID: paymentID, amount: money(transaction.amount, transaction.currency),
            fee: money(transaction.fee, transaction.currency),
            net: money(transaction.net, transaction.currency),
            created: DashboardTime.dateTime(transaction.created),
            availableOn: DashboardTime.date(transaction.availableOn))
    }

    static func href(_ path: String, _ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return path }
        return path + "?"
            + pairs.map { APIRequest.encode($0.0) + "=" + APIRequest.encode($0.1) }.joined(separator: "&")
    }

    /// An amount in a currency written as balance transactions write it (`usd`).
    static func money(_ minorUnits: Int64, _ code: String) -> String {
        guard let currency = try? Currency(code: code.uppercased()) else { return "\(minorUnits) \(code)" }
        return Money(minorUnits: minorUnits, currency: currency).description
    }
}
