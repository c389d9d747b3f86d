// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "GBatchy",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GBatchy", targets: ["GBatchy"]),
        .library(name: "GBatchySQL", targets: ["GBatchySQL"]),
        .library(name: "GBatchyPostgres", targets: ["GBatchyPostgres"]),
        .library(name: "GBatchyPostgresTesting", targets: ["GBatchyPostgresTesting"]),
        .executable(name: "gbatchy-demo", targets: ["GBatchyDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
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
        // What the SQL backends share and that needs no database: the columns a row type decodes, the check of a
        // loader's filter expression.
        .target(name: "GBatchySQLCore", dependencies: ["GBatchy"]),
        .target(
            name: "GBatchySQL",
            dependencies: [
                "GBatchy",
                "GBatchySQLCore",
                "GBatchyCSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The PostgreSQL backend, a product of its own: a user of GBatchySQL alone never builds NIO or postgres-nio.
        .target(
            name: "GBatchyPostgres",
            dependencies: [
                "GBatchy",
                "GBatchySQLCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Starts throwaway PostgreSQL servers for tests, the demo and benchmarks: Foundation only, no driver.
        .target(name: "GBatchyPostgresTesting"),
        .executableTarget(
            name: "GBatchyDemo",
            dependencies: [
                "GBatchy", "GBatchySQL", "GBatchyPostgres", "GBatchyPostgresTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(name: "GBatchyTests", dependencies: ["GBatchy"]),
        .testTarget(
            name: "GBatchySQLTests",
            dependencies: [
                "GBatchy", "GBatchySQL", "GBatchySQLCore", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GBatchyPostgresTests",
            dependencies: [
                "GBatchy",
                "GBatchyPostgres",
                "GBatchyPostgresTesting",
                "GBatchySQLCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "GBatchyPostgresTestingTests", dependencies: ["GBatchyPostgresTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
