import Core
import Journal

/// A shard's whole state as bytes, for recovery snapshots: accounts (in slot order, so that
/// open holds keep their slots), open pending transfers, per-currency totals and fingerprints,
/// the exactly-once window and watermarks, and the recent histories `reconcile()` and
/// `recentEntries()` read. Restoring it gives a shard that decides every later transfer as the
/// original would.
///
/// Layout (inside the ledger image, whose version covers it): accounts, pending (by id),
/// totals (one per `Currency.all`), trace digest, commits, window, entries, nets. Amounts are
/// zig-zag varints, ids varints, account tags and digests little-endian words; every count is
/// checked against the bytes left before anything is allocated for it.
extension LedgerShardState {
    /// - Precondition: nothing is being prepared (`inFlight` empty): a snapshot is taken of a
    ///   quiet fold, between submissions.
    func encode(into writer: inout BinaryWriter) {
        precondition(inFlight.isEmpty, "snapshot of a ledger shard with transfers being prepared")
        writer.writeVarint(UInt64(accounts.count))
        for account in accounts {
            Self.write(account.id, into: &writer)
            writer.write(account.flags.rawValue)
            writer.writeSignedVarint(account.debitsPosted)
            writer.writeSignedVarint(account.creditsPosted)
            writer.writeSignedVarint(account.debitsPending)
            writer.writeSignedVarint(account.creditsPending)
        }
        writer.writeVarint(UInt64(pending.count))
        for (id, open) in pending.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(id)
            writer.writeVarint(UInt64(open.legsTotal))
            writer.write(open.currencyIndex)
            writer.write(open.resolving)
            writer.writeVarint(UInt64(open.holds.count))
            for hold in open.holds {
                writer.writeVarint(UInt64(hold.slot))
                writer.writeSignedVarint(hold.amount)
                writer.writeVarint(UInt64(hold.legIndex))
                writer.write(hold.side.rawValue)
            }
        }
        writer.writeVarint(UInt64(totals.count))
        for line in totals {
            writer.writeLittleEndian(line.debitsPosted)
            writer.writeLittleEndian(line.creditsPosted)
            writer.writeLittleEndian(line.debitsPending)
            writer.writeLittleEndian(line.creditsPending)
            writer.writeLittleEndian(line.fingerprint)
            writer.writeVarint(line.transfers)
        }
        writer.writeLittleEndian(traceDigest)
        writer.writeVarint(committed)
        let image = window.image
        writer.writeVarint(UInt64(image.ids.count))
        var previous: UInt64 = 0
        for id in image.ids {
            // Ids arrive roughly in sequence: deltas keep most of them to a byte or two.
            writer.writeSignedVarint(Int64(bitPattern: id &- previous))
            previous = id
        }
        writer.writeVarint(UInt64(image.watermarks.count))
        for (producer, sequence) in image.watermarks {
            writer.writeVarint(UInt64(producer))
            writer.writeVarint(UInt64(sequence))
        }
        writer.writeVarint(image.evicted)
        let recent = entries.elements
        writer.writeVarint(entries.appended)
        writer.writeVarint(UInt64(recent.count))
        for entry in recent {
            writer.writeVarint(entry.transfer.rawValue)
            Self.write(entry.account, into: &writer)
            writer.writeSignedVarint(entry.amount)
            writer.write(entry.side.rawValue)
            writer.write(entry.kind.rawValue)
            writer.writeSignedVarint(entry.balanceAfter)
            writer.writeSignedVarint(entry.pendingAfter)
        }
        let recentNets = nets.elements
        writer.writeVarint(nets.appended)
        writer.writeVarint(UInt64(recentNets.count))
        for net in recentNets {
            writer.writeVarint(net.id)
            writer.writeSignedVarint(net.net)
            writer.writeVarint(UInt64(net.legs))
            writer.writeVarint(UInt64(net.legsTotal))
            writer.write(net.currencyIndex)
        }
    }

    /// The shard `index` of a ledger configured by `configuration`, as `encode` wrote it.
    /// - Throws: `JournalError` for truncated or impossible data (a count beyond the
    ///   configuration's limits, a hold on an account that does not exist, an unknown code).
    init(index: Int, configuration: LedgerConfiguration, from reader: inout BinaryReader) throws(JournalError)
    {
        self.init(index: index, configuration: configuration)
        try readAccounts(&reader)
        try readPending(&reader)
        try readTotals(&reader)
        traceDigest = try reader.readLittleEndian()
        committed = try reader.readVarint()
        window = try TransferIDWindow(
            capacity: configuration.deduplicationWindowPerShard,
            restoring: try Self.readWindow(&reader, index))
        let entriesAppended = try reader.readVarint()
        entries = RingBuffer(
            capacity: configuration.entryHistoryPerShard, restoring: try Self.readEntries(&reader, index),
            appended: entriesAppended)
        let netsAppended = try reader.readVarint()
        nets = RingBuffer(
            capacity: configuration.transferNetHistoryPerShard, restoring: try Self.readNets(&reader, index),
            appended: netsAppended)
    }

    // MARK: Reading, in the order `encode` writes

    /// The accounts, in slot order, into an empty shard.
    private mutating func readAccounts(_ reader: inout BinaryReader) throws(JournalError) {
        let accountCount = try reader.readCount("ledger shard \(index) accounts", bytesEach: 14)
        guard accountCount <= configuration.accountsPerShardMax else {
            throw .invalidField(
                "ledger shard \(index) accounts",
                reason: "\(accountCount) exceed accountsPerShardMax \(configuration.accountsPerShardMax)")
        }
        accounts.reserveCapacity(accountCount)
        for slot in 0..<accountCount {
            let id = try Self.readAccount(&reader)
            guard accountSlots[id] == nil else {
                throw .invalidField("ledger shard \(index) accounts", reason: "\(id) appears twice")
            }
            var account = Account(id: id, flags: AccountFlags(rawValue: try reader.readUInt8()))
            account.debitsPosted = try reader.readSignedVarint()
            account.creditsPosted = try reader.readSignedVarint()
            account.debitsPending = try reader.readSignedVarint()
            account.creditsPending = try reader.readSignedVarint()
            accounts.append(account)
            accountSlots.insert(id, slot: Int32(slot))
        }
    }

    /// The open pending transfers; their holds name slots of the accounts read before.
    private mutating func readPending(_ reader: inout BinaryReader) throws(JournalError) {
        let pendingCount = try reader.readCount("ledger shard \(index) pending", bytesEach: 5)
        guard pendingCount <= configuration.pendingPerShardMax else {
            throw .invalidField(
                "ledger shard \(index) pending",
                reason: "\(pendingCount) exceed pendingPerShardMax \(configuration.pendingPerShardMax)")
        }
        for _ in 0..<pendingCount {
            let id = try reader.readVarint()
            let legsTotal = try Self.readUInt16(&reader, "pending legs")
            let currencyIndex = try reader.readUInt8()
            let resolving = try reader.readBool()
            let holdCount = try reader.readCount("ledger shard \(index) holds", bytesEach: 4)
            var holds: [Hold] = []
            holds.reserveCapacity(holdCount)
            for _ in 0..<holdCount { holds.append(try readHold(&reader)) }
            guard Int(currencyIndex) < Currency.all.count, pending[id] == nil else {
                throw .invalidField(
                    "ledger shard \(index) pending", reason: "transfer \(id) is invalid or repeated")
            }
            pending[id] = OpenPending(
                holds: holds, legsTotal: legsTotal, currencyIndex: currencyIndex, resolving: resolving)
        }
    }

    private func readHold(_ reader: inout BinaryReader) throws(JournalError) -> Hold {
        let slot = try reader.readVarint()
        guard slot < UInt64(accounts.count) else {
            throw .invalidField(
                "ledger shard \(index) hold", reason: "slot \(slot) of \(accounts.count) accounts")
        }
        let amount = try reader.readSignedVarint()
        let legIndex = try Self.readUInt16(&reader, "hold leg")
        return Hold(slot: Int32(slot), amount: amount, legIndex: legIndex, side: try Self.readSide(&reader))
    }

    /// One line of totals per currency of `Currency.all`.
    private mutating func readTotals(_ reader: inout BinaryReader) throws(JournalError) {
        let totalsCount = try reader.readCount("ledger shard \(index) totals", bytesEach: 73)
        guard totalsCount == Currency.all.count else {
            throw .invalidField(
                "ledger shard \(index) totals",
                reason: "\(totalsCount) currencies, expected \(Currency.all.count)")
        }
        for currency in 0..<totalsCount {
            totals[currency].debitsPosted = try reader.readLittleEndian()
            totals[currency].creditsPosted = try reader.readLittleEndian()
            totals[currency].debitsPending = try reader.readLittleEndian()
            totals[currency].creditsPending = try reader.readLittleEndian()
            totals[currency].fingerprint = try reader.readLittleEndian()
            totals[currency].transfers = try reader.readVarint()
        }
    }

    /// The exactly-once window's ids (delta-coded), watermarks and eviction count.
    private static func readWindow(
        _ reader: inout BinaryReader, _ index: Int
    ) throws(JournalError) -> TransferIDWindow.Image {
        let idCount = try reader.readCount("ledger shard \(index) window")
        var ids: [UInt64] = []
        ids.reserveCapacity(idCount)
        var previous: UInt64 = 0
        for _ in 0..<idCount {
            previous &+= UInt64(bitPattern: try reader.readSignedVarint())
            ids.append(previous)
        }
        let watermarkCount = try reader.readCount("ledger shard \(index) watermarks", bytesEach: 2)
        var watermarks: [(producer: UInt32, sequence: UInt32)] = []
        for _ in 0..<watermarkCount {
            let producer = try reader.readVarint()
            let sequence = try reader.readVarint()
            guard producer <= UInt64(UInt32.max), sequence <= UInt64(UInt32.max) else {
                throw .invalidField("ledger shard \(index) watermarks", reason: "value beyond 32 bits")
            }
            watermarks.append((UInt32(producer), UInt32(sequence)))
        }
        let evicted = try reader.readVarint()
        return TransferIDWindow.Image(ids: ids, watermarks: watermarks, evicted: evicted)
    }

    /// The recent entries, oldest first.
    private static func readEntries(
        _ reader: inout BinaryReader, _ index: Int
    ) throws(JournalError) -> [LedgerEntry] {
        let entryCount = try reader.readCount("ledger shard \(index) entries", bytesEach: 14)
        var recent: [LedgerEntry] = []
        recent.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            let transfer = TransferID(try reader.readVarint())
            let account = try readAccount(&reader)
            let amount = try reader.readSignedVarint()
            let side = try readSide(&reader)
            let rawKind = try reader.readUInt8()
            guard let kind = LedgerEntry.Kind(rawValue: rawKind) else {
                throw .invalidField("ledger shard \(index) entry kind", reason: "unknown kind \(rawKind)")
            }
            recent.append(
                LedgerEntry(
                    transfer: transfer, account: account, amount: amount, side: side, kind: kind,
                    balanceAfter: try reader.readSignedVarint(), pendingAfter: try reader.readSignedVarint()))
        }
        return recent
    }

    /// The recent transfer nets, oldest first.
    private static func readNets(
        _ reader: inout BinaryReader, _ index: Int
    ) throws(JournalError) -> [TransferNet] {
        let netCount = try reader.readCount("ledger shard \(index) nets", bytesEach: 5)
        var recentNets: [TransferNet] = []
        recentNets.reserveCapacity(netCount)
        for _ in 0..<netCount {
            recentNets.append(
                TransferNet(
                    id: try reader.readVarint(), net: try reader.readSignedVarint(),
                    legs: try readUInt16(&reader, "net legs"),
                    legsTotal: try readUInt16(&reader, "net legs total"),
                    currencyIndex: try reader.readUInt8()))
        }
        return recentNets
    }

    /// True for a shard that has never booked or opened anything: the only kind a snapshot may
    /// be restored into.
    var isPristine: Bool { accounts.isEmpty && committed == 0 && pending.isEmpty && inFlight.isEmpty }

    private static func write(_ account: AccountID, into writer: inout BinaryWriter) {
        writer.writeVarint(account.owner)
        writer.writeLittleEndian(account.tag)
    }

    private static func readAccount(_ reader: inout BinaryReader) throws(JournalError) -> AccountID {
        let owner = try reader.readVarint()
        return AccountID(owner: owner, tag: try reader.readLittleEndian())
    }

    private static func readSide(_ reader: inout BinaryReader) throws(JournalError) -> Transfer.Side {
        let raw = try reader.readUInt8()
        guard let side = Transfer.Side(rawValue: raw) else {
            throw .invalidField("ledger side", reason: "unknown side \(raw)")
        }
        return side
    }

    private static func readUInt16(
        _ reader: inout BinaryReader, _ field: String
    ) throws(JournalError) -> UInt16 {
        let value = try reader.readVarint()
        guard value <= UInt64(UInt16.max) else {
            throw .invalidField("ledger \(field)", reason: "\(value) beyond 16 bits")
        }
        return UInt16(value)
    }
}
