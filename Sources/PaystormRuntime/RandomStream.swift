/// A seeded pseudo-random generator (xoshiro256**), one stream per actor.
///
/// Streams are *derived*, not drawn in sequence: `stream.derived("merchant", 42)` depends only on
/// the parent's seed and the label, never on how many other streams were made before it, so
/// adding an actor does not perturb every other actor's randomness. Deriving uses SplitMix64 and
/// FNV-1a, both fixed algorithms (Swift's `Hasher` is seeded per process and must not be used).
public struct RandomStream: RandomNumberGenerator, Sendable {
    /// The seed this stream was made from; derive children from it.
    public let seed: UInt64
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        var splitMix = SplitMix64(state: seed)
        s0 = splitMix.next()
        s1 = splitMix.next()
        s2 = splitMix.next()
        s3 = splitMix.next()
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @usableFromInline
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A child stream named by `label` (and an optional number, e.g. a merchant index).
    public func derived(_ label: String, _ number: UInt64 = 0) -> RandomStream {
        RandomStream(seed: Self.mix(seed, Self.fnv1a(label), number))
    }

    /// A child stream named by a number only.
    public func derived(_ number: UInt64) -> RandomStream {
        RandomStream(seed: Self.mix(seed, 0x9E37_79B9_7F4A_7C15, number))
    }

    // MARK: Draws used across the simulation

    /// A uniform draw in [0, 1) with 53 bits of precision. For probabilities and latencies, never
    /// for amounts of money.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p` (clamped to [0, 1]).
    public mutating func chance(_ p: Double) -> Bool {
        if p <= 0 { return false }
        if p >= 1 { return true }
        return nextUnit() < p
    }

    /// A uniform integer in `range`, without modulo bias.
    public mutating func int(in range: ClosedRange<Int64>) -> Int64 {
        Int64.random(in: range, using: &self)
    }

    /// A uniform index in 0..<count.
    public mutating func index(_ count: Int) -> Int {
        precondition(count > 0, "index(_:) needs a positive count")
        return Int.random(in: 0..<count, using: &self)
    }

    /// An exponentially distributed draw with the given mean (inter-arrival times of a Poisson
    /// process).
    public mutating func exponential(mean: Double) -> Double {
        // 1 - u is in (0, 1], so the logarithm is finite.
        -mean * _log(1 - nextUnit())
    }

    /// A standard normal draw (Box-Muller).
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        let u1 = 1 - nextUnit()
        let u2 = nextUnit()
        let radius = (-2 * _log(u1)).squareRoot()
        return mean + standardDeviation * radius * _cos(2 * Double.pi * u2)
    }

    /// A log-normal draw whose median is `median` and whose log has standard deviation `sigma`:
    /// the usual shape of network latency.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * _exp(normal(mean: 0, standardDeviation: sigma))
    }

    // MARK: Mixing

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var splitMix = SplitMix64(state: a ^ (b &* 0xBF58_476D_1CE4_E5B9) ^ (c &* 0x94D0_49BB_1331_11EB))
        _ = splitMix.next()
        return splitMix.next()
    }
}

/// SplitMix64: seeds xoshiro and mixes labels into seeds.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
