/// 1.x's `Emitter` under `chunked=true`: every series is a result of its own, and a series
/// longer than `size` rows is cut into results of `size` rows. A cut series is marked partial;
/// every result but the statement's last is marked partial. (Without `chunked`, 1.x merges
/// these results again, so only chunked answers show the cut.)
final class ResultChunker {
    private let statementID: Int
    private let size: Int
    private var messages: [Message]
    /// The row being filled; held back until it is known whether anything follows it.
    private var row: Row?
    private var emittedAny = false

    init(statementID: Int, size: Int, messages: [Message] = []) {
        self.statementID = statementID
        self.size = size
        self.messages = messages
    }

    /// Adds a piece of a series (`continues`: more of that series follows); returns the
    /// results now complete.
    func add(_ piece: Row, continues: Bool = false) -> [StatementResult] {
        var out: [StatementResult] = []
        var start = 0
        if var current = row, current.name == piece.name, current.tags == piece.tags, current.values.count < size {
            let take = min(size - current.values.count, piece.values.count)
            current.values += piece.values[0..<take]
            current.partial = current.partial || piece.partial
            row = current
            start = take
        }
        while start < piece.values.count {
            if var done = row {
                // Cut at the chunk size within one series: the row itself is partial.
                if done.name == piece.name && done.tags == piece.tags { done.partial = true }
                out.append(result(done, partial: true))
            }
            let take = min(size, piece.values.count - start)
            var next = piece
            next.values = Array(piece.values[start..<(start + take)])
            row = next
            start += take
        }
        return out
    }

    /// Adds a series that 1.x sends as a result of its own, never cut (SHOW TAG KEYS and
    /// SHOW TAG VALUES send one per measurement).
    func addWhole(_ series: Row) -> [StatementResult] {
        var out: [StatementResult] = []
        if let done = row { out.append(result(done, partial: false)) }
        row = series
        return out
    }

    /// The remaining result; a statement that produced nothing still answers once.
    func finish() -> [StatementResult] {
        if let done = row {
            row = nil
            return [result(done, partial: false)]
        }
        return emittedAny ? [] : [result(nil, partial: false)]
    }

    private func result(_ series: Row?, partial: Bool) -> StatementResult {
        emittedAny = true
        defer { messages = [] }
        return StatementResult(statementID: statementID, series: series.map { [$0] } ?? [], messages: messages, partial: partial)
    }

    /// A whole statement's rows as 1.x's emitter would send them.
    static func chunks(_ result: StatementResult, size: Int) -> [StatementResult] {
        let chunker = ResultChunker(statementID: result.statementID, size: size, messages: result.messages)
        var out: [StatementResult] = []
        for row in result.series { out += chunker.add(row) }
        out += chunker.finish()
        if let last = out.indices.last { out[last].partial = result.partial || out[last].partial }
        return out
    }
}
