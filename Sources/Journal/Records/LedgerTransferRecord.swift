/// A ledger transfer as journaled: plain integers, so that the Journal module does not depend on
/// Ledger (the ledger maps its `Transfer` to and from this).
///
/// Layout (version 1): varint transfer id, currency index u8, code u16 LE, phase u8, varint
/// pending id, varint leg count, then per leg: varint owner, tag u64 LE, side u8, zig-zag varint
/// amount. Tags are fixed-width because they pack high bits (kind, currency) and would take
/// 9-10 bytes as varints.
public struct LedgerTransferRecord: JournalCodable, Hashable, Sendable {
    public static let recordType = JournalRecordType.ledgerTransfer
    /// The fewest bytes a leg encodes to (1-byte owner, 8-byte tag, side, 1-byte amount): a leg
    /// count larger than the remaining bytes allow is corruption, refused before allocating.
    static let legBytesMin = 11

    /// Single-phase or a step of a two-phase transfer, as the ledger numbers them.
    public enum Phase: UInt8, Hashable, Sendable {
        case single = 0
        case pending = 1
        case post = 2
        case void = 3
    }

    public struct Leg: Hashable, Sendable {
        public var accountOwner: UInt64
        public var accountTag: UInt64
        /// 0 debit, 1 credit (the ledger's `Transfer.Side` raw values).
        public var side: UInt8
        public var amount: Int64

        public init(accountOwner: UInt64, accountTag: UInt64, side: UInt8, amount: Int64) {
            self.accountOwner = accountOwner
            self.accountTag = accountTag
            self.side = side
            self.amount = amount
        }
    }

    public var transferID: UInt64
    public var currencyIndex: UInt8
    public var code: UInt16
    public var phase: Phase
    /// The pending transfer a post or void resolves; 0 for single and pending transfers.
    public var pendingID: UInt64
    public var legs: [Leg]

    public init(
        transferID: UInt64, currencyIndex: UInt8, code: UInt16, phase: Phase, pendingID: UInt64 = 0,
        legs: [Leg]
    ) {
        self.transferID = transferID
        self.currencyIndex = currencyIndex
        self.code = code
        self.phase = phase
        self.pendingID = pendingID
        self.legs = legs
    }

    public func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(transferID)
        writer.write(currencyIndex)
        writer.writeLittleEndian(code)
        writer.write(phase.rawValue)
        writer.writeVarint(pendingID)
        writer.writeVarint(UInt64(legs.count))
        for leg in legs {
            writer.writeVarint(leg.accountOwner)
            writer.writeLittleEndian(leg.accountTag)
            writer.write(leg.side)
            writer.writeSignedVarint(leg.amount)
        }
    }

    public init(from reader: inout BinaryReader) throws(JournalError) {
        transferID = try reader.readVarint()
        currencyIndex = try reader.readUInt8()
        code = try reader.readLittleEndian()
        let rawPhase = try reader.readUInt8()
        guard let phase = Phase(rawValue: rawPhase) else {
            throw .invalidField("LedgerTransferRecord.phase", reason: "unknown phase \(rawPhase)")
        }
        self.phase = phase
        pendingID = try reader.readVarint()
        let count = try reader.readVarint()
        guard count <= UInt64(reader.remaining / Self.legBytesMin) else {
            throw .invalidField(
                "LedgerTransferRecord.legs", reason: "\(count) legs cannot fit in \(reader.remaining) bytes")
        }
        var legs: [Leg] = []
        legs.reserveCapacity(Int(count))
        for _ in 0..<count {
            let owner = try reader.readVarint()
            let tag: UInt64 = try reader.readLittleEndian()
            let side = try reader.readUInt8()
            guard side <= 1 else {
                throw .invalidField("LedgerTransferRecord.legs.side", reason: "unknown side \(side)")
            }
            let amount = try reader.readSignedVarint()
            legs.append(Leg(accountOwner: owner, accountTag: tag, side: side, amount: amount))
        }
        self.legs = legs
    }
}
