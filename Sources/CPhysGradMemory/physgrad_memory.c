#include "physgrad_memory.h"

#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int physgrad_keep_freed_memory(void) {
    return physgrad_keep_freed_memory_given(getenv("GLIBC_TUNABLES"));
}

int physgrad_keep_freed_memory_given(const char *tunables) {
#if defined(__GLIBC__)
    if (tunables != NULL && strstr(tunables, "glibc.malloc.") != NULL) {
        return 0;
    }
    int mapped = mallopt(M_MMAP_THRESHOLD, 32 << 20);
    int trimmed = mallopt(M_TRIM_THRESHOLD, 256 << 20);
    return mapped == 1 && trimmed == 1;
#else
    (void)tunables;
    return 0;
#endif
}
