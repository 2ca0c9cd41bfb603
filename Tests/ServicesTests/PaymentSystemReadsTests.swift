import Core
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// The facade's reads: a merchant's payments listed newest first with a cursor and filters,
/// its balance, its events; another merchant sees none of them; capture and refund take Money.
@Suite struct PaymentSystemReadsTests {
    static let merchant = PaymentSystemTests.merchant
    static let other = MerchantID(8)

    @Test func listsAMerchantsPaymentsNewestFirstByCursorStatusAndCreation() throws {
        let runtime = DeterministicRuntime(seed: 21)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let otherKey = try #require(try await system.onboard(Self.other, settlementCurrency: .usd))
            var ids: [PaymentID] = []
            for index in 0..<5 {
                let capture: PaymentRequest.CaptureMethod = index % 2 == 0 ? .manual : .automatic
                let answer = await system.createPayment(
                    try PaymentSystemTests.request(1_000 + Int64(index), capture: capture), apiKey: key.secret
                )
                ids.append(try #require(answer.paymentID))
                try await runtime.sleep(for: .seconds(10))
            }
            var foreign = try PaymentSystemTests.request(500, capture: .automatic)
            foreign.merchant = Self.other
            _ = await system.createPayment(foreign, apiKey: otherKey.secret)

            let first = system.listPayments(merchant: Self.merchant, PaymentListQuery(limit: 2))
            #expect(first.payments.map(\.id) == [ids[4], ids[3]])
            #expect(first.hasMore)
            let second = system.listPayments(
                merchant: Self.merchant, PaymentListQuery(limit: 2, startingAfter: ids[3]))
            #expect(second.payments.map(\.id) == [ids[2], ids[1]])
            #expect(second.hasMore)
            let last = system.listPayments(
                merchant: Self.merchant, PaymentListQuery(limit: 2, startingAfter: ids[1]))
            #expect(last.payments.map(\.id) == [ids[0]])
            #expect(!last.hasMore)

            let held = system.listPayments(
                merchant: Self.merchant, PaymentListQuery(status: "requires_capture"))
            #expect(held.payments.map(\.id) == [ids[4], ids[2], ids[0]])
            // Created in the last 25 s of the system's clock: the last two (10 s apart, the
            // last 10 s ago).
            let recent = system.listPayments(
                merchant: Self.merchant, PaymentListQuery(createdAtOrAfter: runtime.now() + .seconds(-25)))
            #expect(recent.payments.map(\.id) == [ids[4], ids[3]])
            // Another merchant's payments are not listed, and a retired payment leaves the list.
            #expect(system.listPayments(merchant: Self.other).payments.count == 1)
            _ = await system.orchestrator.retire(ids[4])
            #expect(
                system.listPayments(merchant: Self.merchant, PaymentListQuery(limit: 1)).payments.map(\.id)
                    == [ids[3]])
            #expect(!system.events(of: Self.merchant).isEmpty)
            #expect(system.events(of: Self.merchant).allSatisfy { $0.merchant == Self.merchant })
        }
    }

    @Test func captureAndRefundTakeMoneyAndRefuseAnotherCurrency() throws {
        let runtime = DeterministicRuntime(seed: 22)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let created = await system.createPayment(
                try PaymentSystemTests.request(10_000, capture: .manual), apiKey: key.secret)
            let id = try #require(created.paymentID)
            let euros = await system.capture(
                id, amount: Money(minorUnits: 5_000, currency: .eur), merchant: Self.merchant,
                apiKey: key.secret)
            #expect(euros.status == 400)
            #expect(await system.payment(id, of: Self.merchant)?.payment.state == .authorized)
            let captured = await system.capture(
                id, amount: Money(minorUnits: 6_000, currency: .usd), merchant: Self.merchant,
                apiKey: key.secret)
            #expect(captured.status == 200)
            let refunded = await system.refund(
                id, amount: Money(minorUnits: 1_500, currency: .usd), merchant: Self.merchant,
                apiKey: key.secret)
            #expect(refunded.status == 200)
            #expect(system.refunded(id, merchant: Self.merchant) == Money(minorUnits: 1_500, currency: .usd))
            #expect(system.refunded(id, merchant: Self.other) == nil)
            // The capture less Stripe's fee (2.9% + 30) and the refund, until the day's
            // settlement pays it out.
            let before = try #require(await system.balance(of: Self.merchant))
            #expect(before.available == Money(minorUnits: 6_000 - 174 - 30 - 1_500, currency: .usd))
            _ = await system.runDailySettlement()
            let after = try #require(await system.balance(of: Self.merchant))
            #expect(after.available == Money(minorUnits: 0, currency: .usd))
            #expect(await system.balance(of: MerchantID(999)) == nil)
        }
    }
}
