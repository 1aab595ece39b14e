import PhysGradDerivatives

/// The catalog of built-in problems, each with its known solution, default start and default
/// step sizes.
public enum Problems {
    /// The largest n that ``powers(_:)`` and ``blur(_:)`` accept (a few arrays of n doubles and a
    /// tape of a few records per unknown: about 1 GB at this size).
    public static let maximumDimension = 10_000_000

    /// y(x) = [x0, x1²], L(y) = |y|², start [3, 3], solution [0, 0]: the example with which the
    /// Physics-based Deep Learning book compares GD, Newton and inverse-simulator updates. The
    /// same as ``powers(_:)`` with n = 2, under its own name.
    public static func seed() -> InverseProblem {
        var p = try! powers(2)
        p.name = "seed"
        p.summary = "y(x) = [x0, x1^2], L = |y|^2, from [3, 3]; the minimum is at 0 (the Physics-based Deep Learning book's example)."
        return p
    }

    /// ``seed()`` in n dimensions (n even):
    ///
    ///     y_i = x_i (even i),  y_i = x_i² (odd i),   L(y) = |y|²,
    ///
    /// start 3 everywhere, solution 0. The analytic inverse takes the branch x >= 0:
    /// x_i = y_i (even i), sqrt(y_i) (odd i), and is undefined for a negative y_i at an odd i.
    /// ∇²ₓL is diagonal (2 and 12 x_i²) and ∇²_y L = 2I: both declared, so Newton and PG solve
    /// in O(n). Default step sizes: GD 0.01, Newton 1/3, PG 0.3 (each method's first step about
    /// as long as GD's from the start), all with fixed steps (Newton too, with the exact Newton
    /// step).
    ///
    /// - Throws: ``PhysGradError/invalidParameter(name:value:reason:)`` unless n is even, positive
    ///   and at most ``maximumDimension``.
    public static func powers(_ n: Int) throws(PhysGradError) -> InverseProblem {
        guard n > 0, n % 2 == 0, n <= maximumDimension else {
            throw .invalidParameter(name: "dimension", value: "\(n)", reason: "powers(n) needs an even n with 2 <= n <= \(maximumDimension)")
        }
        var p = arrayProblem(
            name: "powers", dimension: n, outputDimension: n,
            model: StandardFunctions.Powers(), loss: ArraySquaredNorm(), lossTarget: nil,
            start: [Double](repeating: 3, count: n), solution: [Double](repeating: 0, count: n),
            inverse: { y throws(InverseDomainError) in try PowersModel.inverse(y) },
            stepSizes: [.gd: 0.01, .newton: 1.0 / 3.0, .pg: 0.3, .pgNumerical: 0.3,
                        .adam: 0.1, .adagrad: 0.5, .rmsprop: 0.05, .gn: 1, .ig: 0.3, .hig: 0.1],
            acceptances: [.newton: .fixed],
            objectiveHessianStructure: .diagonal, lossHessianStructure: .diagonal,
            summary: "y_i = x_i (even i), x_i^2 (odd i) in \(n) dimensions, L = |y|^2, from 3; the minimum is at 0.")
        // Values in one pass of their own; derivatives at the array level.
        p.model = PowersModel(ArrayAutomaticModel(StandardFunctions.Powers(), inputDimension: n))
        // The numerical inverse's φ(x) = |y(x) - target|² as one map-sum over x (the model is
        // elementwise): value and gradient in one pass, the same arithmetic as model then loss.
        p.inverseObjective = { target in
            ArrayAutomaticObjective(ElementwiseResidual(kernel: StandardFunctions.PowersKernel(), target: target), dimension: n)
        }
        return p
    }
}

/// A problem whose model and loss are written on ``TrackedVector``s: the model, the objective
/// L(y(x)) and the numerical inverse's φ differentiate at the array level (one node per array
/// operation, tapes reused across calls); the loss in y, a squared distance to `lossTarget`
/// (nil: to 0), has its derivatives in closed form, and is the least-squares target.
func arrayProblem<Model: ArrayModel & Sendable, Loss: ArrayObjective & Sendable>(
    name: String, dimension n: Int, outputDimension k: Int, model: Model, loss: Loss, lossTarget: [Double]?, start: [Double],
    solution: [Double]?, inverse: (@Sendable (_ y: [Double]) throws(InverseDomainError) -> [Double])?,
    stepSizes: [MethodKind: Double], acceptances: [MethodKind: StepAcceptance] = [:],
    objectiveHessianStructure: HessianStructure, lossHessianStructure: HessianStructure, summary: String
) -> InverseProblem {
    var p = InverseProblem(
        name: name, model: ArrayAutomaticModel(model, inputDimension: n), outputDimension: k,
        // The catalog's losses are squared distances: their derivatives in closed form, no tape.
        loss: SquaredDistanceObjective(dimension: k, target: lossTarget),
        objective: ArrayAutomaticObjective(ComposedArrayObjective(model: model, loss: loss), dimension: n),
        start: start, solution: solution, inverse: inverse, stepSizes: stepSizes, acceptances: acceptances,
        objectiveHessianStructure: objectiveHessianStructure, lossHessianStructure: lossHessianStructure,
        leastSquaresTarget: lossTarget ?? [Double](repeating: 0, count: k), summary: summary)
    // φ(x) = |y(x) - target|² and its gradient in one recorded evaluation.
    p.inverseObjective = { target in
        ArrayAutomaticObjective(ComposedArrayObjective(model: model, loss: ArraySquaredDistance(target: target)), dimension: n)
    }
    return p
}

/// `φ(x) = Σ_i (k(x_i, i) - t_i)²` for an elementwise model y_i = k(x_i, i): the squared
/// distance of its output to a target as one map-sum over x, so a gradient driver computes value
/// and gradient in one pass (each term as the model and ``ArraySquaredDistance`` compute it:
/// d = k(x_i, i) - t_i, then d · d).
struct ElementwiseResidual<K: ElementwiseKernel & Sendable>: ArrayObjective, Sendable {
    let kernel: K
    let target: [Double]

    @frozen @usableFromInline struct Term: BinaryElementwiseKernel {
        @usableFromInline let k: K
        @inlinable init(k: K) { self.k = k }
        @inlinable @inline(__always)
        func callAsFunction<T: PhysGradReal>(_ x: T, _ t: T, at i: Int) -> T { let d = k(x, at: i) - t; return d * d }
    }

    func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        precondition(x.count == target.count, "ElementwiseResidual: x has \(x.count) entries, target \(target.count)")
        return TrackedVector.mapSum(Term(k: kernel), x, x.tape.constant(doubles: target))
    }
}
