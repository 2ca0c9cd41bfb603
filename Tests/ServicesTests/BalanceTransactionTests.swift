import Core
import Journal
import Ledger
import PaystormRuntime
import Synchronization
import Testing

@testable import Services

/// Balance transactions: every movement of a merchant's balance, Stripe-shaped, from which an
/// auditor recomputes each merchant's payouts without the processor.
@Suite struct BalanceTransactionTests {
    /// Collects what the sink is handed.
    final class Export: Sendable {
        let lines = Mutex<[String]>([])
        var sink: BalanceTransactionLog.Sink {
            { [self] transactions in lines.withLock { $0 += transactions.map(\.csvLine) } }
        }
        /// Read back from the CSV lines alone.
        var transactions: [BalanceTransaction] {
            lines.withLock { $0 }.compactMap { BalanceTransaction(csvLine: Substring($0)) }
        }
    }

    /// A Visa test number per customer (Luhn-valid), so that fraud screening sees many cards.
    static func pan(_ number: Int) -> String {
        let body = "400000" + String(repeating: "0", count: 9 - String(number).count) + String(number)
        var sum = 0
        for (index, character) in body.reversed().enumerated() {
            var digit = Int(String(character))!
            if index % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return body + String((10 - sum % 10) % 10)
    }

    static let merchants: [(MerchantID, Currency)] = [
        (MerchantID(1), .usd), (MerchantID(2), .eur), (MerchantID(3), .jpy), (MerchantID(4), .kwd),
    ]

    /// Charges in several currencies to merchants settling in others, partial refunds, disputes
    /// won and lost, and daily payouts; then each merchant's payouts and balance are recomputed
    /// from the export alone and must match the processor's to the minor unit.
    @Test func payoutsRecomputedFromTheExportMatchTheRunToTheMinorUnit() throws {
        let runtime = DeterministicRuntime(seed: 41)
        let export = Export()
        try runtime.run {
            var configuration = try PaymentSystemTests.makeSystem(runtime).configuration
            configuration.balanceTransactionSink = export.sink
            let journal = InMemoryJournal()
            configuration.journal = DurablePaymentJournal(journal)
            let system = try PaymentSystem(runtime: runtime, configuration: configuration)
            var keys: [MerchantID: String] = [:]
            for (merchant, currency) in Self.merchants {
                keys[merchant] = try #require(
                    try await system.onboard(merchant, settlementCurrency: currency)
                ).secret
            }
            let charges: [(Int64, Currency)] = [
                (10_000, .usd), (2_599, .eur), (98_765, .jpy), (12_340, .kwd), (5_000, .gbp), (77_700, .krw),
            ]
            var number = 0
            for day in 0..<3 {
                for (merchant, _) in Self.merchants {
                    for (amount, currency) in charges {
                        number += 1
                        let request = PaymentRequest(
                            merchant: merchant,
                            amount: Money(minorUnits: amount + Int64(number) * 10, currency: currency),
                            method: try PaymentSystemTests.card(Self.pan(number)), captureMethod: .automatic,
                            customerCountry: "US",
                            deviceID: UInt64(number))
                        let created = await system.createPayment(request, apiKey: keys[merchant]!)
                        guard created.isSuccess, let id = created.paymentID else { continue }
                        switch number % 5 {
                        case 1:
                            _ = await system.refund(
                                id, amountMinorUnits: amount / 3 / 10 * 10, merchant: merchant,
                                apiKey: keys[merchant]!)
                        case 2:
                            try await system.orchestrator.openDispute(id, amountMinorUnits: amount / 10 * 10)
                            try await system.orchestrator.submitDisputeEvidence(id)
                            try await system.orchestrator.closeDispute(id, won: day != 1)
                        default:
                            break
                        }
                    }
                }
                _ = await system.runDailySettlement()
                try await runtime.sleep(for: .seconds(86_400))
            }
            _ = await system.runDailySettlement()

            let transactions = export.transactions
            #expect(transactions.count == export.lines.withLock { $0.count }, "every CSV line reads back")
            #expect(Set(transactions.map(\.type)) == [.charge, .refund, .adjustment, .payout])
            #expect(transactions.contains { $0.exchangeRate != nil })
            var payouts: [MerchantID: Int64] = [:]
            var earned: [MerchantID: Int64] = [:]
            for transaction in transactions {
                #expect(transaction.net == transaction.amount - transaction.fee, "\(transaction)")
                #expect(transaction.amount != 0 || transaction.fee != 0, "\(transaction)")
                #expect(transaction.fee == transaction.feeDetails.reduce(0) { $0 + $1.amount })
                if transaction.type == .payout {
                    payouts[transaction.merchant, default: 0] -= transaction.amount
                } else {
                    earned[transaction.merchant, default: 0] += transaction.net
                }
            }
            for account in await system.merchants.allAccounts() {
                #expect(account.paidOut > 0, "\(account.id)")
                #expect(payouts[account.id] == account.paidOut, "\(account.id)")
                let balance = await system.ledger.balance(
                    of: .merchantBalance(account.id, account.settlementCurrency)
                ).balance
                #expect((earned[account.id] ?? 0) - (payouts[account.id] ?? 0) == balance, "\(account.id)")
            }

            // The journal alone gives the same transactions (times aside).
            let scanned = Export()
            let count = try await BalanceTransactionJournalScan.scan(journal, sink: scanned.sink)
            #expect(count == transactions.count)
            func figures(_ list: [BalanceTransaction]) -> [String] {
                list.map { "\($0.id) \($0.type) \($0.amount) \($0.fee) \($0.net) \($0.source)" }.sorted()
            }
            #expect(figures(scanned.transactions) == figures(transactions))

            // The query: newest first, a limit and Stripe's cursor.
            let merchant = Self.merchants[0].0
            let all = transactions.filter { $0.merchant == merchant }
            let first = await system.balanceTransactions(merchant: merchant, limit: 3)
            #expect(first.map(\.id) == all.suffix(3).reversed().map(\.id))
            let next = await system.balanceTransactions(
                merchant: merchant, limit: 3, startingAfter: first.last?.id)
            #expect(next.map(\.id) == all.dropLast(3).suffix(3).reversed().map(\.id))
        }
    }

    /// A charge of 10,000 JPY to a USD merchant: amount and fee in cents, the rate from the two
    /// booked amounts, and Stripe's field names in the JSON line.
    @Test func aCrossCurrencyChargeIsStripeShaped() throws {
        let runtime = DeterministicRuntime(seed: 42)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime)
            let merchant = PaymentSystemTests.merchant
            let key = try #require(try await system.onboard(merchant, settlementCurrency: .usd))
            let created = await system.createPayment(
                try PaymentSystemTests.request(10_000, .jpy, capture: .automatic), apiKey: key.secret)
            let id = try #require(created.paymentID)
            let record = try #require(await system.orchestrator.payment(id))
            let charge = try #require(await system.balanceTransactions(merchant: merchant).first)
            #expect(charge.type == .charge && charge.reportingCategory == "charge")
            #expect(charge.currency == "usd")
            #expect(charge.amount == record.capturedSettled && charge.fee == record.feeSettled)
            #expect(charge.net == record.capturedSettled - record.feeSettled)
            #expect(charge.source == ChargeID(id.rawValue).description)
            #expect(charge.id.hasPrefix("txn_"))
            #expect(charge.availableOn == charge.created + 2 * 86_400)
            let rate = try #require(charge.exchangeRate)
            #expect(rate.hasPrefix("0.00"), "\(rate)")
            #expect(charge.jsonLine.contains("\"object\":\"balance_transaction\""))
            #expect(
                charge.jsonLine.contains("\"fee_details\":[{\"amount\":\(charge.fee),\"currency\":\"usd\""))
        }
    }

    /// Memory stays bounded: past `balanceTransactionsRetainedMax` the oldest are forgotten,
    /// while the sink still sees every one.
    @Test func retentionIsBoundedAndTheSinkSeesEverything() {
        let export = Export()
        let log = BalanceTransactionLog(retainedMax: 3, sink: export.sink)
        for index in 0..<10 {
            log.record([
                BalanceTransaction(
                    id: "txn_\(index)", merchant: MerchantID(UInt64(index % 2)), amount: 100, currency: "usd",
                    created: 0, availableOn: 0, exchangeRate: nil, fee: 0, feeDetails: [], net: 100,
                    source: "ch_\(index)", type: .charge, reportingCategory: "charge")
            ])
        }
        #expect(export.lines.withLock { $0.count } == 10)
        #expect(log.recorded == 10)
        #expect(log.list(merchant: MerchantID(0), limit: 10, startingAfter: nil).map(\.id) == ["txn_8"])
        #expect(
            log.list(merchant: MerchantID(1), limit: 10, startingAfter: nil).map(\.id) == ["txn_9", "txn_7"])
    }

    /// A merchant's payouts are kept apart from its charges, and forgotten with them.
    @Test func keptPayoutsFollowTheRetention() {
        let log = BalanceTransactionLog(retainedMax: 3, sink: nil)
        func record(_ index: Int, _ type: BalanceTransaction.Kind) {
            log.record([
                BalanceTransaction(
                    id: "txn_\(index)", merchant: MerchantID(7), amount: 100, currency: "usd",
                    created: 0, availableOn: 0, exchangeRate: nil, fee: 0, feeDetails: [], net: 100,
                    source: "x_\(index)", type: type, reportingCategory: "x")
            ])
        }
        record(0, .payout)
        record(1, .charge)
        record(2, .payout)
        #expect(log.keptPayouts(merchant: MerchantID(7)).map(\.id) == ["txn_0", "txn_2"])
        record(3, .charge)
        #expect(log.keptPayouts(merchant: MerchantID(7)).map(\.id) == ["txn_2"])
        record(4, .charge)
        record(5, .charge)
        #expect(log.keptPayouts(merchant: MerchantID(7)).isEmpty)
        #expect(log.kept(merchant: MerchantID(7)).map(\.id) == ["txn_3", "txn_4", "txn_5"])
    }
}
