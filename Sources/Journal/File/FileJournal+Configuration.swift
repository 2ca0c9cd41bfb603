extension FileJournal {
    /// How a file journal lays out and syncs its log.
    public struct Configuration: Sendable, Hashable {
        public static let defaultRecordBytesMax = 1 << 20

        /// A segment is rotated before a frame would take it past this size (64 MiB default,
        /// like PostgreSQL's larger WAL segment settings): small enough to scan quickly on
        /// recovery, large enough that rotation is rare.
        public var segmentBytesMax: Int
        public var syncPolicy: SyncPolicy
        /// The largest record payload accepted; larger appends throw `.recordTooLarge`.
        public var recordBytesMax: Int
        /// The most bytes the writer gathers into one write (and one sync); appends queued
        /// beyond it go into the next batch. Bounds the writer's buffer.
        public var batchBytesMax: Int
        /// Distance between sparse index points within a segment: a read scans at most about
        /// this many bytes to find its first record.
        public var indexIntervalBytes: Int

        public init(
            segmentBytesMax: Int = 64 << 20, syncPolicy: SyncPolicy = .everyBatch,
            recordBytesMax: Int = Configuration.defaultRecordBytesMax, batchBytesMax: Int = 8 << 20,
            indexIntervalBytes: Int = 64 << 10
        ) {
            self.segmentBytesMax = segmentBytesMax
            self.syncPolicy = syncPolicy
            self.recordBytesMax = recordBytesMax
            self.batchBytesMax = batchBytesMax
            self.indexIntervalBytes = indexIntervalBytes
        }

        func validate() throws(JournalError) {
            guard recordBytesMax > 0, recordBytesMax <= Int(UInt32.max) - SegmentFormat.frameFixedBytes else {
                throw .invalidConfiguration("recordBytesMax \(recordBytesMax) is out of range")
            }
            let frameMax = SegmentFormat.frameBytes(payloadBytes: recordBytesMax)
            guard segmentBytesMax >= SegmentFormat.headerBytes + frameMax else {
                throw .invalidConfiguration(
                    "segmentBytesMax \(segmentBytesMax) cannot hold one record of recordBytesMax \(recordBytesMax)"
                )
            }
            guard batchBytesMax > 0, indexIntervalBytes > 0 else {
                throw .invalidConfiguration("batchBytesMax and indexIntervalBytes must be positive")
            }
            if case .interval(let milliseconds) = syncPolicy, milliseconds <= 0 {
                throw .invalidConfiguration("sync interval must be positive, got \(milliseconds) ms")
            }
        }
    }

    /// Counters of the file journal's work, for benchmarks and for tests that check group
    /// commit really groups (syncs far fewer than appends).
    public struct Statistics: Sendable, Hashable {
        /// `append` calls accepted (non-empty).
        public var appendCalls: UInt64 = 0
        public var recordsAppended: UInt64 = 0
        /// Batches the writer gathered (each one or more appends).
        public var batches: UInt64 = 0
        public var writeCalls: UInt64 = 0
        public var syncCalls: UInt64 = 0
        public var bytesWritten: UInt64 = 0
        public var segmentsCreated: UInt64 = 0
        /// The most appends one batch gathered.
        public var batchAppendsMax: Int = 0

        public init() {}
    }
}
