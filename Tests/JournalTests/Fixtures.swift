@testable import Journal

/// Records of every type the Journal module ships, with edge values.
enum Fixtures {
    static let transfers: [LedgerTransferRecord] = [
        LedgerTransferRecord(
            transferID: 1, currencyIndex: 0, code: 7, phase: .single,
            legs: [
                .init(accountOwner: 42, accountTag: 0x0100_0000_0000_0000, side: 0, amount: 1_999),
                .init(accountOwner: 0, accountTag: 0x0300_0000_0000_0003, side: 1, amount: 1_999),
            ]),
        LedgerTransferRecord(
            transferID: .max, currencyIndex: 255, code: .max, phase: .post, pendingID: 12_345,
            legs: [
                .init(accountOwner: .max, accountTag: .max, side: 0, amount: .max),
                .init(accountOwner: 1, accountTag: 0, side: 1, amount: .min),
                .init(accountOwner: 2, accountTag: 5, side: 1, amount: 0),
            ]),
        LedgerTransferRecord(transferID: 9, currencyIndex: 3, code: 0, phase: .void, pendingID: 8, legs: []),
        LedgerTransferRecord(transferID: 10, currencyIndex: 1, code: 1, phase: .pending, legs: []),
    ]

    static let payments: [PaymentEventRecord] = [
        PaymentEventRecord(
            paymentID: 1, merchantID: 2, eventType: 3, state: 4, amounts: [10_000, -250, 0],
            currencyIndex: 1, timeNanoseconds: 1_234_567_890, idempotencyKey: "idem-ключ-✓",
            encryptedCardFields: [1, 2, 3, 0, 255]),
        PaymentEventRecord(
            paymentID: .max, merchantID: 0, eventType: .max, state: .max, amounts: [], currencyIndex: 0,
            timeNanoseconds: .min),
        PaymentEventRecord(
            paymentID: 5, merchantID: 6, eventType: 0, state: 0, amounts: Array(repeating: .min, count: 16),
            currencyIndex: 2, timeNanoseconds: .max, idempotencyKey: "", encryptedCardFields: []),
    ]

    /// One record of each fixture, encoded.
    static var records: [JournalRecord] {
        transfers.map(JournalRecord.init) + payments.map(JournalRecord.init)
    }

    /// A record with a fixed-size payload tagged with `index`, so that tests can compute frame
    /// offsets: each frame is 18 + `payloadBytes` bytes.
    static func numbered(_ index: Int, payloadBytes: Int = 32) -> JournalRecord {
        var payload = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: payloadBytes)
        withUnsafeBytes(of: UInt64(index).littleEndian) { raw in
            for (offset, byte) in raw.enumerated() where offset < payloadBytes { payload[offset] = byte }
        }
        return JournalRecord(type: 200, version: 1, payload: payload)
    }
}
