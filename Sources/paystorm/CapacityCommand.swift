import ArgumentParser
import Foundation
import Reports
import Scenarios

/// `paystorm capacity FILE`: where does it break? Runs the scenario in realtime mode at
/// growing scales (short runs), then bisects between the highest scale held and the lowest
/// that was not, and prints each step and the highest rate held with every invariant and the
/// latency objective.
struct CapacityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Step, then bisect, a scenario's scale in realtime mode; report the highest rate held.")

    @Argument(help: "Scenario file (YAML).") var file: String
    @Option(help: "Each step's length: the whole load profile is compressed or stretched to it.")
    var stepDuration: String = "20s"
    @Option(help: "The first scale tried.") var scaleStart: Double = CapacitySearch.Configuration.standard
        .scaleStart
    @Option(help: "Each step multiplies the scale by this while the steps hold.")
    var stepFactor: Double = CapacitySearch.Configuration.standard.stepFactor
    @Option(help: "The largest scale tried.") var scaleMax: Double = CapacitySearch.Configuration.standard
        .scaleMax
    @Option(help: "Bisect until the gap between held and failed is at most this share of the held rate.")
    var resolution: Double = CapacitySearch.Configuration.standard.resolution
    @Option(help: "Steps at most, stepping and bisecting together.")
    var stepsMax: Int = CapacitySearch.Configuration.standard.stepsMax
    @Option(help: "Override the scenario's seed.") var seed: UInt64?
    @Option(help: "Also write the result as JSON to this path.") var json: String?
    @Option(
        help: ArgumentHelp(
            "Also write the result as one self-contained HTML page (the knee chart, latency, CPU "
                + "and memory against offered rate, the steps, the scenario file) to this path."))
    var report: String?

    func run() async throws {
        // Every step is a realtime run.
        configureAllocatorForRealtime()
        var scenario: Scenario
        do {
            scenario = try ScenarioParser.load(path: file)
        } catch {
            printError("✗ \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        guard let stepLength = DurationText.parse(stepDuration), stepLength >= .seconds(1),
            stepLength <= .seconds(3_600)
        else {
            printError("paystorm capacity: --step-duration must be a duration from 1s to 1h, like 20s")
            throw ExitCode(ExitStatus.badInput)
        }
        let search = CapacitySearch.Configuration(
            scaleStart: scaleStart, stepFactor: stepFactor, scaleMax: scaleMax,
            scaleMin: min(scaleStart, CapacitySearch.Configuration.standard.scaleMin), resolution: resolution,
            stepsMax: stepsMax)
        if let problem = search.problem {
            printError("paystorm capacity: \(problem)")
            throw ExitCode(ExitStatus.badInput)
        }
        if let seed { scenario.seed = seed }
        scenario = scenario.withDuration(stepLength)
        let base = scenario
        if let problem = ScenarioLimits.problem(with: base.scaled(by: scaleMax)) {
            printError("paystorm capacity: at --scale-max \(scaleMax), \(problem)")
            throw ExitCode(ExitStatus.badInput)
        }
        let peakTPS = base.load.peakTPS
        print(
            "paystorm capacity: \(base.name), peak \(Format.fixed(peakTPS, 0)) TPS at scale 1, "
                + "steps of \(DurationText.format(stepLength)) in realtime mode")
        print(CapacityTable.header)
        let report = try await CapacityProbe.run(
            scenario: base.name, peakTPS: peakTPS, stepSeconds: Double(stepLength.components.seconds),
            search: search
        ) { scale, phase in
            let sampler = PeakResidentMemory()
            let sampling = Task { await sampler.sample(every: .milliseconds(250)) }
            let report = try await ScenarioRunner.run(base.scaled(by: scale), mode: .realtime)
            sampling.cancel()
            _ = await sampling.value
            let step = CapacityStep(
                scale: scale, phase: phase, targetPeakTPS: peakTPS * scale, report: report,
                residentMBMax: sampler.peakMB)
            // Freed pages go back to the kernel after jemalloc's 1 s decay: the next step starts
            // near the process's idle size, not at this step's peak.
            try? await Task.sleep(for: .seconds(2))
            return step
        } observe: { step in
            print(CapacityTable.row(step))
        }
        print(CapacityTable.findings(report))
        if let json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            } catch {
                printError("paystorm capacity: cannot write \(json): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        if let path = self.report {
            let page = CapacityReportPage(
                report, scenarioText: try? String(contentsOfFile: file, encoding: .utf8),
                command: (["paystorm"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
            do {
                try Data(page.html().utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                printError("paystorm capacity: cannot write \(path): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
            printError("report: \(path)")
        }
        if report.highestHeld == nil { throw ExitCode(ExitStatus.thresholdFailed) }
    }
}

/// The largest resident memory seen while a step runs (the runner's own samples come once a
/// minute, longer than a step).
final class PeakResidentMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var peakBytes = 0

    var peakMB: Double? { lock.withLock { peakBytes > 0 ? Double(peakBytes) / 1_048_576 : nil } }

    func sample(every interval: Duration) async {
        while !Task.isCancelled {
            if let bytes = ResidentMemory.bytes() { lock.withLock { peakBytes = max(peakBytes, bytes) } }
            try? await Task.sleep(for: interval)
        }
    }
}

/// The terminal table of `paystorm capacity`.
enum CapacityTable {
    static let header =
        pad("step", 10) + pad("target", 10) + pad("offered", 10) + pad("answered", 10) + pad("lowest", 8)
        + pad("p50 ms", 9)
        + pad("p99 ms", 9) + pad("cores", 7) + pad("RSS MB", 8) + pad("shed", 9) + pad("dropped", 9)
        + "verdict"

    static func row(_ step: CapacityStep) -> String {
        pad("\(Format.fixed(step.scale, 3))x", 10) + pad(Format.fixed(step.targetPeakTPS, 0), 10)
            + pad(Format.fixed(step.offeredTPS, 0), 10)
            + pad(Format.fixed(step.answeredTPS, 0), 10)
            + pad(Format.fixed(step.answeredRatio * 100, 1) + "%", 8)
            + pad(Format.fixed(step.authorizeP50Milliseconds, 0), 9)
            + pad(Format.fixed(step.authorizeP99Milliseconds, 0), 9)
            + pad(step.cpuCores.map { Format.fixed($0, 2) } ?? "-", 7)
            + pad(step.residentMBMax.map { Format.fixed($0, 0) } ?? "-", 8)
            + pad(Format.count(Int(step.shed)), 9) + pad(Format.count(step.droppedArrivals), 9) + step.verdict
    }

    static func findings(_ report: CapacityReport) -> String {
        let held =
            report.highestHeld.map {
                "highest held: \(Format.fixed($0.offeredTPS, 0)) TPS (scale \(Format.fixed($0.scale, 3))), "
                    + "answered \(Format.fixed($0.answeredTPS, 0)) TPS, p99 \(Format.fixed($0.authorizeP99Milliseconds, 0)) ms"
            } ?? "highest held: none (even the smallest scale tried was not held)"
        let knee =
            report.knee.map {
                "knee: \(Format.fixed($0.offeredTPS, 0)) TPS not held: \($0.verdict), answered "
                    + "\(Format.fixed($0.answeredTPS, 0)) TPS"
            } ?? "knee: not reached (every scale tried held)"
        return held + "\n" + knee
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
