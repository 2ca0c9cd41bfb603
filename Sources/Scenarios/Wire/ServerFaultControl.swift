import Ledger
import Services

/// A server whose faults a run over the wire can switch through its admin route, on the
/// scenario's schedule, so that chaos scenarios run over HTTP too.
public protocol ServerFaultControl: Sendable {
    /// Takes a card network down or brings it back. Returns whether the server took it.
    func setNetworkOutage(_ network: PaymentNetwork, down: Bool) async -> Bool

    /// Sets a network's timeouts or added latency (`.healthy`: neither). The admin route takes
    /// one effect at a time: a fault with both sends its timeouts. Returns whether the server
    /// took it.
    func setNetworkFault(_ network: PaymentNetwork, _ fault: NetworkFault) async -> Bool
}
