// swift-tools-version: 6.1
import PackageDescription

// The numeric modules (images, refiners, the engines' kernels) are optimized in debug builds
// too: the tests run the CLI and the server on real images, and unoptimized they are 10–50×
// slower. The other modules keep -Onone for debugging.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "text4seg",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Text4SegCore", targets: ["Text4SegCore"]),
        .library(name: "Text4SegEngines", targets: ["Text4SegEngines"]),
        .library(name: "Text4SegModels", targets: ["Text4SegModels"]),
        .library(name: "Text4SegReports", targets: ["Text4SegReports"]),
        .library(name: "Text4SegServer", targets: ["Text4SegServer"]),
        .executable(name: "text4seg", targets: ["text4seg"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `serve`: Hummingbird 2 (without swift-configuration, which nothing here reads), graceful
        // shutdown and Prometheus metrics (multipart uploads have their own parser: MultipartKit traps on fuzzed input).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",

            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG",
            providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(
            name: "CWebP", path: "Sources/CWebP", pkgConfig: "libwebp",
            providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(
            name: "CTIFF", path: "Sources/CTIFF", pkgConfig: "libtiff-4",
            providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2",
            providers: [.apt(["libfreetype-dev"])]),
        .target(
            name: "CImageCodecs",
            dependencies: ["CPNG", "CJPEG", "CWebP", "CTIFF"],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("webp"), .linkedLibrary("tiff")]
        ),
        .target(
            name: "Text4SegCore",
            dependencies: ["CImageCodecs", .product(name: "Yams", package: "Yams")],
            swiftSettings: optimizedInDebug,
            plugins: ["EmbedFiles"]
        ),
        // Compiles Vocabularies/*.yaml into Text4SegCore, Configs/clip/*.yaml into Text4SegModels and
        // the server's page and OpenAPI document into Text4SegServer at build time.
        .plugin(name: "EmbedFiles", capability: .buildTool()),
        .target(
            name: "Text4SegEngines",
            dependencies: [
                "Text4SegCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Text4SegModels",
            dependencies: [
                "Text4SegCore", "CBLAS",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: optimizedInDebug,
            plugins: ["EmbedFiles"]
        ),
        // What people look at: overlays with legends (FreeType text), report tables.
        .target(
            name: "Text4SegReports",
            dependencies: ["Text4SegCore", "CFreeType"]
        ),
        // `serve`: the segmentation flow behind HTTP (JSON API, Label Studio ML backend, web page).
        // It holds no segmentation logic of its own.
        .target(
            name: "Text4SegServer",
            dependencies: [
                "Text4SegCore", "Text4SegEngines", "Text4SegModels", "Text4SegReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Assets"],
            plugins: ["EmbedFiles"]
        ),
        // What both executables share: how a command line becomes a run and an exit status.
        .target(
            name: "Text4SegCommandLine",
            dependencies: ["Text4SegCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "text4seg",
            dependencies: [
                "Text4SegCore", "Text4SegEngines", "Text4SegModels", "Text4SegReports", "Text4SegCommandLine",
                "Text4SegServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            plugins: ["BuildInfo"]
        ),
        // The side-by-side benchmarks against reference implementations, for maintainers.
        .executableTarget(
            name: "text4seg-bench",
            dependencies: [
                "Text4SegCore", "Text4SegEngines", "Text4SegModels", "Text4SegCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Embeds the git commit in the executable (text4seg --version).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        // Fuzz targets: a corpus replayer in the normal build, libFuzzer's entry point when
        // built by scripts/fuzz.sh with -sanitize=fuzzer,address -DFUZZING.
        .executableTarget(
            name: "text4seg-fuzz",
            dependencies: [
                "Text4SegCore", "Text4SegEngines", "Text4SegModels", "Text4SegReports", "Text4SegServer",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // What the test targets share: paths, the one Fixtures root (copied into the test
        // bundle), the CLI runner, the local servers and the prerequisite guards (skip, or fail
        // under TEXT4SEG_REQUIRE_ALL=1).
        .target(
            name: "Text4SegTestSupport",
            dependencies: ["Text4SegCore", "Text4SegModels"],
            path: "Tests/Text4SegTestSupport",
            resources: [.copy("Fixtures")]
        ),
        // One test target a module; the CLI and the server are tested as processes.
        .testTarget(
            name: "Text4SegCoreTests",
            dependencies: ["Text4SegCore", "Text4SegEngines", "Text4SegTestSupport"]
        ),
        .testTarget(
            name: "Text4SegEnginesTests",
            dependencies: ["Text4SegCore", "Text4SegEngines", "Text4SegTestSupport"]
        ),
        .testTarget(
            name: "Text4SegModelsTests",
            dependencies: ["Text4SegCore", "Text4SegModels", "Text4SegTestSupport"]
        ),
        .testTarget(
            name: "Text4SegReportsTests",
            dependencies: ["Text4SegCore", "Text4SegReports", "Text4SegTestSupport"]
        ),
        .testTarget(
            name: "Text4SegServerTests",
            dependencies: ["Text4SegCore", "Text4SegServer", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "Text4SegEndToEndTests",
            dependencies: ["Text4SegCore", "Text4SegModels", "Text4SegReports", "Text4SegTestSupport"]
        ),
    ]
)
