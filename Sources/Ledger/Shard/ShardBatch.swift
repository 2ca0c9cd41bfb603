/// The part of a submission that one shard handles: flat arrays of transfer headers and legs,
/// so that one actor hop carries many transfers and no per-transfer array is allocated.
struct ShardBatch: Sendable {
    /// One transfer's header; its legs on this shard are `legs[legStart ..< legStart + legCount]`.
    struct Header: Sendable {
        var id: UInt64
        /// The pending transfer of a post or void; 0 otherwise.
        var pendingID: UInt64
        /// Index of the transfer in the submitted array.
        var origin: Int32
        var legStart: Int32
        var legCount: UInt16
        /// Legs of the whole transfer, on all shards.
        var legCountTotal: UInt16
        var phase: PhaseCode
        var currencyIndex: UInt8
        var code: UInt16
    }

    /// A leg with its stripe resolved.
    struct Leg: Sendable {
        var account: AccountID
        var amount: Int64
        /// Position of the leg in its transfer: posts and voids match holds by it.
        var legIndex: UInt16
        var side: Transfer.Side
    }

    enum PhaseCode: UInt8, Sendable {
        case single, pending, post, void
    }

    var headers: [Header] = []
    var legs: [Leg] = []

    var isEmpty: Bool { headers.isEmpty }
}

/// What the coordinator decided for a transfer a shard prepared.
enum ShardDecision: UInt8, Sendable {
    /// Every shard prepared it: book it.
    case commit
    /// Another shard refused it: release what this shard reserved.
    case release
    /// This shard refused it already and reserved nothing.
    case skip
}
