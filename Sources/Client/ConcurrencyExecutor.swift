import NIOCore
import NIOPosix

/// Where Swift Concurrency's jobs run in a process that talks HTTP: on SwiftNIO's event loops
/// instead of the default global pool, so that a task resumed by a socket's answer runs on the
/// thread that read it rather than waking a second thread.
public enum ConcurrencyExecutor {
    /// Installs NIO's singleton event loop group as the global executor, for jobs enqueued from
    /// then on. Call at most once in a process (a second call traps), before the work it should
    /// carry starts.
    /// - Returns: whether it was installed (false where the hook is not supported).
    @discardableResult
    public static func installEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Asks for `count` event loops in NIO's singleton group, instead of one per core: for
    /// measuring whether fewer threads (fewer wake-ups, less hand-off between them) cost less
    /// CPU a request on a machine the runner and the server share. Call before anything uses
    /// the group; later calls trap (NIO's rule).
    public static func suggestEventLoops(_ count: Int) {
        precondition(count > 0)
        NIOSingletons.groupLoopCountSuggestion = count
    }
}
