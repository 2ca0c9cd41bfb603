import Scenarios
import Synchronization

/// Turns the progress reports a run makes once a second into `TimeSeriesRow`s: rates are the
/// change of each counter since the previous report over the run time between them. Keeps the
/// rows for a report, at most `rowsMax` of them: past that, neighbouring rows are merged in
/// pairs, so a long run costs bounded memory and its report still covers the whole run.
///
/// Locked: the reports come from the run's tasks.
public final class TimeSeriesRecorder: Sendable {
    private struct State {
        var previous: Sample?
        var rows: [TimeSeriesRow] = []
        /// Rows merged into one kept row (doubles each time the kept rows are halved).
        var rowsPerKeptRow = 1
        /// Rows recorded since the last kept one, waiting to be merged into it.
        var pending: [TimeSeriesRow] = []
    }

    /// What the rates of the next row are computed against.
    struct Sample {
        var progress: RunProgress
        var cpuSeconds: Double
    }

    public static let rowsMaxDefault = 14_400

    /// Rows kept for a report (0: none kept, the rows only pass through).
    public let rowsMax: Int
    private let state = Mutex(State())

    public init(rowsMax: Int = TimeSeriesRecorder.rowsMaxDefault) {
        precondition(rowsMax == 0 || rowsMax >= 2, "a kept series holds two rows")
        self.rowsMax = rowsMax
    }

    /// The row for `progress`.
    /// - Parameters:
    ///   - rssBytes: the process's resident memory now.
    ///   - cpuSeconds: user and system CPU seconds the process used so far.
    public func record(_ progress: RunProgress, rssBytes: Int?, cpuSeconds: Double) -> TimeSeriesRow {
        state.withLock { state in
            let previous = state.previous
            state.previous = Sample(progress: progress, cpuSeconds: cpuSeconds)
            let row = Self.row(progress, previous: previous, rssBytes: rssBytes, cpuSeconds: cpuSeconds)
            if rowsMax > 0 { keep(row, in: &state) }
            return row
        }
    }

    /// The rows kept so far, in time order.
    public var rows: [TimeSeriesRow] {
        state.withLock { state in
            state.rows + (state.pending.isEmpty ? [] : [Self.merged(state.pending)])
        }
    }

    private func keep(_ row: TimeSeriesRow, in state: inout State) {
        state.pending.append(row)
        guard state.pending.count >= state.rowsPerKeptRow else { return }
        state.rows.append(Self.merged(state.pending))
        state.pending.removeAll(keepingCapacity: true)
        if state.rows.count >= rowsMax {
            state.rows = stride(from: 0, to: state.rows.count, by: 2).map { index in
                Self.merged(Array(state.rows[index..<min(index + 2, state.rows.count)]))
            }
            state.rowsPerKeptRow *= 2
        }
    }

    static func row(
        _ progress: RunProgress, previous: Sample?, rssBytes: Int?, cpuSeconds: Double
    ) -> TimeSeriesRow {
        let seconds = progress.elapsed.secondsValue
        let interval = max(1e-9, seconds - (previous?.progress.elapsed.secondsValue ?? 0))
        let before = previous?.progress
        /// A counter's change per second. The system's own counters start from zero again when
        /// a crash fault restarts it: a counter below its last value counts from zero.
        func rate(_ now: Int, _ then: Int?) -> Double {
            let change = now >= (then ?? 0) ? now - (then ?? 0) : now
            return Double(change) / interval
        }
        let counts = progress.counts
        let was = before?.counts
        var declines: [String: Double] = [:]
        for (code, count) in progress.declinesByCode {
            let change = rate(count, before?.declinesByCode[code])
            if change > 0 { declines[code] = change }
        }
        let cpuChange = max(0, cpuSeconds - (previous?.cpuSeconds ?? cpuSeconds))
        return TimeSeriesRow(
            seconds: seconds, intervalSeconds: interval, targetTPS: progress.targetTPS,
            dispatchedPerSecond: rate(progress.attempted, before?.attempted),
            answeredPerSecond: rate(progress.answered, before?.answered), inFlight: Double(progress.inFlight),
            inFlightWaiting: Double(progress.waiting),
            authorizations: Double(progress.intervalAuthorizations),
            authorizeP50Milliseconds: progress.intervalP50Milliseconds,
            authorizeP90Milliseconds: progress.intervalP90Milliseconds,
            authorizeP99Milliseconds: progress.intervalP99Milliseconds,
            capturedPerSecond: rate(counts.succeeded, was?.succeeded),
            declinedPerSecond: rate(counts.declined, was?.declined),
            blockedPerSecond: rate(counts.blocked, was?.blocked),
            challengedPerSecond: rate(progress.challenged, before?.challenged),
            abandoned3DSPerSecond: rate(counts.abandoned3DS, was?.abandoned3DS),
            rateLimitedPerSecond: rate(counts.rateLimited, was?.rateLimited),
            shedPerSecond: rate(progress.droppedArrivals, before?.droppedArrivals),
            amountRefusedPerSecond: rate(counts.amountRefused, was?.amountRefused),
            errorsPerSecond: rate(counts.errors, was?.errors), declinesPerSecondByCode: declines,
            clientRetriesPerSecond: rate(counts.clientRetries, was?.clientRetries),
            webhooksDeliveredPerSecond: rate(progress.webhooksDelivered, before?.webhooksDelivered),
            webhookRetriesPerSecond: rate(progress.webhookRetries, before?.webhookRetries),
            webhooksDeadLetteredPerSecond: rate(progress.webhooksDeadLettered, before?.webhooksDeadLettered),
            webhookBacklog: Double(progress.webhookBacklog),
            ledgerTransfersPerSecond: rate(progress.ledgerTransfers, before?.ledgerTransfers),
            violations: Double(progress.violations), rssMegabytes: Double(rssBytes ?? 0) / 1_048_576,
            cpuCores: previous == nil ? 0 : cpuChange / interval, cpuSeconds: cpuSeconds,
            faultsActive: progress.faultsActive)
    }

    /// Consecutive rows as one: rates weighted by their intervals, the worst latency
    /// percentile, the gauges as they stood at the end, every fault that was on.
    static func merged(_ rows: [TimeSeriesRow]) -> TimeSeriesRow {
        guard var last = rows.last, rows.count > 1 else { return rows[0] }
        let total = max(1e-9, rows.reduce(0) { $0 + $1.intervalSeconds })
        func mean(_ value: KeyPath<TimeSeriesRow, Double>) -> Double {
            rows.reduce(0) { $0 + $1[keyPath: value] * $1.intervalSeconds } / total
        }
        func maximum(_ value: KeyPath<TimeSeriesRow, Double>) -> Double {
            rows.map { $0[keyPath: value] }.max() ?? 0
        }
        last.intervalSeconds = total
        for rate in [
            \TimeSeriesRow.targetTPS, \.dispatchedPerSecond, \.answeredPerSecond, \.capturedPerSecond,
            \.declinedPerSecond, \.blockedPerSecond, \.challengedPerSecond, \.abandoned3DSPerSecond,
            \.rateLimitedPerSecond, \.shedPerSecond, \.amountRefusedPerSecond, \.errorsPerSecond,
            \.clientRetriesPerSecond, \.webhooksDeliveredPerSecond, \.webhookRetriesPerSecond,
            \.webhooksDeadLetteredPerSecond, \.ledgerTransfersPerSecond, \.cpuCores,
        ] as [WritableKeyPath<TimeSeriesRow, Double>] {
            last[keyPath: rate] = mean(rate)
        }
        last.authorizations = rows.reduce(0) { $0 + $1.authorizations }
        last.authorizeP50Milliseconds = maximum(\.authorizeP50Milliseconds)
        last.authorizeP90Milliseconds = maximum(\.authorizeP90Milliseconds)
        last.authorizeP99Milliseconds = maximum(\.authorizeP99Milliseconds)
        last.inFlight = maximum(\.inFlight)
        last.inFlightWaiting = maximum(\.inFlightWaiting)
        last.webhookBacklog = maximum(\.webhookBacklog)
        last.rssMegabytes = maximum(\.rssMegabytes)
        var declines: [String: Double] = [:]
        for row in rows {
            for (code, rate) in row.declinesPerSecondByCode {
                declines[code, default: 0] += rate * row.intervalSeconds / total
            }
        }
        last.declinesPerSecondByCode = declines
        var faults: [String] = []
        for row in rows {
            for fault in row.faultsActive where !faults.contains(fault) { faults.append(fault) }
        }
        last.faultsActive = faults
        return last
    }
}

extension Duration {
    var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
