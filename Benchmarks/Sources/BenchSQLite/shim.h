#include <sqlite3.h>

/// `SQLITE_TRANSIENT`, which Swift cannot import (a cast of -1 to a function pointer).
static inline sqlite3_destructor_type gbatchy_bench_transient(void) { return SQLITE_TRANSIENT; }
