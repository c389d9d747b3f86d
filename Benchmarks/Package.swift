// swift-tools-version:6.0
import PackageDescription

// The benchmark lives in a package of its own, so that its peers (GRDB, Graphiti for the GraphQL rows, postgres-nio
// used directly by the PostgreSQL rows) stay out of GBatchy's dependencies and out of `swift test`. Run it from the
// repository root:
//
//     swift run --package-path Benchmarks -c release gbatchy-bench [--quick] [--json PATH] [--profile WORKLOAD]
//
// The names check (gbatchy-interop) lives here too, beside the same peers (and vapor/sqlite-nio), so that CI builds
// them once:
//
//     swift run --package-path Benchmarks -c release gbatchy-interop
let package = Package(
    name: "GBatchyBenchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gbatchy-bench", targets: ["GBatchyBench"]),
        .executable(name: "gbatchy-soak", targets: ["GBatchySoak"]),
        .executable(name: "gbatchy-interop", targets: ["GBatchyInterop"]),
    ],
    dependencies: [
        .package(name: "GBatchy", path: ".."),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/GraphQLSwift/Graphiti.git", from: "3.1.0"),
        // The hand-written floor of the PostgreSQL rows; the same version as GBatchy's own dependency.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Only for the names check: Fluent's SQLite driver, whose names a GBatchySQL user imports beside ours.
        .package(url: "https://github.com/vapor/sqlite-nio.git", exact: "1.13.2"),
    ],
    targets: [
        .target(name: "CMallocStats"),
        // The raw SQLite C API, for the hand-written floor of the SQL rows.
        .systemLibrary(name: "BenchSQLite", path: "Sources/BenchSQLite", pkgConfig: "sqlite3"),
        .executableTarget(
            name: "GBatchyBench",
            dependencies: [
                "CMallocStats",
                "BenchSQLite",
                .product(name: "GBatchy", package: "GBatchy"),
                .product(name: "GBatchySQL", package: "GBatchy"),
                .product(name: "GBatchyPostgres", package: "GBatchy"),
                .product(name: "GBatchyPostgresTesting", package: "GBatchy"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Graphiti", package: "Graphiti"),
            ]
        ),
        // R6: the long run (soak) of mixed reads and writes, kept out of `swift test`:
        //     swift run --package-path Benchmarks -c release --scratch-path Benchmarks/.build-soak gbatchy-soak --seconds 60
        .executableTarget(
            name: "GBatchySoak",
            dependencies: [
                .product(name: "GBatchy", package: "GBatchy"),
                .product(name: "GBatchySQL", package: "GBatchy"),
            ]
        ),
        // The names check of issues #10 and #13: GBatchy, GBatchySQL and GBatchyPostgres imported beside SQLiteNIO,
        // GRDB and PostgresNIO in one file, every public type named without a module prefix; then a request on each.
        .executableTarget(
            name: "GBatchyInterop",
            dependencies: [
                .product(name: "GBatchy", package: "GBatchy"),
                .product(name: "GBatchySQL", package: "GBatchy"),
                .product(name: "GBatchyPostgres", package: "GBatchy"),
                .product(name: "GBatchyPostgresTesting", package: "GBatchy"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
