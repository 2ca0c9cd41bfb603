import Dispatch

/// The default driver outside Linux (`ThreadTimerDriver` there): a dispatch timer source on a
/// queue of its own, at a high quality of service, so that a busy task pool does not hold the
/// wake back.
public final class DispatchTimerDriver: TimerDriver {
    // Set up in `init`, handled once by `start` and only re-armed afterwards (under the lock of
    // the timers that own it).
    nonisolated(unsafe) private let source: any DispatchSourceTimer

    public init() {
        source = DispatchSource.makeTimerSource(
            queue: DispatchQueue(label: "paystorm.timers", qos: .userInteractive))
    }

    deinit { source.cancel() }

    public func start(firing fire: @escaping @Sendable () -> Void) {
        source.setEventHandler(handler: fire)
        source.activate()
    }

    public func arm(afterNanoseconds nanoseconds: Int64) {
        source.schedule(deadline: .now() + .nanoseconds(Int(nanoseconds)), leeway: .nanoseconds(0))
    }
}
