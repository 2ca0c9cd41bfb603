#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The CPU time the whole process has used so far, user and system, from `getrusage`.
///
/// Why the runner reads it itself: "does the design hold 2,000 TPS, and at what cost?" needs the
/// CPU beside the wall clock (a realtime run that holds its rate on half a core and one that
/// needs both are different answers), and an outside `time` also counts the build and the
/// set-up. Like memory, it depends on the machine, so it is not part of the digest.
public enum ProcessCPU {
    /// User and system seconds used by every thread of the process since it started.
    public static func seconds() -> (user: Double, system: Double)? {
        var usage = rusage()
        #if os(Linux)
            // Glibc imports the `who` constants as an enum and takes a plain int.
            let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
            let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return nil }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }
}
