import GoText

/// Go's `log` with `LstdFlags`, as influxd's `backup` and `restore` print: each line prefixed
/// with the local date and time.
struct GoLogger: Sendable {
    /// Writes text as it is (no time prefix).
    let write: @Sendable (String) -> Void

    func print(_ line: String) {
        write(GoTime.logStamp() + " " + line + (line.hasSuffix("\n") ? "" : "\n"))
    }
}
