/// What a command did to a payment: the payment after it and the events to emit, in order.
public struct PaymentTransition: Hashable, Sendable {
    public var payment: Payment
    /// At least one event for every transition.
    public var events: [PaymentEventType]

    public init(payment: Payment, events: [PaymentEventType]) {
        self.payment = payment
        self.events = events
    }
}
