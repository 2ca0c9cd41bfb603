import Core
import Ledger

/// The daily reconciliation of the ledger against the networks' settlement files.
///
/// Two checks:
/// 1. per network, day, currency and movement (captured, refunded, charged back, chargeback
///    reversed, returned), the network's file against the ledger's movements on that network's
///    accounts (`NetworkMovementBook`), payment by payment: every payment whose amounts differ is
///    named, even where differences cancel out in the day's total;
/// 2. the movement book's all-time totals per network and currency against the ledger's posted
///    debits and credits of the network accounts, so that the book is the ledger's and not the
///    orchestrator's intentions.
///
/// A day whose file or book dropped lines (a full day) is counted as incomplete and not compared
/// line by line: its missing lines would be false mismatches.
public struct SettlementReconciliation: Sendable, Hashable {
    public var filesChecked = 0
    public var linesChecked = 0
    /// Days not compared line by line because one side dropped lines.
    public var incompleteDays = 0
    /// Per network, day and currency: the network's totals (its own records).
    public var networkTotals: [SettlementFileKey: SettlementFile.Totals] = [:]
    public var mismatches: [SettlementMismatch] = []
    /// Network accounts whose ledger movements differ from the movement book's totals.
    public var accountMismatches: [String] = []

    public var isReconciled: Bool { mismatches.isEmpty && accountMismatches.isEmpty }

    /// Payments named across all mismatches.
    public var mismatchedPayments: Set<PaymentID> { Set(mismatches.flatMap(\.paymentIDs)) }

    public init() {}

    /// Compares `files` (every held day of every network) with `book` and the ledger's network
    /// accounts (`balances`, stripes folded or not).
    static func reconcile(
        files: [SettlementFile], book: NetworkMovementBook, balances: [AccountSnapshot]
    ) -> SettlementReconciliation {
        var result = SettlementReconciliation()
        var fileByKey: [NetworkMovementBook.DayKey: SettlementFile] = [:]
        for file in files { fileByKey[.init(network: file.network, day: file.day)] = file }
        let keys = Set(fileByKey.keys).union(book.dayKeys).sorted {
            ($0.network.rawValue, $0.day) < ($1.network.rawValue, $1.day)
        }
        for key in keys {
            let file = fileByKey[key]
            if let file {
                result.filesChecked += 1
                for (currency, totals) in file.totals {
                    result.networkTotals[
                        SettlementFileKey(network: key.network, day: key.day, currency: currency)] =
                        totals
                }
            }
            if file?.isIncomplete == true || book.incompleteDays.contains(key) {
                result.incompleteDays += 1
                continue
            }
            var networkLines: [PaymentID: SettlementLine] = [:]
            for line in file?.lines ?? [] { networkLines[line.paymentID] = line }
            let ledgerLines = book.lines(key.network, day: key.day)
            result.linesChecked += max(networkLines.count, ledgerLines.count)
            result.mismatches += compare(networkLines, ledgerLines, key)
        }
        result.accountMismatches = compareAccounts(book, balances)
        return result
    }

    private static func compare(
        _ network: [PaymentID: SettlementLine], _ ledger: [PaymentID: SettlementLine],
        _ key: NetworkMovementBook.DayKey
    ) -> [SettlementMismatch] {
        struct Group {
            var network: Int64 = 0
            var ledger: Int64 = 0
            var payments: [PaymentID] = []
        }
        var groups: [String: (Currency, SettlementMismatch.Movement, Group)] = [:]
        var totals: [String: (network: Int64, ledger: Int64)] = [:]
        for id in Set(network.keys).union(ledger.keys) {
            let ours = ledger[id]
            let theirs = network[id]
            guard let currency = theirs?.currency ?? ours?.currency else { continue }
            for movement in SettlementMismatch.Movement.allCases {
                let groupKey = "\(currency.code)/\(movement.rawValue)"
                totals[groupKey, default: (0, 0)].network += movement.amount(theirs)
                totals[groupKey, default: (0, 0)].ledger += movement.amount(ours)
                // A line in another currency on one side is a mismatch of every amount it has.
                let sameCurrency = theirs == nil || ours == nil || theirs?.currency == ours?.currency
                if movement.amount(theirs) != movement.amount(ours) || !sameCurrency {
                    groups[groupKey, default: (currency, movement, Group())].2.payments.append(id)
                }
            }
        }
        return groups.keys.sorted().map { groupKey in
            let (currency, movement, group) = groups[groupKey]!
            let payments = group.payments.sorted()
            let total = totals[groupKey] ?? (0, 0)
            return SettlementMismatch(
                network: key.network, day: key.day, currency: currency, movement: movement,
                networkMinorUnits: total.network, ledgerMinorUnits: total.ledger,
                paymentIDs: Array(payments.prefix(SettlementMismatch.paymentIDsMax)),
                paymentCount: payments.count, allPaymentIDs: payments)
        }
    }

    private static func compareAccounts(
        _ book: NetworkMovementBook, _ balances: [AccountSnapshot]
    ) -> [String] {
        var ledger: [NetworkMovementBook.AccountKey: NetworkMovementBook.AccountTotals] = [:]
        for snapshot in balances {
            let account = snapshot.account
            guard let kind = account.kind, kind.isNetworkAccount, let currency = account.currency,
                let network = account.network
            else { continue }
            let key = NetworkMovementBook.AccountKey(network: network, currency: currency)
            if kind == .networkReceivable {
                ledger[key, default: .init()].receivableDebits += snapshot.debitsPosted
                ledger[key, default: .init()].receivableCredits += snapshot.creditsPosted
            } else {
                ledger[key, default: .init()].payableDebits += snapshot.debitsPosted
                ledger[key, default: .init()].payableCredits += snapshot.creditsPosted
            }
        }
        var mismatches: [String] = []
        let keys = Set(ledger.keys).union(book.totals.keys).sorted {
            ($0.network.rawValue, $0.currency.code) < ($1.network.rawValue, $1.currency.code)
        }
        for key in keys {
            let ours = book.totals[key] ?? .init()
            let theirs = ledger[key] ?? .init()
            if ours != theirs {
                mismatches.append(
                    "\(key.network) \(key.currency.code): ledger \(theirs), movement book \(ours)")
            }
        }
        return mismatches
    }
}

/// A network, a settlement day and a currency.
public struct SettlementFileKey: Hashable, Sendable, Comparable {
    public let network: PaymentNetwork
    public let day: Int64
    public let currency: Currency

    public static func < (lhs: SettlementFileKey, rhs: SettlementFileKey) -> Bool {
        (lhs.network.rawValue, lhs.day, lhs.currency.code) < (
            rhs.network.rawValue, rhs.day, rhs.currency.code
        )
    }
}
