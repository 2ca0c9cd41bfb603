import Synchronization

/// The ordered trace of a run: one JSON object a line (virtual time, component, event, ids),
/// so that two runs can be diffed line by line (`paystorm run --trace PATH`).
///
/// Switched on for a run by binding `EventTrace.$current` around it; the task-local flows into
/// every task the runtime spawns, as `PlantedBug` does, and into no other run in the process.
/// When it is off, `record` costs one task-local read: the fields are an autoclosure that is
/// never evaluated. Under the deterministic runtime one job runs at a time, so the order of the
/// lines is the order of the run and a seed gives the same bytes every time.
///
/// Bounded: at most `linesMax` lines are kept; later ones are counted in `dropped`.
public final class EventTrace: Sendable {
    /// The trace of the run the current task belongs to, if one is being recorded.
    @TaskLocal public static var current: EventTrace?

    /// Lines kept by default (about 200 bytes each: a few hundred megabytes at most).
    public static let linesMaxDefault = 2_000_000

    public let linesMax: Int
    private let state = Mutex(State())

    private struct State {
        var lines: [String] = []
        var dropped = 0
    }

    public init(linesMax: Int = EventTrace.linesMaxDefault) {
        self.linesMax = max(0, linesMax)
    }

    /// Appends one event to the current task's trace, if there is one.
    /// - Parameters:
    ///   - time: the run's time of the event.
    ///   - component: who acted, e.g. `network.visa`, `orchestrator`, `client`.
    ///   - event: what happened, e.g. `authorize`, `payment_intent.succeeded`.
    ///   - fields: ids and outcomes, as key and value text, in the order to print.
    public static func record(
        _ time: SimTime, _ component: @autoclosure () -> String, _ event: @autoclosure () -> String,
        _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]
    ) {
        guard let trace = current else { return }
        trace.append(time, component(), event(), fields())
    }

    func append(
        _ time: SimTime, _ component: String, _ event: String, _ fields: KeyValuePairs<String, String>
    ) {
        var line = "{\"t_ns\":\(time.nanoseconds),\"component\":"
        Self.appendQuoted(component, to: &line)
        line += ",\"event\":"
        Self.appendQuoted(event, to: &line)
        for (key, value) in fields {
            // A field named like the line's own keys would make a line with a key twice, and a
            // JSON reader keeps only one of them.
            assert(key != "t_ns" && key != "component" && key != "event", "trace field '\(key)' is reserved")
            line += ","
            Self.appendQuoted(key, to: &line)
            line += ":"
            Self.appendQuoted(value, to: &line)
        }
        line += "}"
        state.withLock { state in
            if state.lines.count < linesMax {
                state.lines.append(line)
            } else {
                state.dropped += 1
            }
        }
    }

    /// The lines recorded so far, in order.
    public var lines: [String] { state.withLock { $0.lines } }

    /// Lines not kept because the trace was full.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Every line, each ended by a newline (JSON Lines).
    public var text: String {
        state.withLock { state in
            var text = ""
            text.reserveCapacity(state.lines.reduce(0) { $0 + $1.utf8.count + 1 })
            for line in state.lines {
                text += line
                text += "\n"
            }
            return text
        }
    }

    /// `value` as a JSON string literal.
    static func appendQuoted(_ value: String, to line: inout String) {
        line += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    line.unicodeScalars.append(scalar)
                }
            }
        }
        line += "\""
    }
}
