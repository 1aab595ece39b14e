#ifndef PHYSGRAD_MEMORY_H
#define PHYSGRAD_MEMORY_H

/// Asks glibc's allocator to keep freed memory for reuse: blocks up to 32 MiB come from the heap
/// instead of fresh mappings, and the heap is trimmed only when 256 MiB at its top are free.
/// Does nothing when the GLIBC_TUNABLES environment variable names a malloc setting (the user's
/// choice stands) or on a C library other than glibc. Returns 1 when the settings were applied.
int physgrad_keep_freed_memory(void);

/// The same with the tunables string given (NULL: none set).
int physgrad_keep_freed_memory_given(const char *tunables);

#endif
