import Core
import PaystormRuntime

/// What the fraud rules remember about one card: its recent attempts, its running average
/// amount, its usual country and the devices it was used from. Every list is capped, so a
/// profile has a fixed maximum size whatever the card does.
struct CardRiskProfile: Sendable {
    /// Attempt times (ns), oldest first; at most `FraudRules.attemptsTrackedMax`.
    var attemptTimes: [Int64] = []
    /// Accepted payments learned from.
    var acceptedCount: Int64 = 0
    /// Running mean of accepted amounts, in minor units of `averageCurrency`. A model feature
    /// only: no money is computed from it.
    var averageAmount: Double = 0
    var averageCurrency: Currency?
    /// Countries seen, with how often; at most `countriesMax`.
    var countries: [(code: String, count: Int64)] = []
    /// Devices seen, most recent last; at most `devicesMax`.
    var devices: [UInt64] = []

    static let countriesMax = 4
    static let devicesMax = 8
    /// The running mean weighs the last ~50 payments: a card's habits may change.
    static let averageWindow: Int64 = 50

    /// The most frequent country, the earliest seen on a tie.
    var usualCountry: String? {
        var best: (code: String, count: Int64)?
        for entry in countries where best == nil || entry.count > best!.count { best = entry }
        return best?.code
    }

    /// Attempts within `window` before `now` (the attempt at `now` itself not yet recorded).
    func attempts(within window: Duration, before now: SimTime) -> Int {
        let from = now.nanoseconds &- window.nanoseconds
        return attemptTimes.reduce(0) { $0 + ($1 > from ? 1 : 0) }
    }

    mutating func recordAttempt(at now: SimTime, window: Duration, max: Int) {
        let from = now.nanoseconds &- window.nanoseconds
        attemptTimes.removeAll { $0 <= from }
        if attemptTimes.count >= max { attemptTimes.removeFirst(attemptTimes.count - max + 1) }
        attemptTimes.append(now.nanoseconds)
    }

    /// Learns an accepted payment's amount, country and device.
    mutating func learn(amount: Money, country: String, deviceID: UInt64) {
        if averageCurrency == nil || averageCurrency == amount.currency {
            averageCurrency = amount.currency
            acceptedCount += 1
            let weight = Double(Swift.min(acceptedCount, Self.averageWindow))
            averageAmount += (Double(amount.minorUnits) - averageAmount) / weight
        } else {
            acceptedCount += 1
        }
        if let index = countries.firstIndex(where: { $0.code == country }) {
            countries[index].count += 1
        } else if countries.count < Self.countriesMax {
            countries.append((country, 1))
        } else if let rarest = countries.indices.min(by: { countries[$0].count < countries[$1].count }) {
            countries[rarest] = (country, 1)
        }
        devices.removeAll { $0 == deviceID }
        if devices.count >= Self.devicesMax { devices.removeFirst() }
        devices.append(deviceID)
    }
}
