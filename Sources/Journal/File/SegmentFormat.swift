/// The on-disk layout of journal segments and record frames (format version 1).
///
/// A journal directory holds segment files named after the sequence number of their first
/// record, zero-padded to 20 digits so that names sort in log order
/// (`00000000000000000001.wal`). Each segment starts with a 16-byte header:
///
///     magic "PSJL" | format version u16 LE | reserved u16 | first sequence u64 LE
///
/// followed by frames, never split across segments:
///
///     length u32 LE | crc32c u32 LE | sequence u64 LE | type u8 | version u8 | payload
///
/// `length` counts the bytes after the crc (10 + payload); the CRC-32C covers the same bytes,
/// so a frame is self-validating: a torn write, a flipped bit or a frame from elsewhere (wrong
/// sequence) is detected. All integers are little-endian.
enum SegmentFormat {
    static let magic: [UInt8] = Array("PSJL".utf8)
    static let formatVersion: UInt16 = 1
    static let headerBytes = 16
    /// length + crc.
    static let frameHeaderBytes = 8
    /// sequence + type + version: the checksummed bytes before the payload.
    static let frameFixedBytes = 10
    static let fileExtension = "wal"

    static func frameBytes(payloadBytes: Int) -> Int { frameHeaderBytes + frameFixedBytes + payloadBytes }

    static func fileName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "." + fileExtension
    }

    /// The first sequence a segment file name encodes, or nil if it is not a segment name.
    static func firstSequence(fileName: String) -> UInt64? {
        let suffix = "." + fileExtension
        guard fileName.hasSuffix(suffix) else { return nil }
        let digits = fileName.dropLast(suffix.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    static func appendHeader(firstSequence: UInt64, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: magic)
        appendLittleEndian(formatVersion, to: &buffer)
        appendLittleEndian(UInt16(0), to: &buffer)
        appendLittleEndian(firstSequence, to: &buffer)
    }

    /// Why `bytes` (at least `headerBytes` long) is not the header of the segment expected to
    /// start at `firstSequence`, or nil if it is.
    static func headerProblem(_ bytes: [UInt8], firstSequence: UInt64) -> String? {
        guard Array(bytes[0..<4]) == magic else { return "bad segment magic" }
        let version: UInt16 = loadLittleEndian(bytes, at: 4)
        guard version == formatVersion else { return "unsupported segment format version \(version)" }
        let reserved: UInt16 = loadLittleEndian(bytes, at: 6)
        guard reserved == 0 else { return "reserved header bytes are \(reserved), not 0" }
        let first: UInt64 = loadLittleEndian(bytes, at: 8)
        guard first == firstSequence else {
            return "header says first sequence \(first), file name says \(firstSequence)"
        }
        return nil
    }

    /// Appends one frame; the CRC is computed over the bytes just appended.
    static func appendFrame(sequence: UInt64, record: JournalRecord, to buffer: inout [UInt8]) {
        let start = buffer.count
        appendLittleEndian(UInt32(frameFixedBytes + record.payload.count), to: &buffer)
        appendLittleEndian(UInt32(0), to: &buffer)
        appendLittleEndian(sequence, to: &buffer)
        buffer.append(record.type)
        buffer.append(record.version)
        buffer.append(contentsOf: record.payload)
        let crc = buffer.withUnsafeBytes { all in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[(start + frameHeaderBytes)...]))
        }
        buffer.withUnsafeMutableBytes { all in
            all.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    /// The outcome of decoding one frame at an offset.
    enum FrameParse {
        case frame(sequence: UInt64, record: JournalRecord, bytes: Int)
        /// Not enough bytes for the frame its length field announces (a torn write, or a
        /// corrupted length).
        case incomplete(String)
        /// The bytes are all there but wrong.
        case invalid(String)
    }

    /// Decodes the frame at `offset` of `bytes`, accepting payloads up to `payloadBytesMax`.
    static func parseFrame(_ bytes: [UInt8], at offset: Int, payloadBytesMax: Int) -> FrameParse {
        let available = bytes.count - offset
        guard available >= frameHeaderBytes + frameFixedBytes else {
            return .incomplete(
                "only \(available) bytes left, a frame header needs \(frameHeaderBytes + frameFixedBytes)")
        }
        let length = Int(loadLittleEndian(bytes, at: offset) as UInt32)
        guard length >= frameFixedBytes, length - frameFixedBytes <= payloadBytesMax else {
            return .invalid("frame length \(length) is out of range")
        }
        guard available >= frameHeaderBytes + length else {
            return .incomplete(
                "frame announces \(length) bytes after its header, only \(available - frameHeaderBytes) left")
        }
        let stored: UInt32 = loadLittleEndian(bytes, at: offset + 4)
        let body = offset + frameHeaderBytes
        let computed = CRC32C.checksum(bytes[body..<body + length])
        guard stored == computed else {
            return .invalid("checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        let sequence: UInt64 = loadLittleEndian(bytes, at: body)
        let record = JournalRecord(
            type: bytes[body + 8], version: bytes[body + 9],
            payload: Array(bytes[(body + frameFixedBytes)..<(body + length)]))
        return .frame(sequence: sequence, record: record, bytes: frameHeaderBytes + length)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { buffer.append(contentsOf: $0) }
    }

    static func loadLittleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
