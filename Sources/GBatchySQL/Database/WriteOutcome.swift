/// The result of an `execute` job: the tables it may have written (committed or rolled back) and the error, if any.
struct WriteOutcome: Sendable {
    let touchedTables: Set<String>
    let error: (any Error)?
}
