// swift-tools-version: 6.1
import PackageDescription

/// Settings every Paystorm target shares: Swift 6 mode, strict concurrency, and
/// `NonisolatedNonsendingByDefault` so that nonisolated async functions run on the caller's
/// executor (without it they hop to the global pool and escape the deterministic runtime).
/// No unsafe flags: a package that carries one cannot be depended on by version
/// (`-cross-module-optimization` was one; dropping it measured no cost, PERFORMANCE.md).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

/// The executable links jemalloc (Debian: `apt-get install libjemalloc-dev`) as its allocator:
/// the actor pipeline allocates on every hop and jemalloc measured faster than glibc malloc here
/// (see PERFORMANCE.md), with the start-up options in `CJemallocConfig` (freed pages go back to
/// the kernel after 1 s). `PAYSTORM_JEMALLOC=0 swift build` builds without it.
let useJemalloc = Context.environment["PAYSTORM_JEMALLOC"] != "0"

let package = Package(
    name: "Paystorm",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "paystorm", targets: ["paystorm"]),
        .library(name: "PaystormCore", targets: ["Core"]),
        .library(name: "PaystormRuntime", targets: ["PaystormRuntime"]),
        .library(name: "PaystormLedger", targets: ["Ledger"]),
        .library(name: "PaystormJournal", targets: ["Journal"]),
        .library(name: "PaystormServices", targets: ["Services"]),
        .library(name: "PaystormScenarios", targets: ["Scenarios"]),
        .library(name: "PaystormServer", targets: ["Server"]),
        .library(name: "PaystormCharts", targets: ["Charts"]),
        .library(name: "PaystormClient", targets: ["Client"]),
        .library(name: "PaystormReports", targets: ["Reports"]),
        // What tests and benchmarks (Paystorm's and an embedder's) configure the processor with.
        .library(name: "PaystormTesting", targets: ["PaystormTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Declared for the HTTP/1 client of `WireHTTP`; Hummingbird brings the same package.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .target(name: "Core", swiftSettings: swiftSettings),
        // SVG charts drawn from values: the dashboard's, and any report's.
        .target(name: "Charts", swiftSettings: swiftSettings),
        .target(name: "CPaystormHooks"),
        .target(
            name: "PaystormRuntime",
            dependencies: [
                "Core",
                "CPaystormHooks",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Journal",
            dependencies: [
                "Core",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "Core", "PaystormRuntime", "Journal",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Services",
            dependencies: [
                "Core", "PaystormRuntime", "Ledger", "Journal",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Scenarios",
            dependencies: [
                "Core", "PaystormRuntime", "Ledger", "Journal", "Services",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Core", "PaystormRuntime", "Journal", "Services", "Charts",
                "WireHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                // APIFastPath sits in Hummingbird's channel pipeline, beside its connection handler.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PaystormTesting", dependencies: ["Services", "PaystormRuntime"],
            swiftSettings: swiftSettings),
        // What a run, a swarm or a capacity search shows a person: the per-second time series
        // and the self-contained HTML reports drawn with Charts.
        .target(name: "Reports", dependencies: ["Charts", "Scenarios"], swiftSettings: swiftSettings),
        // Keep-alive HTTP/1.1 connections on SwiftNIO: the one HTTP client of the tree, for the
        // runner's requests and the server's webhook deliveries.
        .target(
            name: "WireHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP target of `paystorm run --target`: Stripe's API over real sockets.
        .target(
            name: "Client",
            dependencies: [
                "Core", "Services", "Scenarios", "WireHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "paystorm",
            dependencies: [
                "Core", "PaystormRuntime", "Ledger", "Journal", "Services", "Scenarios", "Server", "Client",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ] + (useJemalloc ? ["CJemalloc", "CJemallocConfig"] : []),
            swiftSettings: swiftSettings
        ),
        // jemalloc's start-up options (`malloc_conf`), linked into the executable with jemalloc.
        .target(name: "CJemallocConfig"),
        .systemLibrary(
            name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
        .testTarget(name: "CoreTests", dependencies: ["Core"], swiftSettings: swiftSettings),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ReportsTests", dependencies: ["Reports", "Charts", "Scenarios"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PaystormRuntimeTests", dependencies: ["PaystormRuntime"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LedgerTests", dependencies: ["Ledger", "PaystormRuntime"], swiftSettings: swiftSettings),
        .testTarget(
            name: "JournalTests", dependencies: ["Journal"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ScenariosTests", dependencies: ["Scenarios", "PaystormRuntime", "Core"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Services", "Core", "PaystormRuntime",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ClientTests",
            dependencies: [
                "Client", "Scenarios", "Server", "Services", "Core", "WireHTTP",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ServicesTests",
            dependencies: ["Services", "PaystormRuntime", "Ledger", "Core", "PaystormTesting"],
            swiftSettings: swiftSettings),
    ]
)
