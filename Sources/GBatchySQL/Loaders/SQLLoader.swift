import GBatchy

/// Loads the rows of your own SQL per key, one statement per tick for all the keys loaded concurrently in a context.
///
/// Create it once with ``SQLiteSource/sqlLoader(_:key:reads:sql:_:caching:maxBatchSize:name:)``. The statement marks
/// where the tick's keys go with `:keys`, inside parentheses (`WHERE customer_id IN (:keys)`); the loader replaces the
/// marker with `SELECT +value FROM main.json_each(:keys)` and binds the distinct keys of the batch as one JSON array,
/// so the statement is the same for any number of keys and each key is compared as `WHERE customer_id = ?` would
/// compare it. A batch with a key JSON cannot carry (text containing NUL, `Data`) binds one value per key instead,
/// `SELECT +column1 FROM (VALUES (?),(?),…)`; a statement with numbered parameters (`?2`) fails such a key alone.
/// Your other parameters (`?`) take the values given, in order; they are part of the loader.
///
/// Each row goes to the key its `key` column holds (read back as `Key`), in the statement's order: every key gets
/// its rows, `[]` when it has none. A row whose key column is no key of the batch (a `NOCASE` column returning
/// `'ANN'` for the key `'ann'`, an expression) fails the batch with ``TableLoaderError/Code/unreadableKey``: return
/// the key column as stored. A row that fails to decode fails only its key.
///
/// The statement is checked at first use, before it runs (``SQLLoaderError``): exactly one `:keys` marker, one
/// statement, read-only (`sqlite3_stmt_readonly`), the key column among its result columns, one value per other
/// parameter, and every table it reads (views included, through their base tables) declared in `reads`. A write to
/// any table of `reads` clears the loader in the context. Its batches join the tick's read transaction.
///
/// ```swift
/// let bigOrders = db.sqlLoader(Order.self, key: "customer_id", reads: ["orders"],
///     sql: "SELECT * FROM orders WHERE customer_id IN (:keys) AND total > ? ORDER BY id DESC", [100])
/// let orders = try await bigOrders.load(7)   // customer 7's orders over 100, newest first
/// ```
///
/// `SQLLoader` is `Sendable`.
public final class SQLLoader<Key: SQLiteKey, Row: Decodable & Sendable>: KeyedLoader, TableCacheInvalidating {
    /// The core loader underneath, named `sql.key` unless it was given a name. Its keys are the keys'
    /// ``SQLiteKey/sqliteIdentity``.
    public let loader: Loader<Key.SQLiteIdentity, [Row]>
    /// The SQL as given, with its `:keys` marker.
    public let sql: String
    /// The result column that holds each row's key.
    public let keyColumn: String
    /// The tables the statement reads: a write to any of them clears the loader in the context.
    public let reads: [String]
    private let source: SQLSource<Key.SQLiteIdentity, Row>

    @usableFromInline
    init(
        database: SQLiteSource,
        key: String,
        reads: [String],
        sql: String,
        values: [any SQLiteBindable],
        caching: Bool,
        maxBatchSize: Int?,
        name: String?,
        reader: RowReader<Key.SQLiteIdentity, Row>
    ) {
        let name = name ?? "sql.\(key)"
        let source = SQLSource<Key.SQLiteIdentity, Row>(
            database: database,
            name: name,
            sql: sql,
            keyColumn: key,
            reads: reads,
            values: values,
            reader: reader
        )
        let answerGroups = reader.answerGroups
        self.source = source
        self.sql = sql
        self.keyColumn = key
        self.reads = reads
        self.loader = Loader(
            name: name,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: database.tableLoaders.dispatchGroup(of: database),
            results: { keys in
                let (rows, failures) = try await source.fetch(keys)
                return answerGroups(keys, rows, failures)
            }
        )
        for table in Set(reads.map { $0.lowercased() }) {
            database.tableLoaders.registry.register(self, table: table)
        }
    }

    /// The core loader's key for `key`: its ``SQLiteKey/sqliteIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    @inlinable
    public func loaderKey(_ key: Key) -> Key.SQLiteIdentity { key.sqliteIdentity }
}

extension SQLiteSource {
    /// Creates a loader of the rows your own SQL returns for each integer key, batched: one statement per tick.
    ///
    /// ```swift
    /// let bigOrders = db.sqlLoader(Order.self, key: "customer_id", reads: ["orders"],
    ///     sql: "SELECT * FROM orders WHERE customer_id IN (:keys) AND total > ? ORDER BY id DESC", [100])
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - key: The result column that holds each row's key.
    ///   - reads: Every table the statement reads (a view's base tables too): a write to any clears the loader.
    ///   - sql: One read-only statement with one `:keys` marker, inside parentheses: `IN (:keys)`.
    ///   - values: The values of the statement's other parameters, in order.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `sql.key`.
    /// - Returns: The loader.
    @inlinable @_disfavoredOverload
    public func sqlLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        key: String,
        reads: [String],
        sql: String,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> SQLLoader<Int, Row> {
        sqlLoader(
            rowType,
            key: key,
            keyType: Int.self,
            reads: reads,
            sql: sql,
            values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }

    /// Creates a loader of the rows your own SQL returns for each key, with the key type taken from the context.
    ///
    /// ```swift
    /// let byCountry = db.sqlLoader(Customer.self, key: "country", keyType: String.self, reads: ["customers"],
    ///     sql: "SELECT * FROM customers WHERE country IN (:keys) ORDER BY last_name")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - key: The result column that holds each row's key.
    ///   - keyType: The key type.
    ///   - reads: Every table the statement reads: a write to any clears the loader.
    ///   - sql: One read-only statement with one `:keys` marker, inside parentheses: `IN (:keys)`.
    ///   - values: The values of the statement's other parameters, in order.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one query, or `nil` for no limit.
    ///   - name: The loader's name in errors and `BatchStatistics`; `nil` for `sql.key`.
    /// - Returns: The loader.
    @inlinable
    public func sqlLoader<Key: SQLiteKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        key: String,
        keyType: Key.Type = Key.self,
        reads: [String],
        sql: String,
        _ values: [any SQLiteBindable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> SQLLoader<Key, Row> {
        SQLLoader(
            database: self,
            key: key,
            reads: reads,
            sql: sql,
            values: values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name,
            reader: RowReader()
        )
    }
}
