import Core

/// One page of a merchant's payments, newest first, and whether more follow it.
public struct PaymentPage: Sendable, Hashable {
    public var payments: [PaymentRecord]
    public var hasMore: Bool

    public init(payments: [PaymentRecord], hasMore: Bool) {
        self.payments = payments
        self.hasMore = hasMore
    }
}
