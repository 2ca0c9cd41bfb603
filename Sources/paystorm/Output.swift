import Foundation
import Reports

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

/// How the progress line is drawn on this standard error (`ProgressLine.mode`).
var progressLineMode: ProgressLine.Mode {
    var size = winsize()
    let columns = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 ? Int(size.ws_col) : nil
    return ProgressLine.mode(
        isTerminal: standardErrorIsTerminal, columns: columns,
        term: ProcessInfo.processInfo.environment["TERM"])
}

/// Draws `mode`'s redraw of `text` on standard error (nothing when quiet).
func drawProgress(_ text: String, _ mode: ProgressLine.Mode) {
    guard case .live(let columns) = mode else { return }
    FileHandle.standardError.write(Data(ProgressLine.redraw(text, columns: columns).utf8))
}

/// Ends the progress line, if one was drawn.
func finishProgress(_ mode: ProgressLine.Mode) {
    let end = ProgressLine.finish(mode)
    if !end.isEmpty { FileHandle.standardError.write(Data(end.utf8)) }
}

/// Number formatting for summaries (no Foundation formatters: output must not depend on locale).
enum Format {
    /// 1234567 → "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A duration in seconds with three decimals.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds =
            duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1_000).\(String(milliseconds % 1_000).leftPadded(to: 3)) s"
    }

    static func hex(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16).leftPadded(to: 16)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Format {
    /// A number with `decimals` places, without locale (for figures that are already ratios or
    /// milliseconds, never amounts).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var factor = 1.0
        for _ in 0..<decimals { factor *= 10 }
        let scaled = Int64((abs(value) * factor).rounded())
        let whole = scaled / Int64(factor)
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = String(scaled % Int64(factor))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }
}
