// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "GBatchy",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GBatchy", targets: ["GBatchy"]),
        .library(name: "GBatchySQL", targets: ["GBatchySQL"]),
        .library(name: "GBatchyPostgresTesting", targets: ["GBatchyPostgresTesting"]),
        .executable(name: "gbatchy-demo", targets: ["GBatchyDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2")
    ],
    targets: [
        // The system SQLite. The target has a namespaced name so that GBatchy can share a build graph with another
        // package that declares its own `CSQLite`.
        .systemLibrary(
            name: "GBatchyCSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .target(name: "GBatchy"),
        .target(
            name: "GBatchySQL",
            dependencies: [
                "GBatchy",
                "GBatchyCSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Starts throwaway PostgreSQL servers for tests, the demo and benchmarks: Foundation only, no driver.
        .target(name: "GBatchyPostgresTesting"),
        .executableTarget(
            name: "GBatchyDemo",
            dependencies: ["GBatchy", "GBatchySQL"]
        ),
        .testTarget(name: "GBatchyTests", dependencies: ["GBatchy"]),
        .testTarget(
            name: "GBatchySQLTests",
            dependencies: ["GBatchy", "GBatchySQL", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "GBatchyPostgresTestingTests", dependencies: ["GBatchyPostgresTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
