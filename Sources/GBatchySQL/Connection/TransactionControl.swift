/// A transaction control statement, as the authorizer reported it while the statement was prepared.
enum TransactionControl: CustomStringConvertible {
    /// `BEGIN`, `COMMIT` (or `END`) or `ROLLBACK`: `operation` is `BEGIN`, `COMMIT` or `ROLLBACK`.
    case transaction(operation: String)
    /// `SAVEPOINT`, `RELEASE` or `ROLLBACK TO`: `operation` is `BEGIN`, `RELEASE` or `ROLLBACK`.
    case savepoint(operation: String, name: String)

    var isSavepoint: Bool {
        if case .savepoint = self { return true }
        return false
    }

    /// The statement as SQL would spell it, such as `COMMIT` or `ROLLBACK TO x`.
    var description: String {
        switch self {
        case .transaction(let operation):
            return operation
        case .savepoint(let operation, let name):
            switch operation {
            case "BEGIN": return "SAVEPOINT \(name)"
            case "ROLLBACK": return "ROLLBACK TO \(name)"
            default: return "\(operation) \(name)"
            }
        }
    }
}
