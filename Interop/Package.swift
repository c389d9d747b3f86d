// swift-tools-version:6.0
import PackageDescription

// The names check of issue #10: GBatchy and GBatchySQL imported beside vapor/sqlite-nio (SQLiteNIO, Fluent's SQLite
// driver) and GRDB in one file, every public type of both modules named without a module prefix. A package of its
// own, so that its peers stay out of GBatchy's dependencies and out of `swift test`. Run it from the repository root:
//
//     swift run --package-path Interop gbatchy-interop
let package = Package(
    name: "GBatchyInterop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gbatchy-interop", targets: ["GBatchyInterop"])
    ],
    dependencies: [
        .package(name: "GBatchy", path: ".."),
        .package(url: "https://github.com/vapor/sqlite-nio.git", exact: "1.13.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "GBatchyInterop",
            dependencies: [
                .product(name: "GBatchy", package: "GBatchy"),
                .product(name: "GBatchySQL", package: "GBatchy"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
