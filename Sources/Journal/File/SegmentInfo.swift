/// What the journal knows about one segment file: its range of sequences, how many of its bytes
/// hold complete records, and a sparse index so that a read need not scan the whole segment.
struct SegmentInfo: Sendable {
    /// One index point: the frame of `sequence` starts at `offset`.
    struct IndexEntry: Sendable {
        let sequence: UInt64
        let offset: Int64
    }

    let firstSequence: UInt64
    let name: String
    /// `firstSequence - 1` while the segment holds no record.
    var lastSequence: UInt64
    /// End of the last complete frame (the header's end when empty).
    var endOffset: Int64
    /// One entry at the first frame and then one every `indexIntervalBytes` or more: at most
    /// `segmentBytesMax / indexIntervalBytes + 1` entries (1,025 with the defaults).
    var index: [IndexEntry] = []

    init(firstSequence: UInt64, name: String) {
        self.firstSequence = firstSequence
        self.name = name
        self.lastSequence = firstSequence - 1
        self.endOffset = Int64(SegmentFormat.headerBytes)
    }

    var isEmpty: Bool { lastSequence < firstSequence }

    /// Records the frame of `sequence` at `offset`, indexing it if it is far enough from the
    /// last index point.
    mutating func noteFrame(sequence: UInt64, offset: Int64, bytes: Int, indexIntervalBytes: Int) {
        if let last = index.last {
            if offset - last.offset >= Int64(indexIntervalBytes) {
                index.append(IndexEntry(sequence: sequence, offset: offset))
            }
        } else {
            index.append(IndexEntry(sequence: sequence, offset: offset))
        }
        lastSequence = sequence
        endOffset = offset + Int64(bytes)
    }

    /// The offset of the latest index point at or before `sequence` (the header's end if none).
    func startOffset(for sequence: UInt64) -> (sequence: UInt64, offset: Int64) {
        var low = 0
        var high = index.count
        while low < high {
            let middle = (low + high) / 2
            if index[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return (firstSequence, Int64(SegmentFormat.headerBytes)) }
        return (index[low - 1].sequence, index[low - 1].offset)
    }
}
