import Foundation
import Testing

@testable import Scenarios

/// The report's Swift names spell their unit out (`latencyMilliseconds`), but the JSON keys
/// that readers of earlier reports key on (`latency_ms`...) stay as they were.
@Suite struct RunReportKeysTests {
    static func snakeCase(_ value: some Encodable) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func millisecondFiguresKeepTheirJSONKeys() async throws {
        let report = try await ScenarioRunner.run(
            try AdmissionSheddingTests.scenario(admission: "admission: {in_flight_max: 20}"),
            mode: .simulated)
        let json = try Self.snakeCase(report)
        #expect(json["latency_ms"] != nil && json["latency_milliseconds"] == nil)
        #expect(json["dispatch_delay_ms"] != nil)
        let admission = try #require(json["admission"] as? [String: Any])
        #expect(admission["queue_time_budget_ms"] != nil)
        #expect(admission["admitted_create_latency_ms"] != nil)
        // Read back as the report it was, with the keys as declared (no key strategy:
        // `abandoned_3ds` is spelled out for the snake-cased writer only).
        let decoded = try JSONDecoder().decode(RunReport.self, from: try JSONEncoder().encode(report))
        #expect(decoded.latencyMilliseconds == report.latencyMilliseconds)
        #expect(decoded.dispatchDelayMilliseconds == report.dispatchDelayMilliseconds)
        #expect(decoded.admission == report.admission)

        var wire = WireReport(target: "http://127.0.0.1:1")
        wire.webhookLatencyMilliseconds = report.latencyMilliseconds
        #expect(try Self.snakeCase(wire)["webhook_latency_ms"] != nil)
        let read = ReadFigures(kind: "retrieve", latencyMilliseconds: report.latencyMilliseconds)
        #expect(try Self.snakeCase(read)["latency_ms"] != nil)
    }
}
