import Foundation
import Testing

/// The seeds random tests run with: a few fixed ones by default, or the comma-separated list in
/// `PAYSTORM_TEST_SEEDS` (e.g. `PAYSTORM_TEST_SEEDS=$(seq -s, 1 500)`) for a longer run. A
/// failing test names its seed in its arguments, so `PAYSTORM_TEST_SEEDS=<seed>` replays it.
enum TestSeeds {
    static let variable = "PAYSTORM_TEST_SEEDS"
    static let defaults: [UInt64] = [1, 42, 20_261_125, 0xDEAD_BEEF]

    /// The parsed override, or nil when unset; `.failure` names the first bad entry.
    static var override: Result<[UInt64], SeedListError>? {
        guard let text = ProcessInfo.processInfo.environment[variable] else { return nil }
        var seeds: [UInt64] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard let seed = UInt64(trimmed) else { return .failure(SeedListError(entry: trimmed)) }
            seeds.append(seed)
        }
        return .success(seeds)
    }

    /// The seeds to run. A malformed override falls back to the defaults, and
    /// `TestSeedsTests.overrideParses` fails naming the bad entry.
    static var all: [UInt64] {
        switch override {
        case .success(let seeds): seeds
        case .failure, nil: defaults
        }
    }
}

struct SeedListError: Error, Equatable {
    let entry: String
}

@Suite struct TestSeedsTests {
    @Test func overrideParses() {
        if case .failure(let error) = TestSeeds.override {
            Issue.record("\(TestSeeds.variable) has a non-numeric entry '\(error.entry)'")
        }
        #expect(!TestSeeds.all.isEmpty)
    }

    @Test func generatorIsDeterministic() {
        var first = SeededGenerator(seed: 7)
        var second = SeededGenerator(seed: 7)
        var other = SeededGenerator(seed: 8)
        let a = (0..<8).map { _ in first.next() }
        let b = (0..<8).map { _ in second.next() }
        let c = (0..<8).map { _ in other.next() }
        #expect(a == b)
        #expect(a != c)
    }
}

/// SplitMix64: a tiny, fast, well-mixed generator whose whole state is the seed, so a test's
/// random inputs are a function of its seed alone.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An amount biased toward the interesting: Int64 edges, small values, and the full range.
    mutating func amount() -> Int64 {
        switch Int.random(in: 0..<10, using: &self) {
        case 0: [Int64.min, .min + 1, .max, .max - 1, 0, 1, -1].randomElement(using: &self)!
        case 1, 2, 3: Int64.random(in: -100_000...100_000, using: &self)
        case 4, 5: Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &self)
        default: Int64(bitPattern: next())
        }
    }
}
