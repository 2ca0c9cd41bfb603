import Synchronization

/// Resident memory sampled once per minute of a run's own time (virtual time in simulated
/// mode), in bounded space however long the run: past `samplesMax` every other sample is
/// dropped and the interval doubles. The peak is read once a second of the run's time as well
/// (`notePeak`): a minute's samples miss a short run's peak, and `rss_max_mb` reads it.
struct MemorySamples: Sendable {
    static let samplesMax = 512

    private(set) var samples: [RunReport.MemorySample] = []
    private(set) var maxBytes = 0
    /// Minutes between kept samples (doubles each time the buffer is thinned).
    private var everyMinutes = 1

    mutating func record(minute: Int, bytes: Int) {
        notePeak(bytes: bytes)
        guard minute % everyMinutes == 0 else { return }
        samples.append(RunReport.MemorySample(minute: minute, residentMB: Self.megabytes(bytes)))
        if samples.count > Self.samplesMax {
            everyMinutes *= 2
            samples = samples.filter { $0.minute % everyMinutes == 0 }
        }
    }

    /// A reading between the minute's samples: it only counts towards the maximum.
    mutating func notePeak(bytes: Int) { maxBytes = max(maxBytes, bytes) }

    /// The report's figures: the sample after the first minute, the last one and the maximum.
    func figures(endBytes: Int?) -> RunReport.MemoryFigures? {
        guard let endBytes else { return nil }
        let peak = max(maxBytes, endBytes)
        return RunReport.MemoryFigures(
            residentMBAfterFirstMinute: samples.first { $0.minute >= 1 }?.residentMB,
            residentMBAtEnd: Self.megabytes(endBytes), residentMBMax: Self.megabytes(peak),
            samples: samples)
    }

    static func megabytes(_ bytes: Int) -> Double { Double(bytes / 1024) / 1024 }
}

/// `MemorySamples` shared between the sampling task and the runner. A lock, not an actor: a
/// sample must not add a hop (and jobs) to the run it measures.
final class MemorySampleBox: Sendable {
    private let samples = Mutex(MemorySamples())

    func record(minute: Int, bytes: Int) { samples.withLock { $0.record(minute: minute, bytes: bytes) } }

    func notePeak(bytes: Int) { samples.withLock { $0.notePeak(bytes: bytes) } }

    func figures(endBytes: Int?) -> RunReport.MemoryFigures? {
        samples.withLock { $0.figures(endBytes: endBytes) }
    }
}
