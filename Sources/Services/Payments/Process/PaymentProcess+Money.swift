import Core
import Ledger

/// How the process moves money once a transition is durable: the transfers of each step, and
/// what it records (and owes the network) once they are booked.
extension PaymentProcess {
    /// A capture's transfers: post the hold (a partial capture releases the rest), then move
    /// the captured amount to the merchant less the fee, at `rate` across currencies. A capture
    /// that converts to nothing pays no fee: a fixed fee on it would take more than it brought.
    mutating func bookCapture(
        _ capture: PaymentRecord, rate: LockedRate?, _ context: inout Context
    ) -> Action {
        let id = capture.id
        let captured = capture.payment.amountCapturedMinorUnits
        let parties = capture.parties
        var settled = captured
        if let rate {
            guard let converted = Self.convert(captured, with: rate) else {
                return .fail(
                    .invalidRequest("conversion of \(id): \(captured) \(rate.from) does not convert"))
            }
            settled = converted
        }
        let fee: Int64
        do throws(FeeScheduleError) {
            fee = try context.fees.processingFeeMinorUnits(onSettled: settled, in: parties.settlement)
        } catch {
            return .fail(.ledgerRefused(id, error.description))
        }
        let ids = context.transferIDs.nextTriple()
        guard let hold = capture.hold else {
            return .fail(.ledgerRefused(id, "no authorization hold to capture"))
        }
        // One array for the post and the movement (a concatenation, or an array of the
        // movement's own, was another).
        var transfers: [Transfer] = []
        transfers.reserveCapacity(3)
        transfers.append(Transfer.post(ids.0, of: hold, amount: captured))
        PaymentBookkeeping.capture(
            (ids.1, ids.2), parties, captured: captured, settled: settled, fee: fee,
            booksFeeRevenue: context.plantedBug != .bookFeeWithoutCounterLeg, into: &transfers)
        return .book(
            Booking(
                transfers: transfers, network: capture.network,
                purpose: .capture(
                    lockedRate: rate, capturedMinorUnits: captured, settledMinorUnits: settled,
                    feeMinorUnits: fee, hold: hold)))
    }

    /// Booked first (the customer is owed the refund whether or not the network answers), then
    /// owed to the network until it confirms.
    mutating func bookRefund(_ amount: Int64, _ refund: PaymentRecord, _ context: inout Context) -> Action {
        guard let settled = Self.settledValue(of: amount, refund) else {
            return .fail(.invalidRequest("conversion of \(refund.id): \(amount) does not convert"))
        }
        var booked = amount
        // The planted bug: a refund that completes a partially captured payment books the
        // authorized amount's remainder too.
        if context.plantedBug == .refundBeyondCaptured, refund.payment.state == .refunded {
            booked += refund.payment.amount.minorUnits - refund.payment.amountCapturedMinorUnits
        }
        guard let bookedSettled = booked == amount ? settled : Self.settledValue(of: booked, refund) else {
            return .fail(.invalidRequest("conversion of \(refund.id): \(booked) does not convert"))
        }
        let ids = context.transferIDs.nextPair()
        let transfers = PaymentBookkeeping.toNetwork(
            ids, refund.parties, amount: booked, settled: bookedSettled,
            code: PaymentBookkeeping.Code.refund)
        return .book(
            Booking(
                transfers: transfers, network: refund.network,
                purpose: .refund(
                    PaymentOrchestrator.networkRefundID(transfers) ?? RefundID(ids.1.rawValue),
                    amount: Money(minorUnits: amount, currency: refund.parties.presentment),
                    settledMinorUnits: settled)))
    }

    /// A chargeback's withdrawal: the disputed amount back to the network, the fee to fees
    /// revenue (when it opens, or when an inquiry is escalated into it).
    mutating func bookDisputeWithdrawal(_ dispute: PaymentRecord, _ context: inout Context) -> Action {
        let amount = dispute.payment.dispute?.amountMinorUnits ?? 0
        guard let settled = Self.settledValue(of: amount, dispute) else {
            return .fail(.invalidRequest("conversion of \(dispute.id): \(amount) does not convert"))
        }
        let fee = context.fees.disputeFeeMinorUnits(in: dispute.parties.settlement)
        let ids = context.transferIDs.next(3)
        var transfers = PaymentBookkeeping.toNetwork(
            (ids[0], ids[1]), dispute.parties, amount: amount, settled: settled,
            code: PaymentBookkeeping.Code.dispute)
        if fee > 0 { transfers.append(PaymentBookkeeping.disputeFee(ids[2], dispute.parties, fee: fee)) }
        return .book(
            Booking(
                transfers: transfers, network: dispute.network,
                purpose: .disputeWithdrawal(
                    amount: Money(minorUnits: amount, currency: dispute.parties.presentment),
                    settledMinorUnits: settled, feeMinorUnits: fee)))
    }

    /// A won chargeback: the amount and the fee come back.
    mutating func bookDisputeReinstatement(_ dispute: PaymentRecord, _ context: inout Context) -> Action {
        let amount = dispute.payment.dispute?.amountMinorUnits ?? 0
        let ids = context.transferIDs.next(3)
        let transfers = PaymentBookkeeping.disputeWon(
            (ids[0], ids[1], ids[2]), dispute.parties, amount: amount, settled: dispute.disputedSettled,
            fee: dispute.disputeFeeSettled)
        return .book(
            Booking(
                transfers: transfers, network: dispute.network,
                purpose: .disputeReinstatement(
                    amount: Money(minorUnits: amount, currency: dispute.parties.presentment))))
    }

    /// The transfers are booked: the record notes what they hold and moved, and the network is
    /// owed what it has not confirmed.
    mutating func booked(_ booking: Booking, _ context: inout Context, into actions: inout [Action]) {
        let id = record.id
        let network = record.network
        func owe(_ kind: NetworkObligation.Kind) -> Action {
            .owe(NetworkObligation(payment: id, network: network, kind: kind, transfers: booking.transfers))
        }
        switch booking.purpose {
        case .hold(let hold, let automatic):
            record.hold = hold
            if automatic { handle(.capture(amountMinorUnits: nil), &context, into: &actions) }
        case .capture(let rate, let captured, let settled, let fee, let hold):
            record.hold = nil
            record.lockedRate = rate
            record.capturedSettled = settled
            record.feeSettled = fee
            if let planted = plantedCaptureBooking(
                captured: captured, settled: settled, fee: fee, hold: hold, &context)
            {
                actions.append(planted)
            }
            actions.append(owe(.capture(Money(minorUnits: captured, currency: record.parties.presentment))))
        case .release:
            record.hold = nil
            actions.append(oweReversal(record))
        case .refund(let refundID, let amount, let settled):
            record.refundedSettled += settled
            actions.append(owe(.refund(refundID, amount)))
        case .disputeWithdrawal(let amount, let settled, let fee):
            record.disputedSettled = settled
            record.disputeFeeSettled = fee
            actions.append(owe(.chargeback(amount)))
        case .disputeReinstatement(let amount):
            actions.append(owe(.chargebackReversal(amount)))
        case .bankReturn(let code, let settled):
            record.bankReturnCode = code
            record.returnedSettled = settled
            actions.append(.recordBankReturn(record.merchant))
            actions.append(.count(.bankReturn))
        case .planted, .payout:
            break
        }
    }

    /// The planted capture bugs: `bookCaptureTwice` books the movement of funds again under
    /// fresh ids; `releaseCaptureRemainderTwice` voids the hold the partial post already
    /// resolved.
    private func plantedCaptureBooking(
        captured: Int64, settled: Int64, fee: Int64, hold: Transfer, _ context: inout Context
    ) -> Action? {
        let transfers: [Transfer]
        switch context.plantedBug {
        case .bookCaptureTwice:
            let ids = context.transferIDs.next(2)
            transfers = PaymentBookkeeping.capture(
                (ids[0], ids[1]), record.parties, captured: captured, settled: settled, fee: fee)
        case .releaseCaptureRemainderTwice where captured < hold.legs[0].amount:
            transfers = [Transfer.void(context.transferIDs.next(), of: hold)]
        default:
            return nil
        }
        return .book(
            Booking(
                transfers: transfers, network: record.network, isFiledOnSettlementDay: true,
                purpose: .planted))
    }

    /// An amount of the payment's currency in the settlement currency, at the rate locked at
    /// capture (nil: it does not convert).
    static func settledValue(of amount: Int64, _ record: PaymentRecord) -> Int64? {
        guard let rate = record.lockedRate else { return amount }
        return convert(amount, with: rate)
    }

    static func convert(_ amount: Int64, with rate: LockedRate) -> Int64? {
        try? rate.convert(Money(minorUnits: amount, currency: rate.from)).converted.minorUnits
    }
}
