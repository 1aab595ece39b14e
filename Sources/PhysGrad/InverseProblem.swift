import PhysGradDerivatives
import PhysGradLinearAlgebra

/// What the caller knows about the sparsity of a Hessian, so Newton-type steps can use it.
public enum HessianStructure: Sendable, Hashable {
    /// No structure declared: the dense Hessian (n Hessian-vector products), Cholesky.
    case dense
    /// The Hessian is diagonal (a separable function, such as the chapter's L(x) = x0² + x1⁴):
    /// its diagonal is one Hessian-vector product with the all-ones vector, the solve is a
    /// division. O(n) instead of O(n²) memory and O(n³) time.
    case diagonal
    /// The Hessian is a band: `H_ij = 0` for `|i - j| > bandwidth` (a sum of local terms, such as
    /// a blur's least-squares loss). It comes from `2 bandwidth + 1` Hessian-vector products with
    /// the cyclic seeds of `ColumnColoring.banded(columns:lower:upper:)` (whatever n), and
    /// Newton's shifted systems are solved by banded Cholesky factorizations (LAPACK `dpbtrf`):
    /// O(n · bandwidth) memory and O(n · bandwidth²) time per factorization.
    ///
    /// Entries outside the band are never computed, so a band that is too narrow would give a
    /// wrong Hessian: before a Newton run, the band is checked once at the start against an
    /// exact Hessian-vector product, and a band the objective does not fit (entries beyond it
    /// above 1e-9 of the scale) is an ``PhysGradError/invalidParameter(name:value:reason:)``.
    case banded(bandwidth: Int)
}

/// What the caller knows about the sparsity of the model Jacobian ∂y/∂x, so the least-squares
/// methods can use it.
public enum JacobianStructure: Sendable, Hashable {
    /// No structure declared: n Jacobian columns (forward mode, 8 per evaluation), dense QR or SVD.
    case dense
    /// `∂y_i/∂x_j = 0` unless `-upper <= i - j <= lower` (a local model: a convolution or stencil
    /// applied to a pointwise response). The Jacobian comes from `lower + upper + 1` products with
    /// the seeds of `ColumnColoring.banded(columns:lower:upper:)`, whatever n, and
    /// ``LevenbergMarquardt`` and ``GaussNewton`` solve their damped steps through banded Cholesky
    /// factorizations of the normal matrix `JᵀJ + λI` (bandwidth `lower + upper`), falling back to
    /// their dense paths when that matrix is ill-conditioned (see each method).
    ///
    /// Entries outside the band are never computed: before a run of a method that uses J, the
    /// band is checked once at the start against an exact Jacobian-vector product, and a band the
    /// model does not fit (entries beyond it above 1e-9 of the scale) is an
    /// ``PhysGradError/invalidParameter(name:value:reason:)``.
    case banded(lower: Int, upper: Int)
    /// A band that wraps around: n = k cells on a ring, and `∂y_i/∂x_j = 0` unless
    /// `(i - j) mod n` is in `0 ... lower` or in `n - upper ..< n` (a stencil model on a periodic
    /// domain: an explicit scheme of s steps with a three-point stencil has `lower = upper = s`).
    /// The dense Jacobian is built from the compressed products of
    /// `ColumnColoring.periodicBanded(columns:lower:upper:)`, about `lower + upper + 1` colours
    /// (at most n) instead of n columns, and the methods take their dense paths with it (the
    /// corner blocks do not fit a banded factorization). Needs k = n; the band is checked once
    /// before a run, as ``banded(lower:upper:)`` is.
    case periodicBanded(lower: Int, upper: Int)
}

/// Products of a derivative with the seeds of a `ColumnColoring`: `J(x) S` (k × colours) for a
/// model, `∇²L(x) S` (n × colours) for an objective.
public typealias CompressedProducts = @Sendable (_ x: [Double], _ coloring: ColumnColoring) -> Matrix

/// An inverse problem: find x such that the physics model's output y(x) minimizes a loss L(y).
///
/// - `model`: y: Rⁿ → Rᵏ with derivatives (Jacobian, JVP, VJP);
/// - `loss`: L: Rᵏ → R with gradient and Hessian in y;
/// - `objective`: L(y(x)) as one function of x, with gradient and Hessian in x;
/// - optionally an analytic inverse y⁻¹ (for inverse-simulator updates), bounds on x that pick
///   the branch a numerical inverse converges to, and the known solution.
///
/// Derivatives come from generic models (the generic initializer: automatic differentiation),
/// or from any `DifferentiableModel` / `DifferentiableObjective`
/// the caller builds (analytic closures, finite differences). The optimizers never learn which.
/// A problem is a value: each run works on its own copy (scratch tapes are copy-on-write), so
/// one problem can be solved by many threads at once.
public struct InverseProblem: Sendable {
    /// A short identifier ("seed", "powers", ...).
    public var name: String
    /// n, the number of unknowns x.
    public let dimension: Int
    /// k, the number of model outputs y.
    public let outputDimension: Int
    /// y(x).
    public var model: any DifferentiableModel & Sendable
    /// L(y), a function of k variables.
    public var loss: any DifferentiableObjective & Sendable
    /// L(y(x)), a function of n variables.
    public var objective: any DifferentiableObjective & Sendable
    /// Builds the numerical inverse's objective φ(x) = |y(x) - target|² for a y-space target.
    /// The default (set by the initializers) differentiates through the model: one taped
    /// evaluation for generic models, value + VJP otherwise.
    public var inverseObjective: @Sendable (_ target: [Double]) -> any DifferentiableObjective & Sendable
    /// The analytic inverse y⁻¹, when there is one; it throws ``InverseDomainError`` outside
    /// its domain.
    public var inverse: (@Sendable (_ y: [Double]) throws(InverseDomainError) -> [Double])?
    /// Bounds on x for the numerical inverse (`nil`: none). They pick the branch of a
    /// non-injective model (x1 >= 0 picks the positive square root of y1 = x1²).
    public var inverseLowerBounds: [Double]?
    public var inverseUpperBounds: [Double]?
    /// The target t when the loss is a least-squares distance L(y) = |y - t|², which the
    /// least-squares methods (``GaussNewton``, ``LevenbergMarquardt``) need; `nil` for other
    /// losses. The generic initializer sets it for ``SquaredDistance`` and
    /// `StandardFunctions.SquaredNorm` (t = 0) losses; set it by hand for a loss of that form
    /// written otherwise.
    public var leastSquaresTarget: [Double]?
    /// The known minimizer, when there is one.
    public var solution: [Double]?
    /// The default starting point.
    public var start: [Double]
    /// Recommended step sizes by method (``MethodKind/makeMethod(for:stepSize:acceptance:inverse:)``
    /// uses them when none is given).
    public var stepSizes: [MethodKind: Double]
    /// Recommended step acceptance by method, where it differs from the method's own default
    /// (the chapter's problems take fixed steps; the physics problems converge with line searches).
    public var acceptances: [MethodKind: StepAcceptance]
    /// Structure of ∇²ₓL(y(x)) (used by Newton).
    public var objectiveHessianStructure: HessianStructure
    /// Structure of the model Jacobian ∂y/∂x (used by Gauss-Newton and Levenberg-Marquardt, and
    /// wherever a dense Jacobian is needed: a declared band is computed compressed and expanded).
    public var jacobianStructure: JacobianStructure = .dense
    /// How the compressed Jacobian `J(x) S` of a declared ``jacobianStructure`` is computed
    /// (`nil`: one Jacobian-vector product of ``model`` per colour). The catalog's problems set it
    /// to array-level forward mode, 16 colours per evaluation (one evaluation of 8 for at most 8)
    /// (`ArrayDerivatives.compressedJacobian(of:at:coloring:)`).
    public var compressedJacobian: CompressedProducts?
    /// How the compressed Hessian `∇²ₓL(x) S` of a declared banded ``objectiveHessianStructure`` is
    /// computed (`nil`: one Hessian-vector product of ``objective`` per colour). The catalog's
    /// problems set it to 16 colours per forward-over-reverse pass
    /// (`ArrayDerivatives.compressedHessian(of:at:coloring:tape:)`).
    public var compressedObjectiveHessian: CompressedProducts?
    /// Structure of ∇²_y L(y) (used by the y-space Newton step of inverse-simulator updates).
    public var lossHessianStructure: HessianStructure
    /// What the problem is, in a sentence or two (shown by the command-line tool).
    public var summary: String

    /// A problem from a model and a loss written once, generically: derivatives by automatic
    /// differentiation (reverse mode for gradients, forward-over-reverse for Hessians).
    ///
    /// `dimension` is n and `outputDimension` k (`model` must map n entries to k); `inverse` is
    /// the analytic inverse y⁻¹, if known; the other arguments set the properties of the same names.
    ///
    /// Inlinable, so that the derivative code is specialized for `Model` and `Loss` where the
    /// problem is made (their `callAsFunction` should be `@inlinable` too when they live in
    /// another module).
    @inlinable
    public init<Model: GenericModel & Sendable, Loss: GenericObjective & Sendable>(
        name: String, dimension: Int, outputDimension: Int, model: Model, loss: Loss, start: [Double],
        solution: [Double]? = nil,
        inverse: (@Sendable (_ y: [Double]) throws(InverseDomainError) -> [Double])? = nil,
        inverseLowerBounds: [Double]? = nil, inverseUpperBounds: [Double]? = nil,
        stepSizes: [MethodKind: Double] = [:], acceptances: [MethodKind: StepAcceptance] = [:],
        objectiveHessianStructure: HessianStructure = .dense, lossHessianStructure: HessianStructure = .dense,
        summary: String = ""
    ) {
        self.init(
            name: name, model: AutomaticModel(model, inputDimension: dimension), outputDimension: outputDimension,
            loss: AutomaticObjective(loss, dimension: outputDimension),
            objective: AutomaticObjective(ComposedObjective(model: model, loss: loss), dimension: dimension),
            start: start, solution: solution, inverse: inverse, inverseLowerBounds: inverseLowerBounds,
            inverseUpperBounds: inverseUpperBounds, stepSizes: stepSizes, acceptances: acceptances,
            objectiveHessianStructure: objectiveHessianStructure, lossHessianStructure: lossHessianStructure,
            summary: summary)
        if let distance = loss as? SquaredDistance {
            self.leastSquaresTarget = distance.target
        } else if loss is StandardFunctions.SquaredNorm {
            self.leastSquaresTarget = [Double](repeating: 0, count: outputDimension)
        }
        // One taped pass for φ and its gradient, instead of the model's value and a VJP.
        self.inverseObjective = { target in
            AutomaticObjective(ComposedObjective(model: model, loss: SquaredDistance(target: target)), dimension: dimension)
        }
    }

    /// A problem from derivative providers of any kind (analytic closures, finite differences,
    /// or automatic ones built by hand). `objective` must equal `loss ∘ model`.
    public init(
        name: String, model: any DifferentiableModel & Sendable, outputDimension: Int,
        loss: any DifferentiableObjective & Sendable, objective: any DifferentiableObjective & Sendable,
        start: [Double], solution: [Double]? = nil,
        inverse: (@Sendable (_ y: [Double]) throws(InverseDomainError) -> [Double])? = nil,
        inverseLowerBounds: [Double]? = nil, inverseUpperBounds: [Double]? = nil,
        stepSizes: [MethodKind: Double] = [:], acceptances: [MethodKind: StepAcceptance] = [:],
        objectiveHessianStructure: HessianStructure = .dense, lossHessianStructure: HessianStructure = .dense,
        leastSquaresTarget: [Double]? = nil, summary: String = ""
    ) {
        self.name = name
        self.leastSquaresTarget = leastSquaresTarget
        self.dimension = model.inputDimension
        self.outputDimension = outputDimension
        self.model = model
        self.loss = loss
        self.objective = objective
        self.inverseObjective = { target in ModelDistanceObjective(model: model, target: target) }
        self.inverse = inverse
        self.inverseLowerBounds = inverseLowerBounds
        self.inverseUpperBounds = inverseUpperBounds
        self.solution = solution
        self.start = start
        self.stepSizes = stepSizes
        self.acceptances = acceptances
        self.objectiveHessianStructure = objectiveHessianStructure
        self.lossHessianStructure = lossHessianStructure
        self.summary = summary
    }

    /// Checks that a point has n finite entries.
    func validate(point x: [Double], name: String) throws(PhysGradError) {
        if x.count != dimension { throw .dimensionMismatch(name: name, expected: dimension, actual: x.count) }
        if !Vector.allFinite(x), let i = x.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteInput(name: name, index: i) }
    }

    /// Checks the sizes the problem declares against each other and against the model's output
    /// at `x` (which is returned): the model must take n = ``dimension`` entries and give
    /// k = ``outputDimension``, the objective must take n and the loss k, and the least-squares
    /// target, the inverse bounds and the solution must have k, n and n entries; a declared band
    /// has bandwidths >= 0, and a periodic one k = n.
    func validateShapes(modelOutputAt x: [Double]) throws(PhysGradError) -> [Double] {
        if dimension < 0 { throw .invalidParameter(name: "dimension", value: "\(dimension)", reason: "must be >= 0") }
        for (name, structure) in [("objectiveHessianStructure", objectiveHessianStructure), ("lossHessianStructure", lossHessianStructure)] {
            if case .banded(let b) = structure, b < 0 {
                throw .invalidParameter(name: name, value: "banded(bandwidth: \(b))", reason: "the bandwidth must be >= 0")
            }
        }
        if case .banded(let l, let u) = jacobianStructure, l < 0 || u < 0 {
            throw .invalidParameter(name: "jacobianStructure", value: "banded(lower: \(l), upper: \(u))", reason: "the bandwidths must be >= 0")
        }
        if case .periodicBanded(let l, let u) = jacobianStructure {
            let value = "periodicBanded(lower: \(l), upper: \(u))"
            if l < 0 || u < 0 { throw .invalidParameter(name: "jacobianStructure", value: value, reason: "the bandwidths must be >= 0") }
            if outputDimension != dimension {
                throw .invalidParameter(name: "jacobianStructure", value: value,
                                        reason: "a periodic band needs as many outputs as unknowns (k = \(outputDimension), n = \(dimension))")
            }
        }
        if outputDimension < 0 {
            throw .invalidParameter(name: "outputDimension", value: "\(outputDimension)", reason: "must be >= 0")
        }
        // The derivative providers must take the vectors the methods hand them: x (n) and y (k).
        if model.inputDimension != dimension {
            throw .dimensionMismatch(name: "model input (model.inputDimension)", expected: dimension, actual: model.inputDimension)
        }
        if objective.dimension != dimension {
            throw .dimensionMismatch(name: "objective L(y(x)) (objective.dimension)", expected: dimension, actual: objective.dimension)
        }
        if loss.dimension != outputDimension {
            throw .dimensionMismatch(name: "loss L(y) (loss.dimension)", expected: outputDimension, actual: loss.dimension)
        }
        if let t = leastSquaresTarget {
            if t.count != outputDimension {
                throw .dimensionMismatch(name: "leastSquaresTarget", expected: outputDimension, actual: t.count)
            }
            if !Vector.allFinite(t), let i = t.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteInput(name: "leastSquaresTarget", index: i) }
        }
        for (name, v) in [("inverseLowerBounds", inverseLowerBounds), ("inverseUpperBounds", inverseUpperBounds),
                          ("solution", solution)] {
            if let v, v.count != dimension { throw .dimensionMismatch(name: name, expected: dimension, actual: v.count) }
        }
        var m = model
        let y = m.value(at: x)
        if y.count != outputDimension {
            throw .dimensionMismatch(name: "model output y(start) (outputDimension)", expected: outputDimension, actual: y.count)
        }
        return y
    }
}

/// The loss L(y) = |y - target|² = Σ (y_i - target_i)², written generically.
@frozen
public struct SquaredDistance: GenericObjective, Sendable {
    public var target: [Double]

    @inlinable
    public init(target: [Double]) { self.target = target }

    /// |y - target|², or NaN when y and the target differ in length (the driver checks the
    /// model's output length once before a run, so this only shows a model whose output length
    /// changes from point to point).
    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ y: [T]) -> T {
        guard y.count == target.count else { return T(Double.nan) }
        var s: T = 0
        for i in 0..<y.count {
            let d = y[i] - T(target[i])
            s += d * d
        }
        return s
    }
}

/// φ(x) = |y(x) - target|² for a model that is not generic: value from the model, gradient
/// 2 J(x)ᵀ (y(x) - target) from one vector-Jacobian product.
struct ModelDistanceObjective: DifferentiableObjective, Sendable {
    var model: any DifferentiableModel & Sendable
    let target: [Double]
    var dimension: Int { model.inputDimension }

    mutating func value(at x: [Double]) -> Double {
        let y = model.value(at: x)
        return zip(y, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    mutating func valueAndGradient(at x: [Double], gradient: inout [Double]) -> Double {
        let y = model.value(at: x)
        var r = y
        var f = 0.0
        for i in r.indices {
            r[i] = 2 * (y[i] - target[i])
            f += (y[i] - target[i]) * (y[i] - target[i])
        }
        gradient = model.vectorJacobianProduct(at: x, cotangent: r)
        return f
    }
}
