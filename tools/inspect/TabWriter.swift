import GoText

/// Go's `text/tabwriter.Writer` with no flags, which report, verify and dumptsm print their
/// tables through: cells end at a tab; tab-terminated cells of consecutive lines form a
/// column as wide as its widest cell plus `padding` (at least `minwidth`); the last cell of a
/// line belongs to no column. Text is held until `flush()`, or until a line without any tab
/// ends (Go flushes there: such a line cannot affect any column).
final class TabWriter {
    private struct Cell {
        var size = 0
        var width = 0
        var terminatedByTab = false
    }

    private let console: Console
    private let minWidth: Int, tabWidth: Int, padding: Int
    private let padChar: UInt8
    private var text: [UInt8] = []
    private var cellStart = 0
    private var lines: [[Cell]] = [[]]
    private var widths: [Int] = []

    init(_ console: Console, minWidth: Int, tabWidth: Int, padding: Int, padChar: Character) {
        self.console = console
        self.minWidth = minWidth
        self.tabWidth = tabWidth
        self.padding = padding
        self.padChar = padChar.asciiValue ?? 0x20
    }

    func write(_ s: String) { write(bytes: s.utf8) }

    /// Writes raw bytes (names from index files need not be UTF-8).
    func write(bytes: some Sequence<UInt8>) {
        for byte in bytes {
            switch byte {
            case 0x09, 0x0B, 0x0A, 0x0C:
                let cells = terminateCell(tab: byte == 0x09)
                if byte == 0x0A || byte == 0x0C {
                    lines.append([])
                    if byte == 0x0C || cells == 1 { flush() }
                }
            default:
                text.append(byte)
            }
        }
    }

    func flush() {
        if text.count > cellStart { _ = terminateCell(tab: false) }
        _ = format(0, 0, lines.count)
        text.removeAll(keepingCapacity: true)
        cellStart = 0
        lines = [[]]
        widths = []
    }

    /// Ends the current cell; returns the number of cells on its line.
    private func terminateCell(tab: Bool) -> Int {
        let cell = Cell(size: text.count - cellStart, width: Self.runeCount(text[cellStart...]), terminatedByTab: tab)
        cellStart = text.count
        lines[lines.count - 1].append(cell)
        return lines[lines.count - 1].count
    }

    /// Go's `utf8.RuneCount`: an invalid byte counts as one rune.
    private static func runeCount(_ bytes: ArraySlice<UInt8>) -> Int {
        var i = bytes.startIndex, n = 0
        while i < bytes.endIndex {
            let length = GoUTF8.sequenceLength(bytes, at: i)
            i += length == 0 ? 1 : length
            n += 1
        }
        return n
    }

    /// Lays out lines `first..<end` starting at text offset `start`; returns the offset after
    /// them. A column starts at the first line that has a cell in it and runs as long as the
    /// following lines do; the columns to its right are laid out within that block.
    private func format(_ start: Int, _ first: Int, _ end: Int) -> Int {
        var position = start
        var line0 = first
        let column = widths.count
        var this = first
        while this < end {
            if column < lines[this].count - 1 {
                position = writeLines(position, line0, this)
                line0 = this
                var width = minWidth
                while this < end, column < lines[this].count - 1 {
                    width = max(width, lines[this][column].width + padding)
                    this += 1
                }
                widths.append(width)
                position = format(position, line0, this)
                widths.removeLast()
                line0 = this
            }
            this += 1
        }
        return writeLines(position, line0, end)
    }

    private func writeLines(_ start: Int, _ first: Int, _ end: Int) -> Int {
        var position = start
        var out: [UInt8] = []
        for i in first..<end {
            for (j, cell) in lines[i].enumerated() {
                if cell.size > 0 {
                    out += text[position..<(position + cell.size)]
                    position += cell.size
                }
                if j < widths.count { pad(cell.width, widths[j], into: &out) }
            }
            if i + 1 == lines.count {
                // The last buffered line has no newline yet: what is left of it goes out as is.
                out += text[position..<text.count]
                position = text.count
            } else {
                out.append(0x0A)
            }
        }
        console.out(bytes: out)
        return position
    }

    private func pad(_ textWidth: Int, _ cellWidth: Int, into out: inout [UInt8]) {
        if padChar == 0x09 {
            guard tabWidth > 0 else { return }
            // With tab padding a cell is as wide as the next tab stop.
            let stop = (cellWidth + tabWidth - 1) / tabWidth * tabWidth
            let n = stop - textWidth
            out += [UInt8](repeating: 0x09, count: (n + tabWidth - 1) / tabWidth)
        } else {
            out += [UInt8](repeating: padChar, count: cellWidth - textWidth)
        }
    }
}
