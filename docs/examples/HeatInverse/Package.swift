// swift-tools-version:6.0
//
// An outside package that uses PhysGrad: the initial temperature of a rod from a measurement
// taken later (the 1-D heat equation, run backwards), solved with several of PhysGrad's methods.
import PackageDescription

let package = Package(
    name: "HeatInverse",
    dependencies: [
        // PhysGrad, from this repository's root; `name:` makes `package: "PhysGrad"` below work
        // whatever the clone's folder is called. In a package of your own, for a clone beside it:
        // .package(name: "PhysGrad", path: "../physgrad") (see the README).
        .package(name: "PhysGrad", path: "../../.."),
    ],
    targets: [
        // The model, the problem and the runs: a library, so that the tests check what the tool prints.
        .target(
            name: "HeatInverse",
            dependencies: [
                .product(name: "PhysGrad", package: "PhysGrad"),
                .product(name: "PhysGradDerivatives", package: "PhysGrad"),
                .product(name: "PhysGradLinearAlgebra", package: "PhysGrad"),
            ]
        ),
        .executableTarget(name: "heat-inverse", dependencies: ["HeatInverse"]),
        // Checks the runs against closed forms and against scripts/make_heat_reference.py (NumPy, SciPy).
        .testTarget(name: "HeatInverseTests", dependencies: ["HeatInverse"], exclude: ["heat-reference.json"]),
    ],
    swiftLanguageModes: [.v6]
)
