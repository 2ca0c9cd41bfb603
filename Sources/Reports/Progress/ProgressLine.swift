/// The live progress line of a long run or a swarm: redrawn in place on standard error when
/// that is a terminal, and nothing at all otherwise (a log file or a pipe gets the summary,
/// not hundreds of carriage returns).
public enum ProgressLine {
    public enum Mode: Equatable, Sendable {
        /// Redraw one line of at most this many columns.
        case live(columns: Int)
        /// Draw nothing.
        case quiet
    }

    /// Columns assumed when the terminal does not say.
    public static let columnsDefault = 80

    /// Whether and how wide to draw.
    /// - Parameters:
    ///   - isTerminal: whether standard error is a terminal.
    ///   - columns: the terminal's width, if it reports one.
    ///   - term: the `TERM` variable: a `dumb` terminal cannot return to the line's start.
    public static func mode(isTerminal: Bool, columns: Int?, term: String?) -> Mode {
        guard isTerminal, term != "dumb" else { return .quiet }
        guard let columns, columns > 0 else { return .live(columns: columnsDefault) }
        return .live(columns: columns)
    }

    /// `text` as a redraw of the line: back to its start, the text cut to fit (a line that wraps
    /// would leave its first part behind at every redraw), blanks over what a longer previous
    /// text left.
    public static func redraw(_ text: String, columns: Int) -> String {
        // The last column stays free: some terminals wrap as soon as it is written.
        let width = max(1, columns - 1)
        var shown = String(text.prefix(width))
        if shown.count < width { shown += String(repeating: " ", count: width - shown.count) }
        return "\r" + shown
    }

    /// What ends the line once the run is over, so that the summary starts on its own line.
    public static func finish(_ mode: Mode) -> String {
        if case .live = mode { return "\n" }
        return ""
    }
}
