#ifndef GBATCHY_MALLOC_STATS_H
#define GBATCHY_MALLOC_STATS_H
#include <stddef.h>

/// Bytes currently allocated by malloc (glibc's mallinfo2().uordblks + hblkhd), or 0 where unknown.
size_t gbatchy_allocated_bytes(void);

#endif
