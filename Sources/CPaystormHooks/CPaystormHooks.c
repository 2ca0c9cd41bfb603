#include "CPaystormHooks.h"
#include <pthread.h>
#include <stddef.h>

#if __has_attribute(swiftcall)
#define SWIFT_CC_swift __attribute__((swiftcall))
#else
#define SWIFT_CC_swift
#endif

typedef struct _Job *JobRef;
typedef SWIFT_CC_swift void (*enqueue_original)(JobRef job);
typedef SWIFT_CC_swift void (*enqueue_hook)(JobRef job, enqueue_original original);

// Exported by libswift_Concurrency; swift-async-algorithms' validation tests use it the same way.
extern enqueue_hook swift_task_enqueueGlobal_hook;

static _Thread_local int armed;
static _Thread_local long escaped;
static enqueue_hook previous_hook;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static SWIFT_CC_swift void tripwire_hook(JobRef job, enqueue_original original) {
    if (armed) {
        escaped += 1;
    }
    if (previous_hook) {
        previous_hook(job, original);
    } else {
        original(job);
    }
}

static void install(void) {
    previous_hook = swift_task_enqueueGlobal_hook;
    swift_task_enqueueGlobal_hook = tripwire_hook;
}

void paystorm_tripwire_arm(void) {
    pthread_once(&install_once, install);
    escaped = 0;
    armed = 1;
}

long paystorm_tripwire_disarm(void) {
    armed = 0;
    return escaped;
}

long paystorm_tripwire_count(void) { return escaped; }
