import Core

/// What a network remembers of one payment: the truth an inquiry reports, whatever the caller
/// heard.
struct NetworkAuthorizationRecord: Sendable {
    enum Decision: Sendable {
        case approved(authCode: String)
        case declined(DeclineCode)
    }

    let paymentID: PaymentID
    let amount: Money
    let decision: Decision
    var reversed = false
    var capturedMinorUnits: Int64 = 0
    var refundedMinorUnits: Int64 = 0
    var settlementDay: Int64?
    /// Bank rail: decided at capture, visible from `settlementDay` on.
    var returnCode: BankReturnCode?
    /// Card networks: charged back (a dispute opened) and not given back.
    var chargedBackMinorUnits: Int64 = 0
    /// Refunds by id, so that a retried refund is not paid twice; at most
    /// `CardNetworkState.refundsPerPaymentMax`.
    var refunds: [RefundID: NetworkRefund] = [:]

    var inquiry: NetworkInquiryResult {
        if reversed { return .reversed }
        switch decision {
        case .approved(let code): return .approved(authCode: code)
        case .declined(let code): return .declined(code)
        }
    }
}
