import Core
import Services

/// The status a merchant reads in the dashboard's lists, finer than the API's `status` where
/// the money tells more (Stripe's dashboard does the same: "Refunded", "Disputed", "Failed").
enum DashboardStatus: String, CaseIterable, Sendable {
    case succeeded
    case partiallyRefunded = "partially_refunded"
    case refunded
    case disputed
    case uncaptured
    case failed
    case canceled
    case incomplete
    case processing
    case returned

    init(_ record: PaymentRecord) {
        let payment = record.payment
        switch payment.state {
        case .captured, .settled:
            self = payment.amountRefundedMinorUnits > 0 ? .partiallyRefunded : .succeeded
        case .refunded: self = .refunded
        case .disputed: self = .disputed
        case .authorized: self = .uncaptured
        case .failed: self = .failed
        case .voided, .expired: self = .canceled
        case .created, .requiresAction: self = .incomplete
        case .authorizationUnknown: self = .processing
        case .returned: self = .returned
        }
    }

    /// The status's place in `allCases`: its bit in the store's status bitmaps.
    var ordinal: Int {
        switch self {
        case .succeeded: 0
        case .partiallyRefunded: 1
        case .refunded: 2
        case .disputed: 3
        case .uncaptured: 4
        case .failed: 5
        case .canceled: 6
        case .incomplete: 7
        case .processing: 8
        case .returned: 9
        }
    }

    /// The dashboard statuses whose payments the API shows with `status` (Stripe's
    /// PaymentIntent statuses); an incomplete payment may show any of three, so its record
    /// decides. Nil for a status Stripe does not have.
    static func matching(apiStatus: String) -> [DashboardStatus]? {
        switch apiStatus {
        case "succeeded": [.succeeded, .partiallyRefunded, .refunded, .disputed]
        case "requires_capture": [.uncaptured]
        case "requires_payment_method": [.failed, .returned, .incomplete]
        case "requires_confirmation", "requires_action": [.incomplete]
        case "processing": [.processing]
        case "canceled": [.canceled]
        default: nil
        }
    }

    /// "Partially refunded".
    var label: String {
        switch self {
        case .partiallyRefunded: "Partially refunded"
        default: rawValue.prefix(1).uppercased() + rawValue.dropFirst()
        }
    }

    /// The CSS class of the status badge: green, grey, amber or red.
    var tone: String {
        switch self {
        case .succeeded: "good"
        case .partiallyRefunded, .refunded, .canceled, .incomplete: "neutral"
        case .uncaptured, .processing: "pending"
        case .disputed, .failed, .returned: "bad"
        }
    }
}
