// swift-tools-version: 6.1
import PackageDescription

// Paystorm's benchmark suite (ordo-one/benchmark). Kept out of the main package, as swift-nio
// does, so that `swift build` and `swift test` at the top never compile it.
//
//   cd Benchmarks && swift package benchmark            # run everything
//   swift package benchmark --filter "Ledger.*"        # one suite
//   swift package benchmark baseline update main       # save a baseline, then compare:
//   swift package benchmark baseline compare main

let package = Package(
    name: "PaystormBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Paystorm", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The payment workload the lifecycle and recovery benchmarks share.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "PaystormCore", package: "Paystorm"),
                .product(name: "PaystormRuntime", package: "Paystorm"),
                .product(name: "PaystormLedger", package: "Paystorm"),
                .product(name: "PaystormServices", package: "Paystorm"),
            ],
            path: "Benchmarks/BenchmarkSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "RuntimeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PaystormRuntime", package: "Paystorm"),
            ],
            path: "Benchmarks/RuntimeBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PaystormCore", package: "Paystorm"),
                .product(name: "PaystormRuntime", package: "Paystorm"),
                .product(name: "PaystormLedger", package: "Paystorm"),
                .product(name: "PaystormJournal", package: "Paystorm"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "JournalBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PaystormJournal", package: "Paystorm"),
            ],
            path: "Benchmarks/JournalBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LifecycleBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkSupport",
                .product(name: "PaystormCore", package: "Paystorm"),
                .product(name: "PaystormRuntime", package: "Paystorm"),
                .product(name: "PaystormLedger", package: "Paystorm"),
                .product(name: "PaystormServices", package: "Paystorm"),
            ],
            path: "Benchmarks/LifecycleBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ServicesBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "BenchmarkSupport",
                .product(name: "PaystormCore", package: "Paystorm"),
                .product(name: "PaystormRuntime", package: "Paystorm"),
                .product(name: "PaystormJournal", package: "Paystorm"),
                .product(name: "PaystormLedger", package: "Paystorm"),
                .product(name: "PaystormServices", package: "Paystorm"),
            ],
            path: "Benchmarks/ServicesBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
