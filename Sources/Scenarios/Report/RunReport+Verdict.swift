extension RunReport {
    /// The run's verdict as the summary's last line and the HTML report's headline give it:
    /// `PASS`, `FAIL (invariant violated)`, `FAIL (threshold)`, or `SATURATED (stage N, ...)`
    /// when a realtime stage could not keep up.
    ///
    /// A saturated run that dropped arrivals at the runner's in-flight bound says how many: a
    /// long run's journeys waiting for their later steps can fill the bound while the system
    /// still keeps up, and the reader must tell the runner's memory bound from the system's
    /// limit.
    public var verdict: String {
        if !invariantsHold { return "FAIL (invariant violated)" }
        if let stage = saturatedStage {
            var dropped = ""
            if generator.droppedArrivals > 0, let bound = generator.maxInFlight {
                dropped =
                    "; \(generator.droppedArrivals) arrivals of the run dropped at the in-flight bound "
                    + "of \(bound) journeys"
            }
            return
                "SATURATED (stage \(stage.stage), \(Self.wholeNumber(stage.targetTPS)) TPS target: answered "
                + "\(stage.answered) of \(stage.due) arrivals due, \(Self.tenths(stage.answeredToDueRatio * 100))%"
                + "\(dropped))"
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
