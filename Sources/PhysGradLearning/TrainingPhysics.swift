/// A physics model that a network is trained through: per sample, `y = P(c, u)` with `u` the
/// network's output (``controlCount`` numbers), `c` a per-sample condition that the network does
/// not change (``conditionCount`` numbers, e.g. the start state of a simulation; none for many
/// models) and ``outputCount`` outputs `y`, which the loss compares with a target `y*`.
///
/// The training methods need three things per sample: the value, the pullback `(∂P/∂u)ᵀ ȳ`
/// (backpropagation through the simulator, for Adam and GD) and the Jacobian `∂P/∂u` (the
/// inverse step of SIP, the stacked Jacobian of HIG). A model may also offer the curvature
/// `Σ_j r_j ∇²_u P_j` for the saddle-free Newton inverse of SIP.
///
/// Buffers: `condition` has ``conditionCount`` numbers, `control` ``controlCount``, `output`
/// and `cotangent` ``outputCount``; Jacobians are column-major `outputCount × controlCount`
/// (entry (r, c) at `r + c · outputCount`), curvatures `controlCount × controlCount`. Every
/// method writes every number of its output buffer.
///
/// The batch forms (``evaluate(conditions:controls:count:outputs:)`` and its siblings) take
/// `count` samples stored one after the other in each buffer; their default implementations
/// call the one-sample methods in turn, and a model can vectorize across samples instead.
public protocol TrainingPhysics: Sendable {
    /// A short name (`oscillators`, `sine`).
    var name: String { get }
    /// n: the numbers the network produces per sample.
    var controlCount: Int { get }
    /// k: the outputs per sample.
    var outputCount: Int { get }
    /// The per-sample condition's length (0 when there is none).
    var conditionCount: Int { get }

    /// `y = P(c, u)`.
    func evaluate(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                  output: UnsafeMutableBufferPointer<Double>)

    /// `ū = (∂P/∂u)ᵀ ȳ` at `(c, u)`.
    func pullback(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                  cotangent: UnsafeBufferPointer<Double>, into controlCotangent: UnsafeMutableBufferPointer<Double>)

    /// `∂P/∂u` at `(c, u)`, column-major `k × n`.
    func jacobian(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                  into jacobian: UnsafeMutableBufferPointer<Double>)

    /// `y_i = P(c_i, u_i)` for `count` samples (default: one sample at a time).
    func evaluate(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>, count: Int,
                  outputs: UnsafeMutableBufferPointer<Double>)

    /// `ū_i = (∂P/∂u)ᵀ ȳ_i` for `count` samples (default: one sample at a time).
    func pullback(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>,
                  cotangents: UnsafeBufferPointer<Double>, count: Int, into controlCotangents: UnsafeMutableBufferPointer<Double>)

    /// `J_i` for `count` samples (default: one sample at a time).
    func jacobian(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>, count: Int,
                  into jacobians: UnsafeMutableBufferPointer<Double>)

    /// `true` when ``curvature(condition:control:residual:into:)`` is implemented.
    var providesCurvature: Bool { get }

    /// The bytes of scratch one call of the batch ``jacobian(conditions:controls:count:into:)``
    /// allocates beyond its output, for the methods' memory estimates (default 0).
    var jacobianScratchBytes: Double { get }

    /// `Σ_j r_j ∇²_u P_j(c, u)`, the second-order part of the Hessian of `½|P - y*|²` with
    /// `r = P - y*`: column-major `n × n`, symmetric.
    func curvature(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                   residual: UnsafeBufferPointer<Double>, into curvature: UnsafeMutableBufferPointer<Double>)
}

extension TrainingPhysics {
    public var jacobianScratchBytes: Double { 0 }

    /// `y_i = P(c_i, u_i)` for `count` samples.
    public func evaluate(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>, count: Int,
                         outputs: UnsafeMutableBufferPointer<Double>) {
        let c = conditionCount, n = controlCount, k = outputCount
        for i in 0..<count {
            evaluate(condition: UnsafeBufferPointer(rebasing: conditions[(i * c)..<(i * c + c)]),
                     control: UnsafeBufferPointer(rebasing: controls[(i * n)..<(i * n + n)]),
                     output: UnsafeMutableBufferPointer(rebasing: outputs[(i * k)..<(i * k + k)]))
        }
    }

    /// `ū_i = (∂P/∂u)ᵀ ȳ_i` for `count` samples.
    public func pullback(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>,
                         cotangents: UnsafeBufferPointer<Double>, count: Int,
                         into controlCotangents: UnsafeMutableBufferPointer<Double>) {
        let c = conditionCount, n = controlCount, k = outputCount
        for i in 0..<count {
            pullback(condition: UnsafeBufferPointer(rebasing: conditions[(i * c)..<(i * c + c)]),
                     control: UnsafeBufferPointer(rebasing: controls[(i * n)..<(i * n + n)]),
                     cotangent: UnsafeBufferPointer(rebasing: cotangents[(i * k)..<(i * k + k)]),
                     into: UnsafeMutableBufferPointer(rebasing: controlCotangents[(i * n)..<(i * n + n)]))
        }
    }

    /// `J_i = ∂P/∂u` for `count` samples, sample i's `k × n` matrix at `i k n`.
    public func jacobian(conditions: UnsafeBufferPointer<Double>, controls: UnsafeBufferPointer<Double>, count: Int,
                         into jacobians: UnsafeMutableBufferPointer<Double>) {
        let c = conditionCount, n = controlCount, k = outputCount
        for i in 0..<count {
            jacobian(condition: UnsafeBufferPointer(rebasing: conditions[(i * c)..<(i * c + c)]),
                     control: UnsafeBufferPointer(rebasing: controls[(i * n)..<(i * n + n)]),
                     into: UnsafeMutableBufferPointer(rebasing: jacobians[(i * k * n)..<((i + 1) * k * n)]))
        }
    }

    public var providesCurvature: Bool { false }

    /// Not offered: writes zeros (``providesCurvature`` is `false`, so no method asks).
    public func curvature(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                          residual: UnsafeBufferPointer<Double>, into curvature: UnsafeMutableBufferPointer<Double>) {
        curvature.update(repeating: 0)
    }
}
