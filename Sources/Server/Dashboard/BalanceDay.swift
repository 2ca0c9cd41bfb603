/// One UTC day's balance transactions in one currency: how many, their amounts, the
/// processor's fees and what the merchant keeps, in minor units. A sum that would overflow
/// Int64 is reported as such (`overflowed`), never wrapped.
struct BalanceDay: Sendable {
    var day: String
    var currency: String
    var count = 0
    var amountMinorUnits: Int64 = 0
    var feeMinorUnits: Int64 = 0
    var netMinorUnits: Int64 = 0
    var payoutMinorUnits: Int64 = 0
    var overflowed = false

    init(day: String, currency: String) {
        self.day = day
        self.currency = currency
    }

    mutating func add(amount: Int64, fee: Int64, net: Int64, isPayout: Bool) {
        count += 1
        Self.add(amount, to: &amountMinorUnits, &overflowed)
        Self.add(fee, to: &feeMinorUnits, &overflowed)
        Self.add(net, to: &netMinorUnits, &overflowed)
        if isPayout { Self.add(amount, to: &payoutMinorUnits, &overflowed) }
    }

    private static func add(_ value: Int64, to sum: inout Int64, _ overflowed: inout Bool) {
        let (result, overflow) = sum.addingReportingOverflow(value)
        if overflow { overflowed = true } else { sum = result }
    }
}
