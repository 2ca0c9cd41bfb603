import Core
import Journal

/// A merchant's onboarding as journaled, so that recovery can rebuild the merchant directory
/// (who exists, in which currency it settles) before it rebuilds their payments.
///
/// Layout (version 1): varint merchant id, settlement currency index u8, time ns i64 LE.
package struct MerchantOnboardedRecord: JournalCodable, Hashable, Sendable {
    package static let recordType: UInt8 = JournalRecordType.servicesRange.lowerBound

    package var merchantID: UInt64
    package var settlementCurrencyIndex: UInt8
    /// Simulated time of the onboarding, nanoseconds.
    package var timeNanoseconds: Int64

    package init(merchantID: UInt64, settlementCurrencyIndex: UInt8, timeNanoseconds: Int64) {
        self.merchantID = merchantID
        self.settlementCurrencyIndex = settlementCurrencyIndex
        self.timeNanoseconds = timeNanoseconds
    }

    package func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(merchantID)
        writer.write(settlementCurrencyIndex)
        writer.writeLittleEndian(timeNanoseconds)
    }

    package init(from reader: inout BinaryReader) throws(JournalError) {
        merchantID = try reader.readVarint()
        settlementCurrencyIndex = try reader.readUInt8()
        guard Int(settlementCurrencyIndex) < Currency.all.count else {
            throw .invalidField(
                "MerchantOnboardedRecord.settlementCurrencyIndex",
                reason: "unknown currency index \(settlementCurrencyIndex)")
        }
        timeNanoseconds = try reader.readLittleEndian()
    }
}
