#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses line protocol bodies with 1.x's rules and error texts.
///
/// Works on the raw bytes: each accepted line costs one allocation (the point's storage: its
/// canonical series key and its field bytes); nothing is decoded into `String`s until asked.
public enum LineProtocolParser {
    /// Parses every line of `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: ParseOptions) -> ParseResult {
        var result = ParseResult()
        var pos = 0
        while pos < bytes.count {
            let end = scanLine(bytes, from: pos)
            var line = pos..<end
            pos = end + 1
            // Leading spaces, tabs and NULs go; a line that is then empty or starts with '#' is skipped.
            var start = line.lowerBound
            while start < line.upperBound, isWhitespace(bytes[start]) { start += 1 }
            guard start < line.upperBound, bytes[start] != ASCII.hash else { continue }
            line = start..<line.upperBound
            let text = UnsafeRawBufferPointer(rebasing: bytes[line])
            do {
                result.points.append(try parseLine(text, options: options))
            } catch {
                result.errors.append(LineError(lineBytes: Array(text), reason: error.reason))
            }
        }
        return result
    }

    /// Parses every line of `bytes`.
    public static func parse(_ bytes: [UInt8], options: ParseOptions) -> ParseResult {
        bytes.withUnsafeBytes { parse($0, options: options) }
    }

    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool {
        b == ASCII.space || b == ASCII.tab || b == 0
    }

    /// The end of the line starting at `start`: the next newline outside a quoted field value.
    /// Quotes only count in the field section, after a field's `=`, as in 1.x.
    static func scanLine(_ buf: UnsafeRawBufferPointer, from start: Int) -> Int {
        // Fast path: most lines hold no quote and no backslash, and then the next newline ends
        // the line; memchr finds both with SIMD.
        let base = buf.baseAddress!
        let remaining = buf.count - start
        let newline: Int
        if let hit = memchr(base + start, Int32(ASCII.newline), remaining) {
            newline = UnsafeRawPointer(hit) - base
        } else {
            newline = buf.count
        }
        let length = newline - start
        if memchr(base + start, Int32(ASCII.quote), length) == nil && memchr(base + start, Int32(ASCII.backslash), length) == nil {
            return newline
        }
        return scanQuotedLine(buf, from: start)
    }

    /// The line end when quotes or escapes may hide newlines: 1.x's byte-by-byte rules.
    static func scanQuotedLine(_ buf: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start
        var quoted = false, inFields = false
        var equals = 0, commas = 0
        while i < buf.count {
            let b = buf[i]
            if b == ASCII.backslash && i + 2 < buf.count {
                i += 2
                continue
            }
            if b == ASCII.space { inFields = true }
            if inFields {
                if !quoted && b == ASCII.equals {
                    equals += 1; i += 1; continue
                } else if !quoted && b == ASCII.comma {
                    commas += 1; i += 1; continue
                } else if b == ASCII.quote && equals > commas {
                    quoted.toggle(); i += 1; continue
                }
            }
            if b == ASCII.newline && !quoted { break }
            i += 1
        }
        return i
    }

    /// One line (no leading whitespace, no newline) into a point.
    static func parseLine(_ buf: UnsafeRawBufferPointer, options: ParseOptions) throws(ScanError) -> Point {
        // One allocation per point: key and fields together never exceed the line.
        var storage: [UInt8] = []
        storage.reserveCapacity(buf.count)
        let key = try scanKey(buf, into: &storage)
        guard key.count > 0 else { throw .missingMeasurement }
        guard key.count <= ScanError.maxKeyLength else { throw .keyTooLong(key.count) }

        let fields = try scanFields(buf, from: key.end, allowUnsigned: options.allowUnsigned)
        guard !fields.range.isEmpty else { throw .missingFields }
        let fieldBytes = UnsafeRawBufferPointer(rebasing: buf[fields.range])
        if !fields.plain || key.count + 4 + fields.longestKey > ScanError.maxKeyLength {
            try FieldWalker.check(fieldBytes, keyCount: key.count)
        }

        let time: Int64
        let stamp = try scanTime(buf, from: fields.range.upperBound)
        if stamp.range.isEmpty {
            let unit = options.precision.nanosecondsPerUnit
            // Server time is truncated to the precision, as 1.x's SetPrecision does.
            time = options.defaultTime - floorMod(options.defaultTime, unit)
        } else {
            let value = try parseTimestamp(UnsafeRawBufferPointer(rebasing: buf[stamp.range]))
            let (scaled, overflow) = value.multipliedReportingOverflow(by: options.precision.nanosecondsPerUnit)
            guard !overflow, scaled >= TimeRange.minNanoseconds, scaled <= TimeRange.maxNanoseconds else {
                throw .timeOutOfRange
            }
            time = scaled
            // Only spaces may follow the timestamp.
            var i = stamp.range.upperBound
            while i < buf.count {
                guard buf[i] == ASCII.space else { throw .invalidPoint }
                i += 1
            }
        }
        storage += fieldBytes
        return Point(storage: storage, keyCount: key.count, time: time)
    }

    @inline(__always) static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }
}
