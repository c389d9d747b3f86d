#ifndef GBATCHY_CSQLITE_SHIM_H
#define GBATCHY_CSQLITE_SHIM_H

#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a macro that casts -1 to a function pointer; Swift cannot import it.
/// Binding with this destructor makes SQLite copy the bytes before the bind call returns.
static inline sqlite3_destructor_type gbatchy_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
