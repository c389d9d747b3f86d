import Foundation
import Logging

extension SQLiteSource {
    /// How a database opens its connections and records its statements.
    ///
    /// `Configuration` is `Sendable`. Every property has a default, so `.init()` suits most uses.
    ///
    /// ```swift
    /// let db = try SQLiteSource(
    ///     path: "app.sqlite",
    ///     configuration: .init(readerCount: 2, busyTimeout: .seconds(5), readOnly: false))
    /// ```
    public struct Configuration: Sendable {
        /// The number of reader connections (each with its own thread). Default: the number of active processors.
        /// With 0, reads run on the writer. Ignored by in-memory databases, which have one connection.
        public var readerCount: Int
        /// How long a connection waits for a lock held by another connection before failing with
        /// ``SQLiteSourceError/ResultCode/busy``. Default 5 seconds. Counted in whole milliseconds: a negative duration
        /// means no waiting, and one longer than `Int32.max` milliseconds (about 24.8 days) waits that long.
        public var busyTimeout: Duration
        /// Opens every connection read-only and never creates the file. Writes fail with
        /// ``SQLiteSourceError/ResultCode/readOnly``. Default `false`.
        public var readOnly: Bool
        /// The logger for statements (at `.debug`) and for close failures (at `.error`). Default label `gbatchy.sql`.
        public var logger: Logger
        /// How many entries `QueryLog` keeps. Default 10,000.
        public var queryLogCapacity: Int
        /// Whether `QueryLog` records from the start. Default `true`.
        public var isQueryLogEnabled: Bool
        /// How many prepared statements each connection caches. Default 512.
        public var statementCacheCapacity: Int

        /// Creates a configuration.
        ///
        /// Pass only what differs from the defaults.
        ///
        /// ```swift
        /// var configuration = SQLiteSource.Configuration(readerCount: 4)
        /// configuration.isQueryLogEnabled = false
        /// ```
        ///
        /// - Parameters:
        ///   - readerCount: Reader connections; default the active processor count.
        ///   - busyTimeout: Lock wait bound; default 5 s.
        ///   - readOnly: Read-only mode; default `false`.
        ///   - logger: Logger; default label `gbatchy.sql`.
        ///   - queryLogCapacity: Query log size; default 10,000.
        ///   - isQueryLogEnabled: Query log on at start; default `true`.
        ///   - statementCacheCapacity: Cached statements per connection; default 512.
        public init(
            readerCount: Int = ProcessInfo.processInfo.activeProcessorCount,
            busyTimeout: Duration = .seconds(5),
            readOnly: Bool = false,
            logger: Logger = Logger(label: "gbatchy.sql"),
            queryLogCapacity: Int = 10_000,
            isQueryLogEnabled: Bool = true,
            statementCacheCapacity: Int = 512
        ) {
            self.readerCount = max(0, readerCount)
            self.busyTimeout = busyTimeout
            self.readOnly = readOnly
            self.logger = logger
            self.queryLogCapacity = queryLogCapacity
            self.isQueryLogEnabled = isQueryLogEnabled
            self.statementCacheCapacity = statementCacheCapacity
        }
    }
}
