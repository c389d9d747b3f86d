// QueryLog, RowPage, PageCursor and PageLoaderError, shared with the SQLite backend, are part of this module's API.
@_exported import GBatchySQLCore
