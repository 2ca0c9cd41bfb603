extension RunReport {
    /// The run's verdict as the summary's last line and the HTML report's headline give it:
    /// `PASS`, `FAIL (invariant violated)`, `FAIL (threshold)`, or `SATURATED (stage N, ...)`
    /// when a realtime stage could not keep up.
    public var verdict: String {
        if !invariantsHold { return "FAIL (invariant violated)" }
        if let stage = saturatedStage {
            return
                "SATURATED (stage \(stage.stage), \(Self.wholeNumber(stage.targetTPS)) TPS target: answered "
                + "\(stage.answered) of \(stage.due) arrivals due, \(Self.tenths(stage.answeredToDueRatio * 100))%)"
        }
        return thresholdsPass ? "PASS" : "FAIL (threshold)"
    }

    private static func wholeNumber(_ value: Double) -> String {
        value.isFinite ? String(Int64(value.rounded())) : "-"
    }

    private static func tenths(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let scaled = Int64((value * 10).rounded())
        return "\(scaled / 10).\(abs(scaled % 10))"
    }
}
