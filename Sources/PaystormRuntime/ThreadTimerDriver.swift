#if os(Linux)
    import Glibc

    /// The default driver on Linux: one thread of its own that waits on a condition variable
    /// until the armed time (`CLOCK_MONOTONIC`) and calls the handler itself.
    ///
    /// Why not a dispatch timer: on Linux libdispatch keeps its timers on its manager thread, so
    /// every millisecond with a sleeper woke the manager (its timer fd), which woke a queue
    /// thread for the handler, and each re-arming poked the manager again: two or three threads
    /// woken a tick on a machine with two cores, on top of the pool threads the resumed sleepers
    /// wake. Here a tick wakes one thread, and re-arming from the handler wakes none.
    public final class ThreadTimerDriver: TimerDriver, @unchecked Sendable {
        // @unchecked: every `var` below is read and written only under `mutex`.
        private let mutex: UnsafeMutablePointer<pthread_mutex_t>
        private let condition: UnsafeMutablePointer<pthread_cond_t>
        /// The armed time in monotonic nanoseconds (`Int64.max`: not armed).
        private var deadlineNanoseconds = Int64.max
        /// What the thread waits for when it waits (`Int64.max`: a wait without a time).
        private var waitingUntilNanoseconds = Int64.max
        private var isWaiting = false
        private var isStopped = false
        private var fire: (@Sendable () -> Void)?

        public init() {
            mutex = .allocate(capacity: 1)
            mutex.initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutex, nil)
            condition = .allocate(capacity: 1)
            condition.initialize(to: pthread_cond_t())
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            // The deadlines are monotonic nanoseconds, like the runtime's clock.
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(condition, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(condition)
            condition.deallocate()
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
        }

        public func start(firing fire: @escaping @Sendable () -> Void) {
            locked { self.fire = fire }
            // The thread keeps the driver alive until `stop` ends its loop.
            let driver = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(
                &thread, nil,
                { pointer in
                    guard let pointer else { return nil }
                    let driver = Unmanaged<ThreadTimerDriver>.fromOpaque(pointer).takeRetainedValue()
                    driver.loop()
                    return nil
                }, driver)
            precondition(created == 0, "ThreadTimerDriver: pthread_create failed (\(created))")
            pthread_detach(thread)
        }

        public func arm(afterNanoseconds nanoseconds: Int64) {
            let deadline = Self.monotonicNanoseconds() + nanoseconds
            // Only a thread asleep past the new time needs a wake; one that is firing (the
            // handler re-arms from the thread itself) or waiting for an earlier time finds the
            // deadline when it looks again.
            let wake = locked { () -> Bool in
                deadlineNanoseconds = deadline
                return isWaiting && deadline < waitingUntilNanoseconds
            }
            if wake { pthread_cond_signal(condition) }
        }

        /// Ends the thread once it wakes: called when the timers it fires for are gone.
        public func stop() {
            locked { isStopped = true }
            pthread_cond_signal(condition)
        }

        private func loop() {
            pthread_mutex_lock(mutex)
            while !isStopped {
                let deadline = deadlineNanoseconds
                if deadline == .max {
                    wait(until: nil)
                    continue
                }
                if Self.monotonicNanoseconds() < deadline {
                    wait(until: deadline)
                    continue
                }
                deadlineNanoseconds = .max
                let fire = self.fire
                pthread_mutex_unlock(mutex)
                fire?()
                pthread_mutex_lock(mutex)
            }
            pthread_mutex_unlock(mutex)
        }

        /// Waits (under `mutex`) for a signal or until `deadline`.
        private func wait(until deadline: Int64?) {
            isWaiting = true
            waitingUntilNanoseconds = deadline ?? .max
            if let deadline {
                var time = timespec(
                    tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                _ = pthread_cond_timedwait(condition, mutex, &time)
            } else {
                _ = pthread_cond_wait(condition, mutex)
            }
            isWaiting = false
            waitingUntilNanoseconds = .max
        }

        private func locked<T>(_ body: () -> T) -> T {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return body()
        }

        private static func monotonicNanoseconds() -> Int64 {
            var time = timespec()
            clock_gettime(CLOCK_MONOTONIC, &time)
            return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        }
    }
#endif
