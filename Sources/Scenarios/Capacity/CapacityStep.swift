/// One short realtime run of `paystorm capacity`: the scenario at one scale, and what it held.
public struct CapacityStep: Sendable, Codable, Equatable {
    /// The factor every rate of the scenario was multiplied by.
    public var scale: Double
    public var phase: CapacitySearch.Phase
    /// The scenario's highest instantaneous target rate at this scale (its peak times the scale).
    public var targetPeakTPS: Double
    /// Arrivals made due per second during the peak stage (the stage with the highest mean
    /// target rate): what `answeredTPS` is measured against, so the two read side by side.
    public var offeredTPS: Double
    /// Answers given per second during the peak stage.
    public var answeredTPS: Double
    /// The lowest answered-to-due ratio of the judged stages (1 = kept up everywhere).
    public var answeredRatio: Double
    public var authorizeP50Milliseconds: Double
    public var authorizeP99Milliseconds: Double
    /// CPU used over the step's wall time, in cores.
    public var cpuCores: Double?
    /// The largest resident memory seen during the step, in MB.
    public var residentMBMax: Double?
    /// Requests the gateway shed with 429.
    public var shed: Int64
    /// Arrivals dropped at the in-flight bound.
    public var droppedArrivals: Int
    /// "PASS", "SATURATED (stage N)", "INVARIANT VIOLATED (name)" or "THRESHOLD FAILED (metric)".
    public var verdict: String
    /// Every invariant held and every threshold (the saturation check and the latency SLO
    /// among them) passed.
    public var held: Bool

    /// Snake case spelled out, as in `CapacityReport`.
    private enum CodingKeys: String, CodingKey {
        case scale, phase
        case targetPeakTPS = "target_peak_tps"
        case offeredTPS = "offered_tps"
        case answeredTPS = "answered_tps"
        case answeredRatio = "answered_ratio"
        case authorizeP50Milliseconds = "authorize_p50_ms"
        case authorizeP99Milliseconds = "authorize_p99_ms"
        case cpuCores = "cpu_cores"
        case residentMBMax = "resident_mb_max"
        case shed
        case droppedArrivals = "dropped_arrivals"
        case verdict, held
    }

    public init(
        scale: Double, phase: CapacitySearch.Phase, targetPeakTPS: Double, offeredTPS: Double,
        answeredTPS: Double, answeredRatio: Double, authorizeP50Milliseconds: Double,
        authorizeP99Milliseconds: Double,
        cpuCores: Double?, residentMBMax: Double?, shed: Int64, droppedArrivals: Int, verdict: String,
        held: Bool
    ) {
        self.scale = scale
        self.phase = phase
        self.targetPeakTPS = targetPeakTPS
        self.offeredTPS = offeredTPS
        self.answeredTPS = answeredTPS
        self.answeredRatio = answeredRatio
        self.authorizeP50Milliseconds = authorizeP50Milliseconds
        self.authorizeP99Milliseconds = authorizeP99Milliseconds
        self.cpuCores = cpuCores
        self.residentMBMax = residentMBMax
        self.shed = shed
        self.droppedArrivals = droppedArrivals
        self.verdict = verdict
        self.held = held
    }

    /// The step a run's report describes.
    public init(
        scale: Double, phase: CapacitySearch.Phase, targetPeakTPS: Double, report: RunReport,
        residentMBMax: Double?
    ) {
        let verdict: String
        if let broken = report.invariants.first(where: { !$0.holds }) {
            verdict = "INVARIANT VIOLATED (\(broken.name))"
        } else if let stage = report.saturatedStage {
            verdict = "SATURATED (stage \(stage.stage))"
        } else if let failed = report.thresholds.first(where: { !$0.passed }) {
            verdict = "THRESHOLD FAILED (\(failed.metric))"
        } else {
            verdict = "PASS"
        }
        // The same stage `achievedPeak` is measured over: the highest mean target rate.
        let peak = report.stages.max { $0.targetTPS < $1.targetTPS }
        let offeredTPS =
            peak.map { stage in
                let seconds = stage.endSeconds - stage.startSeconds
                return seconds > 0 ? Double(stage.due) / seconds : 0
            } ?? targetPeakTPS
        self.init(
            scale: scale, phase: phase, targetPeakTPS: targetPeakTPS, offeredTPS: offeredTPS,
            answeredTPS: report.tps.achievedPeak,
            answeredRatio: report.lowestStage.ratio, authorizeP50Milliseconds: report.latencyMilliseconds.p50,
            authorizeP99Milliseconds: report.latencyMilliseconds.p99, cpuCores: report.cpu?.cores,
            residentMBMax: residentMBMax ?? report.memory?.residentMBMax, shed: report.admission?.shed ?? 0,
            droppedArrivals: report.generator.droppedArrivals, verdict: verdict, held: verdict == "PASS")
    }
}
