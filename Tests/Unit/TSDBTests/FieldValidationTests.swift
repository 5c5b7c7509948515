import LineProtocol
import Testing

@testable import TSDB

/// `MeasurementFieldSet.validate` over batches where shapes repeat (it validates a shape once):
/// the outcome per point is what validating each point alone against the pre-batch fields gives.
@Suite struct FieldValidationTests {
    static func points(_ text: String) -> [Point] {
        LineProtocolParser.parse(Array(text.utf8), options: ParseOptions(defaultTime: 1)).points
    }

    @Test(arguments: [
        // (existing fields as a line, batch, accepted lines' fields, dropped, error text)
        ("m f=1", "m f=1i\nm f=2i\nm f=3\nm f=4", ["f=3", "f=4"], 2, "field type conflict: input field \"f\" on measurement \"m\" is type integer, already exists as type float"),
        ("m f=1", "m,time=1 f=1\nm f=2\nm,time=2 f=3\nm f=4", ["f=2", "f=4"], 2, "invalid tag key: input tag \"time\" on measurement \"m\" is invalid"),
        ("m f=1", "m time=1\nm f=2,time=3\nm time=4", ["f=2,time=3"], 2, "invalid field name: input field \"time\" on measurement \"m\" is invalid"),
        ("n g=1", "m f=1,g=\"x\"\nm f=2,g=\"y\"\nm g=\"z\",f=3", ["f=1,g=\"x\"", "f=2,g=\"y\"", "g=\"z\",f=3"], 0, ""),
        ("m f=true", "m f=t\nm f=F\nm f=1\nm f=FALSE", ["f=t", "f=F", "f=FALSE"], 1, "field type conflict: input field \"f\" on measurement \"m\" is type float, already exists as type boolean"),
    ] as [(String, String, [String], Int, String)])
    func repeatedShapes(existing: String, batch: String, accepted: [String], dropped: Int, reason: String) {
        var set = MeasurementFieldSet()
        #expect(set.validate(Self.points(existing)).error == nil)
        let (kept, error) = set.validate(Self.points(batch))
        #expect(kept.map { String(decoding: $0.rawFields, as: UTF8.self) } == accepted)
        if dropped == 0 {
            #expect(error == nil)
        } else {
            #expect(error == .partial(reason: reason, dropped: dropped))
        }
    }

    /// Two new fields of one batch with different types still fail the whole write.
    @Test func newFieldConflictInOneBatchFailsTheWrite() {
        var set = MeasurementFieldSet()
        let (kept, error) = set.validate(Self.points("m f=1\nm f=2\nm f=3i\nm f=4i"))
        #expect(kept.isEmpty)
        #expect(error == .client("field type conflict"))
    }

    /// Shapes tell measurements, keys and kinds apart (so a cached shape never stands in for another).
    @Test func shapesDiffer() {
        func shape(_ line: String) -> [UInt8] {
            var out: [UInt8] = []
            Self.points(line)[0].appendShape(to: &out)
            return out
        }
        let lines = ["m f=1", "m f=1i", "m f=\"1\"", "m f=true", "m g=1", "n f=1", "m f=1,g=1", "m g=1,f=1", "mf=1 x=1"]
        #expect(Set(lines.map(shape)).count == lines.count)
        #expect(shape("m,a=1 f=2") == shape("m,b=2 f=5"))
    }
}
