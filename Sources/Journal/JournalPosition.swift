/// Where a record sits in a journal: its sequence number, 1-based and contiguous.
///
/// `.origin` (0) is the position before the first record: the last position of an empty
/// journal, and the place a full replay starts reading from.
public struct JournalPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let sequence: UInt64

    public init(_ sequence: UInt64) { self.sequence = sequence }

    /// Before the first record.
    public static let origin = JournalPosition(0)

    /// The position right after this one (saturating, so that it never traps).
    public var next: JournalPosition {
        JournalPosition(sequence == .max ? .max : sequence + 1)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.sequence < rhs.sequence }

    public var description: String { "#\(sequence)" }
}

/// A record read back from a journal, with the position it was written at.
public struct JournalEntry: Hashable, Sendable {
    public let position: JournalPosition
    public let record: JournalRecord

    public init(position: JournalPosition, record: JournalRecord) {
        self.position = position
        self.record = record
    }
}

/// A stored state image and the last position it includes: replay resumes at `position.next`.
public struct JournalSnapshot: Hashable, Sendable {
    public let position: JournalPosition
    public let data: [UInt8]

    public init(position: JournalPosition, data: [UInt8]) {
        self.position = position
        self.data = data
    }
}
