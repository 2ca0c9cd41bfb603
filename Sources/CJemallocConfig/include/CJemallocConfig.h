#ifndef PAYSTORM_CJEMALLOCCONFIG_H
#define PAYSTORM_CJEMALLOCCONFIG_H

/// The options the paystorm executable hands jemalloc at start-up (its `malloc_conf` global).
/// `MALLOC_CONF` in the environment is read after them and wins.
const char *paystorm_jemalloc_configuration(void);

#endif
