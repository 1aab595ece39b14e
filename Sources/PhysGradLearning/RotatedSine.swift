import PhysGradDerivatives

/// The book's illustration of scale-invariant physics training ("Scale Invariant Physics
/// Training", after Holl, Koltun & Thuerey 2022): a two-dimensional model
///
///     P(x) = (sin(x̂_1) / ξ,  ξ · x̂_2),   x̂ = R_φ x,   R_φ = [[cos φ, -sin φ], [sin φ, cos φ]],
///
/// where ξ sets the conditioning (ξ = 1 is perfectly conditioned; the two outputs' sensitivities
/// differ by ξ² otherwise) and φ couples the two inputs (φ = 0: two independent problems).
/// The network maps a target `y*` to `x`; no condition.
///
/// With `s = sin x̂_1`, `c = cos x̂_1`: `∂P/∂x = diag(c / ξ, ξ) R_φ`, and the curvature of
/// `½|P - y*|²` is `r_1 · R_φᵀ diag(-s / ξ, 0) R_φ` (``curvature(condition:control:residual:into:)``).
/// Note that `|P_1| <= 1/ξ`: targets with `|y*_1| > 1/ξ` cannot be reached, and the smallest
/// loss per data point over targets uniform in [-1, 1]² is ``attainableLoss``.
public struct RotatedSine: TrainingPhysics, Hashable {
    /// ξ.
    public let xi: Double
    /// φ in radians.
    public let angle: Double
    let cosine: Double, sine: Double

    /// - Throws: ``TrainingError/invalidSetting(name:value:reason:)`` for ξ not finite and positive,
    ///   or φ not finite.
    public init(xi: Double, angle: Double) throws(TrainingError) {
        guard xi.isFinite && xi > 0 && xi <= 1e6 else {
            throw .invalidSetting(name: "xi", value: "\(xi)", reason: "must be in (0, 1e6]")
        }
        guard angle.isFinite else { throw .invalidSetting(name: "angle", value: "\(angle)", reason: "must be finite") }
        self.xi = xi
        self.angle = angle
        cosine = Double.cos(angle)
        sine = Double.sin(angle)
    }

    public var name: String { "sine" }
    public var controlCount: Int { 2 }
    public var outputCount: Int { 2 }
    public var conditionCount: Int { 0 }

    /// The smallest loss per data point, `E|P(x) - y*|²` minimized over x for each target, for
    /// targets uniform in [-1, 1]²: the first output reaches at most `1/ξ` in magnitude, so it is
    /// `∫ max(|t| - 1/ξ, 0)² dt / 2` over [-1, 1] `= (1 - 1/ξ)³ / 3` for ξ >= 1 (0 for ξ <= 1).
    public var attainableLoss: Double {
        guard xi > 1 else { return 0 }
        let a = 1 - 1 / xi
        return a * a * a / 3
    }

    @inline(__always)
    func rotated(_ x: UnsafeBufferPointer<Double>) -> (Double, Double) {
        (cosine * x[0] - sine * x[1], sine * x[0] + cosine * x[1])
    }

    public func evaluate(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                         output: UnsafeMutableBufferPointer<Double>) {
        let (a, b) = rotated(control)
        output[0] = Double.sin(a) / xi
        output[1] = xi * b
    }

    public func pullback(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                         cotangent: UnsafeBufferPointer<Double>, into controlCotangent: UnsafeMutableBufferPointer<Double>) {
        let (a, _) = rotated(control)
        let ga = cotangent[0] * Double.cos(a) / xi, gb = cotangent[1] * xi
        // x̄ = R_φᵀ (ā, b̄).
        controlCotangent[0] = cosine * ga + sine * gb
        controlCotangent[1] = -sine * ga + cosine * gb
    }

    public func jacobian(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                         into jacobian: UnsafeMutableBufferPointer<Double>) {
        let (a, _) = rotated(control)
        let d = Double.cos(a) / xi
        // Row 0: d · (cos φ, -sin φ); row 1: ξ · (sin φ, cos φ); column-major 2 × 2.
        jacobian[0] = d * cosine
        jacobian[1] = xi * sine
        jacobian[2] = -d * sine
        jacobian[3] = xi * cosine
    }

    public var providesCurvature: Bool { true }

    public func curvature(condition: UnsafeBufferPointer<Double>, control: UnsafeBufferPointer<Double>,
                          residual: UnsafeBufferPointer<Double>, into curvature: UnsafeMutableBufferPointer<Double>) {
        let (a, _) = rotated(control)
        let q = -residual[0] * Double.sin(a) / xi
        // q · R_φᵀ e_1 e_1ᵀ R_φ = q · (cos φ, -sin φ)ᵀ (cos φ, -sin φ).
        curvature[0] = q * cosine * cosine
        curvature[1] = -q * cosine * sine
        curvature[2] = -q * cosine * sine
        curvature[3] = q * sine * sine
    }

    /// The model written generically (for the derivatives module).
    public struct Model: GenericModel, Sendable {
        public var physics: RotatedSine
        public init(_ physics: RotatedSine) { self.physics = physics }
        public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            let c = T(physics.cosine), s = T(physics.sine), xi = T(physics.xi)
            let a = c * x[0] - s * x[1], b = s * x[0] + c * x[1]
            return [T.sin(a) / xi, xi * b]
        }
    }
}
