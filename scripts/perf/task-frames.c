// Counts what each call site asks of the Swift task allocator: `swift_task_alloc` is the async
// frame of the callee (or a `withUnsafeTemporaryAllocation` in async code), and a task keeps
// the slabs of its deepest stack until it ends. Preloaded by scripts/perf/task-frames.sh,
// which names the call sites.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef __attribute__((swiftcall)) void *(*AllocFunction)(size_t);

enum { SITES = 8192, OUTPUT_BYTES = 1 << 20 };

static AllocFunction next_alloc;
static struct { void *caller; size_t size; long count; } sites[SITES];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char output[OUTPUT_BYTES];

__attribute__((swiftcall)) void *swift_task_alloc(size_t size) {
    void *caller = __builtin_return_address(0);
    pthread_mutex_lock(&lock);
    if (!next_alloc) next_alloc = (AllocFunction)dlsym(RTLD_NEXT, "swift_task_alloc");
    unsigned start = (unsigned)((((uintptr_t)caller) * 2654435761u) ^ size) % SITES;
    for (unsigned probe = 0; probe < SITES; probe++) {
        unsigned slot = (start + probe) % SITES;
        if (sites[slot].caller == caller && sites[slot].size == size) {
            sites[slot].count++;
            break;
        }
        if (!sites[slot].caller) {
            sites[slot].caller = caller;
            sites[slot].size = size;
            sites[slot].count = 1;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return next_alloc(size);
}

// Written at exit in one write(2), under the lock: other threads may still be allocating.
__attribute__((destructor)) static void write_sites(void) {
    const char *path = getenv("TASK_FRAMES_OUT");
    if (!path) return;
    pthread_mutex_lock(&lock);
    int length = 0;
    for (int slot = 0; slot < SITES && length < OUTPUT_BYTES - 128; slot++) {
        if (!sites[slot].caller) continue;
        Dl_info info;
        if (!dladdr(sites[slot].caller, &info)) continue;
        length += snprintf(output + length, 128, "%ld %zu %s 0x%lx\n", sites[slot].count, sites[slot].size,
                           info.dli_fname, (unsigned long)((char *)sites[slot].caller - (char *)info.dli_fbase));
    }
    int file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (file >= 0) {
        (void)!write(file, output, length);
        close(file);
    }
    pthread_mutex_unlock(&lock);
}
