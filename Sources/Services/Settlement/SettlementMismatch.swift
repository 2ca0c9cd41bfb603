import Core
import Ledger

/// One disagreement between a network's settlement file and the ledger: for one network, day,
/// currency and kind of movement, the two totals and the payments whose lines differ.
public struct SettlementMismatch: Hashable, Sendable, CustomStringConvertible {
    public enum Movement: String, Hashable, Sendable, CaseIterable {
        case captured
        case refunded
        case chargedBack = "charged_back"
        case chargebackReversed = "chargeback_reversed"
        case returned

        func amount(_ line: SettlementLine?) -> Int64 {
            guard let line else { return 0 }
            return switch self {
            case .captured: line.capturedMinorUnits
            case .refunded: line.refundedMinorUnits
            case .chargedBack: line.chargedBackMinorUnits
            case .chargebackReversed: line.chargebackReversedMinorUnits
            case .returned: line.returnedMinorUnits
            }
        }
    }

    /// Payment ids listed per mismatch at most (the count is always exact).
    public static let paymentIDsMax = 50

    public let network: PaymentNetwork
    public let day: Int64
    public let currency: Currency
    public let movement: Movement
    /// The day's total of this movement in the network's file, and in the ledger.
    public let networkMinorUnits: Int64
    public let ledgerMinorUnits: Int64
    /// The payments whose line differs, sorted, at most `paymentIDsMax`.
    public let paymentIDs: [PaymentID]
    public let paymentCount: Int
    /// Every payment whose line differs: what deciding whether a mismatch is explained needs
    /// (a list cut at `paymentIDsMax` cannot tell). Not kept in reports.
    let allPaymentIDs: [PaymentID]

    public var description: String {
        "\(network) day \(day) \(currency.code) \(movement.rawValue): network \(networkMinorUnits), ledger "
            + "\(ledgerMinorUnits), \(paymentCount) payment(s): "
            + paymentIDs.map(\.description).joined(separator: ", ")
    }
}
