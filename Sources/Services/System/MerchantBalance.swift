import Core

/// A merchant's balance in its settlement currency (`GET /v1/balance`): `available` is what it
/// has earned (captures less fees, refunds and disputes) and the daily settlement has not yet
/// paid out, `pending` what its pending account holds (both as the HTTP API answers them).
public struct MerchantBalance: Sendable, Hashable {
    public var available: Money
    public var pending: Money

    public init(available: Money, pending: Money) {
        self.available = available
        self.pending = pending
    }
}
