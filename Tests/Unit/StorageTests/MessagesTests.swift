import SwiftProtobuf
import Testing
@testable import Storage

@Suite struct MessagesTests {
    /// The field numbers are 1.6's: a Read request with a database and a time range encodes
    /// as gogo protobuf does (field 1 string, field 2 message of two varints).
    @Test func readRequestWireBytes() throws {
        var request = StorageReadRequest()
        request.database = "db"
        request.timestampRange.start = 1
        request.timestampRange.end = 2
        let bytes: [UInt8] = try request.serializedBytes()
        #expect(bytes == [0x0a, 0x02, 0x64, 0x62, 0x12, 0x04, 0x08, 0x01, 0x10, 0x02])
    }
}
