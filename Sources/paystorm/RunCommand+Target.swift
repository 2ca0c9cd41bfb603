import ArgumentParser
import Client
import Foundation
import Reports
import Scenarios

extension RunCommand {
    /// `paystorm run FILE --mode realtime --target URL`: the scenario over the wire.
    func runOverWire(
        _ scenario: Scenario, mode: RunMode, target: String, recorder: TimeSeriesRecorder?,
        timeseries: TimeSeriesFile?
    ) async throws {
        guard mode == .realtime else {
            printError(
                "paystorm run: --target needs --mode realtime: a server over the wire runs on the wall clock, "
                    + "so a run against it cannot be simulated (drop --target for the in-process simulation)")
            throw ExitCode(ExitStatus.badInput)
        }
        // Plain HTTP only: the runner's keep-alive client speaks no TLS (load runs on loopback).
        guard target.hasPrefix("http://"), URL(string: target)?.host != nil else {
            printError(
                "paystorm run: --target must be a plain-HTTP URL like http://127.0.0.1:4242 "
                    + "(the runner speaks no TLS), not \(target)")
            throw ExitCode(ExitStatus.badInput)
        }
        var unsupported: [String] = []
        if journal != "none" { unsupported.append("--journal") }
        if resume { unsupported.append("--resume") }
        if trace != nil { unsupported.append("--trace") }
        if balanceTransactions != nil { unsupported.append("--balance-transactions") }
        if acknowledgements != nil { unsupported.append("--acknowledgements") }
        guard unsupported.isEmpty else {
            printError(
                "paystorm run: \(unsupported.joined(separator: ", ")) cannot be used with --target: "
                    + "they record the in-process system, which a run over the wire does not have")
            throw ExitCode(ExitStatus.badInput)
        }
        // The journeys' tasks then run on the event loops that read their answers instead of
        // waking a thread of the default pool for each: 0.91x the runner's CPU a payment,
        // measured side by side (PERFORMANCE.md). Only over the wire: nothing else in the
        // process needs the default pool. Their sleeps are woken by the loops' own timers
        // (`EventLoopTimerDriver`), not a dispatch timer's threads.
        if let eventLoops {
            guard (1...64).contains(eventLoops) else {
                printError("paystorm run: --event-loops must be in 1...64")
                throw ExitCode(ExitStatus.badInput)
            }
            ConcurrencyExecutor.suggestEventLoops(eventLoops)
        }
        ConcurrencyExecutor.installEventLoops()
        let report = try await Self.executeOverWire(
            scenario, target: target, recorder: recorder, timeseries: timeseries)
        try finish(report, recorder: recorder)
    }

    /// Drives the load from the pool, never from the main actor (DESIGN.md).
    @concurrent
    private static func executeOverWire(
        _ scenario: Scenario, target: String, recorder: TimeSeriesRecorder?, timeseries: TimeSeriesFile?
    ) async throws -> RunReport {
        // The merchants' webhook endpoint: a receiver on a loopback port of this process.
        let receiver = try await WebhookReceiver.start()
        // A new payment waits for connections at most half its answer deadline in all (twice:
        // its merchant's onboarding, its create): answered after that, it would most likely be
        // late anyway, and shed it costs nothing.
        var patience = HTTPPaymentTarget.patienceDefault
        patience[.payment] = scenario.answerDeadline / 4
        let client = HTTPPaymentTarget(baseURL: target, patience: patience, receiver: receiver)
        // Keys unique to this run: a server outlives runs, and a key seen before would replay.
        let keyPrefix = "run-\(UInt64(Date().timeIntervalSince1970 * 1_000))-journey"
        let line = progressLineMode
        // The read traffic on connections of its own: a dashboard is not the checkout's client.
        let reader = client.forReadTraffic()
        let report = await ScenarioRunner.runOverWire(
            scenario, target: client, targetName: target, keyPrefix: keyPrefix, webhooks: receiver,
            faults: client, readTarget: reader,
            timerDriver: EventLoopTimerDriver(),
            progress: progressHandler(recorder: recorder, timeseries: timeseries, line: line))
        finishProgress(line)
        try? await client.shutdown()
        try? await reader.shutdown()
        await receiver.stop()
        return report
    }
}
