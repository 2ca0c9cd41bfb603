import Testing

@testable import Journal

@Suite struct EncodingTests {
    static let unsignedEdges: [UInt64] = [0, 1, 127, 128, 255, 16_383, 16_384, 1 << 32, .max - 1, .max]
    static let signedEdges: [Int64] = [0, 1, -1, 63, -64, 64, -65, .max, .min, .min + 1]

    @Test(arguments: unsignedEdges) func varintRoundTrip(value: UInt64) throws {
        var writer = BinaryWriter()
        writer.writeVarint(value)
        #expect(writer.count <= 10)
        var reader = BinaryReader(writer.bytes)
        #expect(try reader.readVarint() == value)
        #expect(reader.isAtEnd)
    }

    @Test(arguments: signedEdges) func signedVarintRoundTrip(value: Int64) throws {
        var writer = BinaryWriter()
        writer.writeSignedVarint(value)
        var reader = BinaryReader(writer.bytes)
        #expect(try reader.readSignedVarint() == value)
    }

    @Test func smallNegativeAmountsStaySmall() {
        var writer = BinaryWriter()
        writer.writeSignedVarint(-1)
        #expect(writer.count == 1)
    }

    @Test func fixedWidthStringsAndBytesRoundTrip() throws {
        var writer = BinaryWriter()
        writer.writeLittleEndian(UInt16(0xBEEF))
        writer.writeLittleEndian(UInt32(0xDEAD_BEEF))
        writer.writeLittleEndian(Int64.min)
        writer.write(true)
        writer.writeString("héllo")
        writer.writeBytes([9, 8, 7])
        #expect(Array(writer.bytes.prefix(2)) == [0xEF, 0xBE])
        var reader = BinaryReader(writer.bytes)
        #expect(try reader.readLittleEndian(UInt16.self) == 0xBEEF)
        #expect(try reader.readLittleEndian(UInt32.self) == 0xDEAD_BEEF)
        #expect(try reader.readLittleEndian(Int64.self) == .min)
        #expect(try reader.readBool() == true)
        #expect(try reader.readString() == "héllo")
        #expect(try reader.readBytes() == [9, 8, 7])
        try reader.expectEnd()
    }

    @Test func truncationIsATypedError() {
        var reader = BinaryReader([1, 2])
        #expect(throws: JournalError.truncated(offset: 0, needed: 4, available: 2)) {
            _ = try reader.readLittleEndian(UInt32.self)
        }
        var lengthy = BinaryReader([5, 1, 2])
        #expect(throws: JournalError.truncated(offset: 1, needed: 5, available: 2)) {
            _ = try lengthy.readBytes()
        }
        var unfinished = BinaryReader([0x80, 0x80])
        #expect(throws: JournalError.truncated(offset: 0, needed: 3, available: 2)) {
            _ = try unfinished.readVarint()
        }
    }

    @Test func overlongVarintIsRejected() {
        var reader = BinaryReader([UInt8](repeating: 0xFF, count: 10) + [0x01])
        #expect(throws: JournalError.malformedVarint(offset: 0)) { _ = try reader.readVarint() }
    }

    @Test func invalidUTF8AndOversizedBytesAreRejected() {
        var reader = BinaryReader([2, 0xC3, 0x28])
        #expect(throws: JournalError.self) { _ = try reader.readString() }
        var big = BinaryReader([3, 1, 2, 3])
        #expect(throws: JournalError.self) { _ = try big.readBytes(maxLength: 2) }
    }

    @Test(arguments: Fixtures.transfers) func ledgerTransferRoundTrip(transfer: LedgerTransferRecord) throws {
        let record = JournalRecord(transfer)
        #expect(record.type == JournalRecordType.ledgerTransfer)
        #expect(record.version == 1)
        #expect(try record.decode(LedgerTransferRecord.self) == transfer)
    }

    @Test(arguments: Fixtures.payments) func paymentEventRoundTrip(event: PaymentEventRecord) throws {
        let record = JournalRecord(event)
        #expect(record.type == JournalRecordType.paymentEvent)
        #expect(try record.decode(PaymentEventRecord.self) == event)
    }

    @Test func decodeChecksTypeVersionAndTrailingBytes() throws {
        let record = JournalRecord(Fixtures.transfers[0])
        #expect(throws: JournalError.unexpectedRecordType(expected: 2, found: 1)) {
            _ = try record.decode(PaymentEventRecord.self)
        }
        let future = JournalRecord(type: record.type, version: 2, payload: record.payload)
        #expect(throws: JournalError.unsupportedVersion(recordType: 1, version: 2, supported: 1)) {
            _ = try future.decode(LedgerTransferRecord.self)
        }
        let padded = JournalRecord(type: record.type, version: 1, payload: record.payload + [0])
        #expect(throws: JournalError.trailingBytes(count: 1)) {
            _ = try padded.decode(LedgerTransferRecord.self)
        }
    }

    @Test func everyTruncationOfARecordFailsCleanly() throws {
        for record in Fixtures.records {
            for length in 0..<record.payload.count {
                let cut = JournalRecord(
                    type: record.type, version: 1, payload: Array(record.payload.prefix(length)))
                if record.type == JournalRecordType.ledgerTransfer {
                    #expect(throws: JournalError.self) { _ = try cut.decode(LedgerTransferRecord.self) }
                } else {
                    #expect(throws: JournalError.self) { _ = try cut.decode(PaymentEventRecord.self) }
                }
            }
        }
    }

    /// No fixed limits: whatever encodes decodes, however large (the journal's record size limit
    /// is the only bound), while a corrupt count cannot make the decoder allocate wildly.
    @Test func largeRecordsRoundTripAndHugeCountsAreRejected() throws {
        let legs = (0..<1_000).map {
            LedgerTransferRecord.Leg(accountOwner: UInt64($0), accountTag: 1, side: UInt8($0 % 2), amount: 5)
        }
        let transfer = LedgerTransferRecord(
            transferID: 1, currencyIndex: 0, code: 0, phase: .single, legs: legs)
        #expect(try JournalRecord(transfer).decode(LedgerTransferRecord.self) == transfer)
        let event = PaymentEventRecord(
            paymentID: 1, merchantID: 1, eventType: 1, state: 1, amounts: Array(repeating: -1, count: 100),
            currencyIndex: 0, timeNanoseconds: 0, idempotencyKey: String(repeating: "k", count: 300))
        #expect(try JournalRecord(event).decode(PaymentEventRecord.self) == event)

        var writer = BinaryWriter()
        writer.writeVarint(1)
        writer.write(UInt8(0))
        writer.writeLittleEndian(UInt16(0))
        writer.write(UInt8(0))
        writer.writeVarint(0)
        writer.writeVarint(1 << 60)
        let huge = JournalRecord(type: JournalRecordType.ledgerTransfer, payload: writer.bytes)
        #expect(throws: JournalError.self) { _ = try huge.decode(LedgerTransferRecord.self) }
    }

    @Test func unknownEnumValuesAreRejected() throws {
        var payload = JournalRecord(Fixtures.transfers[2]).payload
        // transfer id 9 (1 byte), currency (1), code (2), then the phase byte.
        payload[4] = 9
        let record = JournalRecord(type: JournalRecordType.ledgerTransfer, payload: payload)
        #expect(throws: JournalError.self) { _ = try record.decode(LedgerTransferRecord.self) }
    }
}

@Suite struct JournalKeyTests {
    @Test func hexAndRawKeysParse() throws {
        let key: [UInt8] = (0..<32).map { UInt8($0 * 8) }
        let hex = key.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(try JournalKey.parse(hex: hex) == key)
        #expect(try JournalKey.parse(hex: hex.uppercased() + "\n") == key)
        #expect(try JournalKey.parse(fileContents: key) == key)
        #expect(try JournalKey.parse(fileContents: Array((hex + "\n").utf8)) == key)
    }

    @Test func malformedKeysAreRejectedWithoutEchoingThem() {
        let secretish = String(repeating: "ab", count: 31) + "zz"
        for text in ["", "abcd", secretish, String(repeating: "a", count: 66)] {
            do {
                _ = try JournalKey.parse(hex: text)
                Issue.record("accepted a malformed key")
            } catch {
                guard case .cipher(let reason) = error else {
                    Issue.record("expected .cipher, got \(error)")
                    continue
                }
                #expect(!text.isEmpty ? !reason.contains(text) : true)
            }
        }
    }
}
