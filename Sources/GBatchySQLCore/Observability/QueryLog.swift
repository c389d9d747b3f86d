import GBatchy
import Synchronization

/// An in-process record of the statements a database ran, newest last.
///
/// `QueryLog` is `Sendable`: every connection thread appends to it under a lock. It keeps the last ``capacity``
/// entries (10,000 by default) and drops the oldest beyond that. Turn it off with ``isEnabled`` to keep its cost
/// (a clock read and a lock per statement) off the hot path. Tests and benchmarks read it to assert exact query counts.
///
/// ```swift
/// db.queryLog.clear()
/// _ = try await db.query("SELECT id, name FROM users WHERE id > ?", [0], as: User.self)
/// let entry = db.queryLog.entries.last!
/// print(entry.sql, entry.rowCount, entry.duration, entry.role)
/// ```
public final class QueryLog: Sendable {
    /// Which kind of connection ran a statement.
    ///
    /// An in-memory database has a single connection, the writer.
    ///
    /// ```swift
    /// let readerEntries = db.queryLog.entries.filter { $0.role == .reader }
    /// ```
    public enum Role: String, Sendable, Hashable {
        /// A read-only connection from the reader pool.
        case reader
        /// The single writer connection (SQLite), or a connection of the primary server (PostgreSQL).
        case writer
        /// A connection of a PostgreSQL read replica.
        case replica
    }

    /// One statement execution: from its first step (or bind) to its last row, its end, or its failure.
    ///
    /// `Entry` is `Sendable`.
    ///
    /// ```swift
    /// for entry in db.queryLog.entries where !entry.succeeded { print(entry.sql, entry.error!) }
    /// ```
    public struct Entry: Sendable {
        /// The statement's SQL.
        public let sql: String
        /// How many keys a table loader bound, when it said so; `nil` otherwise.
        public let keyCount: Int?
        /// The table a loader read, when it said so; `nil` otherwise.
        public let table: String?
        /// How many rows the statement returned.
        public let rowCount: Int
        /// Wall time from the first step to completion (decoding of the rows included).
        public let duration: Duration
        /// The connection that ran it.
        public let role: Role
        /// The error, when the statement failed; `nil` when it succeeded.
        public let error: (any Error)?

        /// Whether the statement succeeded.
        ///
        /// The same as `error == nil`.
        ///
        /// ```swift
        /// let failures = db.queryLog.entries.filter { !$0.succeeded }.count
        /// ```
        public var succeeded: Bool { error == nil }

        /// Creates an entry, as a backend records one statement.
        package init(
            sql: String,
            keyCount: Int?,
            table: String?,
            rowCount: Int,
            duration: Duration,
            role: Role,
            error: (any Error)?
        ) {
            self.sql = sql
            self.keyCount = keyCount
            self.table = table
            self.rowCount = rowCount
            self.duration = duration
            self.role = role
            self.error = error
        }
    }

    private struct Storage {
        var buffer: [Entry] = []
        var start = 0
    }

    private let storage = Locked(Storage())
    private let enabled: Atomic<Bool>

    /// The maximum number of entries kept; older ones are dropped first.
    ///
    /// Set through `SQLiteSource/Configuration/queryLogCapacity`.
    ///
    /// ```swift
    /// print(db.queryLog.capacity)  // 10000
    /// ```
    public let capacity: Int

    /// Creates an empty log.
    ///
    /// Databases create their own; this initializer exists for tests.
    ///
    /// ```swift
    /// let log = QueryLog(capacity: 100)
    /// ```
    ///
    /// - Parameters:
    ///   - capacity: How many entries to keep (at least 1).
    ///   - isEnabled: Whether to record entries.
    public init(capacity: Int = 10_000, isEnabled: Bool = true) {
        self.capacity = max(1, capacity)
        self.enabled = Atomic(isEnabled)
    }

    /// Whether statements are recorded. Default `true`.
    ///
    /// When `false` (and the logger is above `.debug`), statements are not timed and nothing is formatted.
    ///
    /// ```swift
    /// db.queryLog.isEnabled = false
    /// ```
    public var isEnabled: Bool {
        get { enabled.load(ordering: .relaxed) }
        set { enabled.store(newValue, ordering: .relaxed) }
    }

    /// The recorded entries, oldest first.
    ///
    /// A snapshot: later statements do not change the returned array.
    ///
    /// ```swift
    /// let count = db.queryLog.entries.count
    /// ```
    public var entries: [Entry] {
        storage.withLock { storage in
            Array(storage.buffer[storage.start...] + storage.buffer[..<storage.start])
        }
    }

    /// Removes every entry.
    ///
    /// Recording continues if ``isEnabled`` is `true`.
    ///
    /// ```swift
    /// db.queryLog.clear()
    /// ```
    public func clear() {
        storage.withLock { $0 = Storage() }
    }

    /// Records `entry`, dropping the oldest entry when the log is full.
    package func append(_ entry: Entry) {
        storage.withLock { storage in
            if storage.buffer.count < capacity {
                storage.buffer.append(entry)
            } else {
                storage.buffer[storage.start] = entry
                storage.start = (storage.start + 1) % capacity
            }
        }
    }
}
