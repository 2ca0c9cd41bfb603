import Journal

/// What the orchestrator is about to book in the ledger for one payment (an *intent*, written
/// before the ledger is called), or that the ledger refused it (an *abort*).
///
/// This is the redo record that ties a payment's state change to its money movement: the ledger
/// journals the transfers it applied, but a crash can fall between the payment's transition and
/// the ledger's append, or tear a batch in two. Recovery re-submits every intent transfer the
/// ledger's records do not contain (exactly-once makes that safe), so no payment is left with
/// its state changed and its money half moved. Payouts use payment id 0.
///
/// Layout (version 1): varint payment id, kind u8 (0 intent, 1 abort), varint transfer count,
/// then each transfer as a length-prefixed `LedgerTransferRecord` payload.
package struct PaymentBookingRecord: JournalCodable, Hashable, Sendable {
    package static let recordType: UInt8 = JournalRecordType.servicesRange.lowerBound + 1

    package enum Kind: UInt8, Hashable, Sendable {
        case intent = 0
        case abort = 1
    }

    package var paymentID: UInt64
    package var kind: Kind
    /// The transfers of an intent; empty for an abort.
    package var transfers: [LedgerTransferRecord]

    package init(paymentID: UInt64, kind: Kind, transfers: [LedgerTransferRecord]) {
        self.paymentID = paymentID
        self.kind = kind
        self.transfers = transfers
    }

    package func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(paymentID)
        writer.write(kind.rawValue)
        writer.writeVarint(UInt64(transfers.count))
        for transfer in transfers {
            var inner = BinaryWriter()
            transfer.encode(into: &inner)
            writer.writeBytes(inner.bytes)
        }
    }

    package init(from reader: inout BinaryReader) throws(JournalError) {
        paymentID = try reader.readVarint()
        let rawKind = try reader.readUInt8()
        guard let kind = Kind(rawValue: rawKind) else {
            throw .invalidField("PaymentBookingRecord.kind", reason: "unknown kind \(rawKind)")
        }
        self.kind = kind
        let count = try reader.readVarint()
        // Each transfer takes at least its length byte: a larger count is corruption.
        guard count <= UInt64(reader.remaining) else {
            throw .invalidField(
                "PaymentBookingRecord.transfers",
                reason: "\(count) transfers cannot fit in \(reader.remaining) bytes")
        }
        var transfers: [LedgerTransferRecord] = []
        transfers.reserveCapacity(Int(count))
        for _ in 0..<count {
            var inner = BinaryReader(try reader.readBytes(), version: 1)
            transfers.append(try LedgerTransferRecord(from: &inner))
            try inner.expectEnd()
        }
        self.transfers = transfers
    }
}
