import Core
import Ledger

/// What the processor booked in the ledger on the network accounts, per network, settlement day
/// and payment: the processor's side of each network's daily settlement file.
///
/// Filled from the transfers the ledger applied (not from what the orchestrator meant to book),
/// so that a reconciliation against the networks' files checks the ledger itself; the all-time
/// totals per network and currency are checked against the ledger's account balances too.
/// Bounded like the networks' files: `linesPerDayMax` lines per network and day (further ones
/// counted, the day marked incomplete), days older than `daysRetained` forgotten.
struct NetworkMovementBook: Sendable {
    struct DayKey: Hashable, Sendable {
        var network: PaymentNetwork
        var day: Int64
    }

    struct AccountKey: Hashable, Sendable {
        var network: PaymentNetwork
        var currency: Currency
    }

    /// All-time movements on one network's accounts in one currency.
    struct AccountTotals: Hashable, Sendable {
        /// Debits to the receivable: captures.
        var receivableDebits: Int64 = 0
        /// Credits to the receivable: bank returns.
        var receivableCredits: Int64 = 0
        /// Credits to the payable: refunds and chargebacks.
        var payableCredits: Int64 = 0
        /// Debits to the payable: chargebacks given back.
        var payableDebits: Int64 = 0
    }

    let linesPerDayMax: Int
    let daysRetained: Int
    private(set) var days: [DayKey: [PaymentID: SettlementLine]] = [:]
    private(set) var incompleteDays: Set<DayKey> = []
    private(set) var totals: [AccountKey: AccountTotals] = [:]
    private(set) var linesDropped: Int64 = 0

    init(linesPerDayMax: Int, daysRetained: Int) {
        self.linesPerDayMax = linesPerDayMax
        self.daysRetained = daysRetained
    }

    /// Records the network-account legs of `transfers`, applied for `payment`: in the all-time
    /// totals (with `totals`), and on `day`'s line (with a day). A movement the network has not
    /// confirmed yet is in the totals (the ledger holds it) and gets its line when the network
    /// names the settlement day that files it.
    mutating func record(
        _ transfers: [Transfer], payment: PaymentID, network: PaymentNetwork, day: Int64?, today: Int64,
        totals countsTotals: Bool = true
    ) {
        for transfer in transfers {
            if case .void = transfer.phase { continue }
            if case .pending = transfer.phase { continue }
            for leg in transfer.legs where leg.account.network == network && leg.amount != 0 {
                guard let kind = leg.account.kind, let currency = leg.account.currency else { continue }
                var line = SettlementLine(
                    paymentID: payment, network: network, day: day ?? 0, currency: currency,
                    capturedMinorUnits: 0, refundedMinorUnits: 0, returnedMinorUnits: 0, returnCode: nil)
                let key = AccountKey(network: network, currency: currency)
                var total = AccountTotals()
                switch (kind, leg.side) {
                case (.networkReceivable, .debit):
                    line.capturedMinorUnits = leg.amount
                    total.receivableDebits = leg.amount
                case (.networkReceivable, .credit):
                    line.returnedMinorUnits = leg.amount
                    total.receivableCredits = leg.amount
                case (.networkPayable, .credit):
                    if transfer.code == PaymentBookkeeping.Code.dispute {
                        line.chargedBackMinorUnits = leg.amount
                    } else {
                        line.refundedMinorUnits = leg.amount
                    }
                    total.payableCredits = leg.amount
                case (.networkPayable, .debit):
                    line.chargebackReversedMinorUnits = leg.amount
                    total.payableDebits = leg.amount
                default:
                    continue
                }
                if countsTotals {
                    totals[key, default: AccountTotals()].receivableDebits += total.receivableDebits
                    totals[key, default: AccountTotals()].receivableCredits += total.receivableCredits
                    totals[key, default: AccountTotals()].payableCredits += total.payableCredits
                    totals[key, default: AccountTotals()].payableDebits += total.payableDebits
                }
                if day != nil { add(line, today: today) }
            }
        }
    }

    private mutating func add(_ line: SettlementLine, today: Int64) {
        let key = DayKey(network: line.network, day: line.day)
        if days[key] == nil, days.count > 4 * (daysRetained + 8) {
            let oldestKept = today - Int64(daysRetained)
            days = days.filter { $0.key.day >= oldestKept }
            incompleteDays = incompleteDays.filter { $0.day >= oldestKept }
        }
        if var existing = days[key]?[line.paymentID] {
            existing.capturedMinorUnits += line.capturedMinorUnits
            existing.refundedMinorUnits += line.refundedMinorUnits
            existing.returnedMinorUnits += line.returnedMinorUnits
            existing.chargedBackMinorUnits += line.chargedBackMinorUnits
            existing.chargebackReversedMinorUnits += line.chargebackReversedMinorUnits
            days[key]![line.paymentID] = existing
            return
        }
        guard (days[key]?.count ?? 0) < linesPerDayMax else {
            linesDropped += 1
            incompleteDays.insert(key)
            return
        }
        days[key, default: [:]][line.paymentID] = line
    }

    /// Adds another book's lines and totals (books of different payment shards hold different
    /// payments, so their lines never collide).
    mutating func merge(_ other: NetworkMovementBook) {
        for (key, lines) in other.days { days[key, default: [:]].merge(lines) { $1 } }
        incompleteDays.formUnion(other.incompleteDays)
        for (key, total) in other.totals {
            totals[key, default: AccountTotals()].receivableDebits += total.receivableDebits
            totals[key, default: AccountTotals()].receivableCredits += total.receivableCredits
            totals[key, default: AccountTotals()].payableCredits += total.payableCredits
            totals[key, default: AccountTotals()].payableDebits += total.payableDebits
        }
        linesDropped += other.linesDropped
    }

    /// The lines of one network and day.
    func lines(_ network: PaymentNetwork, day: Int64) -> [PaymentID: SettlementLine] {
        days[DayKey(network: network, day: day)] ?? [:]
    }

    /// Every (network, day) with lines.
    var dayKeys: [DayKey] { Array(days.keys) }
}
