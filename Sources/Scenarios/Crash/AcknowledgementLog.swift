import Core
import Services
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// File-scope wrappers: inside `AcknowledgementLog`, `close` names its own method.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }

/// The clients' own record of what they were told, kept outside the process under test: one
/// line per successful answer a client received, `pay_... captured_minor_units`, written with
/// one `write(2)` each (no user-space buffer), so that a SIGKILL loses nothing a client had been
/// told. The crash test compares it with what `paystorm recover` rebuilds: every payment listed
/// must be there, with at least the amount captured it was told.
///
/// A line is written after the answer reached its client (after the journal made it durable),
/// so the record can only under-state what the journal holds, never over-state it.
public final class AcknowledgementLog: Sendable {
    public let path: String
    private let descriptor: Int32
    private let closed = Mutex(false)

    /// Creates (or truncates) the file at `path`.
    /// - Throws: `AcknowledgementLogError` when the file cannot be opened.
    public init(path: String) throws(AcknowledgementLogError) {
        self.path = path
        descriptor = systemOpen(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AcknowledgementLogError(path: path, errno: errno) }
    }

    deinit { close() }

    /// Notes that a client was told `response` about `id` (a 2xx answer).
    func acknowledged(_ id: PaymentID, _ response: APIResponse) {
        guard response.isSuccess else { return }
        let captured = SystemHost.integerField("amount_received", in: response.body) ?? 0
        let line = Array("\(id) \(captured)\n".utf8)
        closed.withLock { closed in
            guard !closed else { return }
            _ = line.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
        }
    }

    public func close() {
        closed.withLock { closed in
            guard !closed else { return }
            closed = true
            _ = systemClose(descriptor)
        }
    }

    /// The complete lines of a log (a line cut short by the kill is ignored), the highest
    /// captured amount per payment.
    public static func read(_ text: String) -> [PaymentID: Int64] {
        var told: [PaymentID: Int64] = [:]
        let complete =
            text.hasSuffix("\n") ? text[...] : text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
        for line in complete.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let id = try? PaymentID(parsing: String(fields[0])),
                let captured = Int64(fields[1])
            else { continue }
            told[id] = max(told[id] ?? 0, captured)
        }
        return told
    }
}

/// The acknowledgement log's file could not be opened.
public struct AcknowledgementLogError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public var description: String { "cannot open \(path) for writing: errno \(errno)" }
}
