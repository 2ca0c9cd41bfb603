/// Why the API gateway refused a request, with the HTTP status and Stripe-style `type` and `code`
/// that the simulated API answers with.
///
/// The strings follow Stripe's vocabulary where Stripe has one (`idempotency_key_in_use`,
/// `idempotency_error`, `rate_limit`); where Stripe has none the code is this simulation's own and
/// says so below. Callers switch on the case; reports print `type`/`code`.
public enum GatewayError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No key, an unknown key or a revoked key (HTTP 401).
    case authenticationFailed
    /// The merchant's token bucket is empty; retrying after `retryAfter` will find a token (429).
    case rateLimited(retryAfter: Duration)
    /// Shed by admission control: too many requests running (its merchant's or in total), or
    /// no slot freed within the queue-time budget (429, as Stripe's load shedders answer).
    case overloaded(AdmissionStateMachine.Refusal, retryAfter: Duration)
    /// Another request with this idempotency key is still running (Stripe's 409). Safe to retry.
    case idempotencyKeyInUse
    /// The key was first used with other parameters (Stripe's `idempotency_error`, 400).
    case idempotencyParametersMismatch
    /// Idempotency keys are at most 255 characters (400).
    case idempotencyKeyTooLong(length: Int)
    /// An empty idempotency key is not a key (400).
    case idempotencyKeyEmpty
    /// The idempotency store is at capacity with entries it promised to keep (503). Evicting one
    /// would break the retention promise and could double-charge, so the request is refused and
    /// counted instead; it is safe to retry later. (Simulation code, not Stripe's.)
    case idempotencyStoreFull
    /// The key was used within its retention window, but its stored answer was dropped to bound
    /// memory (409: the work ran once and does not run again; retrieve the object to learn its
    /// state). Stripe keeps answers 24 hours; a processor under overload must not let them take
    /// the machine. (Simulation code, not Stripe's.)
    case idempotencyAnswerDropped
    /// A configuration value is out of range (a programming or scenario error, not a request's).
    case invalidConfiguration(String)

    /// The HTTP status the simulated API answers with.
    public var httpStatus: Int {
        switch self {
        case .authenticationFailed: 401
        case .rateLimited, .overloaded: 429
        case .idempotencyKeyInUse, .idempotencyAnswerDropped: 409
        case .idempotencyParametersMismatch, .idempotencyKeyTooLong, .idempotencyKeyEmpty: 400
        case .idempotencyStoreFull: 503
        case .invalidConfiguration: 500
        }
    }

    /// Stripe's error `type` field.
    public var type: String {
        switch self {
        case .idempotencyParametersMismatch, .idempotencyAnswerDropped: "idempotency_error"
        case .idempotencyStoreFull, .invalidConfiguration: "api_error"
        case .authenticationFailed, .rateLimited, .overloaded, .idempotencyKeyInUse, .idempotencyKeyTooLong,
            .idempotencyKeyEmpty:
            "invalid_request_error"
        }
    }

    /// Stripe's error `code` field (`api_key_invalid`, `idempotency_key_too_long`,
    /// `idempotency_key_empty`, `idempotency_store_full`, `idempotency_answer_dropped`,
    /// `invalid_configuration` are this simulation's own).
    public var code: String {
        switch self {
        case .authenticationFailed: "api_key_invalid"
        case .rateLimited: "rate_limit"
        case .overloaded(.queueTimeout, _): "lock_timeout"
        case .overloaded: "rate_limit"
        case .idempotencyKeyInUse: "idempotency_key_in_use"
        case .idempotencyParametersMismatch: "idempotency_error"
        case .idempotencyKeyTooLong: "idempotency_key_too_long"
        case .idempotencyKeyEmpty: "idempotency_key_empty"
        case .idempotencyStoreFull: "idempotency_store_full"
        case .idempotencyAnswerDropped: "idempotency_answer_dropped"
        case .invalidConfiguration: "invalid_configuration"
        }
    }

    public var description: String {
        switch self {
        case .authenticationFailed: "Invalid API key provided"
        case .rateLimited(let retryAfter): "Too many requests; retry after \(retryAfter)"
        case .overloaded(.queueTimeout, let retryAfter):
            "The request waited too long for capacity; retry after \(retryAfter)"
        case .overloaded(_, let retryAfter): "Too many requests in flight; retry after \(retryAfter)"
        case .idempotencyKeyInUse:
            "There is currently another in-progress request using this idempotency key"
        case .idempotencyParametersMismatch:
            "Keys for idempotent requests can only be used with the same parameters they were first used with"
        case .idempotencyKeyTooLong(let length):
            "Idempotency key is \(length) characters long; the maximum is \(IdempotencyKey.lengthMax)"
        case .idempotencyKeyEmpty: "Idempotency key is empty"
        case .idempotencyStoreFull: "Idempotency store is full; retry later"
        case .idempotencyAnswerDropped:
            "This idempotency key was already used; its response is no longer kept. Retrieve the object instead"
        case .invalidConfiguration(let what): "Invalid configuration: \(what)"
        }
    }
}
