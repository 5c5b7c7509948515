import LineProtocol
import Synchronization

/// 1.x's `tsdb.PointBatcher`: collects the points of an input (Graphite, OpenTSDB, collectd,
/// UDP) into batches of `size`, emitting a partial batch `timeout` after its first point, for
/// one consumer that writes them through ``PointsWriter``.
///
/// In 1.x the input blocks once `pending` batches are waiting; here ``add(_:)`` never blocks
/// (an input runs on a NIO event loop) but answers whether there is room, and an input that
/// is told "no" stops reading until ``whenRoom(_:)`` calls it back — the same backpressure
/// (a TCP sender is slowed, a UDP socket's buffer overflows in the kernel).
public final class PointBatcher: Sendable {
    /// Points per batch (at least 1).
    public let size: Int
    /// Full batches that may wait for the consumer before ``add(_:)`` answers `false`.
    public let pending: Int
    /// A partial batch is emitted this long after its first point.
    public let timeout: Duration

    private struct State {
        var batch: [Point] = []
        var ready: [[Point]] = []
        var consumer: CheckedContinuation<[Point]?, Never>?
        var roomWaiters: [@Sendable () -> Void] = []
        var timer: Task<Void, Never>?
        var generation: UInt64 = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let counters = Counters()

    /// 1.x's `PointBatcherStats`.
    final class Counters: Sendable {
        let batches = Atomic<Int64>(0)
        let points = Atomic<Int64>(0)
        let sizeReached = Atomic<Int64>(0)
        let timeouts = Atomic<Int64>(0)
    }

    /// `size` and `pending` below 1 count as 1; a `timeout` of zero or less never fires.
    public init(size: Int, pending: Int, timeout: Duration) {
        self.size = max(1, size)
        self.pending = max(1, pending)
        self.timeout = timeout
    }

    /// Batches emitted, points taken, batches emitted because full, and partial batches
    /// emitted by the timeout (1.x's BatchTotal, PointTotal, SizeTotal, TimeoutTotal).
    public var batchTotal: Int64 { counters.batches.load(ordering: .relaxed) }
    public var pointTotal: Int64 { counters.points.load(ordering: .relaxed) }
    public var sizeTotal: Int64 { counters.sizeReached.load(ordering: .relaxed) }
    public var timeoutTotal: Int64 { counters.timeouts.load(ordering: .relaxed) }

    /// Adds `points` (never blocks). Returns `false` when `pending` full batches now wait: the
    /// caller should stop reading its input until ``whenRoom(_:)`` calls back. Points added
    /// after ``stop()`` are dropped.
    @discardableResult
    public func add(_ points: [Point]) -> Bool {
        guard !points.isEmpty else { return hasRoom }
        let (delivery, room): (Delivery, Bool) = state.withLock { s in
            guard !s.stopped else { return (Delivery(), true) }
            for point in points {
                if s.batch.isEmpty {
                    s.batch.reserveCapacity(size)
                    startTimer(&s)
                }
                s.batch.append(point)
                if s.batch.count >= size {
                    counters.sizeReached.add(1, ordering: .relaxed)
                    emit(&s)
                }
            }
            return (handOff(&s), s.ready.count < pending)
        }
        counters.points.add(Int64(points.count), ordering: .relaxed)
        delivery.run()
        return room
    }

    /// Whether fewer than `pending` full batches wait.
    public var hasRoom: Bool { state.withLock { $0.stopped || $0.ready.count < pending } }

    /// Calls `body` once there is room (at once if there is), or on ``stop()``.
    public func whenRoom(_ body: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.stopped || s.ready.count < pending { return true }
            s.roomWaiters.append(body)
            return false
        }
        if now { body() }
    }

    /// Emits the partial batch now, if there is one (1.x's `Flush`).
    public func flush() {
        state.withLock { s -> Delivery in
            emit(&s)
            return handOff(&s)
        }.run()
    }

    /// Emits the partial batch and ends the stream: ``next()`` returns what is still waiting,
    /// then `nil`. Inputs waiting for room are called back.
    public func stop() {
        state.withLock { s -> Delivery in
            s.stopped = true
            emit(&s)
            var delivery = Delivery()
            if let consumer = s.consumer {
                s.consumer = nil
                delivery = take(&s)
                delivery.consumer = consumer
            }
            delivery.waiters += s.roomWaiters
            s.roomWaiters = []
            return delivery
        }.run()
    }

    /// The next batch, waiting for one; `nil` once stopped and drained. One consumer only.
    public func next() async -> [Point]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Point]?, Never>) in
            state.withLock { s -> Delivery in
                guard s.ready.isEmpty && !s.stopped else {
                    var delivery = take(&s)
                    delivery.consumer = continuation
                    return delivery
                }
                s.consumer = continuation
                return Delivery()
            }.run()
        }
    }

    /// The batches, until ``stop()``.
    public var batches: Batches { Batches(batcher: self) }

    /// The batches as an async sequence, for `for await batch in batcher.batches`.
    public struct Batches: AsyncSequence, Sendable {
        let batcher: PointBatcher
        public struct AsyncIterator: AsyncIteratorProtocol {
            let batcher: PointBatcher
            public mutating func next() async -> [Point]? { await batcher.next() }
        }
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(batcher: batcher) }
    }

    // MARK: - Internals (called with the lock held)

    /// What to do once the lock is released: hand a batch (or the end) to the consumer and
    /// call back inputs waiting for room.
    private struct Delivery {
        var consumer: CheckedContinuation<[Point]?, Never>?
        var batch: [Point]?
        var waiters: [@Sendable () -> Void] = []

        func run() {
            consumer?.resume(returning: batch)
            for waiter in waiters { waiter() }
        }
    }

    /// Takes the first waiting batch, and the inputs waiting for room if that made some.
    private func take(_ s: inout State) -> Delivery {
        guard !s.ready.isEmpty else { return Delivery() }
        var delivery = Delivery(batch: s.ready.removeFirst())
        if s.ready.count < pending {
            delivery.waiters = s.roomWaiters
            s.roomWaiters = []
        }
        return delivery
    }

    /// Gives the waiting consumer a batch, if both exist.
    private func handOff(_ s: inout State) -> Delivery {
        guard !s.ready.isEmpty, let consumer = s.consumer else { return Delivery() }
        s.consumer = nil
        var delivery = take(&s)
        delivery.consumer = consumer
        return delivery
    }

    private func emit(_ s: inout State) {
        s.timer?.cancel()
        s.timer = nil
        s.generation &+= 1
        guard !s.batch.isEmpty else { return }
        s.ready.append(s.batch)
        s.batch = []
        counters.batches.add(1, ordering: .relaxed)
    }

    private func startTimer(_ s: inout State) {
        guard timeout > .zero else { return }
        let generation = s.generation
        let timeout = self.timeout
        s.timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self?.timedOut(generation)
        }
    }

    /// The timeout of the batch begun at `generation` (lock not held).
    private func timedOut(_ generation: UInt64) {
        state.withLock { s -> Delivery in
            guard s.generation == generation, !s.batch.isEmpty else { return Delivery() }
            s.timer = nil
            counters.timeouts.add(1, ordering: .relaxed)
            emit(&s)
            return handOff(&s)
        }.run()
    }
}
