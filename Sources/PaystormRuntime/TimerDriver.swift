/// What wakes `ConcurrentTimers` at the earliest tick with a sleeper: one timer, armed again
/// for each new earliest tick.
public protocol TimerDriver: Sendable {
    /// Sets what each arming calls when it comes due. Called once, before any `arm`.
    func start(firing fire: @escaping @Sendable () -> Void)
    /// Arms the timer `nanoseconds` from now, replacing an arming not yet due. A replaced
    /// arming may still fire: the handler must allow a call that finds nothing due.
    func arm(afterNanoseconds nanoseconds: Int64)
    /// Told once, when the timers it fires for are gone: a driver with a thread of its own ends
    /// it here. Nothing by default.
    func stop()
}

extension TimerDriver {
    public func stop() {}
}
