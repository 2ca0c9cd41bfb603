// swift-tools-version: 6.1
import PackageDescription

/// A package outside Paystorm's tree that depends on it by path, as an embedder's would, and
/// uses only its public API: what its tests compile against is what Paystorm promises.
let package = Package(
    name: "Embedder",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Paystorm", path: "../..")
    ],
    targets: [
        .testTarget(
            name: "EmbedderTests",
            dependencies: [
                .product(name: "PaystormCore", package: "Paystorm"),
                .product(name: "PaystormRuntime", package: "Paystorm"),
                .product(name: "PaystormServices", package: "Paystorm"),
                .product(name: "PaystormScenarios", package: "Paystorm"),
                .product(name: "PaystormTesting", package: "Paystorm"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
