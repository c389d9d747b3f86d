import Foundation
import GBatchy
import PostgresNIO

/// Loads the rows of your own SQL per key, one statement per tick for all the keys loaded concurrently: the
/// PostgreSQL twin of GBatchySQL's `SQLLoader`, taking the same SQL.
///
/// The statement marks where the tick's keys go with `:keys`, inside parentheses (`WHERE customer_id IN (:keys)`);
/// the loader replaces the marker with `SELECT unnest($1)` and binds the batch's keys as one array. Your other
/// parameters (`?`) take the values given, in order. Each row goes to the key its `key` column holds; every key gets
/// its rows, `[]` when it has none. At first use the statement is checked with `EXPLAIN` before it runs: exactly one
/// `:keys`, one statement, read-only (no `INSERT`, `UPDATE`, `DELETE` or `FOR UPDATE` in its plan), and every table
/// it reads (views through their base tables) declared in `reads`. A write to any table of `reads` clears the loader
/// in the context.
///
/// ```swift
/// let bigOrders = pg.sqlLoader(Order.self, key: "customer_id", reads: ["orders"],
///     sql: "SELECT * FROM orders WHERE customer_id IN (:keys) AND total > ? ORDER BY id DESC", [100])
/// ```
public final class PostgresSQLLoader<Key: PostgresKey, Row: Decodable & Sendable>: KeyedLoader, PostgresCacheClearing {
    /// The core loader underneath, named `sql.key` unless it was given a name.
    public let loader: Loader<Key.PostgresIdentity, [Row]>
    /// The SQL as given, with its `:keys` marker.
    public let sql: String
    /// The result column that holds each row's key.
    public let keyColumn: String
    /// The tables the statement reads.
    public let reads: [String]

    init(
        source: PostgresSource,
        key: String,
        reads: [String],
        sql: String,
        values: [any PostgresEncodable & Sendable],
        caching: Bool,
        maxBatchSize: Int?,
        name: String?
    ) {
        self.sql = sql
        self.keyColumn = key
        self.reads = reads
        let checked = Locked<String?>(nil)
        let loaderName = name ?? "sql.\(key)"
        loader = Loader(
            name: loaderName,
            maxBatchSize: maxBatchSize,
            caching: caching,
            cachesErrors: false,
            dispatchGroup: source.dispatchGroup,
            results: { keys in
                var elements: [Key.PostgresElement] = []
                var indexes: [Key.PostgresIdentity: Int] = [:]
                for (index, identity) in keys.enumerated() {
                    guard let element = Key.postgresElement(identity) else { continue }
                    elements.append(element)
                    indexes[identity] = index
                }
                var groups = [[Row]](repeating: [], count: keys.count)
                guard !elements.isEmpty else { return groups.map { .success($0) } }
                var bindings = PostgresBindings(capacity: values.count + 1)
                try bindings.append(elements)
                try appendValues(values, to: &bindings, sql: sql)
                let statement: String
                if let known = checked.withLock({ $0 }) {
                    statement = known
                } else {
                    statement = try await Self.check(
                        sql,
                        values: values.count,
                        reads: reads,
                        bindings: bindings,
                        source: source,
                        name: loaderName
                    )
                    checked.withLock { $0 = statement }
                }
                let rows = try await source.read(statement, bindings, keyCount: elements.count, table: nil)
                var failures: [Int: any Error] = [:]
                for row in rows {
                    let cells = row.makeRandomAccess()
                    guard cells.contains(key) else {
                        throw PostgresSourceError(
                            .unknownColumn,
                            "the statement returns no column \(key)",
                            column: key,
                            sql: statement
                        )
                    }
                    let element = try cells[key].decode(Key.PostgresElement.self)
                    guard let index = indexes[Key.postgresIdentity(of: element)] else {
                        throw PostgresSourceError(
                            .server,
                            "a row's \(key) (\(element)) is no key of the batch",
                            column: key,
                            sql: statement
                        )
                    }
                    guard failures[index] == nil else { continue }
                    do {
                        groups[index].append(try PostgresRowDecoder(row: cells, sql: statement, table: nil).decode())
                    } catch {
                        failures[index] = error
                    }
                }
                return groups.indices.map { failures[$0].map { .failure($0) } ?? .success(groups[$0]) }
            }
        )
        source.registry.register(self, tables: reads)
    }

    /// The statement as PostgreSQL runs it, once `EXPLAIN` showed it reads only declared tables and writes nothing.
    private static func check(
        _ sql: String,
        values: Int,
        reads: [String],
        bindings: PostgresBindings,
        source: PostgresSource,
        name: String
    ) async throws -> String {
        func refuse(_ reason: String) -> PostgresSourceError {
            PostgresSourceError(.invalidDefinition, "the SQL of loader \(name) is refused: \(reason)", sql: sql)
        }
        let template: PostgresSQLTemplate
        do {
            template = try PostgresSQLTemplate(sql)
        } catch {
            throw refuse(error.reason)
        }
        guard template.parameterCount == values else {
            throw refuse("it has \(template.parameterCount) '?' parameter(s) but \(values) value(s) were given")
        }
        let plan = try await source.read("EXPLAIN (FORMAT JSON) " + template.sql, bindings, keyCount: nil, table: nil)
        let text = try plan.first.map { try $0.decode(String.self) } ?? "[]"
        let nodes = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) ?? []
        var relations = Set<String>()
        var writes = false
        func walk(_ node: Any) {
            if let list = node as? [Any] { list.forEach(walk) }
            guard let object = node as? [String: Any] else { return }
            if let type = object["Node Type"] as? String, type == "ModifyTable" || type == "LockRows" { writes = true }
            if let relation = object["Relation Name"] as? String { relations.insert(relation.lowercased()) }
            object.values.forEach(walk)
        }
        walk(nodes)
        guard !writes else { throw refuse("it writes or locks rows; a loader only reads") }
        let declared = Set(reads.map { $0.lowercased() })
        if let undeclared = relations.subtracting(declared).sorted().first {
            throw refuse("it reads \(undeclared), which is not in reads: \(reads)")
        }
        return template.sql
    }

    /// The core loader's key for `key`: its ``PostgresKey/postgresIdentity``.
    ///
    /// - Parameter key: A key.
    /// - Returns: The key as the core loader tells keys apart.
    public func loaderKey(_ key: Key) -> Key.PostgresIdentity { key.postgresIdentity }
}

extension PostgresSource {
    /// Creates a loader of your own SQL's rows per integer key: the same call, and the same SQL, as on SQLite.
    ///
    /// ```swift
    /// let bigOrders = pg.sqlLoader(Order.self, key: "customer_id", reads: ["orders"],
    ///     sql: "SELECT * FROM orders WHERE customer_id IN (:keys) AND total > ? ORDER BY id DESC", [100])
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - key: The result column holding each row's key.
    ///   - reads: Every table the statement reads.
    ///   - sql: One read-only statement with one `:keys` marker and `?` for `values`.
    ///   - values: The values of its `?` parameters, always bound.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `sql.key` by default.
    /// - Returns: The loader.
    @_disfavoredOverload
    public func sqlLoader<Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        key: String,
        reads: [String],
        sql: String,
        _ values: [any PostgresEncodable & Sendable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresSQLLoader<Int, Row> {
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

    /// Creates a loader of your own SQL's rows per key of `keyType`.
    ///
    /// ```swift
    /// let byHandle = pg.sqlLoader(User.self, key: "handle", keyType: String.self, reads: ["users"],
    ///     sql: "SELECT * FROM users WHERE handle IN (:keys)")
    /// ```
    ///
    /// - Parameters:
    ///   - rowType: The row type, decoded by column name.
    ///   - key: The result column holding each row's key.
    ///   - keyType: The key type.
    ///   - reads: Every table the statement reads.
    ///   - sql: One read-only statement with one `:keys` marker and `?` for `values`.
    ///   - values: The values of its `?` parameters, always bound.
    ///   - caching: Whether loaded rows stay cached in the context.
    ///   - maxBatchSize: The most keys in one statement, or `nil` for no limit.
    ///   - name: The loader's name; `sql.key` by default.
    /// - Returns: The loader.
    public func sqlLoader<Key: PostgresKey, Row: Decodable & Sendable>(
        _ rowType: Row.Type,
        key: String,
        keyType: Key.Type = Key.self,
        reads: [String],
        sql: String,
        _ values: [any PostgresEncodable & Sendable] = [],
        caching: Bool = true,
        maxBatchSize: Int? = nil,
        name: String? = nil
    ) -> PostgresSQLLoader<Key, Row> {
        PostgresSQLLoader(
            source: self,
            key: key,
            reads: reads,
            sql: sql,
            values: values,
            caching: caching,
            maxBatchSize: maxBatchSize,
            name: name
        )
    }
}
