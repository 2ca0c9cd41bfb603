#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file journal's snapshot: one file, replaced atomically (write a temporary file, sync it,
/// rename it over the old one, sync the directory), so that a crash leaves either the old
/// snapshot or the new one, never half of one.
///
/// Layout: magic "PSNP" | version u8 | 3 reserved bytes | position u64 LE | length u64 LE |
/// crc32c u32 LE (of position, length and data) | data.
enum SnapshotFile {
    static let name = "snapshot.bin"
    static let magic: [UInt8] = Array("PSNP".utf8)
    static let headerBytes = 28

    static func write(_ snapshot: JournalSnapshot, directory: String) throws(JournalError) {
        var bytes: [UInt8] = magic + [1, 0, 0, 0]
        SegmentFormat.appendLittleEndian(snapshot.position.sequence, to: &bytes)
        SegmentFormat.appendLittleEndian(UInt64(snapshot.data.count), to: &bytes)
        var crc = CRC32C.checksum(bytes[8..<24])
        crc = CRC32C.checksum(snapshot.data, continuing: crc)
        SegmentFormat.appendLittleEndian(crc, to: &bytes)
        bytes.append(contentsOf: snapshot.data)
        let temporary = directory + "/" + name + ".tmp"
        let final = directory + "/" + name
        let descriptor = try FileIO.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try FileIO.write(descriptor, bytes, at: 0, path: temporary)
            try FileIO.dataSync(descriptor, path: temporary)
        } catch {
            FileIO.close(descriptor)
            FileIO.unlink(temporary)
            throw error
        }
        FileIO.close(descriptor)
        try FileIO.rename(temporary, final)
        try FileIO.syncDirectory(directory)
    }

    static func read(directory: String) throws(JournalError) -> JournalSnapshot? {
        let path = directory + "/" + name
        guard access(path, F_OK) == 0 else { return nil }
        let descriptor = try FileIO.open(path, flags: O_RDONLY)
        defer { FileIO.close(descriptor) }
        let size = try FileIO.size(descriptor, path: path)
        let bytes = try FileIO.read(descriptor, count: Int(size), at: 0, path: path)
        guard bytes.count >= headerBytes, Array(bytes[0..<4]) == magic, bytes[4] == 1 else {
            throw .corruptSnapshot(file: name, reason: "bad header")
        }
        let sequence: UInt64 = SegmentFormat.loadLittleEndian(bytes, at: 8)
        let length: UInt64 = SegmentFormat.loadLittleEndian(bytes, at: 16)
        let stored: UInt32 = SegmentFormat.loadLittleEndian(bytes, at: 24)
        guard length == UInt64(bytes.count - headerBytes) else {
            throw .corruptSnapshot(
                file: name, reason: "length \(length) but \(bytes.count - headerBytes) data bytes")
        }
        let crc = CRC32C.checksum(bytes[headerBytes...], continuing: CRC32C.checksum(bytes[8..<24]))
        guard crc == stored else { throw .corruptSnapshot(file: name, reason: "checksum mismatch") }
        return JournalSnapshot(position: JournalPosition(sequence), data: Array(bytes[headerBytes...]))
    }
}
