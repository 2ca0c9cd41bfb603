import Core
import Ledger
import PaystormRuntime

/// Recovery: the process takes its payment's journaled records as inputs, in journal order, and
/// decides what each means with the code the live path runs. A transition's command goes
/// through `transition` (Core's machine: state, amounts, events), its events through `emit`
/// (the creation event with the first durable record), a booking intent's transfers through
/// `booked` (the hold, the settled amounts, what the network is owed), and a transition whose
/// booking never started is undone at the journal's end as a refused append is (`undo`).
///
/// The journal holds each transition's command code and result; the amount a command carried
/// is read from the result. A record whose command does not give the journaled result (two
/// transitions of one payment appended concurrently can land out of order) is taken as
/// journaled, and the earlier transition, landing after it, only owes its events.
extension PaymentProcess {
    /// The payment its first journaled record names, created, before that record's transition.
    init(opening image: PaymentEventImage, settlement: Currency) throws(PaymentTransitionError) {
        let journaled = image.payment
        let network = journaled.network ?? .visa
        let amount = Money(minorUnits: journaled.amountMinorUnits, currency: journaled.currency)
        self.init(
            record: PaymentRecord(
                id: journaled.id, merchant: journaled.merchant, payment: try Payment(amount: amount),
                network: network,
                parties: PaymentBookkeeping.Parties(
                    merchant: journaled.merchant, network: network, presentment: journaled.currency,
                    settlement: settlement),
                createdAt: SimTime(nanoseconds: image.timeNanoseconds), isFraudulentTruth: false,
                fingerprint: 0))
    }

    /// One journaled transition of the payment (or its opening, or a rollback a resumed life
    /// journaled). Returns the events the payment emitted with it, owed until settled.
    mutating func replay(_ image: PaymentEventImage) -> [Action] {
        guard case .transition(let code, let first) = image.kind else { return [] }
        let journaled = image.payment
        let events = (first.map { [$0] } ?? []) + image.moreEvents
        let firstIndex = Int(image.sequence) - events.count + 1
        switch code {
        case PaymentJournalCodes.openCommand:
            return emit([], firstIndex: firstIndex, of: record)
        case PaymentJournalCodes.rollbackCommand:
            if RecoveredPayment(record) != journaled { adopt(image, code: code) }
            return []
        default:
            break
        }
        if record.isCreationEventEmitted && Int(image.sequence) <= record.eventsEmitted {
            return emit(events, firstIndex: firstIndex, of: record)
        }
        if let network = journaled.network, network != record.network {
            record.route(network: network, fingerprint: record.fingerprint, card: record.card)
        }
        let before = record
        var context = Self.replayContext(at: image.timeNanoseconds)
        var replayed = events
        if let command = PaymentJournalCodes.command(code, result: journaled, before: record.payment),
            case .journal(let transition)? = transition(command, &context, then: .done).first,
            RecoveredPayment(record) == journaled, record.eventsEmitted == image.sequence
        {
            replayed = transition.events
        } else {
            record = before
            adopt(image, code: code)
        }
        awaitingBooking = image.expectsBooking ? before : nil
        return emit(replayed, firstIndex: firstIndex, of: record)
    }

    /// Takes the payment as `image` shows it: a result no command replay reaches (see above).
    private mutating func adopt(_ image: PaymentEventImage, code: UInt8) {
        let journaled = image.payment
        guard
            let payment = try? Payment(
                restoring: journaled.state,
                amount: Money(minorUnits: journaled.amountMinorUnits, currency: journaled.currency),
                amountCapturableMinorUnits: journaled.amountCapturableMinorUnits,
                amountCapturedMinorUnits: journaled.amountCapturedMinorUnits,
                amountRefundedMinorUnits: journaled.amountRefundedMinorUnits,
                dispute: journaled.disputeStatus.map { (journaled.disputeAmountMinorUnits, $0) },
                isSettled: journaled.isSettled, isAuthenticated: journaled.isAuthenticated)
        else { return }
        record.payment = payment
        record.eventsEmitted = max(record.eventsEmitted, Int(image.sequence))
        if code == PaymentJournalCodes.approvedCommand || code == PaymentJournalCodes.inquiryApprovedCommand {
            record.authorizedAt = SimTime(nanoseconds: image.timeNanoseconds)
        }
    }

    /// The journal shows the payment's last transition awaiting a booking that never started:
    /// it was never acknowledged (answers follow bookings), and is undone as a refused append.
    /// - Returns: the indexes of the events it had emitted, no longer owed; nil when there was
    ///   no such transition.
    mutating func undoUnbooked() -> Range<Int>? {
        guard let before = awaitingBooking else { return nil }
        let emitted = record.eventsEmitted
        undo(to: before)
        awaitingBooking = nil
        return (before.eventsEmitted + 1)..<max(before.eventsEmitted + 1, emitted + 1)
    }

    /// A journaled booking intent of the payment: its transfers are booked (recovery books
    /// those the ledger never journaled), and the record notes what they hold and moved, as
    /// after a live booking. Returns what the network is owed for them.
    mutating func replayBooking(_ transfers: [Transfer]) -> [Action] {
        var context = Self.replayContext(at: record.createdAt.nanoseconds)
        return bookings(of: transfers).flatMap { booked($0, &context) }
    }

    /// What a replay may read besides the record: the journaled time, and nothing planted.
    private static func replayContext(at nanoseconds: Int64) -> Context {
        Context(
            now: SimTime(nanoseconds: nanoseconds), fees: FeeSchedule(), plantedBug: nil, inquiriesMax: 0,
            transferIDs: TransferIDSequence(producer: 0))
    }

    /// The bookings a journaled intent's transfers are, read back from what they move: the
    /// hold, its release, a capture (its settled amount and fee, and the rate they imply), a
    /// refund, a dispute's withdrawal. A refund or a dispute moves money in two transfers
    /// across currencies (the merchant's side, the network's side): summed.
    private func bookings(of transfers: [Transfer]) -> [Booking] {
        typealias Code = PaymentBookkeeping.Code
        var bookings: [Booking] = []
        var refunded: Int64?
        var disputed: Int64?
        var disputeFee: Int64 = 0
        let presentment = record.parties.presentment
        for transfer in transfers {
            let balance = AccountID.merchantBalance(record.merchant, transfer.currency)
            func sum(_ side: Transfer.Side, merchant: Bool) -> Int64 {
                transfer.legs.filter { $0.side == side && ($0.account == balance) == merchant }
                    .reduce(0) { $0 + $1.amount }
            }
            switch (transfer.phase, transfer.code) {
            case (.pending, Code.authorizationHold):
                bookings.append(
                    Booking(transfers: [transfer], purpose: .hold(transfer, capturesAutomatically: false)))
            case (.void, _):
                bookings.append(Booking(transfers: [transfer], purpose: .release))
            case (.single, Code.capture):
                let settled = sum(.debit, merchant: false)
                let captured = record.payment.amountCapturedMinorUnits
                let fee = settled - (sum(.credit, merchant: true) - sum(.debit, merchant: true))
                let rate = Self.impliedRate(record, captured: captured, settled: settled)
                let purpose = Booking.Purpose.capture(
                    lockedRate: rate, capturedMinorUnits: captured, settledMinorUnits: settled,
                    feeMinorUnits: fee, hold: record.hold ?? transfer)
                bookings.append(Booking(transfers: [transfer], purpose: purpose))
            case (.single, Code.refund):
                refunded = (refunded ?? 0) + sum(.debit, merchant: true)
            case (.single, Code.dispute):
                disputed = (disputed ?? 0) + sum(.debit, merchant: true)
            case (.single, Code.disputeFee):
                disputeFee += sum(.debit, merchant: true)
            default:
                break
            }
        }
        if let refunded {
            let refunds = transfers.filter { $0.code == Code.refund }
            let leg = refunds.flatMap(\.legs).first {
                $0.side == .credit && $0.account.kind == .networkPayable
            }
            let id = PaymentOrchestrator.networkRefundID(refunds) ?? RefundID(refunds[0].id.rawValue)
            let amount = Money(minorUnits: leg?.amount ?? 0, currency: presentment)
            bookings.append(
                Booking(transfers: refunds, purpose: .refund(id, amount: amount, settledMinorUnits: refunded))
            )
        }
        if let disputed {
            let amount = Money(
                minorUnits: record.payment.dispute?.amountMinorUnits ?? 0, currency: presentment)
            let purpose = Booking.Purpose.disputeWithdrawal(
                amount: amount, settledMinorUnits: disputed, feeMinorUnits: disputeFee)
            bookings.append(Booking(transfers: [], purpose: purpose))
        }
        return bookings
    }

    /// The rate `settled / captured` between the currencies' minor units, rounded to a nano:
    /// what a capture's booking shows of the rate locked then (the journal keeps no rate), so
    /// that a cross-currency refund after a restart converts as the capture did. Nil within one
    /// currency.
    static func impliedRate(_ record: PaymentRecord, captured: Int64, settled: Int64) -> LockedRate? {
        let from = record.parties.presentment
        let to = record.parties.settlement
        guard from != to, captured > 0, settled > 0 else { return nil }
        let numerator =
            Int128(settled) * Int128(ExchangeRate.nanosPerUnit) * FixedPoint.powerOfTen(from.exponent)
        let denominator = Int128(captured) * FixedPoint.powerOfTen(to.exponent)
        let nanos = FixedPoint.divide(numerator, by: denominator, rounding: .halfEven)
        guard let value = Int64(exactly: nanos),
            let rate = try? ExchangeRate(from: from, to: to, nanos: value)
        else { return nil }
        return LockedRate(
            validated: FXQuoteID(0), midMarket: rate, spreadBasisPoints: 0,
            lockedAt: record.authorizedAt ?? record.createdAt)
    }
}

extension PaymentProcess {
    /// The journal shows the booking of the payment's last transition started (its intent):
    /// that transition stands, whatever comes of the booking.
    mutating func bookingStarted() { awaitingBooking = nil }
}
