#include "CJemallocConfig.h"

// jemalloc reads this global once, before the first allocation.
//
// Why a 1 s dirty-page decay instead of jemalloc's 10 s: jemalloc keeps pages it has freed
// for that long in wall-clock time before it gives them back to the kernel, and a simulated
// run goes 10-25 times faster than its own clock. At the end of a run, when the last journeys
// drain, 10 s of wall clock is several simulated minutes of freed memory still counted in RSS:
// soak.yaml ended 15-17% above its first minute on a machine that runs it at 25x, against 4-6%
// on one that runs it at 10x, for the same live heap. With 1 s the RSS follows the live heap
// on either (PERFORMANCE.md has the side-by-side figures, CPU included).
const char *malloc_conf = "dirty_decay_ms:1000";

const char *paystorm_jemalloc_configuration(void) { return malloc_conf; }
