// swift-tools-version:6.0
//
// PhysGrad: inverse problems through physics models, in Swift, on LAPACK.
// Dependencies point downward only: CLI -> Report -> Examples -> PhysGrad -> {LBFGSB, Derivatives,
// LinearAlgebra, LineSearch}; LBFGSB -> LineSearch (Swift only); LinearAlgebra -> C LAPACK.
// Every target declares the modules it imports and imports the modules it declares
// (scripts/check-imports, run by scripts/test).
import PackageDescription

let package = Package(
    name: "PhysGrad",
    products: [
        .library(name: "PhysGrad", targets: ["PhysGrad"]),
        .library(name: "PhysGradLinearAlgebra", targets: ["PhysGradLinearAlgebra"]),
        .library(name: "PhysGradDerivatives", targets: ["PhysGradDerivatives"]),
        .library(name: "PhysGradLBFGSB", targets: ["PhysGradLBFGSB"]),
        .library(name: "PhysGradLineSearch", targets: ["PhysGradLineSearch"]),
        .library(name: "PhysGradPlot", targets: ["PhysGradPlot"]),
        .library(name: "PhysGradReport", targets: ["PhysGradReport"]),
        .library(name: "PhysGradNetworks", targets: ["PhysGradNetworks"]),
        .library(name: "PhysGradLearning", targets: ["PhysGradLearning"]),
        .library(name: "PhysGradExamples", targets: ["PhysGradExamples"]),
        .library(name: "PhysGradRandom", targets: ["PhysGradRandom"]),
        .executable(name: "physgrad", targets: ["PhysGradCLI"]),
        // Benchmark executables: every product named `bench-*` is run by scripts/bench.
        .executable(name: "bench-linear-algebra", targets: ["BenchLinearAlgebra"]),
        .executable(name: "bench-derivatives", targets: ["BenchDerivatives"]),
        .executable(name: "bench-array-ad", targets: ["BenchArrayDerivatives"]),
        .executable(name: "bench-lbfgsb", targets: ["BenchLBFGSB"]),
        .executable(name: "bench-optimizers", targets: ["BenchOptimizers"]),
        .executable(name: "bench-cli", targets: ["BenchCLI"]),
        .executable(name: "bench-learning", targets: ["BenchLearning"]),
        .executable(name: "bench-least-squares", targets: ["BenchLeastSquares"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation` for the DocC catalogs (a plugin; nothing is built
        // unless it is invoked).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // Property-based tests (test targets only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
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
        // Exact derivatives of models written once, generic over `PhysGradReal`:
        // forward duals (nestable), a reverse-mode tape, drivers, finite differences.
        .target(
            name: "PhysGradDerivatives",
            dependencies: [
                "PhysGradLinearAlgebra", "CPhysGradLAPACK",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // One-dimensional searches along a descent direction (More-Thuente strong Wolfe,
        // Armijo backtracking), shared by L-BFGS-B and the optimizers; no dependencies.
        .target(name: "PhysGradLineSearch"),
        // Bounded limited-memory quasi-Newton minimizer (L-BFGS-B 3.0); importable on its own, Swift only.
        .target(
            name: "PhysGradLBFGSB",
            dependencies: ["PhysGradLineSearch"]
        ),
        // Deterministic SVG charts (trajectories, loss curves); no dependencies.
        .target(name: "PhysGradPlot"),
        // Optimizer protocol and strategies, step acceptance, the driver, problems, trajectories,
        // the inversion study.
        .target(
            name: "PhysGrad",
            dependencies: ["PhysGradLinearAlgebra", "PhysGradDerivatives", "PhysGradLBFGSB", "PhysGradLineSearch"]
        ),
        // Worked examples on top of the library: the book chapter as one call (and its float32
        // replay), and classic test functions for minimizers.
        .target(
            name: "PhysGradExamples",
            dependencies: ["PhysGrad", "PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradLBFGSB"]
        ),
        // Dense neural networks with one flat parameter vector: batched passes through BLAS gemm,
        // per-sample parameter Jacobians, Glorot initialization, a GenericModel of input or weights.
        .target(
            name: "PhysGradNetworks",
            dependencies: ["PhysGradDerivatives", "PhysGradRandom", "CPhysGradLAPACK"]
        ),
        // Training networks through physics models: Adam through the simulator, scale-invariant
        // physics (SIP) and half-inverse gradients (HIG); the book's coupled oscillators and sine.
        .target(
            name: "PhysGradLearning",
            dependencies: ["PhysGradNetworks", "PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradRandom"]
        ),
        // What the command-line tool writes (summary JSON, CSV, figures, the chapter's transcript,
        // sweeps, atomic files), as a library so that it is testable and reusable.
        .target(
            name: "PhysGradReport",
            dependencies: ["PhysGrad", "PhysGradExamples", "PhysGradPlot", "PhysGradLBFGSB", "PhysGradLinearAlgebra", "PhysGradLearning",
                           "PhysGradNetworks"]
        ),
        // The tool's allocator policy (glibc `mallopt`): a process-wide choice, so the tool's and
        // not the library's.
        .target(name: "CPhysGradMemory"),
        // The `physgrad` executable (swift-argument-parser).
        .executableTarget(
            name: "PhysGradCLI",
            dependencies: [
                "PhysGrad", "PhysGradExamples", "PhysGradPlot", "PhysGradReport", "PhysGradLBFGSB",
                "PhysGradLinearAlgebra", "PhysGradLearning", "CPhysGradMemory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Deterministic pseudo-random numbers (SplitMix64): the seeded networks and data sets, and
        // the data of the tests, the benchmarks and the benchmarks' Python peers.
        .target(name: "PhysGradRandom"),

        // Benchmarks.
        .target(
            name: "PhysGradBenchSupport",
            path: "Sources/Benchmarks/Support"
        ),
        .executableTarget(
            name: "BenchLinearAlgebra",
            dependencies: ["PhysGradLinearAlgebra", "PhysGradBenchSupport", "PhysGradRandom", "CPhysGradLAPACK"],
            path: "Sources/Benchmarks/LinearAlgebra"
        ),
        .executableTarget(
            name: "BenchDerivatives",
            dependencies: ["PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradBenchSupport", "PhysGradRandom"],
            path: "Sources/Benchmarks/Derivatives"
        ),
        .executableTarget(
            name: "BenchArrayDerivatives",
            dependencies: ["PhysGrad", "PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradBenchSupport", "PhysGradRandom"],
            path: "Sources/Benchmarks/ArrayDerivatives"
        ),
        .executableTarget(
            name: "BenchOptimizers",
            dependencies: ["PhysGrad", "PhysGradExamples", "PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradBenchSupport"],
            path: "Sources/Benchmarks/Optimizers"
        ),
        .executableTarget(
            name: "BenchLBFGSB",
            dependencies: ["PhysGradLBFGSB", "PhysGradDerivatives", "PhysGradBenchSupport"],
            path: "Sources/Benchmarks/LBFGSB"
        ),
        .executableTarget(
            name: "BenchLearning",
            dependencies: ["PhysGradLearning", "PhysGradNetworks", "PhysGradLinearAlgebra", "PhysGradBenchSupport"],
            path: "Sources/Benchmarks/Learning"
        ),
        .executableTarget(
            name: "BenchLeastSquares",
            dependencies: ["PhysGrad", "PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradBenchSupport"],
            path: "Sources/Benchmarks/LeastSquares"
        ),
        .executableTarget(
            name: "BenchCLI",
            dependencies: ["PhysGradBenchSupport"],
            path: "Sources/Benchmarks/CLI"
        ),

        // Tests: one target per module.
        .testTarget(
            name: "PhysGradLinearAlgebraTests",
            dependencies: ["PhysGradLinearAlgebra", "PhysGradRandom"]
        ),
        .testTarget(
            name: "PhysGradDerivativesTests",
            dependencies: ["PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradRandom"]
        ),
        .testTarget(
            name: "PhysGradLineSearchTests",
            dependencies: ["PhysGradLineSearch"]
        ),
        .testTarget(
            name: "PhysGradLBFGSBTests",
            dependencies: ["PhysGradLBFGSB", "PhysGradExamples"],
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "PhysGradPlotTests",
            dependencies: ["PhysGradPlot"]
        ),
        // Reading the JSON reference files of the test targets (shared by the two below).
        .target(
            name: "PhysGradTestSupport",
            path: "Tests/PhysGradTestSupport"
        ),
        .testTarget(
            name: "PhysGradTests",
            dependencies: ["PhysGrad", "PhysGradDerivatives", "PhysGradLBFGSB", "PhysGradLinearAlgebra", "PhysGradTestSupport"],
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "PhysGradExamplesTests",
            dependencies: ["PhysGradExamples", "PhysGrad", "PhysGradLinearAlgebra", "PhysGradTestSupport"],
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "PhysGradNetworksTests",
            dependencies: ["PhysGradNetworks", "PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradRandom"]
        ),
        .testTarget(
            name: "PhysGradLearningTests",
            dependencies: ["PhysGradLearning", "PhysGradNetworks", "PhysGradDerivatives", "PhysGradLinearAlgebra", "PhysGradRandom"],
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "PhysGradPropertyTests",
            dependencies: [
                "PhysGrad", "PhysGradDerivatives", "PhysGradLBFGSB", "PhysGradLinearAlgebra", "PhysGradRandom",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // Running the built `physgrad` in temporary folders (shared by the two targets below).
        .target(
            name: "PhysGradToolTestSupport",
            path: "Tests/PhysGradToolTestSupport"
        ),
        // End-to-end tests of the `physgrad` executable (run from the build products folder) and
        // unit tests of PhysGradReport. Depending on PhysGradCLI makes `swift test` build it first.
        .testTarget(
            name: "PhysGradCLITests",
            dependencies: [
                "PhysGradCLI", "PhysGradReport", "PhysGrad", "PhysGradExamples", "PhysGradPlot", "PhysGradToolTestSupport",
                "PhysGradLearning", "CPhysGradMemory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Hostile input: every case of issue 11 and its neighbours, against the built executable
        // (closed and full streams, broken pipes, signals, links, FIFOs, folders, huge sizes), and
        // the library entry points the tool hands user data to.
        .testTarget(
            name: "PhysGradHostileTests",
            dependencies: [
                "PhysGradCLI", "PhysGradReport", "PhysGrad", "PhysGradExamples", "PhysGradLinearAlgebra",
                "PhysGradToolTestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
