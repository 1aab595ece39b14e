// Classic test functions for minimizers (what `physgrad minimize` runs).
import PhysGrad
import PhysGradDerivatives

/// A classic test function for minimizers, with its analytic gradient, standard starting point
/// and bounds.
///
/// The objective has the shape an L-BFGS-B solver takes: `(x, gradient) -> f`, writing ∇f(x)
/// into `gradient`.
///
/// ```swift
/// import PhysGradExamples
/// import PhysGradLBFGSB
///
/// let f = try TestFunctions.named("extended-rosenbrock")
/// let n = 1000
/// var solver = try LBFGSBSolver(dimension: n, lower: f.lower(n), upper: f.upper(n))
/// let result = try solver.minimize(from: f.start(n), objective: f.objective)
/// ```
public struct TestFunction: Sendable {
    /// The command-line name ("extended-rosenbrock", ...).
    public let name: String
    /// The formula and where the minimum lies.
    public let summary: String
    /// The fixed dimension (Beale, Booth: 2), or `nil` when any valid n works.
    public let fixedDimension: Int?
    /// The smallest n (the largest is ``TestFunctions/maximumDimension``).
    public let minimumDimension: Int
    /// Whether n must be even.
    public let evenDimension: Bool
    /// The n used when none is given: the fixed one, the reference problem's (driver1: 25), or 100.
    public let defaultDimension: Int
    /// The standard starting point for n variables.
    public let start: @Sendable (_ n: Int) -> [Double]
    /// The lower bounds for n variables (`nil`: unbounded below).
    public let lower: @Sendable (_ n: Int) -> [Double]?
    /// The upper bounds for n variables (`nil`: unbounded above).
    public let upper: @Sendable (_ n: Int) -> [Double]?
    /// The known minimum value f* (for the unbounded functions; `nil` where it depends on bounds).
    public let minimum: Double?
    /// f(x), with ∇f(x) written into the second argument.
    public let objective: @Sendable (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double

    /// Checks n for this function: its fixed dimension, its parity, and
    /// `minimumDimension <= n <=` ``TestFunctions/maximumDimension``.
    public func validate(dimension n: Int) throws(PhysGradError) {
        if let d = fixedDimension, n != d {
            throw .invalidParameter(name: "dimension", value: "\(n)", reason: "\(name) has dimension \(d)")
        }
        if n < minimumDimension {
            throw .invalidParameter(name: "dimension", value: "\(n)", reason: "\(name) needs n >= \(minimumDimension)")
        }
        if n > TestFunctions.maximumDimension {
            throw .invalidParameter(name: "dimension", value: "\(n)",
                                    reason: "\(name) takes at most n = \(TestFunctions.maximumDimension) (L-BFGS-B keeps about 8 n (2 maxcor + 12) bytes: 2.6 GB there with maxcor 10)")
        }
        if evenDimension && n % 2 != 0 {
            throw .invalidParameter(name: "dimension", value: "\(n)", reason: "\(name) needs an even n")
        }
    }

    /// f and ∇f at a point given as an array (convenience for tests and small n).
    public func evaluate(_ x: [Double]) -> (f: Double, gradient: [Double]) {
        var g = [Double](repeating: 0, count: x.count)
        let f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { gp in objective(xp, gp) } }
        return (f, g)
    }
}

/// The catalog of ``TestFunction``s.
public enum TestFunctions {
    /// The largest n any test function accepts: 10⁷, where the start point alone is 80 MB and
    /// L-BFGS-B with its default 10 correction pairs keeps about 2.6 GB.
    public static let maximumDimension = 10_000_000

    /// Extended Rosenbrock: Σ over pairs (x_{2i}, x_{2i+1}) of 100 (x_{2i+1} - x_{2i}²)² + (1 - x_{2i})²;
    /// n even, start (-1.2, 1, -1.2, 1, ...), minimum 0 at (1, ..., 1).
    public static let extendedRosenbrock = rosenbrock(
        name: "extended-rosenbrock",
        summary: "sum over pairs of 100 (x[2i+1] - x[2i]^2)^2 + (1 - x[2i])^2; n even; start (-1.2, 1, ...); minimum 0 at (1, ..., 1)",
        evenDimension: true) { x, g in StandardFunctions.ExtendedRosenbrock().valueAndGradient(x, g) }

    /// Chained Rosenbrock (SciPy's `rosen`): Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)²;
    /// start (-1.2, 1, ...), minimum 0 at (1, ..., 1).
    public static let chainedRosenbrock = rosenbrock(
        name: "chained-rosenbrock",
        summary: "sum over i < n-1 of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 (scipy.optimize.rosen); start (-1.2, 1, ...); minimum 0 at (1, ..., 1)",
        evenDimension: false) { x, g in StandardFunctions.Rosenbrock().valueAndGradient(x, g) }

    /// A Rosenbrock variant: any n >= 2 (100 by default), start (-1.2, 1, -1.2, 1, ...), unbounded,
    /// minimum 0 at (1, ..., 1).
    private static func rosenbrock(
        name: String, summary: String, evenDimension: Bool,
        objective: @escaping @Sendable (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) -> TestFunction {
        TestFunction(
            name: name, summary: summary, fixedDimension: nil, minimumDimension: 2, evenDimension: evenDimension,
            defaultDimension: 100, start: { n in (0..<n).map { $0 % 2 == 0 ? -1.2 : 1.0 } }, lower: { _ in nil },
            upper: { _ in nil }, minimum: 0, objective: objective)
    }

    /// Beale: (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²; n = 2, start (1, 1),
    /// minimum 0 at (3, 0.5).
    public static let beale = TestFunction(
        name: "beale",
        summary: "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2; n = 2; start (1, 1); minimum 0 at (3, 0.5)",
        fixedDimension: 2, minimumDimension: 2, evenDimension: false, defaultDimension: 2,
        start: { _ in [1, 1] }, lower: { _ in nil }, upper: { _ in nil }, minimum: 0,
        objective: { x, g in
            let X = x[0], Y = x[1]
            let r1 = 1.5 - X + X * Y, r2 = 2.25 - X + X * Y * Y, r3 = 2.625 - X + X * Y * Y * Y
            g[0] = 2 * r1 * (Y - 1) + 2 * r2 * (Y * Y - 1) + 2 * r3 * (Y * Y * Y - 1)
            g[1] = 2 * r1 * X + 2 * r2 * (2 * X * Y) + 2 * r3 * (3 * X * Y * Y)
            return r1 * r1 + r2 * r2 + r3 * r3
        })

    /// Booth: (x + 2y - 7)² + (2x + y - 5)²; n = 2, start (0, 0), minimum 0 at (1, 3).
    public static let booth = TestFunction(
        name: "booth",
        summary: "(x + 2y - 7)^2 + (2x + y - 5)^2; n = 2; start (0, 0); minimum 0 at (1, 3)",
        fixedDimension: 2, minimumDimension: 2, evenDimension: false, defaultDimension: 2,
        start: { _ in [0, 0] }, lower: { _ in nil }, upper: { _ in nil }, minimum: 0,
        objective: { x, g in
            let r1 = x[0] + 2 * x[1] - 7, r2 = 2 * x[0] + x[1] - 5
            g[0] = 2 * r1 + 4 * r2
            g[1] = 4 * r1 + 2 * r2
            return r1 * r1 + r2 * r2
        })

    /// The L-BFGS-B 3.0 distribution's driver1 problem: (x₁ - 1)² + 4 Σ (x_{i+1} - x_i²)², with
    /// bounds 1 <= x_i <= 100 at odd positions (1-based), -100 <= x_i <= 100 at even ones; start 3
    /// everywhere (driver1.f uses n = 25).
    public static let driver1 = TestFunction(
        name: "driver1",
        summary: "(x[0] - 1)^2 + 4 sum (x[i+1] - x[i]^2)^2 with bounds [1, 100] at even 0-based i, [-100, 100] at odd i; start 3 (L-BFGS-B's driver1.f, n = 25 there)",
        fixedDimension: nil, minimumDimension: 2, evenDimension: false, defaultDimension: 25,
        start: { n in [Double](repeating: 3, count: n) },
        lower: { n in (0..<n).map { $0 % 2 == 0 ? 1.0 : -100.0 } },
        upper: { n in [Double](repeating: 100, count: n) }, minimum: nil,
        objective: { x, g in
            let n = x.count
            for i in 0..<n { g[i] = 0 }
            var f = (x[0] - 1) * (x[0] - 1)
            g[0] = 2 * (x[0] - 1)
            for i in 0..<(n - 1) {
                let t = x[i + 1] - x[i] * x[i]
                f += 4 * t * t
                g[i] += -16 * x[i] * t
                g[i + 1] += 8 * t
            }
            return f
        })

    /// Every test function, in the order `physgrad minimize --help` lists them.
    public static let all: [TestFunction] = [extendedRosenbrock, chainedRosenbrock, beale, booth, driver1]

    /// The function with this name.
    /// - Throws: `PhysGradError.invalidParameter(name:value:reason:)` for an unknown name.
    public static func named(_ name: String) throws(PhysGradError) -> TestFunction {
        guard let f = all.first(where: { $0.name == name.lowercased() }) else {
            throw .invalidParameter(name: "function", value: name,
                                    reason: "unknown test function (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return f
    }
}
