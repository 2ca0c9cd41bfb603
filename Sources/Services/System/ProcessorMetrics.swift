import Core
import CoreMetrics

/// The processor's figures as swift-metrics handles, Prometheus-named (snake case, units and
/// `_total` last): payments by outcome, events by type, authorization latency, ledger transfers,
/// webhook deliveries, API calls in flight.
///
/// Made once, on first use, by whatever metrics backend is bootstrapped then (the command line
/// bootstraps Prometheus for `serve` and realtime runs before it builds a system); without one,
/// every handle is swift-metrics' no-op and costs a call. Simulation code only counts here,
/// never reads a clock for it: the latency it records is the runtime's.
public enum ProcessorMetrics {
    /// `paystorm_payments_total{outcome}`: the PaymentIntent events that end or park a payment.
    static let payments: [PaymentEventType: Counter] = {
        let outcomes: [(PaymentEventType, String)] = [
            (.paymentIntentSucceeded, "succeeded"),
            (.paymentIntentAmountCapturableUpdated, "requires_capture"),
            (.paymentIntentPaymentFailed, "failed"), (.paymentIntentCanceled, "canceled"),
            (.paymentIntentRequiresAction, "requires_action"),
        ]
        return Dictionary(
            uniqueKeysWithValues: outcomes.map {
                ($0.0, Counter(label: "paystorm_payments_total", dimensions: [("outcome", $0.1)]))
            })
    }()

    /// `paystorm_events_total{type}`.
    static let events: [PaymentEventType: Counter] = Dictionary(
        uniqueKeysWithValues: PaymentEventType.allCases.map {
            ($0, Counter(label: "paystorm_events_total", dimensions: [("type", $0.rawValue)]))
        })

    /// `paystorm_authorize_duration_seconds`: from sending an authorization to its answer.
    static let authorizeDuration = Timer(label: "paystorm_authorize_duration_seconds")

    /// `paystorm_ledger_transfers_total`: transfers the ledger applied.
    static let ledgerTransfers = Counter(label: "paystorm_ledger_transfers_total")

    /// `paystorm_api_requests_in_flight`: API calls admitted and not yet answered.
    static let apiRequestsInFlight = Meter(label: "paystorm_api_requests_in_flight")

    /// `paystorm_webhook_deliveries_total{result}`: `delivered`, `failed` (one attempt refused
    /// or unanswered) or `dead_lettered`.
    public static let webhookDelivered = Counter(
        label: "paystorm_webhook_deliveries_total", dimensions: [("result", "delivered")])
    public static let webhookFailedAttempts = Counter(
        label: "paystorm_webhook_deliveries_total", dimensions: [("result", "failed")])
    public static let webhookDeadLettered = Counter(
        label: "paystorm_webhook_deliveries_total", dimensions: [("result", "dead_lettered")])

    static func emitted(_ type: PaymentEventType) {
        events[type]?.increment()
        payments[type]?.increment()
    }
}
