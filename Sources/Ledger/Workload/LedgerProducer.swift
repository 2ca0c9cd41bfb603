import Core
import PaystormRuntime

/// One producer of the built-in workload, as a plain state machine: it draws the next batch
/// of transfers and records what the ledger answered, keeping its own account of what must
/// have been booked so that the ledger's balances can be checked against it independently.
struct LedgerProducer {
    let number: Int
    private let configuration: LedgerWorkloadConfiguration
    private var random: RandomStream
    private var sequence: UInt32 = 0
    /// Originals submitted recently, for redelivery (bounded ring).
    private var recent: [Transfer] = []
    private var recentNext = 0
    private static let recentMax = 256
    /// Applied authorization holds not yet posted or voided (bounded: resolved first when full).
    private var openHolds: [Transfer] = []
    private static let openHoldsMax = 32

    private(set) var report = LedgerProducerReport()

    init(number: Int, configuration: LedgerWorkloadConfiguration, random: RandomStream) {
        self.number = number
        self.configuration = configuration
        self.random = random
    }

    /// Distinct transfers this producer still has to create.
    var remaining: Int {
        let share = configuration.transfers / configuration.producers
        let extra = number < configuration.transfers % configuration.producers ? 1 : 0
        return share + extra - Int(sequence)
    }

    /// The next batch: up to `batchSize` new transfers plus redeliveries. `isRedelivery[i]`
    /// marks the latter.
    mutating func nextBatch() -> (transfers: [Transfer], isRedelivery: [Bool]) {
        var transfers: [Transfer] = []
        var isRedelivery: [Bool] = []
        let count = min(configuration.batchSize, remaining)
        transfers.reserveCapacity(count + 4)
        for _ in 0..<count {
            let transfer = nextTransfer()
            transfers.append(transfer)
            isRedelivery.append(false)
            remember(transfer)
            if !recent.isEmpty && random.chance(configuration.redeliveryRate) {
                transfers.append(recent[random.index(recent.count)])
                isRedelivery.append(true)
            }
        }
        return (transfers, isRedelivery)
    }

    /// Records the ledger's answers to a batch from `nextBatch`.
    mutating func record(_ transfers: [Transfer], _ isRedelivery: [Bool], _ outcomes: [TransferOutcome]) {
        for index in transfers.indices {
            let transfer = transfers[index]
            let outcome = outcomes[index]
            report.count(outcome, redelivery: isRedelivery[index])
            guard outcome == .applied else { continue }
            if !report.appliedIDs.insert(transfer.id.rawValue).inserted { report.appliedTwice += 1 }
            switch transfer.phase {
            case .single, .post:
                for leg in transfer.legs {
                    report.expectedBalances[leg.account, default: 0] +=
                        leg.side == .credit ? leg.amount : -leg.amount
                }
            case .pending:
                if !isRedelivery[index] && openHolds.count < Self.openHoldsMax { openHolds.append(transfer) }
            case .void:
                break
            }
        }
    }

    // MARK: Drawing transfers

    private mutating func nextTransfer() -> Transfer {
        sequence += 1
        let id = TransferID(UInt64(number + 1) << 32 | UInt64(sequence))
        if !openHolds.isEmpty
            && (openHolds.count >= Self.openHoldsMax || random.chance(configuration.holdShare))
        {
            return resolveHold(id)
        }
        let merchant = MerchantID(UInt64(random.index(configuration.merchants) + 1))
        let currency = configuration.currencies[Int(merchant.rawValue) % configuration.currencies.count]
        let network = [PaymentNetwork.visa, .mastercard, .amex][random.index(3)]
        let amount = drawAmount(currency)
        let draw = random.nextUnit()
        if draw < configuration.holdShare {
            report.holds += 1
            return Transfer(
                id: id, currency: currency, debit: .customerFunds(currency),
                credit: .merchantPending(merchant, currency), amount: amount, code: LedgerWorkloadCode.hold,
                phase: .pending)
        }
        let rest = (draw - configuration.holdShare) / max(1e-9, 1 - configuration.holdShare)
        if rest < 0.70 {
            // Capture: the network owes us the amount; the merchant gets it less the fee.
            let fee = min(amount - 1, (amount * 290 + 5_000) / 10_000 + 30)
            report.captures += 1
            if fee == 0 {
                // A one-unit capture (1 JPY) carries no fee: a zero leg would be refused.
                return Transfer(
                    id: id, currency: currency, debit: .networkReceivable(network, currency),
                    credit: .merchantBalance(merchant, currency), amount: amount,
                    code: LedgerWorkloadCode.capture)
            }
            return Transfer(
                id: id, currency: currency,
                legs: [
                    .debit(.networkReceivable(network, currency), amount),
                    .credit(.merchantBalance(merchant, currency), amount - fee),
                    .credit(.feesRevenue(currency), fee),
                ], code: LedgerWorkloadCode.capture)
        } else if rest < 0.90 {
            report.refunds += 1
            return Transfer(
                id: id, currency: currency, debit: .merchantBalance(merchant, currency),
                credit: .networkPayable(network, currency), amount: amount / 2 + 1,
                code: LedgerWorkloadCode.refund)
        } else {
            report.payouts += 1
            return Transfer(
                id: id, currency: currency, debit: .merchantBalance(merchant, currency),
                credit: .bank(currency),
                amount: amount, code: LedgerWorkloadCode.payout)
        }
    }

    /// Posts (in full or in part) or voids the oldest open hold.
    private mutating func resolveHold(_ id: TransferID) -> Transfer {
        let hold = openHolds.removeFirst()
        if random.chance(0.2) {
            report.voids += 1
            return .void(id, of: hold)
        }
        report.posts += 1
        let held = hold.legs[0].amount
        let amount = random.chance(0.7) ? held : max(1, held - random.int(in: 0...(held - 1)))
        return .post(id, of: hold, amount: amount)
    }

    /// Amounts between 1.00 and about 1,000.00 in the currency's minor units, skewed small:
    /// integer draws only, so no floating point touches an amount.
    private mutating func drawAmount(_ currency: Currency) -> Int64 {
        let major = random.chance(0.8) ? random.int(in: 1...100) : random.int(in: 100...1_000)
        let minorPerMajor = currency.minorUnitsPerMajor
        return major * minorPerMajor + random.int(in: 0...(minorPerMajor - 1))
    }

    private mutating func remember(_ transfer: Transfer) {
        if recent.count < Self.recentMax {
            recent.append(transfer)
        } else {
            recent[recentNext] = transfer
            recentNext = (recentNext + 1) % Self.recentMax
        }
    }
}

/// The transfer codes of the built-in workload.
public enum LedgerWorkloadCode {
    public static let capture: UInt16 = 1
    public static let refund: UInt16 = 2
    public static let payout: UInt16 = 3
    public static let hold: UInt16 = 4
}
