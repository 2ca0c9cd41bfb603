import PaystormRuntime
import Services
import Synchronization

/// The clients' jitter draws: one stream of the run's seed shared by every journey. Under the
/// deterministic runtime one job runs at a time in an order the seed decides, so the draws a
/// journey gets are the same in every run of the seed.
final class ClientRetryJitter: Sendable {
    private let stream: Mutex<RandomStream>

    init(runtime: any Runtime) {
        stream = Mutex(runtime.randomStream("client-retries"))
    }

    /// The wait `policy` asks for before retry number `retriesMade + 1`, drawn from the stream.
    func delay(_ policy: ClientRetryPolicy, retriesMade: Int, _ response: APIResponse) -> Duration {
        stream.withLock { policy.delay(retriesMade: retriesMade, response, using: &$0) }
    }
}
