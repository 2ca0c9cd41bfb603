import Foundation
import Testing

/// The `paystorm` executable's exit codes, k6 style: 0 every invariant and threshold held,
/// 1 an invariant was violated, 2 bad input, 3 a threshold failed.
@Suite(.serialized) struct CommandLineExitCodeTests {
    static let tiny = """
        name: tiny
        seed: 5
        merchants:
          count: 10
          currencies: {USD: 1}
        load:
          start_tps: 20
          stages:
            - hold: 2s
        mix:
          amounts:
            USD: {weight: 1, median: "20.00"}
          client_retries: 0.3
        thresholds:
          payments_total: "> 5"
        """

    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `paystorm` with `arguments`, with `scenario` written to a temporary file whose path
    /// replaces "SCENARIO" in the arguments.
    static func paystorm(_ arguments: [String], scenario: String = tiny) throws -> Outcome {
        let executable = try #require(CrashRecoveryTests.executable)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-exit-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).yaml")
        try scenario.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments.map { $0 == "SCENARIO" ? file.path : $0 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData, as: UTF8.self))
    }

    /// A bare `paystorm` is a question, not a run: it prints its help and exits 0 (it used to
    /// start the ledger workload).
    @Test func noArgumentsPrintsTheHelp() throws {
        let outcome = try Self.paystorm([])
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(outcome.output.contains("USAGE: paystorm <subcommand>"), "\(outcome.output)")
        #expect(outcome.output.contains("SUBCOMMANDS:"))
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
    }

    @Test
    func aPassingRunExitsZero() throws {
        let outcome = try Self.paystorm(["run", "SCENARIO"])
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.errors)")
        #expect(outcome.output.contains("result: PASS"))
    }

    @Test
    func aFailedThresholdExitsThree() throws {
        let failing = Self.tiny.replacingOccurrences(of: "\"> 5\"", with: "\"< 5\"")
        let outcome = try Self.paystorm(["run", "SCENARIO"], scenario: failing)
        #expect(outcome.status == 3, "\(outcome.output)\(outcome.errors)")
        #expect(outcome.output.contains("✗ payments_total"))
    }

    @Test
    func aMalformedScenarioExitsTwoNamingLineAndKey() throws {
        let malformed = Self.tiny.replacingOccurrences(of: "count: 10", with: "count: ten")
        let outcome = try Self.paystorm(["run", "SCENARIO"], scenario: malformed)
        #expect(outcome.status == 2)
        #expect(outcome.errors.contains(":4:"), "names the line: \(outcome.errors)")
        #expect(outcome.errors.contains("count"), "names the key: \(outcome.errors)")
    }

    /// Files with numbers that once trapped the process (exit 132) exit 2 naming file, line
    /// and key; so do flags that would push a scenario past its limits.
    @Test
    func hostileNumbersExitTwoNamingLineAndKey() throws {
        let files: [(String, String, String)] = [
            ("name: x\nload: {stages: [{hold: 106751d}, {hold: 1d}]}\n", ":2:", "load.stages"),
            (
                "name: x\nload: {start_tps: 10, stages: [{hold: 1s}]}\n"
                    + "mix: {amounts: {USD: {median: \"92233720368547758.07\", max: \"92233720368547758.07\"}}}\n",
                ":3:", "mix.amounts.USD.median"
            ),
            (
                "name: x\nload: {start_tps: 10, stages: [{hold: 2s}]}\nmix: {amounts: {USD: {median: "
                    + "\"40000000000000000.00\", min: \"40000000000000000.00\", max: \"40000000000000000.00\"}}}\n",
                ":3:", "mix.amounts.USD."
            ),
        ]
        for (file, line, key) in files {
            let outcome = try Self.paystorm(["run", "SCENARIO"], scenario: file)
            #expect(outcome.status == 2, "\(file): \(outcome.output)\(outcome.errors)")
            #expect(outcome.errors.contains(line) && outcome.errors.contains(key), "\(outcome.errors)")
        }
        let scaled = try Self.paystorm(["run", "SCENARIO", "--duration", "106751d"])
        #expect(scaled.status == 2, "\(scaled.errors)")
    }

    @Test
    func badFlagsExitTwo() throws {
        #expect(try Self.paystorm(["run", "SCENARIO", "--mode", "sideways"]).status == 2)
        #expect(try Self.paystorm(["run", "SCENARIO", "--duration", "soon"]).status == 2)
        #expect(try Self.paystorm(["run", "/nonexistent/scenario.yaml"]).status == 2)
    }

    @Test
    func snapshotFlagsWithoutAJournalOrNegativeExitTwo() throws {
        let negative = try Self.paystorm(["run", "SCENARIO", "--journal", "memory", "--snapshot-every=-1"])
        #expect(negative.status == 2, "\(negative.errors)")
        #expect(negative.errors.contains("--snapshot-every"), "\(negative.errors)")
        let noJournal = try Self.paystorm(["run", "SCENARIO", "--snapshot-every", "100"])
        #expect(noJournal.status == 2, "\(noJournal.errors)")
        #expect(noJournal.errors.contains("needs a journal"), "\(noJournal.errors)")
    }

    /// A file journal's syncs complete on the wall clock, which a simulated run cannot replay:
    /// the combination is refused with exit 2 and the reason, before the directory is touched.
    @Test
    func aFileJournalInSimulatedModeExitsTwoSayingWhy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-simulated-file-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try Self.paystorm(["run", "SCENARIO", "--journal", "file:" + directory.path])
        #expect(outcome.status == 2, "\(outcome.output)\(outcome.errors)")
        #expect(outcome.errors.contains("needs --mode realtime"), "\(outcome.errors)")
        #expect(outcome.errors.contains("replayed"), "\(outcome.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        let explicit = try Self.paystorm([
            "run", "SCENARIO", "--mode", "simulated", "--journal", "file:" + directory.path,
        ])
        #expect(explicit.status == 2, "\(explicit.errors)")
    }

    /// `paystorm run --snapshot-every` on a file journal, then `paystorm recover`: it starts
    /// from the snapshot and says where, and every invariant holds.
    @Test
    func recoverStartsFromTheRunsSnapshotAndSaysWhere() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-snapshot-cli-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.paystorm([
            "run", "SCENARIO", "--mode", "realtime", "--journal", "file:" + directory.path,
            "--snapshot-every", "50",
        ])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.output.contains("snapshots"), "\(run.output)")
        let recover = try Self.paystorm(["recover", "--journal", "file:" + directory.path])
        #expect(recover.status == 0, "\(recover.output)\(recover.errors)")
        #expect(recover.output.contains("start: from snapshot at position "), "\(recover.output)")
        #expect(recover.output.contains("recovery: every invariant holds"), "\(recover.output)")
    }

    @Test
    func aViolatedInvariantExitsOne() throws {
        // A swarm with a planted double-charge bug must find it and exit 1.
        let outcome = try Self.paystorm(
            ["swarm", "SCENARIO", "--seeds", "1-2", "--plant-bug", "ignore_idempotency_keys"])
        #expect(outcome.status == 1, "\(outcome.output)\(outcome.errors)")
    }

    @Test
    func hiddenPlantBugHelpListsEveryPlantedBug() throws {
        let outcome = try Self.paystorm(["swarm", "--help-hidden"])
        for bug in [
            "ignore_idempotency_keys", "book_fee_without_counter_leg", "retry_authorization_after_timeout",
            "book_capture_twice", "release_capture_remainder_twice", "refund_beyond_captured",
            "acknowledge_without_journal",
        ] {
            #expect(outcome.output.contains(bug), "--help-hidden does not list \(bug): \(outcome.output)")
        }
    }
}
