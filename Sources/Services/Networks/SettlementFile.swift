import Core
import Ledger

/// One network's settlement file for one day, as the network keeps it: its lines (one per
/// payment) and their totals per currency. Processors receive such a file from each card
/// network and bank rail every day and reconcile their books against it.
public struct SettlementFile: Hashable, Sendable {
    /// Totals of one currency in the file.
    public struct Totals: Hashable, Sendable {
        public var capturedMinorUnits: Int64 = 0
        public var refundedMinorUnits: Int64 = 0
        public var chargedBackMinorUnits: Int64 = 0
        public var chargebackReversedMinorUnits: Int64 = 0
        public var returnedMinorUnits: Int64 = 0
        public var lines = 0

        public init() {}

        mutating func add(_ line: SettlementLine) {
            capturedMinorUnits += line.capturedMinorUnits
            refundedMinorUnits += line.refundedMinorUnits
            chargedBackMinorUnits += line.chargedBackMinorUnits
            chargebackReversedMinorUnits += line.chargebackReversedMinorUnits
            returnedMinorUnits += line.returnedMinorUnits
            lines += 1
        }
    }

    public let network: PaymentNetwork
    public let day: Int64
    /// Sorted by payment id.
    public let lines: [SettlementLine]
    /// The network dropped lines of this day (its file was full): the file is not the whole day.
    public let isIncomplete: Bool
    public let totals: [Currency: Totals]

    public init(network: PaymentNetwork, day: Int64, lines: [SettlementLine], isIncomplete: Bool) {
        self.network = network
        self.day = day
        self.lines = lines
        self.isIncomplete = isIncomplete
        var totals: [Currency: Totals] = [:]
        for line in lines { totals[line.currency, default: Totals()].add(line) }
        self.totals = totals
    }
}
