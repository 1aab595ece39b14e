// The scalar protocol that physics models and losses are written against, once.
//
// A model written as `func f<T: PhysGradReal>(_ x: [T]) -> T` runs unchanged on
//   Double / Float              values,
//   Dual<Double>                values and one directional derivative (JVP, Jacobian columns),
//   Dual<Dual<Double>>          exact second directional derivatives,
//   TrackedReal<Double>         reverse mode: gradients and VJPs at a cost independent of n,
//   TrackedReal<Dual<Double>>   forward-over-reverse: Hessian-vector products and Hessians.
//   DualLanes<SIMD8<Double>>    8 directional derivatives per evaluation (8 Jacobian columns),
//   TrackedReal<DualLanes<…>>   forward-over-reverse, 8 Hessian columns per pass (dense Hessians).
// This is the design of Ceres Solver's templated cost functors and its `Jet`, in Swift generics.
// Re-exported: generic models call `T.sin`, `T.exp`, ... from RealModule's ElementaryFunctions,
// so `import PhysGradDerivatives` alone is enough to write one.
@_exported import RealModule

/// A real scalar that generic physics models and losses are written against.
///
/// Refines swift-numerics' `AlgebraicField & ElementaryFunctions & Comparable`, adds float
/// literals, conversions from `Double` and `Int` (for constants that are not literals) and
/// `atan2(y:x:)`. `Double` and `Float` conform; so do the derivative types of this module
/// (``Dual`` and ``TrackedReal``), nested as deeply as wanted.
///
/// Rules for generic code that should differentiate correctly:
/// - Write constants as literals or `T(someDouble)`; they carry no derivative.
/// - Comparisons (`<`, `==`, `min`, `max`) look at the primal value only, so a branch takes the
///   same path as the `Double` program and its derivative is the derivative of that path.
/// - Integer powers: write `T.pow(x, 2)` (an `Int` exponent, exact everywhere and defined for
///   x < 0), not `T.pow(x, 2.0)` (a real exponent: NaN for x < 0, as in swift-numerics).
/// - Generic code called across modules must be `@inlinable` to be specialized for each scalar
///   type; otherwise every operation goes through a witness table.
public protocol PhysGradReal: AlgebraicField, ElementaryFunctions, Comparable, ExpressibleByFloatLiteral
where Magnitude == Self {
    /// The constant `value`, rounded to this type's precision, with zero derivative.
    init(_ value: Double)
    /// The constant `value` (rounded like `Double(value)`), with zero derivative.
    init(_ value: Int)
    /// The angle of the point (x, y) in (-pi, pi], as in `RealFunctions.atan2(y:x:)`.
    /// Its partial derivatives are (x, -y) / (x^2 + y^2) with respect to (y, x); both are
    /// NaN at the origin.
    static func atan2(y: Self, x: Self) -> Self
    /// The primal value rounded to `Double`, with every derivative part dropped
    /// (for reporting, never for computing derivatives).
    var primalValue: Double { get }
    /// `(sin x, cos x)`. The derivative types compute each of them once per level and share
    /// them between the value and the derivative (sin of a `Dual` needs both), which halves the
    /// transcendental calls of nested types. Default: `(sin(x), cos(x))`.
    static func sinAndCos(_ x: Self) -> (sin: Self, cos: Self)
}

extension Double: PhysGradReal {
    @inlinable @inline(__always)
    public var primalValue: Double { self }
}

extension Float: PhysGradReal {
    @inlinable @inline(__always)
    public var primalValue: Double { Double(self) }
}

extension PhysGradReal {
    @inlinable @inline(__always)
    public static func sinAndCos(_ x: Self) -> (sin: Self, cos: Self) { (sin(x), cos(x)) }

    /// `x * x`: one multiplication, exact derivative 2x everywhere (including 0).
    @inlinable @inline(__always)
    public static func square(_ x: Self) -> Self { x * x }
}
