// swift-tools-version:6.0
//
// PhysGrad: inverse problems through physics models, in Swift, on LAPACK.
// Dependencies point downward only: CLI -> PhysGrad -> {LBFGSB, Derivatives, LinearAlgebra} -> C LAPACK.
import PackageDescription

let package = Package(
    name: "PhysGrad",
    products: [
        .library(name: "PhysGradLinearAlgebra", targets: ["PhysGradLinearAlgebra"]),
        .library(name: "PhysGradPlot", targets: ["PhysGradPlot"]),
        .library(name: "PhysGradDerivatives", targets: ["PhysGradDerivatives"]),
        .executable(name: "physgrad", targets: ["PhysGradCLI"]),
        // Benchmark executables: every product named `bench-*` is run by scripts/bench.
        .executable(name: "bench-linear-algebra", targets: ["BenchLinearAlgebra"]),
        .executable(name: "bench-derivatives", targets: ["BenchDerivatives"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // LAPACKE + OpenBLAS's CBLAS (Debian: liblapacke-dev, libopenblas-dev). Implementation
        // detail of PhysGradLinearAlgebra, which imports it with `internal import`.
        .systemLibrary(
            name: "CPhysGradLAPACK",
            path: "Modules/CLAPACK",
            pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]
        ),
        .target(
            name: "PhysGradLinearAlgebra",
            dependencies: ["CPhysGradLAPACK"]
        ),
        // Deterministic SVG charts (trajectories, loss curves); no dependencies.
        .target(name: "PhysGradPlot"),
        .executableTarget(
            name: "PhysGradCLI",
            dependencies: ["PhysGradLinearAlgebra"]
        ),
        .target(
            name: "PhysGradBenchSupport",
            path: "Sources/Benchmarks/Support"
        ),
        .executableTarget(
            name: "BenchLinearAlgebra",
            dependencies: ["PhysGradLinearAlgebra", "PhysGradBenchSupport", "CPhysGradLAPACK"],
            path: "Sources/Benchmarks/LinearAlgebra"
        ),
        .testTarget(
            name: "PhysGradLinearAlgebraTests",
            dependencies: ["PhysGradLinearAlgebra", "PhysGradBenchSupport"]
        ),
        .testTarget(
            name: "PhysGradPlotTests",
            dependencies: ["PhysGradPlot"]
        ),
        // Exact derivatives of models written once, generic over `PhysGradReal`:
        // forward duals (nestable), a reverse-mode tape, drivers, finite differences.
        .target(
            name: "PhysGradDerivatives",
            dependencies: [
                "PhysGradLinearAlgebra",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .executableTarget(
            name: "BenchDerivatives",
            dependencies: ["PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradBenchSupport"],
            path: "Sources/Benchmarks/Derivatives"
        ),
        .testTarget(
            name: "PhysGradDerivativesTests",
            dependencies: ["PhysGradDerivatives", "PhysGradLinearAlgebra"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
