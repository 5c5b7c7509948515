/// Cuts a statement's series into 1.x's chunks of at most `size` rows as they are produced
/// (`chunked=true`): a series continued in the next chunk is marked partial, and so is every
/// chunk but the last. Pieces of one series arriving one after another join the same series.
final class ResultChunker {
    private let statementID: Int
    private let size: Int
    private var current: StatementResult
    /// A full chunk held back until it is known whether anything follows (then it is partial).
    private var full: StatementResult?
    private var rows = 0
    /// The last series in `current` continues with the next piece.
    private var open = false
    private var emittedAny = false

    init(statementID: Int, size: Int, messages: [Message] = []) {
        self.statementID = statementID
        self.size = size
        self.current = StatementResult(statementID: statementID, messages: messages)
    }

    /// Adds a piece of a series (`continues`: more of that series follows); returns the
    /// chunks now complete.
    func add(_ piece: Row, continues: Bool) -> [StatementResult] {
        var out: [StatementResult] = []
        var start = 0
        while start < piece.values.count {
            if let done = full {
                var done = done
                done.partial = true
                out.append(done)
                full = nil
            }
            let take = min(size - rows, piece.values.count - start)
            let slice = piece.values[start..<(start + take)]
            start += take
            if open, let last = current.series.indices.last {
                current.series[last].values += slice
            } else {
                var row = piece
                row.values = Array(slice)
                current.series.append(row)
            }
            let more = start < piece.values.count || continues
            current.series[current.series.count - 1].partial = more || piece.partial
            open = more
            rows += take
            if rows == size {
                full = current
                emittedAny = true
                current = StatementResult(statementID: statementID)
                rows = 0
                open = false
            }
        }
        if !continues { open = false }
        return out
    }

    /// The remaining chunks; a statement that produced nothing still answers once.
    func finish() -> [StatementResult] {
        var out: [StatementResult] = []
        if let full { out.append(full) }
        if !current.series.isEmpty || !emittedAny { out.append(current) }
        full = nil
        return out
    }

    /// A whole result cut into chunks.
    static func chunks(_ result: StatementResult, size: Int) -> [StatementResult] {
        let chunker = ResultChunker(statementID: result.statementID, size: size, messages: result.messages)
        var out: [StatementResult] = []
        for row in result.series { out += chunker.add(row, continues: false) }
        out += chunker.finish()
        if let last = out.indices.last { out[last].partial = result.partial }
        return out
    }
}
