/// Reads protobuf wire format the way 1.x's gogo-generated `Unmarshal` methods do, so that a
/// malformed body gets the same error: varints of at most ten bytes (extra high bits dropped),
/// lengths read as Go `int`, unknown fields skipped (groups included), and the first problem
/// in byte order wins. Decoding works on the bytes in place; strings are not checked for UTF-8
/// (1.x's decoder does not check them either).
struct WireReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var index: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.index = start
        self.end = end ?? bytes.count
    }

    var atEnd: Bool { index >= end }

    /// A varint: more than ten bytes is an overflow, running out of input is EOF.
    mutating func varint() throws(PromError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard shift < 64 else { throw .intOverflow }
            guard index < end else { throw .unexpectedEOF }
            let b = bytes[index]
            index += 1
            value |= (UInt64(b) & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
    }

    /// The next field's number and wire type, refusing end-group and non-positive numbers as
    /// the message `message` of 1.x's decoder does.
    mutating func tag(in message: String) throws(PromError) -> (field: Int32, wireType: Int, start: Int) {
        let start = index
        let wire = try varint()
        let field = Int32(truncatingIfNeeded: wire >> 3)
        let wireType = Int(wire & 7)
        if wireType == 4 { throw .endGroup(message) }
        if field <= 0 { throw .illegalTag(message, field, wire) }
        return (field, wireType, start)
    }

    /// The byte range of a length-delimited value.
    mutating func lengthDelimited() throws(PromError) -> Range<Int> {
        let length = Int(truncatingIfNeeded: try varint())
        guard length >= 0 else { throw .invalidLength }
        // Go would overflow and panic on a length this large; it is as invalid as a negative one.
        let (after, overflow) = index.addingReportingOverflow(length)
        guard !overflow else { throw .invalidLength }
        guard after <= end else { throw .unexpectedEOF }
        defer { index = after }
        return index..<after
    }

    mutating func fixed64() throws(PromError) -> UInt64 {
        guard end - index >= 8 else { throw .unexpectedEOF }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[index + i]) << (8 * UInt64(i)) }
        index += 8
        return v
    }

    /// Skips the field whose tag starts at `start` (gogo's `skip`): its value, or a whole
    /// group up to its matching end, counted rather than recursed so nesting cannot exhaust
    /// the stack.
    mutating func skipField(from start: Int) throws(PromError) {
        index = start
        var depth = 0
        repeat {
            let wireType = Int(try varint() & 7)
            switch wireType {
            case 0: _ = try varint()
            case 1: try advance(8)
            case 2:
                let length = Int(truncatingIfNeeded: try varint())
                guard length >= 0 else { throw .invalidLength }
                try advance(length)
            case 3: depth += 1
            case 4: depth -= 1
            case 5: try advance(4)
            default: throw .illegalWireType(wireType)
            }
        } while depth > 0
        guard index <= end else { throw .unexpectedEOF }
    }

    /// Moves past `count` bytes; running past the end is found by the next read or the
    /// caller's bounds check, as in gogo.
    private mutating func advance(_ count: Int) throws(PromError) {
        let (after, overflow) = index.addingReportingOverflow(count)
        guard !overflow else { throw .invalidLength }
        index = after
    }

    /// The bytes of `range` as a buffer view.
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range]) }
}
