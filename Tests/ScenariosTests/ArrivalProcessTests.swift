import PaystormRuntime
import Testing

@testable import Scenarios

@Suite struct ArrivalProcessTests {
    /// Counts arrivals in [from, to) seconds.
    static func count(_ profile: LoadProfile, seed: UInt64, from: Double, to: Double) -> Int {
        var process = ArrivalProcess(profile: profile, random: RandomStream(seed: seed))
        var count = 0
        while let at = process.next() {
            if at.seconds >= to { break }
            if at.seconds >= from { count += 1 }
        }
        return count
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func constantRateIsWithinPoissonBounds(seed: UInt64) {
        let profile = LoadProfile(initialTPS: 2_000, stages: [.hold(.seconds(10))])
        let n = Self.count(profile, seed: seed, from: 0, to: 10)
        // Poisson with mean 20,000: standard deviation ~141; 5 sigma is ~707.
        #expect(abs(n - 20_000) < 707, "seed \(seed): \(n) arrivals")
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func rampFollowsTheIntegralOfTheRate(seed: UInt64) {
        // 0 -> 1,000 TPS over 20 s: 10,000 expected in all, 2,500 in the first half.
        let profile = LoadProfile(initialTPS: 0, stages: [.ramp(toTPS: 1_000, over: .seconds(20))])
        #expect(abs(profile.expectedArrivals - 10_000) < 1e-6)
        let firstHalf = Self.count(profile, seed: seed, from: 0, to: 10)
        let secondHalf = Self.count(profile, seed: seed, from: 10, to: 20)
        #expect(abs(firstHalf - 2_500) < 5 * 50, "seed \(seed): \(firstHalf)")
        #expect(abs(secondHalf - 7_500) < 5 * 87, "seed \(seed): \(secondHalf)")
    }

    @Test func spikeRaisesTheRateThenDropsBack() {
        let profile = LoadProfile(
            initialTPS: 100,
            stages: [.hold(.seconds(5)), .spike(toTPS: 2_000, for: .seconds(2)), .hold(.seconds(5))])
        let before = Self.count(profile, seed: 9, from: 0, to: 5)
        let during = Self.count(profile, seed: 9, from: 5, to: 7)
        let after = Self.count(profile, seed: 9, from: 7, to: 12)
        #expect(abs(before - 500) < 5 * 23)
        #expect(abs(during - 4_000) < 5 * 64)
        #expect(abs(after - 500) < 5 * 23)
    }

    @Test func sameSeedSameArrivals() {
        let profile = LoadProfile(initialTPS: 50, stages: [.ramp(toTPS: 500, over: .seconds(3))])
        var a = ArrivalProcess(profile: profile, random: RandomStream(seed: 4))
        var b = ArrivalProcess(profile: profile, random: RandomStream(seed: 4))
        var c = ArrivalProcess(profile: profile, random: RandomStream(seed: 5))
        var first: [SimTime] = []
        var second: [SimTime] = []
        var third: [SimTime] = []
        while let t = a.next() { first.append(t) }
        while let t = b.next() { second.append(t) }
        while let t = c.next() { third.append(t) }
        #expect(first == second)
        #expect(first != third)
        #expect(first == first.sorted())
    }
}
