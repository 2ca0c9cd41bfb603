import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Scans a journal directory on open: validates every segment and frame, truncates a torn tail,
/// and refuses (with the segment and offset) corruption that valid records follow.
///
/// The distinction matters: a crash can only tear the end of the log, and what it tore was never
/// acknowledged, so cutting it is correct. Damage with valid records after it is something else
/// (a disk error, a stray write); skipping it would silently drop acknowledged records, and
/// truncating there would drop even more, so recovery stops and says where.
enum SegmentRecovery {
    struct Result {
        var segments: [SegmentInfo]
        var report: RecoveryReport
    }

    static func recover(
        directory: String, configuration: FileJournal.Configuration
    ) throws(JournalError) -> Result {
        let files = try segmentFiles(in: directory)
        var segments: [SegmentInfo] = []
        var truncation: RecoveryReport.Truncation?
        var recovered: UInt64 = 0
        for (position, (firstSequence, name)) in files.enumerated() {
            if let previous = segments.last, firstSequence != previous.lastSequence + 1 {
                throw .corruptRecord(
                    segment: name, offset: 0,
                    reason:
                        "segment starts at sequence \(firstSequence) but \(previous.name) ends at \(previous.lastSequence)"
                )
            }
            let (segment, cut) = try recoverSegment(
                SegmentInfo(firstSequence: firstSequence, name: name), directory: directory,
                isLast: position == files.count - 1, configuration)
            if let cut { truncation = cut }
            // A segment whose torn header was rewritten is empty: it adds nothing.
            recovered += segment.lastSequence + 1 - segment.firstSequence
            segments.append(segment)
        }
        if segments.isEmpty {
            let first: UInt64 = 1
            try createSegment(directory: directory, firstSequence: first)
            segments.append(
                SegmentInfo(firstSequence: first, name: SegmentFormat.fileName(firstSequence: first)))
        }
        let last = segments.last!.lastSequence
        return Result(
            segments: segments,
            report: RecoveryReport(
                segmentsScanned: files.count, recordsRecovered: recovered,
                lastPosition: JournalPosition(last),
                truncation: truncation))
    }

    /// Validates one segment's header and frames and repairs what a crash can leave at the end
    /// of the log (a torn header, a torn tail), only in the last segment: anywhere else, or with
    /// a valid record after the damage, it throws where the damage is.
    static func recoverSegment(
        _ empty: SegmentInfo, directory: String, isLast: Bool, _ configuration: FileJournal.Configuration
    ) throws(JournalError) -> (SegmentInfo, RecoveryReport.Truncation?) {
        var segment = empty
        let name = segment.name
        let path = directory + "/" + name
        let descriptor = try FileIO.open(path, flags: O_RDWR)
        defer { FileIO.close(descriptor) }
        let size = try FileIO.size(descriptor, path: path)
        let bytes = try FileIO.read(descriptor, count: Int(size), at: 0, path: path)
        if bytes.count < SegmentFormat.headerBytes {
            guard isLast else {
                throw .corruptRecord(segment: name, offset: 0, reason: "segment is shorter than its header")
            }
            // A crash while creating the segment: rewrite its header.
            var header: [UInt8] = []
            SegmentFormat.appendHeader(firstSequence: segment.firstSequence, to: &header)
            try FileIO.truncate(descriptor, length: 0, path: path)
            try FileIO.write(descriptor, header, at: 0, path: path)
            try FileIO.dataSync(descriptor, path: path)
            let cut = RecoveryReport.Truncation(
                segment: name, offset: 0, bytesTruncated: Int64(bytes.count), reason: "torn segment header")
            return (segment, cut)
        }
        if let problem = SegmentFormat.headerProblem(bytes, firstSequence: segment.firstSequence) {
            throw .corruptRecord(segment: name, offset: 0, reason: problem)
        }
        guard let damage = scanFrames(bytes, into: &segment, configuration) else { return (segment, nil) }
        guard isLast else {
            throw .corruptRecord(
                segment: name, offset: Int64(damage.offset), reason: damage.reason + "; later segments follow"
            )
        }
        if let later = validFrame(
            in: bytes, after: damage.offset, from: segment.lastSequence + 1, configuration)
        {
            throw .corruptRecord(
                segment: name, offset: Int64(damage.offset),
                reason: damage.reason
                    + "; a valid record (sequence \(later.sequence)) follows at offset \(later.offset)"
            )
        }
        try FileIO.truncate(descriptor, length: Int64(damage.offset), path: path)
        try FileIO.dataSync(descriptor, path: path)
        let cut = RecoveryReport.Truncation(
            segment: name, offset: Int64(damage.offset), bytesTruncated: Int64(bytes.count - damage.offset),
            reason: damage.reason)
        return (segment, cut)
    }

    /// Notes every valid frame after the header in `segment`, in order, and returns where and
    /// why the first frame that does not check out (or does not continue the sequence) starts.
    static func scanFrames(
        _ bytes: [UInt8], into segment: inout SegmentInfo, _ configuration: FileJournal.Configuration
    ) -> (offset: Int, reason: String)? {
        var offset = SegmentFormat.headerBytes
        while offset < bytes.count {
            switch SegmentFormat.parseFrame(bytes, at: offset, payloadBytesMax: configuration.recordBytesMax)
            {
            case .frame(let sequence, _, let frameBytes):
                let expected = segment.lastSequence + 1
                guard sequence == expected else {
                    return (offset, "sequence \(sequence) where \(expected) was expected")
                }
                segment.noteFrame(
                    sequence: sequence, offset: Int64(offset), bytes: frameBytes,
                    indexIntervalBytes: configuration.indexIntervalBytes)
                offset += frameBytes
            case .incomplete(let reason), .invalid(let reason):
                return (offset, reason)
            }
        }
        return nil
    }

    /// Creates an empty segment (just its header), durably.
    static func createSegment(directory: String, firstSequence: UInt64) throws(JournalError) {
        let path = directory + "/" + SegmentFormat.fileName(firstSequence: firstSequence)
        let descriptor = try FileIO.open(path, flags: O_WRONLY | O_CREAT | O_EXCL)
        defer { FileIO.close(descriptor) }
        var header: [UInt8] = []
        SegmentFormat.appendHeader(firstSequence: firstSequence, to: &header)
        try FileIO.write(descriptor, header, at: 0, path: path)
        try FileIO.dataSync(descriptor, path: path)
        try FileIO.syncDirectory(directory)
    }

    /// The segment files of `directory` (created if missing), in log order.
    static func segmentFiles(in directory: String) throws(JournalError) -> [(UInt64, String)] {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "create directory", path: directory, errno: EIO)
        }
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: directory)
        } catch {
            throw .io(operation: "list directory", path: directory, errno: EIO)
        }
        return names.compactMap { name in SegmentFormat.firstSequence(fileName: name).map { ($0, name) } }
            .sorted { $0.0 < $1.0 }
    }

    /// The first frame after `offset` that checks out and continues the log (sequence at least
    /// `sequence`), if any: evidence that the damage at `offset` is not a torn tail.
    static func validFrame(
        in bytes: [UInt8], after offset: Int, from sequence: UInt64,
        _ configuration: FileJournal.Configuration
    ) -> (offset: Int, sequence: UInt64)? {
        let smallest = SegmentFormat.frameHeaderBytes + SegmentFormat.frameFixedBytes
        guard bytes.count - offset > smallest else { return nil }
        // A frame at least every `smallest` bytes bounds how far the sequence can have moved.
        let sequenceMax = sequence + UInt64(bytes.count / smallest) + 1
        for candidate in (offset + 1)...(bytes.count - smallest) {
            // Cheap filter first, so that scanning a large damaged tail stays linear in practice.
            let found: UInt64 = SegmentFormat.loadLittleEndian(
                bytes, at: candidate + SegmentFormat.frameHeaderBytes)
            guard found >= sequence && found <= sequenceMax else { continue }
            if case .frame(let frameSequence, _, _) = SegmentFormat.parseFrame(
                bytes, at: candidate, payloadBytesMax: configuration.recordBytesMax)
            {
                return (candidate, frameSequence)
            }
        }
        return nil
    }
}
