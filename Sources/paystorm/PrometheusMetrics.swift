import Metrics
import Prometheus
import Server

/// Bootstraps swift-metrics with a Prometheus registry, once per process: `serve` and realtime
/// runs report into it and `/metrics` reads it.
enum PrometheusMetrics {
    static func bootstrap() -> MetricsExposition {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Authorization answers range from a millisecond (a quiet network) to the 10 s timeout.
        factory.durationHistogramBuckets["paystorm_authorize_duration_seconds"] = [
            .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2_500), .seconds(5), .seconds(10),
        ]
        // An API request takes from tens of microseconds (a read) to the authorization's
        // seconds; the read path's goal is a p99 under 100 ms.
        factory.durationHistogramBuckets["paystorm_api_request_duration_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2_500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return MetricsExposition(registry: registry)
    }

    /// `host:port`, e.g. `127.0.0.1:9464`.
    static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port), colon != text.startIndex
        else { return nil }
        return (String(text[..<colon]), port)
    }
}
