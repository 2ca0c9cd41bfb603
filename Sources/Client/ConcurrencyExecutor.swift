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
}
