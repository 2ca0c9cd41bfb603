// jemalloc replaces malloc/free for the whole process once it is linked (Debian builds it
// without a symbol prefix); the header is only here so that Swift can import the module.
#include <jemalloc/jemalloc.h>
