import Core

/// What `CardNetwork.reverse` did.
public enum ReversalResult: Hashable, Sendable {
    /// The hold of `released` was released.
    case reversed(released: Money)
    /// Nothing was held: the authorization had been declined.
    case nothingHeld(DeclineCode)
    /// It was reversed before; nothing changed.
    case alreadyReversed
    /// The network never saw the payment: nothing to release.
    case notFound
}
