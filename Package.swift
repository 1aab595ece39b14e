// swift-tools-version:6.0
//
// PhysGrad: inverse problems through physics models, in Swift, on LAPACK.
// Dependencies point downward only: CLI -> PhysGrad -> {LBFGSB, Derivatives, LinearAlgebra} -> C LAPACK.
import PackageDescription

let package = Package(
    name: "PhysGrad",
    products: [
        .library(name: "PhysGradLinearAlgebra", targets: ["PhysGradLinearAlgebra"]),
        .library(name: "PhysGradLBFGSB", targets: ["PhysGradLBFGSB"]),
        .executable(name: "physgrad", targets: ["PhysGradCLI"]),
        // Benchmark executables: every product named `bench-*` is run by scripts/bench.
        .executable(name: "bench-linear-algebra", targets: ["BenchLinearAlgebra"]),
        .executable(name: "bench-lbfgsb", targets: ["BenchLBFGSB"]),
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
            dependencies: ["PhysGradLinearAlgebra", "PhysGradBenchSupport"],
            path: "Sources/Benchmarks/LinearAlgebra"
        ),
        .testTarget(
            name: "PhysGradLinearAlgebraTests",
            dependencies: ["PhysGradLinearAlgebra"]
        ),
        // Bounded limited-memory quasi-Newton minimizer (L-BFGS-B 3.0); importable on its own.
        .target(
            name: "PhysGradLBFGSB",
            dependencies: ["PhysGradLinearAlgebra"]
        ),
        .testTarget(
            name: "PhysGradLBFGSBTests",
            dependencies: ["PhysGradLBFGSB"],
            exclude: ["Resources"]
        ),
        .executableTarget(
            name: "BenchLBFGSB",
            dependencies: ["PhysGradLBFGSB", "PhysGradBenchSupport"],
            path: "Sources/Benchmarks/LBFGSB"
        ),
    ],
    swiftLanguageModes: [.v6]
)
