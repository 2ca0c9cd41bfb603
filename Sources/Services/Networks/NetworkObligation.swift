import Core
import Ledger

/// Something the processor owes a card network about one payment: release an authorization,
/// present a capture or a refund, or record a chargeback (or its reversal) that the ledger has
/// booked. Owed from the moment the payment's transition is journaled, until the network
/// confirms it.
///
/// Every kind is idempotent at the network (a reversal of a reversed authorization, a capture
/// of the captured amount, a refund with a known refund id answer as the first time), so that
/// a retry after a lost answer, or after a restart, never moves money twice.
struct NetworkObligation: Sendable, Hashable, Codable, CustomStringConvertible {
    enum Kind: Sendable, Hashable, Codable {
        case reversal
        case capture(Money)
        case refund(RefundID, Money)
        case chargeback(Money)
        case chargebackReversal(Money)

        /// Coded by position, one byte in the journal (`BinaryEncoder`), not by name: a new case goes last.
        private enum CodingKeys: Int, CodingKey {
            case reversal, capture, refund, chargeback, chargebackReversal
        }
    }

    let payment: PaymentID
    let network: PaymentNetwork
    let kind: Kind
    /// The ledger transfers booked for this movement: their lines on the network's accounts
    /// are entered under the settlement day the network files the movement under, which is
    /// known only once it confirms.
    let transfers: [Transfer]

    var description: String {
        switch kind {
        case .reversal: "reversal of \(payment) at \(network)"
        case .capture(let amount): "capture of \(amount) for \(payment) at \(network)"
        case .refund(let id, let amount): "refund \(id) of \(amount) for \(payment) at \(network)"
        case .chargeback(let amount): "chargeback of \(amount) for \(payment) at \(network)"
        case .chargebackReversal(let amount): "chargeback reversal of \(amount) for \(payment) at \(network)"
        }
    }
}
