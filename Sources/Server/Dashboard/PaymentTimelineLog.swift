import Core
import DequeModule
import Services
import Synchronization

/// What happened to each payment besides its events, in the order the server saw it: the
/// card network's answers (approved or declined with its code, or no answer, and how long it
/// took), the customer's 3-D Secure steps, and a marker per event, so that the payment page's
/// timeline shows each where it happened among the events.
///
/// Bounded: the items of at most `paymentsMax` payments are kept, the payment seen first
/// forgotten first, and at most `itemsPerPaymentMax` each.
final class PaymentTimelineLog: Sendable {
    enum Item: Sendable, Equatable {
        /// An event of the payment's, by id (its details are the store's).
        case event(String)
        /// The network's answer: `result` nil when it refused the request outright (outage).
        case network(NetworkAuthorizationResult?, latencyMicroseconds: Int64, createdUnixSeconds: Int64)
        case threeDSecure(ThreeDSecureStep, createdUnixSeconds: Int64)
    }

    enum ThreeDSecureStep: String, Sendable {
        case challengeIssued = "challenge_issued"
        case passed
        case failed
        /// The payment was canceled while its challenge waited for the customer.
        case abandoned
    }

    static let paymentsMax = 100_000
    static let itemsPerPaymentMax = 64

    private struct State {
        var items: [PaymentID: [Item]] = [:]
        var order = Deque<PaymentID>()
    }

    private let state = Mutex(State())

    func record(_ item: Item, payment: PaymentID) {
        state.withLock { state in
            if state.items[payment] == nil {
                if state.order.count >= Self.paymentsMax, let oldest = state.order.popFirst() {
                    state.items[oldest] = nil
                }
                state.order.append(payment)
            }
            if state.items[payment, default: []].count < Self.itemsPerPaymentMax {
                state.items[payment, default: []].append(item)
            }
        }
    }

    /// The payment's items, in the order they were recorded.
    func items(of payment: PaymentID) -> [Item] { state.withLock { $0.items[payment] ?? [] } }
}
