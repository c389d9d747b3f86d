#ifndef GBATCHY_MALLOC_STATS_H
#define GBATCHY_MALLOC_STATS_H
#include <stddef.h>

/// Bytes currently allocated by malloc (glibc's mallinfo2().uordblks + hblkhd), or 0 where unknown.
size_t gbatchy_allocated_bytes(void);

/// Makes every thread allocate from the main arena, which is the only one mallinfo2 reports. Call it first.
void gbatchy_use_single_arena(void);

#endif
