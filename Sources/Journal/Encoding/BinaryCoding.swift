import Core

/// What `BinaryEncoder` and `BinaryDecoder` tell apart by type metadata, beside the primitives.
enum BinaryCoding {
    /// Taken once: in generic code, `[UInt8].self` asks the runtime for the array's metadata.
    static let byteArrayType = ObjectIdentifier([UInt8].self)
    /// Core's identifiers, each coded as its number (every one is a single `UInt64`).
    static let identifierTypes: [ObjectIdentifier] = [
        ObjectIdentifier(PaymentID.self), ObjectIdentifier(MerchantID.self), ObjectIdentifier(EventID.self),
        ObjectIdentifier(RefundID.self), ObjectIdentifier(TransferID.self), ObjectIdentifier(CustomerID.self),
        ObjectIdentifier(DisputeID.self), ObjectIdentifier(PayoutID.self),
    ]
    static let currencies = CaseTable(Currency.all)
    static let eventTypes = CaseTable(PaymentEventType.allCases)
    static let declineCodes = CaseTable(DeclineCode.allCases)
    static let disputeStatuses = CaseTable(DisputeStatus.allCases)
}

/// Core's values as `BinaryEncoder` writes them, for a layout written by hand (a hot journal
/// record): the same bytes, without a container.
extension BinaryWriter {
    public mutating func write(_ currency: Currency) { writeVarint(UInt64(currency.index)) }
    public mutating func write(_ type: PaymentEventType) { BinaryCoding.eventTypes.write(type, to: &self) }
    public mutating func write(_ code: DeclineCode) { BinaryCoding.declineCodes.write(code, to: &self) }
    public mutating func write(_ status: DisputeStatus) {
        BinaryCoding.disputeStatuses.write(status, to: &self)
    }

    /// A presence byte, then the value if there is one (as `BinaryEncoder` codes an optional).
    public mutating func write<Value>(_ value: Value?, _ write: (inout BinaryWriter, Value) -> Void) {
        self.write(value != nil)
        if let value { write(&self, value) }
    }

    /// A value a hand-written layout leaves to its `Codable` conformance (a rare one).
    public mutating func writeCodable(_ value: some Encodable) {
        do {
            try BinaryEncoder().encode(value, into: &self)
        } catch {
            // Only an encoder that refuses a value throws, and `BinaryEncoder` refuses none.
            preconditionFailure("\(type(of: value)) does not encode: \(error)")
        }
    }
}

extension BinaryReader {
    public mutating func read(_: Currency.Type) throws(JournalError) -> Currency {
        try BinaryCoding.currencies.value(from: &self)
    }
    public mutating func read(_: PaymentEventType.Type) throws(JournalError) -> PaymentEventType {
        try BinaryCoding.eventTypes.value(from: &self)
    }
    public mutating func read(_: DeclineCode.Type) throws(JournalError) -> DeclineCode {
        try BinaryCoding.declineCodes.value(from: &self)
    }
    public mutating func read(_: DisputeStatus.Type) throws(JournalError) -> DisputeStatus {
        try BinaryCoding.disputeStatuses.value(from: &self)
    }

    /// What `BinaryWriter.writeCodable` wrote.
    public mutating func readCodable<Value: Decodable>(_ type: Value.Type) throws(JournalError) -> Value {
        do {
            return try BinaryDecoder().decode(type, from: &self)
        } catch let error as JournalError {
            throw error
        } catch {
            throw .invalidField("\(Value.self)", reason: "\(error)")
        }
    }
}
