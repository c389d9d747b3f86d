// The SQLite adapter.
