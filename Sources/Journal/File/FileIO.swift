#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin, typed-throwing wrappers over the POSIX calls the file journal makes.
///
/// Direct system calls rather than FileHandle: the journal needs positioned writes, `fdatasync`
/// (not `fsync`, which also flushes metadata we do not need per batch) and `ftruncate` with
/// their `errno`, and swift-system is not a dependency of this package.
enum FileIO {
    /// Files are created readable by their owner only (and the directory is its owner's): a
    /// journal holds every movement of money and, for `serve`, webhook signing secrets.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o600) throws(JournalError) -> Int32 {
        while true {
            let descriptor = path.withCString { systemOpen($0, flags | O_CLOEXEC, mode) }
            if descriptor >= 0 { return descriptor }
            if errno == EINTR { continue }
            throw .io(operation: "open", path: path, errno: errno)
        }
    }

    static func close(_ descriptor: Int32) {
        _ = systemClose(descriptor)
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and interruptions.
    static func write(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String
    ) throws(JournalError) {
        var done = 0
        while done < bytes.count {
            let result = pwrite(
                descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + Int64(done)))
            if result < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pwrite", path: path, errno: errno)
            }
            done += result
        }
    }

    /// Writes all of `bytes` at `offset`.
    static func write(
        _ descriptor: Int32, _ bytes: [UInt8], at offset: Int64, path: String
    ) throws(JournalError) {
        // `withUnsafeBytes` only rethrows untyped errors, so carry the typed one out by hand.
        let failure: JournalError? = bytes.withUnsafeBytes { raw in
            do throws(JournalError) {
                try write(descriptor, raw, at: offset, path: path)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at end of file.
    static func read(
        _ descriptor: Int32, count: Int, at offset: Int64, path: String
    ) throws(JournalError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                let result = pread(
                    descriptor, buffer.baseAddress! + done, count - done, off_t(offset + Int64(done)))
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if result == 0 { return }
                done += result
            }
        }
        if failure != 0 { throw .io(operation: "pread", path: path, errno: failure) }
        if done < count { bytes.removeLast(count - done) }
        return bytes
    }

    static func dataSync(_ descriptor: Int32, path: String) throws(JournalError) {
        #if canImport(Glibc)
            let result = fdatasync(descriptor)
        #else
            let result = fsync(descriptor)
        #endif
        if result != 0 { throw .io(operation: "fdatasync", path: path, errno: errno) }
    }

    static func truncate(_ descriptor: Int32, length: Int64, path: String) throws(JournalError) {
        if ftruncate(descriptor, off_t(length)) != 0 {
            throw .io(operation: "ftruncate", path: path, errno: errno)
        }
    }

    static func size(_ descriptor: Int32, path: String) throws(JournalError) -> Int64 {
        let end = lseek(descriptor, 0, SEEK_END)
        if end < 0 { throw .io(operation: "lseek", path: path, errno: errno) }
        return Int64(end)
    }

    /// Makes a directory's entries (a created or renamed file) durable: without it a file whose
    /// data was synced can still vanish after a power loss.
    static func syncDirectory(_ path: String) throws(JournalError) {
        let descriptor = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    /// Takes an exclusive lock on `directory/LOCK` (creating the directory if needed) and
    /// returns its descriptor; closing it releases the lock. Two writers on one log would
    /// interleave frames and corrupt it, so a second open fails instead (from this process or
    /// another, e.g. `paystorm recover` on the directory of a live run).
    static func lockDirectory(_ directory: String) throws(JournalError) -> Int32 {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .io(operation: "mkdir", path: directory, errno: errno)
        }
        let path = directory + "/LOCK"
        let descriptor = try open(path, flags: O_RDWR | O_CREAT)
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { throw .alreadyOpen(directory: directory) }
            throw .io(operation: "flock", path: path, errno: code)
        }
        return descriptor
    }

    static func rename(_ from: String, _ to: String) throws(JournalError) {
        let result = from.withCString { source in to.withCString { target in systemRename(source, target) } }
        if result != 0 { throw .io(operation: "rename", path: to, errno: errno) }
    }

    static func unlink(_ path: String) {
        _ = path.withCString { systemUnlink($0) }
    }
}

// The free functions are shadowed by `FileIO`'s own names inside the enum.
private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func systemRename(_ from: UnsafePointer<CChar>, _ to: UnsafePointer<CChar>) -> Int32 {
    rename(from, to)
}
private func systemUnlink(_ path: UnsafePointer<CChar>) -> Int32 { unlink(path) }
