/// The kind of a `PaymentMethod`, without its details: what metrics, traffic mixes and routing
/// tables key on.
public enum PaymentMethodKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case card
    case bankTransfer = "bank_transfer"

    public var description: String { rawValue }
}
