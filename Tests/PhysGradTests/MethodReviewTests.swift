import Foundation
import Testing
import PhysGrad
import PhysGradDerivatives
import PhysGradLBFGSB
import PhysGradLinearAlgebra

/// y = [exp(x0)] (n = k = 1).
struct Exponential: GenericModel, Sendable {
    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] { [T.exp(x[0])] }
}

/// Probes of the least-squares and second-order methods and of the acceptance layer: bounds
/// against SciPy `least_squares(method="trf")` (reference values from
/// scripts/make_method_review_reference.py) and the KKT conditions, honest results on faults.
@Suite("Method review probes")
struct MethodReviewTests {
    static func rosenbrock(_ start: [Double] = [-1.2, 1]) -> InverseProblem {
        InverseProblem(name: "rosenbrock", dimension: 2, outputDimension: 2, model: LeastSquaresReferenceTests.RosenbrockResiduals(),
                       loss: SquaredDistance(target: [0, 0]), start: start)
    }

    /// ∇L = 2 Jᵀr for Rosenbrock's residuals, by hand.
    static func rosenbrockGradient(_ x: [Double]) -> [Double] {
        let r0 = 10 * (x[1] - x[0] * x[0]), r1 = 1 - x[0]
        return [2 * (-20 * x[0] * r0 - r1), 2 * (10 * r0)]
    }

    /// ‖x - P(x - g)‖∞: zero exactly at the KKT points of the box.
    static func projectedGradient(_ x: [Double], _ g: [Double], _ lower: [Double], _ upper: [Double]) -> Double {
        x.indices.map { i in abs(x[i] - min(max(x[i] - g[i], lower[i]), upper[i])) }.max() ?? 0
    }

    static func boundedMethods(lower: [Double], upper: [Double]) -> [(String, any Optimizer)] {
        [("gn", GaussNewton(lower: lower, upper: upper)),
         ("gn-backtracking", GaussNewton(acceptance: .backtracking(), lower: lower, upper: upper)),
         ("gn-wolfe", GaussNewton(acceptance: .strongWolfe(), lower: lower, upper: upper)),
         ("lm", LevenbergMarquardt(lower: lower, upper: upper)),
         ("lm-minpack", LevenbergMarquardt(acceptance: .trustRegion(.length()), lower: lower, upper: upper))]
    }

    @Test("Rosenbrock with 1.5 <= x1 (x0 unbounded, infinite bounds): SciPy trf's solution, x1 exactly on its bound, KKT",
          arguments: [[2.0, 3.0], [2, 1.5], [1, 0]])
    func rosenbrockBounded(start: [Double]) throws {
        let lower = [-Double.infinity, 1.5], upper = [Double.infinity, .infinity]
        let expected = [1.2243707487363618, 1.5]   // SciPy trf from [2, 3]; from [2, 1.5] and [1, 1.5] within 2e-13
        let pg0 = Self.projectedGradient(start, Self.rosenbrockGradient(start), lower, upper)
        for (name, method) in Self.boundedMethods(lower: lower, upper: upper) {
            let r = try optimize(Self.rosenbrock(), with: method, from: start, options: RunOptions(trace: .scalars))
            #expect(r.isSuccess, "\(name): \(r)")
            // The default tolerances (SciPy's 1e-8 on relative reductions) leave ~1e-7 in x.
            #expect(Vector.distance(r.x, expected) <= 1e-6, "\(name): \(r.x)")
            #expect(r.x[1] == 1.5, "\(name): \(r.x)")
            let pg = Self.projectedGradient(r.x, Self.rosenbrockGradient(r.x), lower, upper)
            #expect(pg <= 1e-6 * max(pg0, 1), "\(name): projected gradient \(pg)")
            #expect(zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 }, "\(name): \(r.trajectory.loss)")
        }
    }

    static let a: [Double] = [1, 0, 3, 1, -2, 2, 1, -1, 1, 0.5, 0.5, -1, 2, 1, 0]   // 5 × 3, column-major
    static let t: [Double] = [1, -1, 2, 0.5, -3]

    @Test("linear, x0 <= 0 active and lower == upper = 0.3 for x2: SciPy trf's solution of the reduced problem",
          arguments: [[1.0, 1, 1], [-1, 0, 0.3], [0, 5, 0.3]])
    func linearHeld(start: [Double]) throws {
        let p = InverseProblem(name: "linear", dimension: 3, outputDimension: 5, model: Linear(a: Self.a, rows: 5),
                               loss: SquaredDistance(target: Self.t), start: start)
        let lower = [-Double.infinity, -.infinity, 0.3], upper = [0, Double.infinity, 0.3]
        let expected = [0, -0.23448275862068968, 0.3], minimum = 11.813879310344827
        for (name, method) in Self.boundedMethods(lower: lower, upper: upper) {
            let r = try optimize(p, with: method, from: start, options: RunOptions(trace: .scalars))
            #expect(r.isSuccess, "\(name): \(r)")
            #expect(Vector.distance(r.x, expected) <= 1e-5, "\(name): \(r.x)")
            #expect(r.x[0] == 0 && r.x[2] == 0.3, "\(name): \(r.x)")
            #expect(abs(r.loss - minimum) <= 1e-10 * minimum, "\(name): \(r.loss)")
        }
    }

    @Test("a start outside the box: the run starts where the method does, at its projection, and reports that loss")
    func startOutsideBox() throws {
        // [1, 1] is Rosenbrock's unconstrained solution (L = 0), outside 1.5 <= x1: every method
        // starts at [1, 1.5] (L = 25) and ends at SciPy trf's L = 0.0504261878936071.
        let lower = [-Double.infinity, 1.5], upper = [Double.infinity, .infinity]
        for (name, method) in Self.boundedMethods(lower: lower, upper: upper)
            + [("lbfgsb", LBFGSBMethod(lower: lower, upper: upper))] {
            let r = try optimize(Self.rosenbrock(), with: method, from: [1, 1], options: RunOptions(trace: .full))
            #expect(abs(r.loss - 0.0504261878936071) <= 1e-9, "\(name): \(r)")
            #expect(r.isSuccess && r.initialLoss == 25 && r.trajectory.x.first == [1, 1.5], "\(name): \(r)")
            #expect(r.firstUpdate.map { Vector.add([1, 1.5], $0) } == r.trajectory.x.dropFirst().first, "\(name)")
        }
    }

    @Test("bounds that no point meets, of the wrong length or NaN are typed errors before the run")
    func badBounds() {
        let p = Self.rosenbrock()
        for (lower, upper) in [([1.0, 0], [0.0, 1]), ([.infinity, 0], [Double.infinity, 1]), ([0.0, 0], [-Double.infinity, 1]),
                               ([0.0], [1.0, 1]), ([Double.nan, 0], [1.0, 1])] {
            for method in [GaussNewton(lower: lower, upper: upper), LevenbergMarquardt(lower: lower, upper: upper)] as [any Optimizer] {
                #expect(throws: PhysGradError.self, "\(method.name) \(lower) \(upper)") { try optimize(p, with: method) }
            }
        }
    }

    @Test("a solution at a corner of the box (every variable held): ends there exactly, from inside and from the corner",
          arguments: [[2.5, 0.5], [2, 1]])
    func corner(start: [Double]) throws {
        // At (2, 1): ∂L/∂x0 = 2402 > 0 at x0's lower bound, ∂L/∂x1 = -600 < 0 at x1's upper bound.
        let lower = [2.0, 0], upper = [3.0, 1]
        for (name, method) in Self.boundedMethods(lower: lower, upper: upper) {
            let r = try optimize(Self.rosenbrock(), with: method, from: start, options: RunOptions(steps: 100))
            #expect(r.isSuccess && r.x == [2, 1], "\(name): \(r) \(r.x)")
        }
    }

    @Test("n = k = 1 with an active bound: exp(x) = 2 under x <= 0.5 ends at 0.5 exactly")
    func oneVariable() throws {
        let p = InverseProblem(name: "exp", dimension: 1, outputDimension: 1, model: Exponential(),
                               loss: SquaredDistance(target: [2]), start: [-1])
        for (name, method) in Self.boundedMethods(lower: [-.infinity], upper: [0.5]) {
            let r = try optimize(p, with: method)
            #expect(r.isSuccess && r.x == [0.5], "\(name): \(r) \(r.x)")
        }
    }

    @Test("a wide J (2 × 3): without bounds to a zero residual; with two active bounds to SciPy trf's unique solution")
    func wideBounded() throws {
        let p = InverseProblem(name: "wide", dimension: 3, outputDimension: 2, model: Linear(a: [2, 0.5, 1, -1, 3, 0.25], rows: 2),
                               loss: SquaredDistance(target: [1, -2]), start: [0.3, -0.7, 0.4])
        let lower = [-0.5, -1, -1.0], upper = [0.5, 1, 1.0]
        for (name, method) in Self.boundedMethods(lower: lower, upper: upper)
            + [("gn-free", GaussNewton()), ("lm-free", LevenbergMarquardt()),
               ("lm-minpack-free", LevenbergMarquardt(acceptance: .trustRegion(.length())))] {
            let r = try optimize(p, with: method, options: RunOptions(trace: .scalars))
            #expect(zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 }, "\(name)")
            if name.hasSuffix("free") {
                #expect(r.isSuccess && r.loss <= 1e-20, "\(name): \(r)")
                continue
            }
            // SciPy trf: x = [-0.5, 1, 0.310344828745031], L = 0.6896551724137947.
            #expect(r.isSuccess && abs(r.loss - 0.6896551724137947) <= 1e-9, "\(name): \(r)")
            #expect(Vector.distance(r.x, [-0.5, 1, 0.310344828745031]) <= 1e-6 && r.x[0] == -0.5 && r.x[1] == 1, "\(name): \(r.x)")
        }
    }

    static let monotoneMethods: [(String, any Optimizer)] = [
        ("gn", GaussNewton()), ("gn-backtracking", GaussNewton(acceptance: .backtracking())),
        ("gn-wolfe", GaussNewton(acceptance: .strongWolfe())),
        ("lm", LevenbergMarquardt()), ("lm-minpack", LevenbergMarquardt(acceptance: .trustRegion(.length()))),
        ("newton", Newton()), ("newton-length", Newton(acceptance: .trustRegion(.length()))),
        ("newton-backtracking", Newton(acceptance: .backtracking())), ("newton-wolfe", Newton(acceptance: .strongWolfe())),
        ("ig-backtracking", InverseGradients(eta: 1, acceptance: .backtracking())),
        ("hig-backtracking", HalfInverseGradients(eta: 1, acceptance: .backtracking())),
        ("gd-wolfe", GradientDescent(eta: 1, acceptance: .strongWolfe())),
    ]

    @Test("NaN at some trial points (sqrt of a negative): rejected and counted, the loss never rises, the run ends clean")
    func nanTrials() throws {
        // sqrt(x0) = 0.1 from x0 = 1: the linearized step goes to x0 = -0.8, where y is NaN.
        let p = InverseProblem(name: "hole", dimension: 2, outputDimension: 2, model: SqrtModel(),
                               loss: SquaredDistance(target: [0.1, 1]), start: [1, 0], solution: [0.01, 1])
        for (name, method) in Self.monotoneMethods {
            let r = try optimize(p, with: method, options: RunOptions(steps: 200, trace: .scalars))
            #expect(r.x.allSatisfy(\.isFinite) && r.loss.isFinite && r.trajectory.loss.allSatisfy(\.isFinite), "\(name)")
            #expect(zip(r.trajectory.loss, r.trajectory.loss.dropFirst()).allSatisfy { $1 <= $0 }, "\(name)")
            #expect(r.diagnostics.rejectedTrials == r.trajectory.reports.reduce(0) { $0 + $1.rejected }, "\(name)")
            #expect(r.isSuccess && r.distanceToSolution! <= 1e-6, "\(name): \(r) \(r.x)")
        }
    }

    @Test("already at the solution (zero residual): no NaN, success, at most one step, x unchanged")
    func atSolution() throws {
        let p = InverseProblem(name: "linear", dimension: 3, outputDimension: 5, model: Linear(a: Self.a, rows: 5),
                               loss: SquaredDistance(target: [0, 0, 0, 0, 0]), start: [0, 0, 0])
        var methods = Self.monotoneMethods
        methods += [("ig", InverseGradients(eta: 1)), ("hig", HalfInverseGradients(eta: 1)),
                    ("gn-bounded", GaussNewton(lower: [0, 0, 0], upper: [1, 1, 1])),
                    ("lm-bounded", LevenbergMarquardt(lower: [0, -1, 0], upper: [1, 1, 0])),
                    ("lm-minpack-bounded", LevenbergMarquardt(acceptance: .trustRegion(.length()), lower: [0, 0, 0], upper: [1, 1, 1]))]
        for (name, method) in methods {
            let r = try optimize(p, with: method, options: RunOptions(steps: 20))
            #expect(r.isSuccess && r.loss == 0 && r.x == [0, 0, 0] && r.steps <= 1, "\(name): \(r) \(r.x)")
        }
    }

    @Test("a NaN target and a NaN start are typed errors; steps = 0 returns the start")
    func badInput() throws {
        var p = Self.rosenbrock()
        for method in [GaussNewton(), LevenbergMarquardt(), Newton(), InverseGradients(eta: 1)] as [any Optimizer] {
            #expect(throws: PhysGradError.self) { try optimize(p, with: method, from: [.nan, 1]) }
            let r = try optimize(p, with: method, options: RunOptions(steps: 0))
            #expect(r.steps == 0 && r.x == p.start && r.termination == .completedSteps, "\(method.name): \(r)")
        }
        p.leastSquaresTarget = [.nan, 0]
        #expect(throws: PhysGradError.self) { try optimize(p, with: GaussNewton()) }
    }

    @Test("the time limit holds inside Jacobian and Hessian builds and inner solves: a sleeping model")
    func timeLimit() throws {
        // 16 unknowns: each model evaluation sleeps 20 ms; a dense Jacobian or Hessian needs several.
        let n = 16
        let p = InverseProblem(name: "slow", dimension: n, outputDimension: n, model: SlowSquares(),
                               loss: SquaredDistance(target: (0..<n).map { Double($0 + 1) }), start: [Double](repeating: 3, count: n),
                               inverseLowerBounds: [Double](repeating: 0, count: n), inverseUpperBounds: [Double](repeating: 10, count: n))
        let methods: [(String, any Optimizer)] = [
            ("gn", GaussNewton()), ("lm", LevenbergMarquardt()), ("lm-minpack", LevenbergMarquardt(acceptance: .trustRegion(.length()))),
            ("newton", Newton()), ("ig", InverseGradients(eta: 1)), ("hig", HalfInverseGradients(eta: 1)),
            ("pg-numerical", PhysicalGradient(eta: 1, inverse: .numerical(.exact))), ("lbfgsb", LBFGSBMethod()),
        ]
        for (name, method) in methods {
            let r = try optimize(p, with: method, options: RunOptions(steps: 1000, timeLimit: 0.05))
            #expect(r.termination == .timeLimit, "\(name): \(r)")
            #expect(r.seconds < 2, "\(name): \(r.seconds) s")  // 1000 steps would take 20 s and more
        }
    }

    @Test("IG and HIG on a rank-1 J (3 × 2): truncated solves are counted, the step stays finite")
    func truncation() throws {
        // A = u vᵀ, u = (1, 2, 2), v = (1, 1): rank 1.
        let p = InverseProblem(name: "rank-1", dimension: 2, outputDimension: 3, model: Linear(a: [1, 2, 2, 1, 2, 2], rows: 3),
                               loss: SquaredDistance(target: [1, 0, 3]), start: [0.5, -0.25])
        for method in [InverseGradients(eta: 1), HalfInverseGradients(eta: 0.1), InverseGradients(eta: 1, acceptance: .backtracking()),
                       HalfInverseGradients(eta: 1, acceptance: .backtracking())] as [any Optimizer] {
            let r = try optimize(p, with: method, options: RunOptions(steps: 3, trace: .scalars))
            #expect(r.diagnostics.truncatedSolves == r.steps && r.steps >= 1, "\(method.name): \(r)")
            // The minimum over the range: t's component along u, |t|² - (uᵀt)²/|u|² = 10 - 49/9.
            #expect(r.x.allSatisfy(\.isFinite) && r.loss >= 10 - 49.0 / 9 - 1e-12)
            // The step is along v = (1, 1): x1 - x0 keeps its start value.
            #expect(abs((r.x[1] - r.x[0]) - (-0.75)) <= 1e-12, "\(method.name): \(r.x)")
        }
    }

    @Test("PG's and IG's y-space Newton step on an indefinite loss Hessian: the LU fallback or shift is in the diagnostics")
    func yspaceSolveReported() throws {
        // y = x (identity), L(y) = (y0² - 1)² + y1²: ∂²L/∂y0² = 12 y0² - 4 < 0 at y0 = 0.2.
        let p = InverseProblem(name: "double-well", dimension: 2, outputDimension: 2, model: Linear(a: [1, 0, 0, 1], rows: 2),
                               loss: DoubleWell(), start: [0.2, 0.5], inverse: { $0 })
        for method in [PhysicalGradient(eta: 0.1), InverseGradients(eta: 0.1)] as [any Optimizer] {
            let r = try optimize(p, with: method, options: RunOptions(steps: 1, trace: .scalars))
            #expect(r.diagnostics.luFallbacks == 1, "\(method.name): \(r.diagnostics)")
            #expect(r.trajectory.reports.first?.yspaceSolve == .luFallback, "\(method.name)")
        }
        let shifted = try optimize(p, with: PhysicalGradient(eta: 0.1, policy: .regularize()), options: RunOptions(steps: 1))
        #expect(shifted.diagnostics.shiftedSolves == 1 && shifted.diagnostics.largestShift > 0, "\(shifted.diagnostics)")
        // A positive definite y-space Hessian: nothing to report.
        let plain = try optimize(p, with: PhysicalGradient(eta: 0.1), from: [2, 0.5], options: RunOptions(steps: 1))
        #expect(plain.diagnostics.luFallbacks == 0 && plain.diagnostics.shiftedSolves == 0)
    }
}

/// L(y) = (y0² - 1)² + y1²: indefinite in y0 for |y0| < 1/√3.
struct DoubleWell: GenericObjective, Sendable {
    func callAsFunction<T: PhysGradReal>(_ y: [T]) -> T { (y[0] * y[0] - 1) * (y[0] * y[0] - 1) + y[1] * y[1] }
}
