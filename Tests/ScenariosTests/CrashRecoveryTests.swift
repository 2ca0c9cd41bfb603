import Foundation
import Journal
import Testing

@testable import Scenarios

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The crash test users can run (`swift test --filter CrashRecoveryTests`): a child
/// `paystorm run scenarios/smoke.yaml --mode realtime --journal file:DIR` is killed with SIGKILL
/// mid-load, and recovery of its journal must find a balanced ledger, no payment captured twice,
/// nothing half-booked, and every answer the child gave (each is journaled before it is
/// returned, so "acknowledged" is "has an acknowledgement record") backed by durable records.
///
/// This is the one test that waits on the wall clock: the child is a real process under real
/// load, and the kill points are seconds into its run. It asserts nothing about timing.
@Suite(.serialized) struct CrashRecoveryTests {
    /// Seconds after launch at which the child is killed.
    static let killPoints: [Double] = [1, 2, 4]

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The `paystorm` built beside this test bundle (any scratch path), else `.build/debug`.
    static var executable: URL? {
        if let path = ProcessInfo.processInfo.environment["PAYSTORM_EXECUTABLE"] {
            return URL(fileURLWithPath: path)
        }
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("paystorm"))
        }
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(argument0.deletingLastPathComponent().appendingPathComponent("paystorm"))
        candidates.append(packageRoot.appendingPathComponent(".build/debug/paystorm"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Skipped, with this message, when there is no `paystorm` executable to launch.
    @Test(
        .enabled(
            if: executable != nil,
            "skipped: paystorm is not built next to the tests or in .build/debug (run `swift build`, or set PAYSTORM_EXECUTABLE)"
        ),
        arguments: killPoints)
    func aChildKilledMidLoadRecoversEverythingItAcknowledged(afterSeconds: Double) async throws {
        let executable = try #require(Self.executable)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-crash-\(getpid())-\(Int(afterSeconds * 1000))")
        try? FileManager.default.removeItem(at: directory)
        defer { try? FileManager.default.removeItem(at: directory) }

        let child = Process()
        child.executableURL = executable
        child.arguments = [
            "run", Self.packageRoot.appendingPathComponent("scenarios/smoke.yaml").path, "--mode", "realtime",
            "--journal", "file:" + directory.path,
        ]
        // The child's output goes to a file beside the journal, quoted if it ends on its own.
        let log = directory.appendingPathExtension("log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        child.standardOutput = logHandle
        child.standardError = logHandle
        try child.run()
        // The kill comes from its own thread: a sleeping task could wake late when the other
        // tests keep the cooperative pool busy, and the child would finish its run first.
        let pid = child.processIdentifier
        let killer = Thread {
            Thread.sleep(forTimeInterval: afterSeconds)
            kill(pid, SIGKILL)
        }
        killer.start()
        child.waitUntilExit()
        let killed = child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL
        let output = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        try #require(
            killed,
            Comment(
                rawValue:
                    "the child ended on its own (status \(child.terminationStatus)) before the kill point: "
                    + output.suffix(2_000)))

        let result = try await JournalRecovery.recover(.file(path: directory.path))
        let report = result.system.report
        #expect(result.invariantsHold, "killed after \(afterSeconds) s:\n\(result.text)")
        for name in [
            "ledger_reconciles", "no_payment_captured_twice", "captured_payments_booked_once",
            "acknowledged_answers_were_durable", "payment_amounts_within_bounds",
        ] {
            #expect(report.invariant(name)?.holds == true, "\(name) after \(afterSeconds) s:\n\(result.text)")
        }
        #expect(result.opening != nil)
        #expect(report.records == Int(result.opening?.recordsRecovered ?? 0))
        // Every acknowledged payment is among the recovered ones.
        for id in Set(result.system.idempotencyKeys.values) {
            #expect(result.system.payments[id] != nil, "acknowledged \(id) was not recovered")
        }
        print(
            "crash after \(afterSeconds) s: \(report.records) records, \(report.payments) payments, "
                + "\(report.acknowledgements) acknowledged, \(report.transitionsRolledBack) rolled back, "
                + "\(report.transfersRolledForward) transfers rolled forward; \(result.opening?.description ?? "")"
        )
    }
}
