import Core
import PaystormRuntime
import Services

/// What one payment adds to its merchant's overview figures, read from its record as it
/// stands: the store keeps the last one per payment, so that a change (a capture, a refund, a
/// decline) moves the figures by the difference instead of every record of the day being
/// read again.
struct PaymentContribution: Sendable, Equatable {
    var capturedMinorUnits: Int64 = 0
    var refundedMinorUnits: Int64 = 0
    var isAuthorized = false
    /// From creation to authorization, rounded to the millisecond; 0 unless authorized.
    var authorizationMilliseconds: Int64 = 0
    var declineCode: DeclineCode?
    /// Asked for 3-D Secure (waiting for it, or through it).
    var isChallenged = false

    static let none = PaymentContribution()

    init() {}

    init(_ record: PaymentRecord) {
        let payment = record.payment
        capturedMinorUnits = payment.amountCapturedMinorUnits
        refundedMinorUnits = payment.amountRefundedMinorUnits
        if let authorizedAt = record.authorizedAt {
            isAuthorized = true
            authorizationMilliseconds = Int64(
                ((authorizedAt - record.createdAt) / .milliseconds(1)).rounded())
        }
        if case .failed(let code) = payment.state { declineCode = code }
        isChallenged = payment.isAuthenticated || payment.state == .requiresAction
    }
}
