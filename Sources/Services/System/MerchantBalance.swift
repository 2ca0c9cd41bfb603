import Core

/// A merchant's balance in its settlement currency (`GET /v1/balance`): `available` is what the
/// daily settlement has paid out to it, `pending` what was captured and not yet settled (less
/// fees, refunds and disputes).
public struct MerchantBalance: Sendable, Hashable {
    public var available: Money
    public var pending: Money

    public init(available: Money, pending: Money) {
        self.available = available
        self.pending = pending
    }
}
