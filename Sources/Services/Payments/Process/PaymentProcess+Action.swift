import Core
import Ledger
import PaystormRuntime

extension PaymentProcess {
    /// What the process asks its executor to do. An action with a result (journal, screen,
    /// challenge, authorize, inquire, lock a rate, book) is the last of its batch: the executor
    /// feeds the result back as an `Input` and carries out what that returns first.
    enum Action: Sendable {
        /// Append the transition's record; feeds back `.journaled` or `.journalRefused`.
        case journal(Transition)
        /// Hand events to the sink as the payment's `firstIndex`th onwards (0: its creation).
        case emit([PaymentEventType], firstIndex: Int, merchant: MerchantID, amount: Money)
        /// Ask the fraud engine; feeds back `.screened`.
        case screen(capturesAutomatically: Bool)
        /// Run the 3-D Secure challenge the fraud engine stepped up to; feeds back
        /// `.authenticated`.
        case challenge(capturesAutomatically: Bool)
        /// Keep the request until the customer answers the issuer's challenge over the API.
        case waitForCustomer
        /// Send the authorization request; feeds back `.authorizationAnswered`.
        case authorize(isRetry: Bool, capturesAutomatically: Bool)
        /// Wait the inquiry delay, then ask the network; feeds back `.inquiryAnswered`.
        case inquire(attempt: Int, capturesAutomatically: Bool)
        /// Lock the FX rate for a capture of `amountMinorUnits` (nil: all that is capturable);
        /// feeds back `.rateLocked`.
        case lockRate(from: Currency, to: Currency, amountMinorUnits: Int64?)
        /// Book in the ledger; feeds back `.booked`. Its intent is journaled first, unless its
        /// transition's record carried it (`isJournaled`).
        case book(Booking, isJournaled: Bool = false)
        /// Owe the network a movement until it confirms it.
        case owe(NetworkObligation)
        /// Tell the merchant's account that a bank debit came back.
        case recordBankReturn(MerchantID)
        case count(Tally)
        /// End the operation with this error (the payment stays as the process left it).
        case fail(PaymentServiceError)
    }

    /// What the executor counts for the run's figures.
    enum Tally: Sendable, Hashable {
        case transition
        case authorizationTimeout
        case reversal
        case bankReturn
        /// A transition the journal refused was undone; `conflict` names one that could not be
        /// (the payment had moved on meanwhile).
        case undone(conflict: String?)
    }

    /// One state change decided and applied in the shard (the reservation), waiting for its
    /// journal record to be durable before anyone hears of it. What follows it (`followUp`) is
    /// decided with it, its booking's transfer ids taken then, so that one record journals
    /// both: recovery never finds a transition whose booking is unknown.
    ///
    /// A class: it travels from an action to an input and on to the next step's actions, and
    /// holds two records; shared by reference, it keeps the actions (and the executor's async
    /// frames that hold them across awaits) a few words wide.
    public final class Transition: Sendable {
        let command: PaymentCommand
        /// The record right after the change, and right before it (to undo a refused append).
        let applied: PaymentRecord
        let previous: PaymentRecord
        let events: [PaymentEventType]
        let time: SimTime
        /// The step that follows once it is durable, and its actions.
        let next: Next
        let followUp: FollowUp

        init(
            command: PaymentCommand, applied: PaymentRecord, previous: PaymentRecord,
            events: [PaymentEventType], time: SimTime, next: Next, followUp: FollowUp
        ) {
            self.command = command
            self.applied = applied
            self.previous = previous
            self.events = events
            self.time = time
            self.next = next
            self.followUp = followUp
        }

        /// The booking that follows it, journaled in its record.
        var booking: Booking? {
            for case .book(let booking, _) in followUp { return booking }
            return nil
        }
    }

    /// The actions a durable transition leads to: at most three (a reversal's count, what is
    /// owed and the decline), kept inline in the transition, where an array of their own was an
    /// allocation on nearly every transition.
    struct FollowUp: MutableCollection, RandomAccessCollection, Sendable {
        static let capacity = 3
        private var slots = InlineArray<3, Action?>(repeating: nil)
        private(set) var count = 0

        var startIndex: Int { 0 }
        var endIndex: Int { count }

        subscript(position: Int) -> Action {
            get {
                precondition(position < count, "no follow-up action at \(position)")
                return slots[position]!
            }
            set {
                precondition(position < count, "no follow-up action at \(position)")
                slots[position] = newValue
            }
        }

        mutating func append(_ action: Action) {
            precondition(count < Self.capacity, "more follow-up actions than a transition holds")
            slots[count] = action
            count += 1
        }
    }

    /// The step a durable transition leads to.
    enum Next: Sendable, Equatable, Codable {
        case done
        case decline(DeclineCode)
        case challenge(capturesAutomatically: Bool)
        case waitForCustomer
        case authorize(capturesAutomatically: Bool)
        case bookHold(capturesAutomatically: Bool)
        /// The authorization timed out: inquire (`countsTimeout`: a timeout seen now, not one a
        /// restart inferred).
        case inquire(capturesAutomatically: Bool, countsTimeout: Bool)
        /// Inquiries gave no answer: owe the network a reversal.
        case reverse
        case capture
        case release
        case refund(amountMinorUnits: Int64)
        case withdrawDisputedFunds
        case reinstateDisputedFunds
        case bankReturn(BankReturnNotice)

        /// Coded by position, one byte in the journal (`BinaryEncoder`), not by name: a new case goes last.
        private enum CodingKeys: Int, CodingKey {
            case done, decline, challenge, waitForCustomer, authorize, bookHold, inquire, reverse, capture,
                release, refund, withdrawDisputedFunds, reinstateDisputedFunds, bankReturn
        }
    }

    /// Ledger transfers to book, and what the process records once they are booked (a class
    /// for the reason `Transition` is one). Journaled as the booking's intent, and replayed in
    /// recovery as the `.booked` input it becomes.
    public final class Booking: Sendable, Codable {
        let transfers: [Transfer]
        /// The network whose accounts the movement touches (entered in the movement book).
        let network: PaymentNetwork?
        /// The settlement day the network files the movement under, when known now.
        let day: Int64?
        /// Filed under the network's settlement day counted from today (no answer gives one).
        let isFiledOnSettlementDay: Bool
        let purpose: Purpose

        init(
            transfers: [Transfer], network: PaymentNetwork? = nil, day: Int64? = nil,
            isFiledOnSettlementDay: Bool = false, purpose: Purpose
        ) {
            self.transfers = transfers
            self.network = network
            self.day = day
            self.isFiledOnSettlementDay = isFiledOnSettlementDay
            self.purpose = purpose
        }

        enum Purpose: Sendable, Codable {
            case hold(Transfer, capturesAutomatically: Bool)
            case capture(
                lockedRate: LockedRate?, capturedMinorUnits: Int64, settledMinorUnits: Int64,
                feeMinorUnits: Int64, hold: Transfer)
            case release
            case refund(RefundID, amount: Money, settledMinorUnits: Int64)
            case disputeWithdrawal(amount: Money, settledMinorUnits: Int64, feeMinorUnits: Int64)
            case disputeReinstatement(amount: Money)
            case bankReturn(BankReturnCode, settledMinorUnits: Int64)
            /// Booked by a planted bug, recording nothing.
            case planted
            /// A settlement run's payout (payment 0), no payment's.
            case payout

            /// Coded by position, one byte in the journal (`BinaryEncoder`), not by name: a new case goes last.
            private enum CodingKeys: Int, CodingKey {
                case hold, capture, release, refund, disputeWithdrawal, disputeReinstatement, bankReturn,
                    planted, payout
            }
        }
    }
}
