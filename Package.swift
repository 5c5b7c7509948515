// swift-tools-version:6.2
import PackageDescription

/// Settings shared by every Sundial target: Swift 6 mode (strict concurrency), no warnings allowed.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Sundial",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sundiald", targets: ["sundiald"]),
        .library(name: "LineProtocol", targets: ["LineProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
    ],
    targets: [
        // MARK: C libraries from Debian
        .systemLibrary(
            name: "CSnappy",
            pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"])]
        ),

        // jemalloc replaces glibc's malloc in the daemon (see Sources/Allocator/Allocator.swift).
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),

        // Linking this target makes jemalloc the process's malloc: only executables use it.
        .target(
            name: "Allocator",
            dependencies: ["CJemalloc"],
            swiftSettings: strict
        ),

        .systemLibrary(
            name: "CCrypt",
            pkgConfig: "libcrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),

        // RE2 (Debian's libre2-dev) behind a small C surface: Go's regexp semantics in linear time.
        .target(name: "CRE2", path: "Sources/CRE2", linkerSettings: [.linkedLibrary("re2")]),

        // CRoaring (Debian's libroaring-dev): tsi1's series-id sets are Roaring's portable format.
        .systemLibrary(name: "CRoaring", path: "Sources/CRoaring", providers: [.apt(["libroaring-dev"])]),

        // MARK: Formats
        .target(name: "Snappy", dependencies: ["CSnappy"], swiftSettings: strict),
        // tsi1's files: log entries, MANIFEST, index files, sketches (Spec/tsi.md).
        .target(name: "TSI", dependencies: ["Checksum", "CRoaring", "GoMath"], swiftSettings: strict),
        .target(name: "LineProtocol", swiftSettings: strict),
        .target(name: "InfluxQL", dependencies: ["GoText"], swiftSettings: strict),
        // zlib (Debian's zlib1g-dev) for CRC-32: every TSM block read is checked.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Checksum", dependencies: ["CZlib"], swiftSettings: strict),
        .target(
            name: "Gzip",
            dependencies: [
                "Checksum",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TSM",
            dependencies: ["Snappy", "Checksum", "Gzip", "LineProtocol", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),

        // MARK: Database
        .target(
            name: "Meta",
            dependencies: [
                "CCrypt",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                // NIOThreadPool: the committer's thread and the bcrypt threads.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TSDB",
            dependencies: ["LineProtocol", "TSM", "TSI", "Checksum", .product(name: "SwiftProtobuf", package: "swift-protobuf"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(name: "Coordinator", dependencies: ["LineProtocol", "Meta", "TSDB"], swiftSettings: strict),
        // 1.x's monitor: statistics and diagnostics of every component, `_internal`.
        .target(
            name: "Monitor",
            dependencies: [
                "LineProtocol", "GoText", "Coordinator", "Meta",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(name: "Query", dependencies: ["InfluxQL", "Meta", "TSDB", "TSM", "LineProtocol", "Coordinator", "Monitor", "GoText", "GoMath", "CRE2"],
                swiftSettings: strict),
        // Prometheus remote write/read messages (generated once from Spec/proto/prometheus.proto).
        .target(
            name: "PromRemote",
            dependencies: ["LineProtocol", "Snappy", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strict
        ),

        // MARK: Inputs
        .target(name: "GoText", swiftSettings: strict),
        // Go's math functions bit for bit (InfluxQL math, holt_winters, the tsi1 sketches).
        .target(name: "GoMath", swiftSettings: strict),
        .target(
            name: "InputSupport",
            dependencies: [
                "Coordinator", "LineProtocol", "Meta", "TSDB",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Graphite",
            dependencies: [
                "GoText", "InputSupport", "Coordinator", "LineProtocol", "Meta", "TSDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OpenTSDB",
            dependencies: [
                "GoText", "InputSupport", "Coordinator", "LineProtocol", "Meta", "TSDB", "Gzip",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // MARK: Services
        .target(
            name: "HTTPD",
            dependencies: [
                "Gzip", "PromRemote",
                "LineProtocol", "TSDB", "Meta", "Query", "InfluxQL", "Monitor", "GoText",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Server",
            dependencies: [
                "TSM",
                .product(name: "NIOPosix", package: "swift-nio"),
                "HTTPD", "Meta", "Coordinator", "TSDB", "LineProtocol", "Query", "Retention", "Precreator", "ContinuousQuery", "Subscriber",
                "Graphite", "OpenTSDB", "Collectd", "UDP", "Monitor", "GoText", "Snapshotter", "Storage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sundiald",
            dependencies: [
                "Server", "HTTPD", "Allocator", "Snapshotter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: Tools
        .executableTarget(
            name: "lp-bench",
            dependencies: ["LineProtocol", "SundialTestSupport"],
            path: "tools/benchmark/lp-bench",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "sundial-inspect",
            dependencies: [
                "TSM", "TSDB", "TSI", "CRE2", "Checksum", "LineProtocol", "InfluxQL", "Meta", "GoText",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "tools/inspect",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "influxql-bench",
            dependencies: ["InfluxQL", "SundialTestSupport"],
            path: "tools/benchmark/influxql-bench",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "size-bench",
            dependencies: ["TSM", "LineProtocol", "SundialTestSupport"],
            path: "tools/benchmark/size-bench",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "wal-bench",
            dependencies: ["TSM"],
            path: "tools/benchmark/wal-bench",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "query-bench",
            dependencies: ["Server", "HTTPD", "TSDB", "TSM", "Allocator", .product(name: "Hummingbird", package: "hummingbird")],
            path: "tools/benchmark/query-bench",
            swiftSettings: strict
        ),

        // A command-line client of the storage read service (`[ifql]`): one Read, its frames printed.
        .executableTarget(
            name: "sundial-storage-read",
            dependencies: [
                "Storage",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "tools/storage-read",
            swiftSettings: strict
        ),

        // Full-scan storage Read throughput, influxd 1.6.7 and sundiald side by side on loopback.
        .executableTarget(
            name: "storage-read-bench",
            dependencies: ["Storage", "SundialTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "tools/benchmark/storage-read-bench",
            swiftSettings: strict
        ),

        .target(
            name: "Retention",
            dependencies: [
                "Meta", "TSDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ContinuousQuery",
            dependencies: [
                "Meta", "Query", "InfluxQL", "Coordinator", "LineProtocol", "TSDB", "Monitor", "GoText",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Subscriber",
            dependencies: [
                "Meta", "Coordinator", "LineProtocol", "GoText",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Collectd",
            dependencies: [
                "Coordinator", "InputSupport", "LineProtocol", "Meta", "TSDB",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "UDP",
            dependencies: [
                "Coordinator", "InputSupport", "LineProtocol", "Meta", "TSDB",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // 1.x's snapshotter on the TCP `bind-address` (its one-byte multiplexer), and the
        // client side of `backup` and `restore` with the portable and legacy formats.
        .target(
            name: "Snapshotter",
            dependencies: [
                "Meta", "TSDB", "TSM", "Checksum", "GoText",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // 1.6's storage read service on `[ifql] bind-address`: yarpc over yamux, storage.proto's
        // Read over the same shards and index as InfluxQL (Spec/storage-rpc.md).
        .target(
            name: "Storage",
            dependencies: [
                "Meta", "TSDB", "TSM", "InfluxQL", "Query", "CRE2", "LineProtocol", "GoText",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Precreator",
            dependencies: [
                "Meta",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "write-bench",
            dependencies: ["TSDB", "TSM", "LineProtocol", "Allocator", "SundialTestSupport"],
            path: "tools/benchmark/write-bench",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "tsm-bench",
            dependencies: ["TSM", "SundialTestSupport"],
            path: "tools/benchmark/tsm-bench",
            swiftSettings: strict
        ),

        // MARK: Tests
        .target(name: "SundialTestSupport", path: "Tests/Support", swiftSettings: strict),
        .testTarget(
            name: "InfluxQLTests",
            dependencies: ["InfluxQL", "SundialTestSupport"],
            path: "Tests/Unit/InfluxQLTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "MetaTests",
            dependencies: ["Meta"],
            path: "Tests/Unit/MetaTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "TSDBTests",
            dependencies: ["TSDB", "TSM", "TSI", "LineProtocol", "Checksum"],
            path: "Tests/Unit/TSDBTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "TSITests",
            dependencies: ["TSI", "Checksum", "GoMath", "SundialTestSupport"],
            path: "Tests/Unit/TSITests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "TSMTests",
            dependencies: ["TSM", "LineProtocol", "Snappy", "Gzip", "SundialTestSupport"],
            path: "Tests/Unit/TSMTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SnappyTests",
            dependencies: ["Snappy"],
            path: "Tests/Unit/SnappyTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PromRemoteTests",
            dependencies: ["PromRemote", "LineProtocol", "Snappy", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Tests/Unit/PromRemoteTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "LineProtocolTests",
            dependencies: ["LineProtocol"],
            path: "Tests/Unit/LineProtocolTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "QueryTests",
            dependencies: ["Query", "Coordinator", "Meta", "TSDB", "TSM", "LineProtocol", "InfluxQL", "GoMath", "SundialTestSupport"],
            path: "Tests/Unit/QueryTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "HTTPDTests",
            dependencies: [
                "HTTPD", "TSDB", "LineProtocol", "Gzip", "Meta", "Query", "InfluxQL", "Monitor", "SundialTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/Unit/HTTPDTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "InputTests",
            dependencies: ["Graphite", "OpenTSDB", "GoText", "LineProtocol", "Gzip", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/Unit/InputTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "HTTPD", "Meta", "Coordinator", "TSDB", "TSM", "LineProtocol", "SundialTestSupport", "Retention", "Precreator",
                "ContinuousQuery", "Query", "InfluxQL", "Subscriber", "PromRemote", "Snappy", "Graphite", "OpenTSDB", "Gzip", "Collectd", "UDP",
                "Monitor", "Snapshotter", "Storage", "GoText", "Checksum", "TSI",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/Unit/ServerTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "Meta", "TSDB", "TSM", "LineProtocol", "InfluxQL", "SundialTestSupport",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            path: "Tests/Unit/StorageTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectdTests",
            dependencies: ["Collectd", "Coordinator", "Meta", "TSDB", "TSM", "LineProtocol", "SundialTestSupport",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "CryptoExtras", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            path: "Tests/Unit/CollectdTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "UDPTests",
            dependencies: ["UDP", "Coordinator", "Meta", "TSDB", "TSM", "LineProtocol", "SundialTestSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            path: "Tests/Unit/UDPTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConformanceTests",
            dependencies: [
                "Server", "HTTPD", "Meta", "SundialTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/Conformance",
            swiftSettings: strict
        ),
    ]
)
