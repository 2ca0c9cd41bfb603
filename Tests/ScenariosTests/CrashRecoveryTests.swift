import Core
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
/// `paystorm run scenarios/smoke.yaml --mode realtime --journal file:DIR --acknowledgements LOG`
/// is killed with SIGKILL mid-load, and recovery of its journal must find a balanced ledger, no
/// payment captured twice, nothing half-booked, and every payment the child's clients were told
/// about (the acknowledgement log, written outside the journal after each answer arrived) with
/// at least the amount captured they were told.
///
/// This is the one test that waits on the wall clock: the child is a real process under real
/// load. Kill points are counted from the child's first acknowledged answer (not from launch,
/// which a busy machine can stretch past a fixed kill point), so every kill lands mid-load with
/// something acknowledged. It asserts nothing about timing.
@Suite(.serialized) struct CrashRecoveryTests {
    /// Seconds after the child's first acknowledged answer at which it is killed (its load
    /// lasts ten seconds).
    static let killPoints: [Double] = [0.25, 2, 5]
    /// The kill point at which the real `paystorm recover` is run on the journal as well.
    static let recoverCommandKillPoint = 2.0
    /// How long the child may take to give its first answer (a debug build under load).
    static let firstAnswerTimeoutSeconds = 60.0

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

    /// Whether `path` holds at least one complete line.
    static func hasCompleteLine(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return data.contains(UInt8(ascii: "\n"))
    }

    /// Skipped, with this message, when there is no `paystorm` executable to launch.
    @Test(
        .enabled(
            if: executable != nil,
            "skipped: paystorm is not built next to the tests or in .build/debug (run `swift build`, or set PAYSTORM_EXECUTABLE)"
        ),
        arguments: killPoints)
    func aChildKilledMidLoadRecoversEverythingItAcknowledged(afterFirstAnswerSeconds: Double) async throws {
        let executable = try #require(Self.executable)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-crash-\(getpid())-\(Int(afterFirstAnswerSeconds * 1000))")
        try? FileManager.default.removeItem(at: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let acknowledgements = directory.appendingPathExtension("acknowledged")
        defer { try? FileManager.default.removeItem(at: acknowledgements) }

        let child = Process()
        child.executableURL = executable
        child.arguments = [
            "run", Self.packageRoot.appendingPathComponent("scenarios/smoke.yaml").path, "--mode", "realtime",
            "--journal", "file:" + directory.path, "--acknowledgements", acknowledgements.path,
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
        // tests keep the cooperative pool busy, and the child would finish its run first. The
        // thread watches the child's acknowledgement log for its first answer (a child process
        // offers no event to wait on), then waits out the kill point.
        let pid = child.processIdentifier
        let path = acknowledgements.path
        let timeout = Self.firstAnswerTimeoutSeconds
        let killer = Thread {
            let deadline = Date(timeIntervalSinceNow: timeout)
            while !Self.hasCompleteLine(path) && Date() < deadline && kill(pid, 0) == 0 {
                Thread.sleep(forTimeInterval: 0.005)
            }
            Thread.sleep(forTimeInterval: afterFirstAnswerSeconds)
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
        let told = AcknowledgementLog.read(
            String(decoding: (try? Data(contentsOf: acknowledgements)) ?? Data(), as: UTF8.self))
        try #require(!told.isEmpty, "the child acknowledged nothing before the kill: \(output.suffix(2_000))")

        let result = try await JournalRecovery.recover(.file(path: directory.path))
        let report = result.system.report
        let context = "killed \(afterFirstAnswerSeconds) s after its first answer:\n\(result.text)"
        #expect(result.invariantsHold, "\(context)")
        for name in [
            "ledger_reconciles", "no_payment_captured_twice", "captured_payments_booked_once",
            "acknowledged_answers_were_durable", "payment_amounts_within_bounds",
        ] {
            #expect(report.invariant(name)?.holds == true, "\(name) \(context)")
        }
        #expect(result.opening != nil)
        #expect(report.records == Int(result.opening?.recordsRecovered ?? 0))
        // The journal holds what the clients were told: records, and at least one answer
        // journaled per payment acknowledged.
        #expect(report.records > 0)
        #expect(report.acknowledgements >= told.count, "\(context)")
        #expect(report.payments + report.paymentsRetired >= told.count, "\(context)")
        // Every payment a client was told about is recovered, with what it was told captured, or
        // was retired: its journey ended and the run checked its final record.
        var missing: [String] = []
        var retired = 0
        for (id, capturedMinorUnits) in told.sorted(by: { $0.key < $1.key }) {
            guard let payment = result.system.payments[id] else {
                if result.system.retired.contains(id) {
                    retired += 1
                } else {
                    missing.append("\(id) acknowledged, not recovered")
                }
                continue
            }
            if payment.payment.amountCapturedMinorUnits < capturedMinorUnits {
                missing.append("\(id) told captured \(capturedMinorUnits), recovered \(payment)")
            }
        }
        #expect(missing.isEmpty, "\(missing.count) of \(told.count) acknowledged: \(missing.prefix(5))")

        if afterFirstAnswerSeconds == Self.recoverCommandKillPoint {
            // The command users run: exit 0 (every invariant holds) and the same counts.
            let recover = Process()
            recover.executableURL = executable
            recover.arguments = ["recover", "--journal", "file:" + directory.path]
            let pipe = Pipe()
            recover.standardOutput = pipe
            recover.standardError = pipe
            try recover.run()
            let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            recover.waitUntilExit()
            #expect(recover.terminationStatus == 0, "paystorm recover: \(printed)")
            #expect(printed.contains("records: \(report.records)\n"), "\(printed)")
            #expect(printed.contains("payments: \(report.payments) ("), "\(printed)")
            #expect(printed.contains("recovery: every invariant holds"), "\(printed)")
        }
        print(
            "crash \(afterFirstAnswerSeconds) s after the first answer: \(told.count) payments acknowledged "
                + "(\(retired) of them retired), \(report.records) records, \(report.payments) payments, "
                + "\(report.acknowledgements) answers journaled, "
                + "\(report.transfersRolledForward) transfers rolled forward; \(result.opening?.description ?? "")"
        )
    }
}
