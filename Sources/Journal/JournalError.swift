/// Everything that can go wrong writing, reading, decoding or recovering a journal.
///
/// Each case names what a human needs to act on: the segment file and byte offset of a corrupt
/// record, the system call and `errno` of a failed I/O, the field of a malformed payload.
public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A decoder needed `needed` more bytes at `offset` but only `available` remained.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A varint at `offset` ran past 10 bytes or overflowed 64 bits.
    case malformedVarint(offset: Int)
    /// A decoded field holds a value its type does not allow.
    case invalidField(String, reason: String)
    /// A payload decoded completely but left `count` bytes unread (corruption or a bad type tag).
    case trailingBytes(count: Int)
    /// The record is of another type than the decoder expected.
    case unexpectedRecordType(expected: UInt8, found: UInt8)
    /// The record was written by a newer (or invalid) format version than this build reads.
    case unsupportedVersion(recordType: UInt8, version: UInt8, supported: UInt8)
    /// A record's payload is larger than the journal accepts.
    case recordTooLarge(bytes: Int, max: Int)
    /// A stored record failed validation during recovery or a read. Recovery stops here rather
    /// than skip it: valid records follow, so dropping it would silently lose acknowledged data.
    case corruptRecord(segment: String, offset: Int64, reason: String)
    /// A stored snapshot failed validation.
    case corruptSnapshot(file: String, reason: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// Another open journal (in this process or another) holds the directory's lock.
    case alreadyOpen(directory: String)
    /// The journal was closed, or an earlier I/O failure made it refuse further appends.
    case closed
    /// A position beyond the end of the journal was given where an existing one is required.
    case invalidPosition(JournalPosition, last: JournalPosition)
    /// The records from `requested` on were dropped after a snapshot covered them (retention):
    /// the oldest record still held is `firstRetained`. Start from the snapshot instead.
    case compacted(requested: JournalPosition, firstRetained: JournalPosition)
    /// The in-memory journal reached its configured record limit.
    case full(recordsMax: Int)
    /// A `--journal` value that is neither `memory` nor `file:PATH`.
    case invalidLocation(String, reason: String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// Encryption or decryption of a card-related field failed (wrong key, tampered bytes).
    case cipher(String)
    /// A field about to be sealed looks like a card number; only tokens may be journaled.
    case panRejected

    public var description: String {
        switch self {
        case .truncated(let offset, let needed, let available):
            "record payload truncated at byte \(offset): needed \(needed) bytes, \(available) left"
        case .malformedVarint(let offset):
            "malformed varint at byte \(offset)"
        case .invalidField(let field, let reason):
            "invalid field '\(field)': \(reason)"
        case .trailingBytes(let count):
            "record payload has \(count) unread trailing bytes"
        case .unexpectedRecordType(let expected, let found):
            "expected record type \(expected), found \(found)"
        case .unsupportedVersion(let type, let version, let supported):
            "record type \(type) has format version \(version); this build reads 1...\(supported)"
        case .recordTooLarge(let bytes, let max):
            "record payload of \(bytes) bytes exceeds the limit of \(max) bytes"
        case .corruptRecord(let segment, let offset, let reason):
            "corrupt journal record in segment \(segment) at byte offset \(offset): \(reason); "
                + "valid records follow it, so recovery stops instead of skipping it"
        case .corruptSnapshot(let file, let reason):
            "corrupt journal snapshot \(file): \(reason)"
        case .io(let operation, let path, let errno):
            "\(operation) failed on \(path): errno \(errno)"
        case .alreadyOpen(let directory):
            "the journal in \(directory) is already open (its LOCK file is held by another journal or process)"
        case .closed:
            "the journal is closed"
        case .invalidPosition(let position, let last):
            "position \(position) is beyond the last journal position \(last)"
        case .compacted(let requested, let first):
            "journal records before \(first) were dropped after a snapshot covered them; "
                + "cannot read from \(requested) (start from the latest snapshot)"
        case .full(let recordsMax):
            "the in-memory journal is full (\(recordsMax) records)"
        case .invalidLocation(let text, let reason):
            "invalid journal location '\(text)': \(reason) (expected 'memory' or 'file:PATH')"
        case .invalidConfiguration(let reason):
            "invalid journal configuration: \(reason)"
        case .cipher(let reason):
            "card field cipher failed: \(reason)"
        case .panRejected:
            "refused to journal a field that looks like a card number (PAN); journal tokens only"
        }
    }
}
