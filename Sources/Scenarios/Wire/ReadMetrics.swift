import Synchronization

/// Counts and latency per read kind, noted by the read clients without suspending.
final class ReadMetrics: Sendable {
    private struct Kind {
        var figures: ReadFigures
        var latency = LatencyHistogram()
    }

    private let kinds: Mutex<[ReadTraffic.Kind: Kind]>

    init() {
        var kinds: [ReadTraffic.Kind: Kind] = [:]
        for kind in ReadTraffic.Kind.allCases {
            kinds[kind] = Kind(
                figures: ReadFigures(kind: kind.rawValue, latencyMilliseconds: LatencyHistogram().summary))
        }
        self.kinds = Mutex(kinds)
    }

    func skipped(_ kind: ReadTraffic.Kind) { kinds.withLock { $0[kind]?.figures.skippedNoPayment += 1 } }

    /// A read the runner shed before sending it.
    func shed(_ kind: ReadTraffic.Kind) { kinds.withLock { $0[kind]?.figures.shed += 1 } }

    /// A read not sent because `ReadClients.inFlightMax` reads were out: a failure of the runner.
    func overInFlightBound(_ kind: ReadTraffic.Kind) {
        kinds.withLock { kinds in
            kinds[kind]?.figures.sent += 1
            kinds[kind]?.figures.failed += 1
            kinds[kind]?.figures.failedByStatus["runner_in_flight_max", default: 0] += 1
        }
    }

    func record(_ kind: ReadTraffic.Kind, status: Int?, nanoseconds: Int64) {
        // Changed in place through the dictionary's subscript: a copy of the entry made the
        // histogram's buckets (hundreds of KB) copied on every read answered.
        kinds.withLock { kinds in
            kinds[kind]?.figures.sent += 1
            switch status {
            case let status? where (200..<300).contains(status):
                kinds[kind]?.figures.succeeded += 1
                kinds[kind]?.latency.record(nanoseconds: nanoseconds)
            case 404: kinds[kind]?.figures.notServed += 1
            default:
                kinds[kind]?.figures.failed += 1
                kinds[kind]?.figures.failedByStatus[status.map { String($0) } ?? "none", default: 0] += 1
            }
        }
    }

    /// The kinds the scenario asked for, in their order.
    func figures(_ traffic: ReadTraffic) -> [ReadFigures] {
        kinds.withLock { kinds in
            ReadTraffic.Kind.allCases.filter { traffic.rates[$0] != nil }.compactMap { kind in
                guard var entry = kinds[kind] else { return nil }
                entry.figures.latencyMilliseconds = entry.latency.summary
                return entry.figures
            }
        }
    }
}
