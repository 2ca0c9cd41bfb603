import Services
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// File-scope wrappers: inside `BalanceTransactionFile`, `close` names its own method.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }

/// `--balance-transactions FILE`: every balance transaction as it is made, streamed to a file
/// (CSV with a header, or one JSON object a line when the name ends in `.jsonl` or `.json`), so
/// that an export of a long run holds nothing in memory but a 64 KiB buffer.
final class BalanceTransactionFile: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var closed = false
        var written: Int64 = 0
        var failed = false
    }

    let path: String
    let isJSON: Bool
    private let descriptor: Int32
    private let state = Mutex(State())
    static let bufferBytesMax = 64 * 1_024

    /// Creates (or truncates) the file at `path`.
    /// - Throws: `BalanceTransactionFileError` when it cannot be opened.
    init(path: String) throws(BalanceTransactionFileError) {
        self.path = path
        isJSON = path.hasSuffix(".jsonl") || path.hasSuffix(".json")
        descriptor = systemOpen(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BalanceTransactionFileError(path: path, errno: errno) }
        if !isJSON { append(text: BalanceTransaction.csvHeader + "\n", count: 0) }
    }

    /// The sink to hand the payment system or the journal scan.
    var sink: BalanceTransactionLog.Sink { { [self] in append($0) } }

    private func append(_ transactions: [BalanceTransaction]) {
        guard !transactions.isEmpty else { return }
        var text = ""
        for transaction in transactions {
            text += isJSON ? transaction.jsonLine : transaction.csvLine
            text += "\n"
        }
        append(text: text, count: transactions.count)
    }

    private func append(text: String, count: Int) {
        state.withLock { state in
            guard !state.closed else { return }
            state.buffer.append(contentsOf: text.utf8)
            state.written += Int64(count)
            if state.buffer.count >= Self.bufferBytesMax { flush(&state) }
        }
    }

    private func flush(_ state: inout State) {
        var offset = 0
        while offset < state.buffer.count {
            let wrote = state.buffer.withUnsafeBytes {
                systemWrite(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if wrote <= 0 {
                state.failed = true
                break
            }
            offset += wrote
        }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file; returns how many transactions it holds, or
    /// nil if a write failed.
    @discardableResult
    func close() -> Int64? {
        state.withLock { state in
            guard !state.closed else { return state.failed ? nil : state.written }
            flush(&state)
            state.closed = true
            _ = systemClose(descriptor)
            return state.failed ? nil : state.written
        }
    }
}

/// The export file could not be opened.
struct BalanceTransactionFileError: Error, Sendable, CustomStringConvertible {
    let path: String
    let errno: Int32
    var description: String { "cannot open \(path) for writing: errno \(errno)" }
}
