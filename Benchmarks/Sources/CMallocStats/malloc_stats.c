#include "malloc_stats.h"
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
size_t gbatchy_allocated_bytes(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
void gbatchy_use_single_arena(void) { mallopt(M_ARENA_MAX, 1); }
#else
void gbatchy_use_single_arena(void) {}
size_t gbatchy_allocated_bytes(void) { return 0; }
#endif
