import Foundation
import Testing

@testable import Scenarios

/// Numbers that once trapped (overflowing stage durations, amounts past Int64 when drawn or
/// paid out) are refused at the edge with the file, the line and the key; a file that is not
/// UTF-8 names the line of its first bad byte; a duplicate key names its own line.
@Suite struct HostileNumberTests {
    /// Parses `text`, expecting an error; returns it.
    static func refusal(_ text: String) throws -> ScenarioError {
        do throws(ScenarioError) {
            _ = try ScenarioParser.parse(text, file: "hostile.yaml")
        } catch {
            return error
        }
        Issue.record("accepted: \(text)")
        throw CancellationError()
    }

    @Test func stagesWhoseSumOverflowsAreRefused() throws {
        let error = try Self.refusal(
            """
            name: x
            load: {stages: [{hold: 106751d}, {hold: 1d}]}
            """)
        #expect(error.line == 2, "\(error)")
        #expect(error.key.hasPrefix("load.stages"), "\(error)")
        // Each within a week, together more: the sum is checked too.
        let sum = try Self.refusal(
            """
            name: x
            load:
              stages:
                - hold: 5d
                - hold: 5d
            """)
        #expect(sum.line == 4 && sum.key == "load.stages", "\(sum)")
        #expect(sum.message.contains("7d"), "\(sum)")
    }

    @Test func anAmountPastInt64WhenDrawnIsRefused() throws {
        let error = try Self.refusal(
            """
            name: x
            load: {start_tps: 10, stages: [{hold: 1s}]}
            mix: {amounts: {USD: {median: "92233720368547758.07", max: "92233720368547758.07"}}}
            """)
        #expect(error.line == 3, "\(error)")
        #expect(error.key == "mix.amounts.USD.median", "\(error)")
        #expect(error.message.contains("999999.99"), "\(error)")
    }

    @Test func anAmountWhosePayoutTotalOverflowsIsRefused() throws {
        let error = try Self.refusal(
            """
            name: x
            load: {start_tps: 10, stages: [{hold: 2s}]}
            mix: {amounts: {USD: {median: "40000000000000000.00", min: "40000000000000000.00", max: "40000000000000000.00"}}}
            """)
        #expect(error.line == 3, "\(error)")
        #expect(error.key.hasPrefix("mix.amounts.USD."), "\(error)")
        #expect(error.description.hasPrefix("hostile.yaml:3:"), "\(error)")
    }

    /// The limit is eight digits of minor units in every currency, whatever its exponent.
    @Test(arguments: [
        ("USD", "999999.99", "1000000.00"), ("JPY", "99999999", "100000000"),
        ("KWD", "99999.990", "100000.000"),
    ])
    func amountsUpToEightDigitsOfMinorUnitsAreAccepted(code: String, largest: String, tooLarge: String) throws
    {
        let text = { (amount: String) in
            """
            name: x
            load: {start_tps: 1, stages: [{hold: 1s}]}
            mix: {amounts: {\(code): {median: "\(amount)", max: "\(amount)"}}}
            """
        }
        let scenario = try ScenarioParser.parse(text(largest), file: "ok.yaml")
        #expect(scenario.mix.amounts[0].max.minorUnits <= ScenarioLimits.amountMinorUnitsMax)
        let error = try Self.refusal(text(tooLarge))
        #expect(error.key == "mix.amounts.\(code).median", "\(error)")
        let negative = try Self.refusal(text("-" + largest))
        #expect(negative.key == "mix.amounts.\(code).median", "\(negative)")
    }

    /// A load that could move more money than 64-bit minor units hold is refused as a whole.
    @Test func aLoadThatCouldOverflowTheTotalsIsRefused() throws {
        let error = try Self.refusal(
            """
            name: x
            load: {start_tps: 1000000, stages: [{hold: 7d}]}
            mix: {amounts: {USD: {median: "999999.99", max: "999999.99"}}}
            """)
        #expect(error.key == "load" && error.line == 2, "\(error)")
        #expect(error.message.contains("overflow"), "\(error)")
        // Scaling a valid scenario past the limits is caught by the same check.
        let scenario = try ScenarioParser.parse(
            """
            name: x
            load: {start_tps: 1000, stages: [{hold: 1s}]}
            """, file: "ok.yaml")
        #expect(ScenarioLimits.problem(with: scenario) == nil)
        #expect(ScenarioLimits.problem(with: scenario.scaled(by: 1_001)) != nil)
        #expect(ScenarioLimits.problem(with: scenario.withDuration(.seconds(8 * 86_400))) != nil)
    }

    @Test func aFileThatIsNotUTF8NamesTheLineOfItsFirstBadByte() throws {
        let directory = FileManager.default.temporaryDirectory
        let file = directory.appendingPathComponent(
            "paystorm-utf8-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        var bytes = Array("name: x\nload:\n  stages: [{hold: 1s}]\ndescription: caf".utf8)
        bytes += [0xC3, 0x28]  // a lead byte followed by no continuation
        bytes += Array(" ok\n".utf8)
        try Data(bytes).write(to: file)
        do throws(ScenarioError) {
            _ = try ScenarioParser.load(path: file.path)
            Issue.record("a file that is not UTF-8 was accepted")
        } catch {
            #expect(error.line == 4, "\(error)")
            #expect(error.column == 17, "\(error)")
            #expect(error.message.contains("UTF-8") && error.message.contains("0xC3"), "\(error)")
        }
        #expect(ScenarioText.firstInvalidUTF8(Array("héllo ✓ 𝄞".utf8)) == nil)
        #expect(ScenarioText.firstInvalidUTF8([0x61, 0xED, 0xA0, 0x80]) == 1)  // a surrogate
        #expect(ScenarioText.firstInvalidUTF8([0xC0, 0xAF]) == 0)  // overlong
        #expect(ScenarioText.firstInvalidUTF8([0x61, 0xF4, 0x90, 0x80, 0x80]) == 1)  // past U+10FFFF
        #expect(ScenarioText.firstInvalidUTF8([0x61, 0xE2, 0x82]) == 1)  // cut short
    }

    @Test func aDuplicateKeyNamesItsOwnLine() throws {
        let block = try Self.refusal(
            """
            name: x
            load:
              start_tps: 1
              stages: [{hold: 1s}]
              start_tps: 2
            """)
        #expect(block.line == 5 && block.column == 3, "\(block)")
        #expect(block.key == "start_tps" && block.message.contains("first at line 3"), "\(block)")
        let flow = try Self.refusal(
            """
            name: x
            load: {start_tps: 1, stages: [{hold: 1s}], start_tps: 2}
            """)
        #expect(flow.line == 2 && flow.column == 44, "\(flow)")
        let top = try Self.refusal(
            """
            name: x
            load: {stages: [{hold: 1s}]}
            name: y
            """)
        #expect(top.line == 3 && top.column == 1, "\(top)")
    }

    @Test func nestingPastTheLimitIsRefusedBeforeYAMLComposesIt() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let flow = try Self.refusal("name: x\nload: " + deep)
        #expect(flow.line == 2, "\(flow)")
        #expect(flow.message.contains("nested deeper"), "\(flow)")
        var block = "name: x\nload:\n"
        for level in 0..<200 { block += String(repeating: " ", count: level + 1) + "a\(level):\n" }
        let indented = try Self.refusal(block)
        #expect(indented.message.contains("nested deeper"), "\(indented)")
        // Every shipped scenario is far inside the limit.
        let shipped = try SwarmTests.shipped("black-friday.yaml")
        #expect(shipped.name == "black-friday")
    }
}
