import Core
import Ledger

/// What the orchestrator keeps about a payment's bookings, rebuilt from its journaled booking
/// intents: the authorization hold still open, and the amounts booked in the settlement
/// currency. A resumed system needs them to capture, void, refund or dispute the payment
/// exactly as the live one would have.
///
/// Not kept by the journal: the FX rate locked at capture (a cross-currency refund after a
/// restart converts at the rate implied by the capture's booking, see `impliedRate`).
public struct RecoveredBookings: Sendable, Hashable {
    /// The pending transfer holding the authorization, until it is posted or voided.
    public var hold: Transfer?
    public var capturedSettled: Int64 = 0
    public var feeSettled: Int64 = 0
    public var refundedSettled: Int64 = 0
    public var disputedSettled: Int64 = 0
    public var disputeFeeSettled: Int64 = 0
    /// Simulated time of the first and of the approving transition, nanoseconds.
    public var createdAtNanoseconds: Int64 = 0
    public var authorizedAtNanoseconds: Int64?
    /// Events the payment had emitted (orders its later transitions in the journal).
    public var eventsEmitted: Int64 = 0
    /// The refunds booked, as the network knows them (refund id and amount in the payment's
    /// currency), in order: a restarted system sends each again until the network confirms it
    /// (the network answers a known refund id with the first refund).
    public var networkRefunds: [NetworkRefundBooking] = []

    public struct NetworkRefundBooking: Sendable, Hashable {
        public var refundID: RefundID
        public var amountMinorUnits: Int64
    }

    public init() {}

    /// Folds one booking intent of the payment of `merchant`.
    mutating func apply(_ transfers: [Transfer], merchant: MerchantID) {
        typealias Code = PaymentBookkeeping.Code
        for transfer in transfers {
            switch transfer.phase {
            case .pending where transfer.code == Code.authorizationHold:
                hold = transfer
                continue
            case .post, .void:
                hold = nil
                continue
            default:
                break
            }
            let balance = AccountID.merchantBalance(merchant, transfer.currency)
            let merchantDebit = transfer.legs.filter { $0.account == balance && $0.side == .debit }
                .reduce(Int64(0)) { $0 + $1.amount }
            let merchantCredit = transfer.legs.filter { $0.account == balance && $0.side == .credit }
                .reduce(Int64(0)) { $0 + $1.amount }
            switch transfer.code {
            case Code.capture:
                let settled = transfer.legs.filter { $0.account != balance && $0.side == .debit }
                    .reduce(Int64(0)) { $0 + $1.amount }
                capturedSettled = settled
                feeSettled = settled - (merchantCredit - merchantDebit)
            case Code.refund:
                refundedSettled += merchantDebit
                if let leg = transfer.legs.first(where: {
                    $0.side == .credit && $0.account.kind == .networkPayable
                }) {
                    networkRefunds.append(
                        NetworkRefundBooking(
                            refundID: RefundID(transfer.id.rawValue), amountMinorUnits: leg.amount))
                }
            case Code.dispute:
                disputedSettled += merchantDebit
            case Code.disputeFee:
                disputeFeeSettled += merchantDebit
            default:
                break
            }
        }
    }
}
