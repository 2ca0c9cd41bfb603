import Core
import Ledger

/// The planted bugs of the payment flow (`PlantedBug`), kept out of the orchestrator's own code
/// so that each healthy operation reads as it should be, with one call where a bug can strike.
extension PaymentOrchestrator {
    /// After a capture is booked: `bookCaptureTwice` books its movement of funds again under
    /// fresh ids; `releaseCaptureRemainderTwice` voids the hold that the partial post already
    /// resolved.
    func plantedCaptureBug(
        _ id: PaymentID, hold: Transfer, parties: PaymentBookkeeping.Parties, captured: Int64, settled: Int64,
        fee: Int64, network: PaymentNetwork, day: Int64
    ) async throws(PaymentServiceError) {
        switch PlantedBug.active {
        case .bookCaptureTwice:
            let ids = shard(id).nextTransferIDs(2)
            try await book(
                PaymentBookkeeping.capture(
                    (ids[0], ids[1]), parties, captured: captured, settled: settled, fee: fee), for: id,
                network: network, day: day)
        case .releaseCaptureRemainderTwice where captured < hold.legs[0].amount:
            let voidID = shard(id).nextTransferIDs(1)[0]
            try await book([Transfer.void(voidID, of: hold)], for: id, network: network, day: day)
        default:
            break
        }
    }

    /// The amount a refund books: the one asked for, or, with `refundBeyondCaptured`, for a
    /// refund that completes a partially captured payment, the authorized amount's remainder.
    static func plantedRefundAmount(_ amount: Int64, _ record: PaymentRecord) -> Int64 {
        guard PlantedBug.active == .refundBeyondCaptured, record.payment.state == .refunded else {
            return amount
        }
        return amount + record.payment.amount.minorUnits - record.payment.amountCapturedMinorUnits
    }
}

extension PaymentOrchestrator {
    /// The events a transition hands to the sink: the ones it named, or, with `dropEvent`, only
    /// the first of several; with `emitEventTwice`, a refund's event twice.
    static func plantedEventBug(_ emitted: [PaymentEventType]) -> [PaymentEventType] {
        switch PlantedBug.active {
        case .dropEvent where emitted.count > 1: Array(emitted.prefix(1))
        case .emitEventTwice where emitted == [.chargeRefunded]: emitted + emitted
        default: emitted
        }
    }
}
