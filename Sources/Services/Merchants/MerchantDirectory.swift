import Core
import PaystormRuntime

/// All merchants, spread over `MerchantShard`s by id.
package struct MerchantDirectory: Sendable {
    let shards: [MerchantShard]

    init(shardCount: Int) {
        shards = (0..<shardCount).map { _ in MerchantShard() }
    }

    func shard(_ id: MerchantID) -> MerchantShard {
        shards[Int(id.rawValue % UInt64(shards.count))]
    }

    public func account(_ id: MerchantID) async -> MerchantAccount? {
        shard(id).existing(id)
    }

    public func allAccounts() async -> [MerchantAccount] {
        var all: [MerchantAccount] = []
        for shard in shards { all += shard.allAccounts() }
        return all.sorted { $0.id < $1.id }
    }
}
