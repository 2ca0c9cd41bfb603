/// What opening a file journal found: how much it recovered and whether it cut a torn tail.
///
/// A crash mid-write leaves the last record incomplete or with a bad checksum; that record was
/// never acknowledged (its appender resumes only after the write), so recovery truncates it.
/// The report says so, because an operator should know that a crash happened and how much was
/// cut.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// The torn tail recovery removed.
    public struct Truncation: Sendable, Hashable {
        /// Segment file name.
        public let segment: String
        /// Byte offset in the segment where the first bad frame started (the new end).
        public let offset: Int64
        public let bytesTruncated: Int64
        public let reason: String
    }

    public let segmentsScanned: Int
    public let recordsRecovered: UInt64
    /// Position of the last record recovered (`.origin` if none).
    public let lastPosition: JournalPosition
    public let truncation: Truncation?

    public var bytesTruncated: Int64 { truncation?.bytesTruncated ?? 0 }

    public var description: String {
        var text =
            "recovered \(recordsRecovered) records from \(segmentsScanned) segments, last position \(lastPosition)"
        if let truncation {
            text +=
                "; truncated a torn tail of \(truncation.bytesTruncated) bytes in \(truncation.segment)"
                + " at offset \(truncation.offset) (\(truncation.reason))"
        }
        return text
    }
}
