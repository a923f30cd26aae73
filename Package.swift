// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The hot path is single-threaded per event loop and exclusive access is enforced statically; the dynamic
/// checks cost about 3 % of the gateway's CPU per request (perf), so release builds drop them.
let hotPathSettings: [SwiftSetting] =
    swiftSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

/// The gateway binary is linked by lld with packed relative relocations (DT_RELR): the 1.4 MB table of
/// relocations the dynamic loader reads at every start becomes 330 KB, 1.1–1.4 MB less resident memory. The
/// functions it runs come first, in the order `scripts/link-order.sh` recorded (`linker/link-order.txt`, generated:
/// record it again after renaming functions of the request path), and the compiler's unnamed private functions are
/// gathered in front of them (`linker/private-functions.ld`): the code a running gateway touches then sits together
/// instead of across the 15 MB text. With every package built one section per function
/// (`scripts/build-release.sh`) that is ~6 MB less resident memory; a plain release build gets ~2 MB (issue 3).
let releaseLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/linker/link-order.txt",
            "-Xlinker", "--no-warn-symbol-ordering",
            "-Xlinker", "-T", "-Xlinker", "\(Context.packageDirectory)/linker/private-functions.ld",
        ],
        .when(platforms: [.linux], configuration: .release)
    )
]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .executable(name: "switchboard-mock", targets: ["switchboard-mock"]),
        .library(name: "SwitchboardCore", targets: ["SwitchboardCore"]),
        .library(name: "SwitchboardServer", targets: ["SwitchboardServer"]),
        .library(name: "SwitchboardMock", targets: ["SwitchboardMock"]),
        .library(name: "SwitchboardStore", targets: ["SwitchboardStore"]),
        .library(name: "SwitchboardControlPlane", targets: ["SwitchboardControlPlane"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // No I/O: config model and validation, request inspection and rewriting, routing decisions.
        .target(
            name: "SwitchboardCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: hotPathSettings
        ),
        // The fast mock provider, as a library for tests, benchmarks and the demo.
        .target(
            name: "SwitchboardMock",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The store: configs and their versions (later credentials, keys, logs) in SQLite or PostgreSQL, written
        // once against SQLKit; versioned migrations.
        .target(
            name: "SwitchboardStore",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The control-plane APIs (configs, keys, credentials, presets, registry, logs, analytics), off the hot path.
        .target(
            name: "SwitchboardControlPlane",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .target(name: "SwitchboardStore"),
                .target(name: "SwitchboardPrompts"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Prompt templates: Mustache rendering with partials, no I/O.
        .target(
            name: "SwitchboardPrompts",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // The gateway: NIO data plane, upstream pool, relay, operations endpoints.
        .target(
            name: "SwitchboardServer",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .target(name: "SwitchboardStore"),
                .target(name: "SwitchboardControlPlane"),
                .target(name: "SwitchboardPrompts"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Calls the gateway makes itself, off the request path (the semantic cache's embeddings).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: hotPathSettings
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .target(name: "SwitchboardStore"),
                .target(name: "SwitchboardServer"),
                .target(name: "SwitchboardMock"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinkerSettings
        ),
        .executableTarget(
            name: "switchboard-mock",
            dependencies: [
                .target(name: "SwitchboardMock"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test helpers: a raw HTTP client that records chunk arrival times, server fixtures.
        .target(
            name: "SwitchboardTestSupport",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .target(name: "SwitchboardStore"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .target(name: "SwitchboardServer"),
                .target(name: "SwitchboardMock"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardCoreTests",
            dependencies: [.target(name: "SwitchboardCore")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardControlPlaneTests",
            dependencies: [
                .target(name: "SwitchboardControlPlane"),
                .target(name: "SwitchboardCore"),
                .target(name: "SwitchboardStore"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardPromptsTests",
            dependencies: [
                .target(name: "SwitchboardPrompts"),
                .target(name: "SwitchboardCore"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardMockTests",
            dependencies: [
                .target(name: "SwitchboardMock"),
                .target(name: "SwitchboardTestSupport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardStoreTests",
            dependencies: [
                .target(name: "SwitchboardStore"),
                .target(name: "SwitchboardTestSupport"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchboardServerTests",
            dependencies: [
                .target(name: "SwitchboardCore"),
                .target(name: "SwitchboardStore"),
                .target(name: "SwitchboardServer"),
                .target(name: "SwitchboardMock"),
                .target(name: "SwitchboardTestSupport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
