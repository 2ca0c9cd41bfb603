import Foundation
import Testing

@testable import Scenarios

/// Property test: malformed and extreme scenario files, generated from a valid one with a fixed
/// seed, are refused with a typed `ScenarioError` naming the file, a line and column inside the
/// file and, for a bad value, its key and its line; never a crash, never a hang (each file is
/// parsed in process, the way `paystorm run` and `validate` parse it before exiting 2).
///
/// `PAYSTORM_HOSTILE_FILES=N` generates N files instead of the default, and
/// `PAYSTORM_HOSTILE_SEED=S` starts from another seed.
@Suite struct HostileFileTests {
    /// SplitMix64: a seeded generator of the test's own, so that its files do not change when
    /// the runtime's streams do.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// What a value means, for choosing values that are wrong for it.
    enum Kind { case text, count, rate, fraction, sigma, duration, amount, threshold }

    /// One line of the valid base file: its text, and the key path and kind of the value it
    /// holds, if it holds one.
    struct Line {
        var text: String
        var key: String?
        var kind: Kind?
        init(_ text: String, _ key: String? = nil, _ kind: Kind? = nil) {
            self.text = text
            self.key = key
            self.kind = kind
        }
    }

    static let base: [Line] = [
        Line("name: hostile", "name", .text),
        Line("description: generated", "description", .text),
        Line("merchants:"),
        Line("  count: 20", "merchants.count", .count),
        Line("  webhook_endpoint:"),
        Line("    failure_rate: 0.02", "merchants.webhook_endpoint.failure_rate", .fraction),
        Line("load:"),
        Line("  start_tps: 5", "load.start_tps", .rate),
        Line("  stages:"),
        Line("    - ramp_to: 50", "load.stages[0].ramp_to", .rate),
        Line("      over: 2s", "load.stages[0].over", .duration),
        Line("    - hold: 3s", "load.stages[1].hold", .duration),
        Line("    - spike_to: 80", "load.stages[2].spike_to", .rate),
        Line("      for: 1s", "load.stages[2].for", .duration),
        Line("mix:"),
        Line("  amounts:"),
        Line("    USD:"),
        Line("      weight: 3", "mix.amounts.USD.weight", .rate),
        Line("      median: \"45.00\"", "mix.amounts.USD.median", .amount),
        Line("      sigma: 0.8", "mix.amounts.USD.sigma", .sigma),
        Line("      min: \"0.50\"", "mix.amounts.USD.min", .amount),
        Line("      max: \"2000.00\"", "mix.amounts.USD.max", .amount),
        Line("    JPY:"),
        Line("      median: \"5000\"", "mix.amounts.JPY.median", .amount),
        Line("  disputes: 0.02", "mix.disputes", .fraction),
        Line("  client_retries: 0.05", "mix.client_retries", .fraction),
        Line("faults:"),
        Line("  - kind: network_timeouts"),
        Line("    rate: 0.1", "faults[0].rate", .fraction),
        Line("  - kind: network_outage"),
        Line("    start: 1s", "faults[1].start", .duration),
        Line("    duration: 2s", "faults[1].duration", .duration),
        Line("liveness_timeout: 2m", "liveness_timeout", .duration),
        Line("thresholds:"),
        Line("  authorize_p99_ms: \"< 2000\"", "thresholds.authorize_p99_ms", .threshold),
    ]

    static var baseText: String { base.map(\.text).joined(separator: "\n") + "\n" }

    /// Values wrong for every key: other types, nulls, aliases to nothing useful.
    static let wrongForAnything = ["[]", "{}", "[1, 2]", "{a: 1}", "~", "null", "'a'\t"]

    /// Values that are malformed or out of range for a kind (never valid ones).
    static func malformed(_ kind: Kind) -> [String] {
        let numbers = [
            "nan", ".nan", "NaN", ".inf", "-.inf", "inf", "1e400", "-1e400", "ten", "1.2.3", "١٢", "１２",
            "0x1p2000",
        ]
        switch kind {
        case .text: return ["[]", "{}", "[a, b]", "{a: 1}"]
        case .count:
            return numbers + [
                "0", "-1", "500001", "99999999999999999999999", "1e3", "1.5", "-9223372036854775808", "yes",
            ] + wrongForAnything
        case .rate:
            return numbers + ["-1", "1000001", "1e7", "-0.5", "99999999999999999999e99"] + wrongForAnything
        case .fraction:
            return numbers + ["-0.1", "1.5", "2", "-0", "1.0000001"].filter { $0 != "-0" } + wrongForAnything
        case .sigma: return numbers + ["-1", "3.5", "100"] + wrongForAnything
        case .duration:
            return [
                "0ms", "-5s", "5", "5y", "1.5s", "106751d", "8d", "99999999999999999999s",
                "9223372036854775807ms",
                "s", "ms5", "5 s s", "nan", "∞s", "５s", "1h-5m",
            ] + wrongForAnything
        case .amount:
            return [
                "\"-1.00\"", "\"0\"", "\"0.00\"", "\"1.001\"", "\"92233720368547758.07\"",
                "\"40000000000000000.00\"",
                "\"1000000.00\"", "\"1e5\"", "\"nan\"", "\"\"", "\"１２.００\"", "\"1.2.3\"", "\"--5\"",
                "\"" + String(repeating: "9", count: 5_000) + "\"",
            ] + wrongForAnything
        case .threshold:
            return ["\"< nan\"", "\"<\"", "\"< 1e400\"", "\"≤ 5\"", "\"<< 5\"", "\"5\"", "\"< inf\""]
                + wrongForAnything
        }
    }

    /// A file with one value replaced by one that is wrong for it: the error names its key
    /// and its line.
    static func badValue(_ random: inout SeededGenerator) -> (text: String, key: String, line: Int) {
        let candidates = base.indices.filter { base[$0].kind != nil }
        let index = candidates[Int(random.next() % UInt64(candidates.count))]
        let line = base[index]
        let values = malformed(line.kind!)
        let value = values[Int(random.next() % UInt64(values.count))]
        var lines = base.map(\.text)
        let prefix = line.text.prefix { $0 != ":" }
        lines[index] = prefix + ": " + value
        return (lines.joined(separator: "\n") + "\n", line.key!, index + 1)
    }

    /// Files broken as a whole, or extreme: each must be refused; the key may be the document.
    static func badStructure(_ random: inout SeededGenerator) -> (text: String, why: String) {
        var lines = base.map(\.text)
        let pick = { (random: inout SeededGenerator, count: Int) in Int(random.next() % UInt64(count)) }
        switch pick(&random, 14) {
        case 0: return ("", "empty")
        case 1: return ("  \n\n# only a comment\n", "comments only")
        case 2:
            // A tab where YAML wants spaces.
            let index = pick(&random, lines.count - 1) + 1
            lines[index] = "\t" + lines[index].drop { $0 == " " }
            return (lines.joined(separator: "\n"), "tab indentation")
        case 3:
            let depth = 65 + pick(&random, 100_000)
            return (
                "name: x\nload: " + String(repeating: "[", count: depth)
                    + String(repeating: "]", count: depth),
                "deep flow nesting"
            )
        case 4:
            var text = "name: x\nload:\n"
            for level in 0..<(70 + pick(&random, 500)) {
                text += String(repeating: " ", count: level + 2) + "k\(level):\n"
            }
            return (text, "deep block nesting")
        case 5:
            // Several megabytes.
            let size = (2 + pick(&random, 3)) << 20
            return (String(repeating: "# padding\n", count: size / 10) + baseText, "multi-megabyte")
        case 6:
            // Aliases: one to nothing, and an exponential fan-out (a billion laughs) where a
            // text is expected.
            if random.next() % 2 == 0 {
                return ("name: *nothing\n" + lines.dropFirst().joined(separator: "\n"), "alias")
            }
            var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            for level in 1..<12 {
                text +=
                    "a\(level): &a\(level) ["
                    + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                    + "]\n"
            }
            return (text + "name: *a11\n", "billion laughs")
        case 7:
            // An unknown key, in unicode, at a random depth of the file.
            let index = pick(&random, lines.count)
            let indent = lines[index].prefix { $0 == " " || $0 == "-" }.replacingOccurrences(
                of: "-", with: " ")
            lines.insert(indent + "naïve_ключ_🔥: 1", at: index + 1)
            return (lines.joined(separator: "\n"), "unknown unicode key")
        case 8:
            // A duplicate key.
            let index = pick(&random, lines.count)
            guard lines[index].contains(":"), !lines[index].hasSuffix(":") else { return ("", "empty") }
            lines.insert(lines[index].replacingOccurrences(of: "- ", with: "  "), at: index + 1)
            return (lines.joined(separator: "\n"), "duplicate key")
        case 9:
            // A control character or a NUL in the middle.
            let index = pick(&random, lines.count)
            lines[index] += ["\u{0}", "\u{1}", "\u{7F}", "\u{FFFE}"][pick(&random, 4)]
            return (lines.joined(separator: "\n"), "control character")
        case 10:
            return ("name: x\nload: {stages: [{hold: 1s}]}\nname: y\n", "duplicate top-level key")
        case 11:
            return ("- just\n- a\n- list\n", "not a mapping")
        case 12:
            return ("name: x\nload: {stages: [{hold: 1s}\n", "unclosed flow")
        default:
            let index = pick(&random, lines.count)
            lines[index] = "\"unterminated: " + lines[index]
            return (lines.joined(separator: "\n"), "unterminated quote")
        }
    }

    static var fileCount: Int {
        ProcessInfo.processInfo.environment["PAYSTORM_HOSTILE_FILES"].flatMap(Int.init) ?? 600
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["PAYSTORM_HOSTILE_SEED"].flatMap(UInt64.init) ?? 16
    }

    /// The base file is valid: what makes each generated file invalid is its one change.
    @Test func theBaseFileIsValid() throws {
        let scenario = try ScenarioParser.parse(Self.baseText, file: "base.yaml")
        #expect(scenario.load.stages.count == 3)
        #expect(scenario.faults.count == 2)
    }

    /// Checks that an error locates itself inside `text` and prints as `file:line:col: ...`.
    static func checkLocated(_ error: ScenarioError, in text: String, _ context: String) {
        let lineCount = max(1, text.split(separator: "\n", omittingEmptySubsequences: false).count)
        #expect(error.file == "hostile.yaml", "\(context)")
        #expect(error.line >= 1 && error.line <= lineCount, "\(context): \(error)")
        #expect(error.column >= 1, "\(context): \(error)")
        #expect(error.description.hasPrefix("hostile.yaml:\(error.line):\(error.column): "), "\(context)")
        #expect(error.description.utf8.count < 2_000, "\(context): a message quotes a value whole")
    }

    @Test func aMalformedValueIsRefusedAtItsKeyAndLine() {
        var random = SeededGenerator(state: Self.seed)
        var keysHit: Set<String> = []
        for number in 0..<Self.fileCount {
            let (text, key, line) = Self.badValue(&random)
            let context = "file \(number) (seed \(Self.seed)), \(key) at line \(line):\n\(text.prefix(2_000))"
            do {
                _ = try ScenarioParser.parse(text, file: "hostile.yaml")
                Issue.record("accepted: \(context)")
            } catch {
                Self.checkLocated(error, in: text, context)
                if error.key.isEmpty {
                    // Only YAML itself refuses a value before a key is known (a tab after it).
                    #expect(error.message.hasPrefix("not valid YAML"), "\(context): \(error)")
                } else {
                    #expect(error.key.hasPrefix(key) || key.hasPrefix(error.key), "\(context): \(error)")
                    #expect(error.line == line, "\(context): \(error)")
                }
                keysHit.insert(key)
            }
        }
        #expect(keysHit.count > 20, "the generator reached \(keysHit.count) keys")
    }

    @Test func aMalformedOrExtremeFileIsRefusedWithItsPlace() {
        var random = SeededGenerator(state: Self.seed &+ 1)
        var kinds: Set<String> = []
        for number in 0..<(Self.fileCount / 3) {
            let (text, why) = Self.badStructure(&random)
            let context = "file \(number) (seed \(Self.seed)), \(why):\n\(text.prefix(500))"
            do {
                _ = try ScenarioParser.parse(text, file: "hostile.yaml")
                Issue.record("accepted: \(context)")
            } catch {
                Self.checkLocated(error, in: text, context)
                kinds.insert(why)
            }
        }
        #expect(kinds.count >= 12, "\(kinds.sorted())")
    }

    /// Random damage (bytes flipped, the file cut short) may leave a valid file or not; either
    /// way the parser answers, and a refusal is located.
    @Test func randomDamageNeverCrashes() throws {
        var random = SeededGenerator(state: Self.seed &+ 2)
        let original = Array(Self.baseText.utf8)
        var refused = 0
        for number in 0..<Self.fileCount {
            var bytes = original
            if random.next() % 2 == 0 {
                bytes.removeSubrange(Int(random.next() % UInt64(bytes.count))...)
            }
            for _ in 0..<(1 + random.next() % 4) where !bytes.isEmpty {
                let at = Int(random.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
            let context = "file \(number) (seed \(Self.seed))"
            do {
                let text = try ScenarioText.decode(bytes, file: "hostile.yaml")
                _ = try ScenarioParser.parse(text, file: "hostile.yaml")
            } catch {
                refused += 1
                Self.checkLocated(error, in: String(decoding: bytes, as: UTF8.self), context)
            }
        }
        #expect(refused > Self.fileCount / 4)
    }
}
