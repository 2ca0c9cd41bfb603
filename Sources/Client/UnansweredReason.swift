/// Why a request of `HTTPPaymentTarget` went unanswered: a run's report counts each, so that a
/// lost answer can be told from a slow server, a refused connection or a keep-alive race.
enum UnansweredReason: String, Sendable {
    /// Its deadline passed while it waited for one of the runner's connections.
    case expiredWaiting = "expired_waiting"
    /// No connection could be opened (refused, or the connect timeout).
    case connectFailed = "connect_failed"
    /// Its deadline passed on the wire: the pool's sweep closed the connection.
    case late
    /// The connection closed or failed before the answer, on its first request.
    case closedNew = "closed_new"
    /// The connection closed or failed before the answer after carrying others: the server
    /// may have closed it as idle just as the request went out.
    case closedKeptAlive = "closed_kept_alive"
    /// As `closedKeptAlive`, but safe to repeat, so sent again once at once (not a lost answer
    /// unless the second attempt is lost too, counted then by its own reason).
    case closedKeptAliveResent = "closed_kept_alive_resent"
    /// A refund list answered, but not 2xx with a readable list: the journey reads it again.
    case refundListUnreadable = "refund_list_unreadable"
}
