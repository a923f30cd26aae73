// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of the gateway's hot Core functions, kept out of the main package's dependency graph.
//   swift package --package-path benchmarks/micro benchmark
let package = Package(
    name: "switchboard-micro-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The gateway's Core module, compiled from the main package's sources (a symlink), so the benchmarks
        // do not depend on the checkout's folder name and build none of the server's dependencies.
        .target(
            name: "SwitchboardCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Sources/SwitchboardCore"
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .target(name: "SwitchboardCore"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
