/// The calls whose 1.x iterator gave nothing: a reduce iterator's `Next` returns nil when a
/// window's reducer emits nothing (a percentile past the window's points), and when that is
/// its first answer the fill iterator (or cursor) above takes it for the end: the call has no
/// point in any window or group. Later empty windows are only missing. Seen with the call
/// alone; beside other calls 1.x goes on (not modelled further).
final class IteratorStops {
    var calls = Set<Int>()
    /// Calls that met their first window with points.
    var started = Set<Int>()
}
