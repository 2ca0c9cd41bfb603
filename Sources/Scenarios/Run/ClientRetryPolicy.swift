import PaystormRuntime
import Services

/// How a simulated client retries a refused request, as Stripe's SDKs do: 409 (the key's first
/// request is still running), 429 (rate limited) and 5xx answers are sent again with the same
/// idempotency key, after an exponential backoff with jitter, never sooner than the answer's
/// `Retry-After` asks (up to `retryAfterMax`), and `Stripe-Should-Retry` decides when the
/// answer carries it. stripe-python's numbers: two retries, from 0.5 s doubling to at most
/// 5 s, each delay drawn in [half, all] of that and at least 0.5 s.
///
/// Pure: the caller draws the jitter from the runtime's random stream and sleeps on its clock.
struct ClientRetryPolicy: Sendable, Equatable {
    /// Retries after the first request; then the refusal is the answer.
    var retriesMax: Int
    /// Half jitter: each wait drawn in [half, all] of the doubling ceiling.
    var backoff: Backoff
    /// A `Retry-After` longer than this is ignored (the SDKs' bound: the server is confused).
    var retryAfterMax: Duration

    /// stripe-python's defaults (`max_network_retries = 2`, `INITIAL_DELAY = 0.5`,
    /// `MAX_DELAY = 5`, `MAX_RETRY_AFTER = 60`).
    static let stripe = ClientRetryPolicy(
        retriesMax: 2, backoff: Backoff(first: .milliseconds(500), max: .seconds(5), jitter: .half),
        retryAfterMax: .seconds(60))

    /// A final read after the heal: the client keeps asking until it gets a definite answer,
    /// within about a minute (the liveness bound is two).
    static let finalRead = ClientRetryPolicy(
        retriesMax: 12, backoff: Backoff(first: .milliseconds(500), max: .seconds(5), jitter: .half),
        retryAfterMax: .seconds(60))

    /// A refusal made before any work: the request may be sent again as it was.
    static func isRefusedBeforeWork(_ response: APIResponse) -> Bool {
        response.status == 429 || response.status == 409
    }

    /// Whether a client that has already retried `retriesMade` times sends `response`'s
    /// request again.
    func shouldRetry(_ response: APIResponse, retriesMade: Int) -> Bool {
        guard retriesMade < retriesMax else { return false }
        if let advice = response.shouldRetry { return advice }
        return response.status == 409 || response.status == 429 || response.status >= 500
    }

    /// The wait before retry number `retriesMade + 1`, its jitter drawn from `random`.
    func delay(
        retriesMade: Int, _ response: APIResponse, using random: inout some RandomNumberGenerator
    ) -> Duration {
        let wait = backoff.delay(afterRetries: retriesMade, using: &random)
        if let retryAfter = response.retryAfter, retryAfter <= retryAfterMax {
            return max(wait, retryAfter)
        }
        return wait
    }
}
