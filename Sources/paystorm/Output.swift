#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a line to standard error (diagnostics and progress; stdout is for results).
func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Whether standard error is a terminal (a live progress line is drawn only then).
var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
