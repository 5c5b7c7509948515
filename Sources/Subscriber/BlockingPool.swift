import NIOPosix

/// The subscriber's own thread for its few blocking calls (reading `ca-certs`, resolving a UDP
/// destination's host): NIO's shared pool may be busy with other work (an in-process store's
/// writes), and a subscription must not wait behind it.
enum BlockingPool {
    static let shared: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()
}
