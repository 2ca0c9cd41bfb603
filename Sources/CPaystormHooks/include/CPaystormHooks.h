#ifndef PAYSTORM_CPAYSTORMHOOKS_H
#define PAYSTORM_CPAYSTORMHOOKS_H

/// A tripwire on the Swift runtime's global executor.
///
/// While armed on a thread, every job that code running on that thread enqueues on the global
/// concurrent pool (instead of on the deterministic executor) is counted. A deterministic run
/// arms it on its runner thread; a count above zero means some task escaped the simulation
/// (a bare `Task {}`, `Task.detached`, or a nonisolated async call that hopped to the pool).
/// The job is still forwarded to the pool, so the escape is observed, not hidden.

/// Installs the hook (once per process) and starts counting on the calling thread.
void paystorm_tripwire_arm(void);

/// Stops counting on the calling thread and returns how many jobs escaped since `arm`.
long paystorm_tripwire_disarm(void);

/// Jobs counted so far on the calling thread while armed.
long paystorm_tripwire_count(void);

#endif
