import Core
import Services

/// Stripe's test payment methods and card numbers, answering as Stripe documents them
/// (docs.stripe.com/testing): `pm_card_visa` succeeds, `pm_card_chargeDeclinedInsufficientFunds`
/// (4000000000009995) declines with `insufficient_funds`, `pm_card_authenticationRequired`
/// (4000002760003184) asks for 3-D Secure, `pm_card_createDispute` (4000000000000259) is disputed
/// once captured.
struct TestPaymentMethod: Sendable {
    enum Dispute: Sendable {
        case none, chargeback, inquiry
    }

    let id: String
    let number: String
    let funding: CardFunding
    var decline: DeclineCode? = nil
    var requiresAuthentication = false
    var dispute = Dispute.none

    static let all: [TestPaymentMethod] = [
        TestPaymentMethod(id: "pm_card_visa", number: "4242424242424242", funding: .credit),
        TestPaymentMethod(id: "pm_card_visa_debit", number: "4000056655665556", funding: .debit),
        TestPaymentMethod(id: "pm_card_mastercard", number: "5555555555554444", funding: .credit),
        TestPaymentMethod(id: "pm_card_mastercard_debit", number: "5200828282828210", funding: .debit),
        TestPaymentMethod(id: "pm_card_amex", number: "378282246310005", funding: .credit),
        TestPaymentMethod(
            id: "pm_card_chargeDeclined", number: "4000000000000002", funding: .credit,
            decline: .genericDecline),
        TestPaymentMethod(
            id: "pm_card_chargeDeclinedInsufficientFunds", number: "4000000000009995", funding: .credit,
            decline: .insufficientFunds),
        TestPaymentMethod(
            id: "pm_card_chargeDeclinedLostCard", number: "4000000000009987", funding: .credit,
            decline: .lostCard),
        TestPaymentMethod(
            id: "pm_card_chargeDeclinedStolenCard", number: "4000000000009979", funding: .credit,
            decline: .stolenCard),
        TestPaymentMethod(
            id: "pm_card_chargeDeclinedExpiredCard", number: "4000000000000069", funding: .credit,
            decline: .expiredCard),
        TestPaymentMethod(
            id: "pm_card_chargeDeclinedIncorrectCvc", number: "4000000000000127", funding: .credit,
            decline: .incorrectCVC),
        TestPaymentMethod(
            id: "pm_card_chargeDeclinedProcessingError", number: "4000000000000119", funding: .credit,
            decline: .processingError),
        TestPaymentMethod(
            id: "pm_card_chargeDeclinedVelocityLimitExceeded", number: "4000000000006975", funding: .credit,
            decline: .cardVelocityExceeded),
        TestPaymentMethod(
            id: "pm_card_radarBlock", number: "4100000000000019", funding: .credit, decline: .fraudulent),
        TestPaymentMethod(
            id: "pm_card_authenticationRequired", number: "4000002760003184", funding: .credit,
            requiresAuthentication: true),
        TestPaymentMethod(
            id: "pm_card_threeDSecure2Required", number: "4000000000003220", funding: .credit,
            requiresAuthentication: true),
        TestPaymentMethod(
            id: "pm_card_threeDSecureRequired", number: "4000000000003063", funding: .credit,
            requiresAuthentication: true),
        TestPaymentMethod(
            id: "pm_card_createDispute", number: "4000000000000259", funding: .credit, dispute: .chargeback),
        TestPaymentMethod(
            id: "pm_card_createDisputeInquiry", number: "4000000000001976", funding: .credit,
            dispute: .inquiry),
    ]

    private static let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
    private static let byNumber = Dictionary(uniqueKeysWithValues: all.map { ($0.number, $0) })

    static func named(_ id: String) -> TestPaymentMethod? { byID[id] }

    /// A card number: a documented test card answers as documented; any other valid number
    /// succeeds (the issuer's behaviour decides).
    static func card(number: String) -> TestPaymentMethod {
        byNumber[number] ?? TestPaymentMethod(id: "pm_card_custom", number: number, funding: .credit)
    }

    /// The tokenized card (the PAN reduced to last4 and a fingerprint).
    func paymentMethod(expiryMonth: Int = 12, expiryYear: Int = 2034) throws(StripeError) -> PaymentMethod {
        do {
            let card = try Card.tokenize(
                pan: number, expiryMonth: expiryMonth, expiryYear: expiryYear, funding: funding,
                token: "tok_" + id.dropFirst(3))
            return .card(card)
        } catch {
            throw StripeError(
                status: 402, type: "card_error", code: "incorrect_number",
                param: "payment_method_data[card][number]",
                message: "Your card number is incorrect.")
        }
    }

    /// The payment request a merchant's parameters and this method make.
    func request(
        merchant: MerchantID, amount: Money, captureMethod: PaymentRequest.CaptureMethod,
        method: PaymentMethod
    ) -> PaymentRequest {
        var request = PaymentRequest(
            merchant: merchant, amount: amount, method: method, captureMethod: captureMethod,
            customerCountry: method.country)
        request.scriptedDecline = decline
        request.requiresAuthentication = requiresAuthentication
        return request
    }
}
