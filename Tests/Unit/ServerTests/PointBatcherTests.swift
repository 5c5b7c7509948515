import Coordinator
import LineProtocol
import Synchronization
import Testing

/// ``PointBatcher``: 1.x's batch-size, batch-pending and batch-timeout semantics.
struct PointBatcherTests {
    static func points(_ n: Int, from start: Int = 0) -> [Point] {
        (start..<(start + n)).map { i in
            try! Point(measurement: "m", tags: [], fields: [("value", .float(Double(i)))], time: Int64(i))
        }
    }

    static func values(_ batch: [Point]?) -> [Int64] { (batch ?? []).map(\.time) }

    @Test(arguments: [(size: 3, added: 7, full: 2, left: 1), (size: 1, added: 4, full: 4, left: 0),
                      (size: 5, added: 5, full: 1, left: 0), (size: 10, added: 3, full: 0, left: 3)])
    func fullBatchesAreEmittedInOrderAndStopFlushesTheRest(size: Int, added: Int, full: Int, left: Int) async {
        let batcher = PointBatcher(size: size, pending: 100, timeout: .seconds(3600))
        batcher.add(Self.points(added))
        var seen: [Int64] = []
        for _ in 0..<full {
            let batch = await batcher.next()
            #expect(batch?.count == size)
            seen += Self.values(batch)
        }
        batcher.stop()
        if left > 0 {
            let rest = await batcher.next()
            #expect(rest?.count == left)
            seen += Self.values(rest)
        }
        #expect(await batcher.next() == nil)
        #expect(seen == (0..<Int64(added)).map { $0 })
        #expect(batcher.pointTotal == Int64(added) && batcher.sizeTotal == Int64(full))
        #expect(batcher.batchTotal == Int64(full + (left > 0 ? 1 : 0)))
    }

    @Test func aPartialBatchIsEmittedAfterTheTimeout() async {
        let batcher = PointBatcher(size: 100, pending: 1, timeout: .milliseconds(50))
        let began = ContinuousClock.now
        batcher.add(Self.points(3))
        let batch = await batcher.next()
        #expect(Self.values(batch) == [0, 1, 2])
        #expect(ContinuousClock.now - began >= .milliseconds(50))
        #expect(batcher.timeoutTotal == 1 && batcher.sizeTotal == 0)
        batcher.stop()
        #expect(await batcher.next() == nil)
    }

    @Test func aWaitingConsumerGetsTheBatchThatFillsUp() async {
        let batcher = PointBatcher(size: 2, pending: 1, timeout: .zero)
        async let batch = batcher.next()
        try? await Task.sleep(for: .milliseconds(20))
        batcher.add(Self.points(1))
        batcher.add(Self.points(1, from: 1))
        #expect(Self.values(await batch) == [0, 1])
        batcher.stop()
    }

    @Test func addSaysNoOncePendingBatchesWaitAndRoomCallsBack() async {
        let batcher = PointBatcher(size: 2, pending: 2, timeout: .zero)
        #expect(batcher.add(Self.points(2)))
        #expect(!batcher.add(Self.points(2, from: 2)))
        #expect(!batcher.hasRoom)
        let called = Atomic<Int>(0)
        batcher.whenRoom { called.add(1, ordering: .relaxed) }
        #expect(called.load(ordering: .relaxed) == 0)
        #expect(Self.values(await batcher.next()) == [0, 1])
        #expect(called.load(ordering: .relaxed) == 1)
        #expect(batcher.hasRoom)
        batcher.whenRoom { called.add(1, ordering: .relaxed) }
        #expect(called.load(ordering: .relaxed) == 2)
        batcher.stop()
        #expect(Self.values(await batcher.next()) == [2, 3])
        #expect(await batcher.next() == nil)
    }

    @Test func stopEndsAWaitingConsumerAndDropsLaterPoints() async {
        let batcher = PointBatcher(size: 10, pending: 1, timeout: .zero)
        async let end = batcher.next()
        try? await Task.sleep(for: .milliseconds(20))
        batcher.stop()
        #expect(await end == nil)
        batcher.add(Self.points(3))
        #expect(await batcher.next() == nil)
        #expect(batcher.pointTotal == 0)
    }

    @Test func flushEmitsThePartialBatch() async {
        let batcher = PointBatcher(size: 10, pending: 1, timeout: .zero)
        batcher.add(Self.points(4))
        batcher.flush()
        #expect(Self.values(await batcher.next()) == [0, 1, 2, 3])
        batcher.flush()  // nothing pending: no empty batch
        batcher.stop()
        #expect(await batcher.next() == nil)
        #expect(batcher.batchTotal == 1)
    }

    @Test func concurrentProducersLoseNothing() async {
        let batcher = PointBatcher(size: 7, pending: 3, timeout: .milliseconds(5))
        let consumer = Task {
            var n = 0
            for await batch in batcher.batches { n += batch.count }
            return n
        }
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<4 {
                group.addTask {
                    for i in 0..<50 {
                        // Respect the backpressure as an input does: wait for room when told no.
                        if !batcher.add(Self.points(3, from: p * 1000 + i * 3)) {
                            await withCheckedContinuation { c in batcher.whenRoom { c.resume() } }
                        }
                    }
                }
            }
        }
        batcher.stop()
        #expect(await consumer.value == 600)
    }
}
