/// One second of a run (virtual time in simulated mode): rates are per second of run time
/// since the row before, gauges are read at the row's instant. What `--timeseries` writes and
/// what the HTML report charts.
public struct TimeSeriesRow: Sendable, Equatable {
    /// Run time from the load's start at the end of the row's interval.
    public var seconds: Double
    /// The row's length in run time (one second, more once a long run's rows are merged).
    public var intervalSeconds: Double
    public var targetTPS: Double
    public var dispatchedPerSecond: Double
    public var answeredPerSecond: Double
    public var inFlight: Double
    /// Of the journeys in flight, those waiting for their next step.
    public var inFlightWaiting: Double = 0
    public var authorizations: Double
    public var authorizeP50Milliseconds: Double
    public var authorizeP90Milliseconds: Double
    public var authorizeP99Milliseconds: Double
    /// Journeys that ended per second, by outcome.
    public var capturedPerSecond: Double
    public var declinedPerSecond: Double
    public var blockedPerSecond: Double
    /// Stepped up to 3-D Secure by the fraud engine (passed or not).
    public var challengedPerSecond: Double
    /// Declined because the 3-D Secure challenge was abandoned or failed.
    public var abandoned3DSPerSecond: Double
    public var rateLimitedPerSecond: Double
    /// Arrivals dropped at the in-flight bound, never sent.
    public var shedPerSecond: Double
    public var amountRefusedPerSecond: Double
    public var errorsPerSecond: Double
    /// Declines per second by Stripe's decline code (blocks and abandoned challenges included).
    public var declinesPerSecondByCode: [String: Double]
    /// Requests clients sent again (after a 409, 429 or 5xx).
    public var clientRetriesPerSecond: Double
    public var webhooksDeliveredPerSecond: Double
    public var webhookRetriesPerSecond: Double
    public var webhooksDeadLetteredPerSecond: Double
    /// Webhook deliveries owed and not settled at the row's instant.
    public var webhookBacklog: Double
    public var ledgerTransfersPerSecond: Double
    public var violations: Double
    public var rssMegabytes: Double
    /// CPU seconds the process used in the row's interval, per second of run time (1 = one core
    /// busy, in realtime; in simulated mode, the CPU a second of virtual time cost).
    public var cpuCores: Double
    /// CPU seconds the process used since it started.
    public var cpuSeconds: Double
    /// The faults on at the row's instant.
    public var faultsActive: [String]
}
