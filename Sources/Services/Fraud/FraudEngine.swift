import PaystormRuntime

/// The fraud engine: `shardCount` shards, each payment routed by its card fingerprint so
/// that one card's history lives on one shard and different cards are scored in parallel.
public struct FraudEngine: Sendable {
    /// Everything a shard needs.
    public struct Configuration: Hashable, Sendable {
        public var rules: FraudRules.Configuration
        public var model: FraudModel
        public var thresholds: FraudThresholds
        public var challenge: ThreeDSecureChallenge.Configuration

        public init(
            rules: FraudRules.Configuration = .init(), model: FraudModel = .shipped,
            thresholds: FraudThresholds = .standard, challenge: ThreeDSecureChallenge.Configuration = .init()
        ) {
            self.rules = rules
            self.model = model
            self.thresholds = thresholds
            self.challenge = challenge
        }
    }

    /// The most shards an engine may have.
    public static let shardsMax = 1024

    public let shards: [FraudEngineShard]

    /// - Throws: `FraudError.invalidConfiguration` for a bad configuration or a shard count
    ///   outside 1...`shardsMax`.
    public init(
        runtime: any Runtime, configuration: Configuration = Configuration(), shardCount: Int
    )
        throws(FraudError)
    {
        guard (1...Self.shardsMax).contains(shardCount) else {
            throw .invalidConfiguration("shardCount must be in 1...\(Self.shardsMax)")
        }
        var shards: [FraudEngineShard] = []
        for index in 0..<shardCount {
            shards.append(try FraudEngineShard(runtime: runtime, configuration: configuration, index: index))
        }
        self.shards = shards
    }

    /// The shard that owns `fingerprint`. Fingerprints are mixed first (SplitMix64 finaliser), so
    /// sequential fingerprints still spread evenly.
    public func shard(for fingerprint: UInt64) -> FraudEngineShard {
        var z = fingerprint &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return shards[Int(z % UInt64(shards.count))]
    }

    /// Scores `input` on its card's shard.
    public func assess(_ input: FraudInput) async -> FraudAssessment {
        shard(for: input.fingerprint).assess(input)
    }

    /// Runs 3-D Secure for `input` on its card's shard.
    public func runThreeDSecure(for input: FraudInput) async -> ThreeDSecureOutcome {
        shard(for: input.fingerprint).runThreeDSecure(for: input)
    }

    /// All shards' statistics, summed.
    public func statistics() async -> FraudStatistics {
        var total = FraudStatistics()
        for shard in shards { total = total.merged(with: shard.statistics) }
        return total
    }
}
