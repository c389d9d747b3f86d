/// Which transaction control statements a connection accepts at a given moment.
enum TransactionControlPolicy {
    /// None: reads, and anything outside the cases below.
    case none
    /// `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` only: inside the transaction of ``SQLiteSource/write(_:)``, which
    /// they nest in and cannot end.
    case savepoints
    /// Any: the library's own `BEGIN`/`COMMIT`/`ROLLBACK`, and the SQL of ``SQLiteSource/execute(_:_:)``, which
    /// must leave no transaction open.
    case any
}
