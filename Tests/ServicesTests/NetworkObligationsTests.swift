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
        #expect(obligations.owe(capture) == true)
        #expect(obligations.owe(refund) == false)
        #expect(obligations.owe(other) == true)
        #expect(obligations.owe(chargeback) == false)
        #expect(obligations.count == 4)
        #expect(obligations.payments == [PaymentID(1), PaymentID(2)])
        #expect(obligations.head(PaymentID(1)) == capture)
        #expect(obligations.finishHead(PaymentID(1)))
        #expect(obligations.head(PaymentID(1)) == refund)
        #expect(obligations.finishHead(PaymentID(1)))
        #expect(obligations.head(PaymentID(1)) == chargeback)
        #expect(!obligations.finishHead(PaymentID(1)))
        #expect(!obligations.isOwed(PaymentID(1)))
        #expect(obligations.head(PaymentID(1)) == nil)
        #expect(!obligations.finishHead(PaymentID(1)))
        #expect(obligations.count == 1)
        #expect(!obligations.finishHead(PaymentID(2)))
        #expect(obligations.count == 0 && obligations.payments.isEmpty)
    }
}
