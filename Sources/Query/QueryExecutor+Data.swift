import InfluxQL
import Meta

extension QueryExecutor {
    /// Statements over stored data: series, measurements, tags and fields.
    func rowsForData(_ statement: Statement, options: ExecutionOptions) async throws(StatementError) -> [Row] {
        throw StatementError("not implemented yet: \(statement.kindName)")
    }
}

extension Statement {
    /// The statement's leading keywords, for messages.
    var kindName: String {
        String(description.prefix { $0 != "(" }.split(separator: " ").prefix(2).joined(separator: " "))
    }
}
