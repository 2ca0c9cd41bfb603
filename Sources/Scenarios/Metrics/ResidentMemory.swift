#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's resident set size, read from the operating system.
///
/// Why it is here: "memory must not grow with a run's length" (DESIGN.md, bounded everything)
/// is a property of the run, so the runner measures it itself, once per minute of the run's
/// own time, instead of leaving it to an outside `ps` loop that samples by wall clock (where a
/// simulated run's first minute and last minute are not comparable).
public enum ResidentMemory {
    /// Resident bytes now, or nil where it cannot be read (no /proc).
    public static func bytes() -> Int? {
        #if os(Linux)
            // /proc/self/statm: "size resident shared text lib data dt", in pages.
            let descriptor = open("/proc/self/statm", O_RDONLY)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: 128)
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return nil }
            let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
            guard fields.count > 1,
                let pages = Int(String(decoding: fields[1], as: UTF8.self))
            else { return nil }
            return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        #else
            return nil
        #endif
    }
}
