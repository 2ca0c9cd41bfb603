/// A scenario's read traffic (`reads:`): what merchants' dashboards and backends ask beside
/// their payments. Each kind's rate is a share of the payment rate, or an absolute rate at the
/// load's average; either way it follows the load curve.
public struct ReadTraffic: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable, Codable {
        /// Retrieve a recent payment of the same merchant.
        case statusChecks = "status_checks"
        /// The merchant's recent payments (created in the last minute), paginated; in one
        /// status when `listStatus` names one (through the search API: Stripe's list has no
        /// status filter).
        case listQueries = "list_queries"
        /// The merchant's balance.
        case balance
        /// The merchant's payouts.
        case payouts
    }

    public enum Rate: Sendable, Equatable {
        /// This many reads per payment.
        case share(Double)
        /// This many reads a second when the payments run at the load's average rate.
        case perSecond(Double)
    }

    public var rates: [Kind: Rate] = [:]
    /// Pages a list query reads at most (it stops early when `has_more` is false).
    public var listPagesMax = 2
    public var listPageSize = 10
    /// The PaymentIntent status (Stripe's word: `succeeded`, `requires_capture`...) list
    /// queries ask for; nil lists every status.
    public var listStatus: String?

    /// The statuses a list query may ask for: Stripe's PaymentIntent statuses.
    public static let listStatuses = [
        "requires_payment_method", "requires_confirmation", "requires_action", "processing",
        "requires_capture", "canceled", "succeeded",
    ]

    public init() {}

    public var isEmpty: Bool { rates.isEmpty }

    /// The same reads with every absolute rate multiplied by `factor` (a share of the payment
    /// rate already follows the scaled payments).
    func scaled(by factor: Double) -> ReadTraffic {
        var copy = self
        for (kind, rate) in rates {
            if case .perSecond(let perSecond) = rate { copy.rates[kind] = .perSecond(perSecond * factor) }
        }
        return copy
    }

    /// The factor a kind's rate stands in to the payment rate, for a load averaging
    /// `averagePaymentTPS`.
    public func factor(_ kind: Kind, averagePaymentTPS: Double) -> Double {
        switch rates[kind] {
        case nil: 0
        case .share(let share): share
        case .perSecond(let rate): averagePaymentTPS > 0 ? rate / averagePaymentTPS : 0
        }
    }
}
