import Services

extension APIResponse {
    /// The error code of `shedByRunner`: no server ever sends it.
    static let shedByRunnerCode = "runner_shed"

    /// What a target answers for a request it shed before sending it: it waited its
    /// priority's patience for one of the runner's connections. Shaped as a refusal (429) so
    /// that nothing reads it as a server's answer to the request, and marked not to be retried:
    /// a request shed because the runner is saturated, sent again at once, only saturates it more.
    public static func shedByRunner(waitedMilliseconds: Int64) -> APIResponse {
        var response = APIResponse(
            status: 429,
            body: "{\"error\":{\"type\":\"rate_limit_error\",\"code\":\"\(shedByRunnerCode)\","
                + "\"message\":\"Not sent: waited \(waitedMilliseconds) ms for a connection of the runner\"}}"
        )
        response.shouldRetry = false
        return response
    }

    /// Whether the runner shed the request before sending it (`shedByRunner`): no server saw it.
    public var isShedByRunner: Bool { status == 429 && errorCode == Self.shedByRunnerCode }
}
