import Services

/// What a journey's client was told about its payment: the last answer that changed it, and
/// what its refunds added up to. A run over the wire checks the API against it at the end.
struct ToldState: Sendable {
    var apiKey = ""
    var answer: APIResponse?
    var refundedMinorUnits: Int64 = 0
}
