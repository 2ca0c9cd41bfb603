import Ledger
import PaystormRuntime
import Services

extension PaymentSystemConfiguration {
    /// A processor with nothing random in the way of what a test or a benchmark measures: its
    /// card networks and bank rail approve everything after exactly `networkLatency` and never
    /// time out, and its simulated webhook endpoints (when `webhooks` is on) never fail. Four
    /// payment and four ledger shards.
    public static func quiet(
        networkLatency: Duration = .milliseconds(100), webhooks: Bool = true
    ) -> PaymentSystemConfiguration {
        var configuration = PaymentSystemConfiguration()
        configuration.paymentShards = 4
        configuration.ledgerShards = 4
        configuration.webhooks.enabled = webhooks
        configuration.webhooks.failureProbability = 0
        for kind in PaymentNetwork.allCases {
            configuration.networks[kind] = NetworkBehaviour(
                latencyMedian: networkLatency, latencySigma: 0, declineRate: 0, fraudDeclineRate: 0,
                timeoutRate: 0)
        }
        return configuration
    }
}
