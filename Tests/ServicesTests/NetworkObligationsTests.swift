import Core
import Ledger
import Testing

@testable import Services

/// The obligations owed to the networks, per payment in order: whoever owes a payment's first
/// obligation sends it, whoever finishes a head sends the next.
@Suite struct NetworkObligationsTests {
    static func obligation(_ payment: UInt64, _ kind: NetworkObligation.Kind) -> NetworkObligation {
        NetworkObligation(payment: PaymentID(payment), network: .visa, kind: kind, transfers: [])
    }

    @Test func aPaymentsObligationsAreSentOneAfterAnotherInTheOrderOwed() {
        var obligations = NetworkObligations()
        let capture = Self.obligation(1, .capture(Money(minorUnits: 500, currency: .usd)))
        let refund = Self.obligation(1, .refund(RefundID(9), Money(minorUnits: 200, currency: .usd)))
        let chargeback = Self.obligation(1, .chargeback(Money(minorUnits: 300, currency: .usd)))
        let other = Self.obligation(2, .reversal)
        let sendsCapture = obligations.owe(capture)
        let sendsRefund = obligations.owe(refund)
        let sendsOther = obligations.owe(other)
        let sendsChargeback = obligations.owe(chargeback)
        #expect(sendsCapture == true && sendsOther == true)
        #expect(sendsRefund == false && sendsChargeback == false)
        #expect(obligations.count == 4)
        #expect(obligations.payments == [PaymentID(1), PaymentID(2)])
        #expect(obligations.head(PaymentID(1)) == capture)
        let more1 = obligations.finishHead(PaymentID(1))
        #expect(more1)
        #expect(obligations.head(PaymentID(1)) == refund)
        let more2 = obligations.finishHead(PaymentID(1))
        #expect(more2)
        #expect(obligations.head(PaymentID(1)) == chargeback)
        let more3 = obligations.finishHead(PaymentID(1))
        #expect(!more3)
        #expect(!obligations.isOwed(PaymentID(1)))
        #expect(obligations.head(PaymentID(1)) == nil)
        let more4 = obligations.finishHead(PaymentID(1))
        #expect(!more4)
        #expect(obligations.count == 1)
        let more5 = obligations.finishHead(PaymentID(2))
        #expect(!more5)
        #expect(obligations.count == 0 && obligations.payments.isEmpty)
    }
}
