import NIOCore
import Synchronization

/// Writes requests that are safe to send again several to a connection (HTTP/1.1 pipelining):
/// the requests to one address handed over while an event loop gets round to them go out
/// together, up to `depthMax` on each connection the pool lends, in one write, and their answers
/// come back in one read. Every exchange on its own costs each side a write, a read and usually
/// an event loop's wake-up; a few at once share them (PERFORMANCE.md).
///
/// Only for requests whose answers come at once or that can wait for each other: a server
/// answers a connection's requests in order, so one slow answer holds the ones behind it.
public final class WirePipeliner: Sendable {
    /// What became of a request.
    public enum Outcome: Sendable {
        case answered(WireResponse)
        /// No connection could be opened: it was never sent.
        case noConnection
        /// Sent (alone or pipelined), and no answer came: the connection closed or turned
        /// unreadable, or the deadline passed. The server may have acted on it or not.
        case unanswered
    }

    public typealias Answer = @Sendable (Outcome) -> Void

    private struct Waiting: Sendable {
        var request: WireRequest
        var deadline: NIODeadline
        var answer: Answer
    }

    public let pool: WireConnectionPool
    /// Requests on one connection at most.
    public let depthMax: Int
    /// Requests handed over and not yet written, by address.
    private let outbox = Mutex<[WireAddress: [Waiting]]>([:])

    public init(pool: WireConnectionPool, depthMax: Int) {
        precondition(depthMax > 0)
        self.pool = pool
        self.depthMax = depthMax
    }

    /// Sends `request` to `address` with the others handed over before an event loop takes
    /// them, and calls `answer` with its outcome on an event loop (or inline when no
    /// connection could be had at once).
    public func send(
        _ request: WireRequest, to address: WireAddress, deadline: NIODeadline,
        answer: @escaping Answer
    ) {
        let first = outbox.withLock { outbox in
            outbox[address, default: []].append(Waiting(request: request, deadline: deadline, answer: answer))
            return outbox[address]?.count == 1
        }
        guard first else { return }
        // On the loop that runs this when there is one (`any()` prefers it): what it hands over
        // while it reads a batch of answers goes out together once it is done.
        pool.eventLoopGroup.any().execute { [self] in
            let waiting = outbox.withLock { $0.removeValue(forKey: address) } ?? []
            var from = 0
            while from < waiting.count {
                let upTo = min(from + depthMax, waiting.count)
                post(waiting[from..<upTo], to: address)
                from = upTo
            }
        }
    }

    /// Sends `requests` on one connection, pipelined when there are several and the connection
    /// has already kept itself open after an answer. A fresh connection carries the first alone:
    /// a server that closes after each answer (HTTP/1.0, `Connection: close`, as many webhook
    /// endpoints do) would drop what was pipelined behind it.
    private func post(_ requests: ArraySlice<Waiting>, to address: WireAddress) {
        let requests = Array(requests)
        // One deadline bounds the batch, connecting included: the earliest.
        let deadline = requests.lazy.map(\.deadline).min() ?? .now()
        pool.lease(address, deadline: deadline) { [self] connection in
            guard let connection else {
                for waiting in requests { waiting.answer(.noConnection) }
                return
            }
            guard requests.count > 1, connection.wasUsed else {
                connection.send(requests[0].request, deadline: deadline) { [self] response in
                    pool.release(connection)
                    requests[0].answer(response.map { .answered($0) } ?? .unanswered)
                    guard requests.count > 1 else { return }
                    if let response, !response.closes {
                        // Kept open: the rest go pipelined, on it when it is still idle.
                        post(requests[1...], to: address)
                    } else {
                        for index in 1..<requests.count { post(requests[index...index], to: address) }
                    }
                }
                return
            }
            // The first answer that says its connection closes: the server reads nothing after
            // it (RFC 9112, section 9.6), so the requests behind it were never acted on.
            let closedAt = Mutex<Int?>(nil)
            connection.send(requests.map(\.request), deadline: deadline) { [self] index, response in
                // Answers come in order: the connection is free once the last one's is in.
                if index == requests.count - 1 { pool.release(connection) }
                if let response, response.closes { closedAt.withLock { $0 = $0 ?? index } }
                if response == nil, let closed = closedAt.withLock({ $0 }), closed < index {
                    post(requests[index...index], to: address)
                    return
                }
                requests[index].answer(response.map { .answered($0) } ?? .unanswered)
            }
        }
    }
}
