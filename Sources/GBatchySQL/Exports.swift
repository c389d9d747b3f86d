// QueryLog, shared with the PostgreSQL backend, is part of this module's API.
@_exported import GBatchySQLCore
