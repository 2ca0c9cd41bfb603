import NIOCore
import NIOPosix
import PaystormRuntime
import Synchronization

/// Wakes a run's sleeps (`ConcurrentTimers`) from an event loop's own timer instead of a
/// dispatch timer: for a runner whose tasks run on the event loops
/// (`ConcurrencyExecutor.installEventLoops`).
///
/// Why: a dispatch timer fires on libdispatch's manager thread, which wakes a worker thread,
/// which resumes the sleepers due, each enqueued on an event loop woken through its eventfd:
/// three threads woken for every millisecond with a sleeper, about a sixth of the runner's
/// samples under `perf` at a quarter of black-friday. Here the loop armed wakes from its own
/// `epoll_wait` timeout, and the tasks it resumes are enqueued on the loop already running.
public final class EventLoopTimerDriver: TimerDriver {
    private let group: any EventLoopGroup
    private struct State {
        var fire: (@Sendable () -> Void)?
        var armed: Scheduled<Void>?
    }

    private let state = Mutex(State())

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    public func start(firing fire: @escaping @Sendable () -> Void) {
        state.withLock { $0.fire = fire }
    }

    /// Armed on the loop of the calling thread when it is one (no wake of another thread), else
    /// on the group's next.
    public func arm(afterNanoseconds nanoseconds: Int64) {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        state.withLock { state in
            state.armed?.cancel()
            guard let fire = state.fire else { return }
            state.armed = loop.scheduleTask(in: .nanoseconds(nanoseconds)) { fire() }
        }
    }
}
