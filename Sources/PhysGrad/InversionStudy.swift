import PhysGradLBFGSB
import PhysGradLinearAlgebra

/// A numerical inverse under a name: one column of an ``InversionStudy``.
public struct InversionVariant: Sendable, Equatable {
    /// The name in tables, files and figures ("finite-differences", "exact", or the caller's).
    public var name: String
    /// How the inverse x' = argmin_x |y(x) - y'|² is computed.
    public var inverse: NumericalInverse

    /// A variant named `name` that inverts with `inverse`.
    public init(name: String, inverse: NumericalInverse) {
        self.name = name
        self.inverse = inverse
    }

    /// Forward differences with SciPy's default tolerances, as `fmin_l_bfgs_b(approx_grad=True)`
    /// (``NumericalInverse/finiteDifferences``).
    public static let finiteDifferences = InversionVariant(name: "finite-differences", inverse: .finiteDifferences)
    /// Exact gradients and tight tolerances (``NumericalInverse/exact``).
    public static let exact = InversionVariant(name: "exact", inverse: .exact)
}

/// The run an ``InversionStudy`` compares the numerical inverses against.
public enum InversionReference: Sendable, Equatable {
    /// PG with the problem's analytic inverse y⁻¹.
    case analytic
    /// PG with a numerical inverse, for problems without an analytic one; tight tolerances make
    /// it a stand-in for the exact inverse (``InversionVariant/exact``).
    case numerical(InversionVariant)
    /// ``analytic`` when the problem has an analytic inverse, else ``numerical(_:)`` with
    /// ``InversionVariant/exact``.
    case automatic

    /// The reference for `problem`: ``automatic`` resolved, the others as they are.
    public func resolved(for problem: InverseProblem) -> InversionReference {
        guard case .automatic = self else { return self }
        return problem.inverse != nil ? .analytic : .numerical(.exact)
    }

    /// "analytic", or the numerical variant's name (``automatic`` says "automatic").
    public var name: String {
        switch self {
        case .analytic: return "analytic"
        case .numerical(let v): return v.name
        case .automatic: return "automatic"
        }
    }
}

/// Analytic against approximate inversion, for any problem: PG with a reference inverse (analytic, or a tight numerical one) and PG with each numerical
/// inverse of ``variants``, all from the same start with the same step size η and the book's
/// fixed steps (``StepAcceptance/fixed``), compared iterate by iterate.
///
/// For the reference trajectory x₀ … x_K and a variant's x̃₀ … x̃_K it reports, per step k,
///
///     MAE_k = (1/n) Σ_i |x̃_k,i - x_k,i|,    max_k = max_i |x̃_k,i - x_k,i|,
///
/// both runs' losses L(y(x_k)) and the inner solve's iterations, evaluations and termination;
/// and overall the MAE, the mean over every iterate and coordinate,
/// (1/((K+1) n)) Σ_k Σ_i |x̃_k,i - x_k,i| (x₀ is shared, so it contributes zeros), and the
/// largest error.
///
/// ```swift
/// let result = try InversionStudy().run(on: Problems.seed())
/// result.comparison(named: "finite-differences")!.meanAbsoluteError   // 9.94e-07
/// result.comparison(named: "exact")!.meanAbsoluteError                // ~1e-13
/// ```
///
/// Cost: the reference's iterates are kept ((K + 1) n doubles) while the variants run; each
/// variant's iterates are compared as they come and not kept. A forward-difference gradient
/// costs n + 1 evaluations of y, and an inverse stops at `LBFGSBOptions.maxfun`
/// evaluations (SciPy's 15,000), so a finite-difference variant makes at most K · maxfun
/// evaluations of y; at n = 1000 that limit is what ends most of its inverses (they then stop
/// short, which the run's ``OptimizationResult/isSuccess`` and each step's
/// ``InverseSolveReport`` say).
public struct InversionStudy: Sendable {
    /// The numerical inverses compared with the reference (names distinct).
    public var variants: [InversionVariant]
    /// What they are compared with.
    public var reference: InversionReference
    /// The step size η; `nil`: the problem's recommended PG step size
    /// (``InverseProblem/stepSizes`` for ``MethodKind/pg``, else ``MethodKind/pgNumerical``).
    public var eta: Double?
    /// The number of steps K (default 10).
    public var steps: Int
    /// The start x₀; `nil`: the problem's.
    public var start: [Double]?
    /// The memory the study may take, in bytes (``estimatedBytes(dimension:)``: the reference's
    /// iterates, the per-step records, the inverses' workspace); also each run's
    /// ``RunOptions/memoryLimit``.
    public var memoryLimit: Int
    /// Wall time allowed to each run, in seconds (``RunOptions/timeLimit``); `nil`: none.
    public var timeLimit: Double?

    /// A study of `variants` against `reference`, over `steps` fixed steps of size `eta` from
    /// `start` (defaults: forward differences and exact gradients against the analytic inverse
    /// where there is one, 10 steps, the problem's PG step size and start).
    public init(
        variants: [InversionVariant] = [.finiteDifferences, .exact], reference: InversionReference = .automatic,
        eta: Double? = nil, steps: Int = 10, start: [Double]? = nil, memoryLimit: Int = 8 << 30, timeLimit: Double? = nil
    ) {
        self.variants = variants
        self.reference = reference
        self.eta = eta
        self.steps = steps
        self.start = start
        self.memoryLimit = memoryLimit
        self.timeLimit = timeLimit
    }

    /// The step size the study uses on `problem`: ``eta``, else the problem's recommended PG
    /// step size; `nil` when there is neither.
    public func stepSize(on problem: InverseProblem) -> Double? {
        eta ?? problem.stepSizes[.pg] ?? problem.stepSizes[.pgNumerical]
    }

    /// The memory a study needs at dimension n, in bytes: the reference's iterates,
    /// `8 n (K + 1)`; about 160 bytes per run and step for the per-step records; and the largest
    /// numerical inverse's L-BFGS-B workspace (`LBFGSBSolver.workspaceBytes(dimension:maxcor:)`,
    /// about 230 n for m = 10; one run at a time). The problem's own storage comes on top.
    public func estimatedBytes(dimension n: Int) -> Double {
        let iterates = Double(Swift.max(steps, 0)) + 1
        var inverses = variants.map(\.inverse)
        if case .numerical(let v) = reference { inverses.append(v.inverse) }
        let workspace = inverses.map {
            Double(LBFGSBSolver.workspaceBytes(dimension: n, maxcor: Swift.max($0.options.maxcor, 0)) ?? 0)
        }.max() ?? 0
        return 8 * Double(Swift.max(n, 0)) * iterates + 160 * iterates * Double(variants.count + 1) + workspace
    }

    /// Checks everything ``run(on:)`` checks before it runs anything, without running.
    /// - Throws: what ``run(on:)`` throws before it starts.
    public func validate(for problem: InverseProblem) throws(PhysGradError) {
        _ = try validated(for: problem)
    }

    /// Runs the reference and every variant on `problem` and compares them step by step.
    ///
    /// A run that stops early (a failed inverse, a non-finite value, the time limit) is compared
    /// over the steps it took: every run takes up to K steps, the comparison covers the steps both
    /// it and the reference took, and ``InversionComparison/comparedSteps`` says how many. A variant whose
    /// numerical inverse is the reference's is not run again: it is the reference
    /// (``InversionComparison/isReference``, errors zero).
    ///
    /// - Throws: ``PhysGradError`` before anything runs: no variants, empty or repeated names,
    ///   an invalid η or none known for the problem, a reference the problem cannot use (an
    ///   analytic inverse it does not have), invalid options of a numerical inverse, an invalid
    ///   start (or one where the model or the loss is not finite), a problem whose sizes disagree
    ///   (as ``optimize(_:with:from:options:callback:)`` checks them), steps outside the driver's
    ///   range, or more memory than ``memoryLimit``.
    public func run(on problem: InverseProblem) throws(PhysGradError) -> InversionStudyResult {
        let plan = try validated(for: problem)
        let referenceRun = try runReference(plan, on: problem)
        var comparisons: [InversionComparison] = []
        for variant in variants {
            if case .numerical(let r) = plan.reference, r.inverse == variant.inverse {
                comparisons.append(InversionComparison(asReference: referenceRun, variant: variant))
            } else {
                comparisons.append(try compare(variant, with: referenceRun, plan, on: problem))
            }
        }
        return InversionStudyResult(problem: problem.name, dimension: problem.dimension, eta: plan.eta, steps: steps,
                                    start: plan.start, reference: referenceRun.run, comparisons: comparisons)
    }

    /// What ``run(on:)`` needs, checked.
    struct Plan {
        var eta: Double
        var start: [Double]
        var reference: InversionReference
        var options: RunOptions
    }

    func validated(for problem: InverseProblem) throws(PhysGradError) -> Plan {
        if variants.isEmpty {
            throw .invalidParameter(name: "variants", value: "[]", reason: "give at least one numerical inverse to compare")
        }
        for (i, v) in variants.enumerated() {
            if v.name.isEmpty { throw .invalidParameter(name: "variant name", value: "\"\"", reason: "must not be empty") }
            if variants[..<i].contains(where: { $0.name == v.name }) {
                throw .invalidParameter(name: "variant name", value: v.name, reason: "is used twice; give each variant its own name")
            }
        }
        guard let eta = stepSize(on: problem) else {
            throw .methodNotApplicable(method: "pg", problem: problem.name,
                                       reason: "it has no recommended PG step size; give the study an eta")
        }
        let reference = reference.resolved(for: problem)
        if case .numerical(let r) = reference, variants.contains(where: { $0.name == r.name && $0.inverse != r.inverse }) {
            throw .invalidParameter(name: "variant name", value: r.name,
                                    reason: "is the reference's name but not its inverse; rename one of them")
        }
        var methods = [Self.method(eta: eta, reference: reference)]
        methods += variants.map { PhysicalGradient(eta: eta, inverse: .numerical($0.inverse)) }
        for m in methods {
            try m.validate()
            try m.validate(for: problem)
        }
        let x0 = start ?? problem.start
        try problem.validate(point: x0, name: "start")
        // What every run's driver checks before its first step, checked once here so that
        // validate(for:) refuses what run(on:) would.
        let y0 = try problem.validateShapes(modelOutputAt: x0)
        if !Vector.allFinite(y0) { throw .nonFiniteAtStart(quantity: "model output y(x)") }
        var objective = problem.objective
        if !objective.value(at: x0).isFinite { throw .nonFiniteAtStart(quantity: "loss L(y(x))") }
        // The driver keeps no trace: the study keeps the reference's iterates itself.
        let options = RunOptions(steps: steps, timeLimit: timeLimit, trace: .none, memoryLimit: memoryLimit)
        try options.validate()
        let bytes = estimatedBytes(dimension: problem.dimension)
        if bytes > Double(memoryLimit) {
            throw .exceedsMemoryLimit(
                what: "an inversion study of \(steps) steps on \(problem.name) (n = \(problem.dimension))",
                bytes: Int(Swift.min(bytes, Double(Int.max / 2))), limit: memoryLimit,
                suggestion: "take fewer steps or a smaller dimension, or raise the limit")
        }
        return Plan(eta: eta, start: x0, reference: reference, options: options)
    }

    static func method(eta: Double, reference: InversionReference) -> PhysicalGradient {
        if case .numerical(let v) = reference { return PhysicalGradient(eta: eta, inverse: .numerical(v.inverse)) }
        return PhysicalGradient(eta: eta)
    }

    /// The reference run with its iterates (kept only while the variants run).
    struct ReferenceTrajectory {
        var run: InversionRun
        var x: [[Double]]
    }

    func runReference(_ plan: Plan, on problem: InverseProblem) throws(PhysGradError) -> ReferenceTrajectory {
        var xs: [[Double]] = [plan.start]
        var steps: [InversionRunStep] = []
        let result = try optimize(problem, with: Self.method(eta: plan.eta, reference: plan.reference), from: plan.start,
                                  options: plan.options) { it in
            xs.append(it.x)
            steps.append(InversionRunStep(step: it.step, loss: it.loss, inverse: it.report.inverse))
            return .proceed
        }
        steps.insert(InversionRunStep(step: 0, loss: result.initialLoss, inverse: nil), at: 0)
        let name = plan.reference.name
        var inverse: NumericalInverse?
        if case .numerical(let v) = plan.reference { inverse = v.inverse }
        return ReferenceTrajectory(run: InversionRun(name: name, inverse: inverse, result: result, steps: steps), x: xs)
    }

    func compare(_ variant: InversionVariant, with reference: ReferenceTrajectory, _ plan: Plan,
                 on problem: InverseProblem) throws(PhysGradError) -> InversionComparison {
        let n = problem.dimension
        var total = 0.0
        var largest = 0.0
        var errors: [InversionStepComparison] = [
            InversionStepComparison(step: 0, meanAbsoluteError: 0, maximumError: 0, loss: reference.run.steps[0].loss,
                                    referenceLoss: reference.run.steps[0].loss, inverse: nil),
        ]
        var steps: [InversionRunStep] = []
        let result = try optimize(problem, with: PhysicalGradient(eta: plan.eta, inverse: .numerical(variant.inverse)),
                                  from: plan.start, options: plan.options) { it in
            steps.append(InversionRunStep(step: it.step, loss: it.loss, inverse: it.report.inverse))
            // Beyond the reference's last iterate (it stopped early) there is nothing to compare.
            guard it.step < reference.x.count else { return .proceed }
            let r = reference.x[it.step]
            var sum = 0.0, worst = 0.0
            for i in 0..<n {
                let e = Swift.abs(it.x[i] - r[i])
                sum += e
                total += e  // summed in Metrics.meanAbsoluteError's order, so the two agree to the bit
                worst = Swift.max(worst, e)
            }
            largest = Swift.max(largest, worst)
            errors.append(InversionStepComparison(
                step: it.step, meanAbsoluteError: n == 0 ? 0 : sum / Double(n), maximumError: worst, loss: it.loss,
                referenceLoss: reference.run.steps[it.step].loss, inverse: it.report.inverse))
            return .proceed
        }
        steps.insert(InversionRunStep(step: 0, loss: result.initialLoss, inverse: nil), at: 0)
        let count = Double(errors.count * n)
        return InversionComparison(
            variant: variant, run: InversionRun(name: variant.name, inverse: variant.inverse, result: result, steps: steps),
            isReference: false, steps: errors, meanAbsoluteError: count == 0 ? 0 : total / count, maximumError: largest)
    }
}

/// One step of one run of an ``InversionStudy``.
public struct InversionRunStep: Sendable, Hashable {
    /// k: 0 for the start, then 1 … K.
    public var step: Int
    /// L(y(x_k)).
    public var loss: Double
    /// What the numerical inverse of step k did; `nil` at the start and for the analytic inverse.
    public var inverse: InverseSolveReport?

    /// Step `step` with loss `loss` and its inverse solve.
    public init(step: Int, loss: Double, inverse: InverseSolveReport?) {
        self.step = step
        self.loss = loss
        self.inverse = inverse
    }
}

/// One PG run of an ``InversionStudy``: the reference or a variant.
public struct InversionRun: Sendable {
    /// "analytic", or the numerical variant's name.
    public var name: String
    /// The numerical inverse; `nil` for the analytic one.
    public var inverse: NumericalInverse?
    /// The driver's result: termination, counts, ``OptimizationResult/isSuccess`` (a numerical
    /// inverse that stopped short makes the run no success).
    public var result: OptimizationResult
    /// Steps 0 … K as taken.
    public var steps: [InversionRunStep]

    /// Inner L-BFGS-B iterations, summed over the steps.
    public var innerIterations: Int { steps.reduce(0) { $0 + ($1.inverse?.iterations ?? 0) } }
    /// Inner evaluations of φ, summed over the steps.
    public var innerEvaluations: Int { steps.reduce(0) { $0 + ($1.inverse?.evaluations ?? 0) } }
    /// Inverse solves that stopped short of their target.
    public var innerSolvesStoppedShort: Int { steps.reduce(0) { $0 + ($1.inverse?.stoppedShort == true ? 1 : 0) } }
}

/// One step of a variant against the reference.
public struct InversionStepComparison: Sendable, Hashable {
    /// k: 0 for the shared start, then 1 … K.
    public var step: Int
    /// (1/n) Σ_i |x̃_k,i - x_k,i|.
    public var meanAbsoluteError: Double
    /// max_i |x̃_k,i - x_k,i|.
    public var maximumError: Double
    /// The variant's L(y(x̃_k)).
    public var loss: Double
    /// The reference's L(y(x_k)).
    public var referenceLoss: Double
    /// The variant's inverse solve of step k (`nil` at the start).
    public var inverse: InverseSolveReport?

    /// The comparison of step `step`.
    public init(step: Int, meanAbsoluteError: Double, maximumError: Double, loss: Double, referenceLoss: Double,
                inverse: InverseSolveReport?) {
        self.step = step
        self.meanAbsoluteError = meanAbsoluteError
        self.maximumError = maximumError
        self.loss = loss
        self.referenceLoss = referenceLoss
        self.inverse = inverse
    }
}

/// One numerical inverse against the reference.
public struct InversionComparison: Sendable {
    /// The numerical inverse compared.
    public var variant: InversionVariant
    /// Its PG run.
    public var run: InversionRun
    /// `true` when the variant's inverse is the reference's: it was not run again, its errors are 0.
    public var isReference: Bool
    /// Steps 0 … ``comparedSteps``.
    public var steps: [InversionStepComparison]
    /// The MAE: (1/((K+1) n)) Σ_k Σ_i |x̃_k,i - x_k,i| over the compared steps.
    public var meanAbsoluteError: Double
    /// max_k,i |x̃_k,i - x_k,i|.
    public var maximumError: Double

    /// The comparison of `variant`'s `run` with the reference, step by step and overall.
    public init(variant: InversionVariant, run: InversionRun, isReference: Bool, steps: [InversionStepComparison],
                meanAbsoluteError: Double, maximumError: Double) {
        self.variant = variant
        self.run = run
        self.isReference = isReference
        self.steps = steps
        self.meanAbsoluteError = meanAbsoluteError
        self.maximumError = maximumError
    }

    init(asReference reference: InversionStudy.ReferenceTrajectory, variant: InversionVariant) {
        let steps = reference.run.steps.map {
            InversionStepComparison(step: $0.step, meanAbsoluteError: 0, maximumError: 0, loss: $0.loss, referenceLoss: $0.loss,
                                    inverse: $0.inverse)
        }
        var run = reference.run
        run.name = variant.name
        self.init(variant: variant, run: run, isReference: true, steps: steps, meanAbsoluteError: 0, maximumError: 0)
    }

    /// The number of steps compared (K, unless a run stopped early).
    public var comparedSteps: Int { steps.count - 1 }
}

/// What ``InversionStudy/run(on:)`` found on one problem.
public struct InversionStudyResult: Sendable {
    /// The problem's name.
    public var problem: String
    /// Its dimension n.
    public var dimension: Int
    /// The step size η every run took.
    public var eta: Double
    /// The number of steps K asked for.
    public var steps: Int
    /// The shared start x₀.
    public var start: [Double]
    /// The reference run.
    public var reference: InversionRun
    /// One per variant, in the study's order.
    public var comparisons: [InversionComparison]

    init(problem: String, dimension: Int, eta: Double, steps: Int, start: [Double], reference: InversionRun,
         comparisons: [InversionComparison]) {
        self.problem = problem
        self.dimension = dimension
        self.eta = eta
        self.steps = steps
        self.start = start
        self.reference = reference
        self.comparisons = comparisons
    }

    /// The comparison of the variant named `name`.
    public func comparison(named name: String) -> InversionComparison? { comparisons.first { $0.variant.name == name } }

    /// `true` when the comparison of `c` is complete and sound: its run and the reference's
    /// succeeded and it was compared over all the steps asked for.
    public func isSuccess(_ c: InversionComparison) -> Bool {
        reference.result.isSuccess && c.run.result.isSuccess && c.comparedSteps == steps
    }

    /// `true` when every run succeeded (``OptimizationResult/isSuccess``: no failure, no loss
    /// above its start, no inverse that stopped short) and every variant was compared over all
    /// the steps asked for.
    public var isSuccess: Bool {
        comparisons.allSatisfy(isSuccess)
    }
}
