import Core

/// What one journey found, gathered locally and reported to `RunMetrics` in one actor call:
/// a journey makes a dozen calls into the system, and the harness should not add as many of
/// its own.
struct JourneyOutcome: Sendable {
    var counts = RunReport.PaymentCounts()
    var latencyNanoseconds: Int64?
    /// The create's last attempt, from its sending to its answer, when the gateway admitted it
    /// (not a 429): what the system itself took, without the client's waits after refusals.
    var admittedLatencyNanoseconds: Int64?
    /// When the arrival was due, and when its first answer came (for per-stage throughput).
    var intendedNanoseconds: Int64 = 0
    var answeredNanoseconds: Int64?
    var declineCode: String?
    var violations: [(invariant: Invariant, example: String)] = []

    mutating func violation(_ invariant: Invariant, _ example: String) {
        violations.append((invariant, example))
    }
}
