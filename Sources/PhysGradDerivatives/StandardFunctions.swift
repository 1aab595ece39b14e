// Small standard functions, written once generically: the powers model and the squared norm
// (the catalog's seed and powers problems), and classic objectives for tests and benchmarks.

/// Standard generic functions (each usable with every driver).
public enum StandardFunctions {
    /// The powers model: y_i = x_i for even i and y_i = x_i² for odd i (n = 2 gives
    /// y = [x0, x1²]).
    @frozen
    public struct Powers: GenericModel, Sendable {
        @inlinable public init() {}

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            var y = x
            var i = 1
            while i < y.count {
                y[i] = x[i] * x[i]
                i += 2
            }
            return y
        }
    }

    /// The squared Euclidean norm L(y) = |y|² = Σ y_i².
    @frozen
    public struct SquaredNorm: GenericObjective, Sendable {
        @inlinable public init() {}

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ y: [T]) -> T {
            var s: T = 0
            for v in y { s += v * v }
            return s
        }
    }

    /// L(x) = |powers(x)|² = Σ_{i even} x_i² + Σ_{i odd} x_i⁴. Its Hessian is diagonal:
    /// 2 for even i, 12·x_i² for odd i.
    public typealias PowersLoss = ComposedObjective<Powers, SquaredNorm>

    /// L(x) = |powers(x)|², as a composed objective.
    @inlinable
    public static var powersLoss: PowersLoss { ComposedObjective(model: Powers(), loss: SquaredNorm()) }

    /// f(x) = Σ x_i² sin x_i.
    @frozen
    public struct SumSquareSine: GenericObjective, Sendable {
        @inlinable public init() {}

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
            var f: T = 0
            for v in x { f += v * v * T.sin(v) }
            return f
        }

        /// The hand-written gradient 2x sin x + x² cos x, into `g`; returns f.
        @inlinable
        public func valueAndGradient(at x: [Double], gradient g: inout [Double]) -> Double {
            if g.count != x.count { g = [Double](repeating: 0, count: x.count) }
            var f = 0.0
            g.withUnsafeMutableBufferPointer { gb in
                x.withUnsafeBufferPointer { xb in
                    for i in 0..<xb.count {
                        let v = xb[i], s = Double.sin(v), c = Double.cos(v)
                        f += v * v * s
                        gb[i] = 2 * v * s + v * v * c
                    }
                }
            }
            return f
        }
    }

    /// The extended Rosenbrock function (n even; Moré, Garbow and Hillstrom's problem 21):
    /// f(x) = Σ_{i<n/2} 100 (x_{2i+1} - x_{2i}²)² + (1 - x_{2i})², minimum 0 at (1, ..., 1).
    /// A trailing odd entry is ignored (its gradient entry is 0).
    @frozen
    public struct ExtendedRosenbrock: GenericObjective, Sendable {
        @inlinable public init() {}

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { rosenbrockSum(x, stride: 2) }

        /// f(x), with the hand-written gradient ∇f(x) written into `g` (`g.count == x.count`): the
        /// form L-BFGS-B takes. ∂f/∂x_{2i} = -400 x_{2i} t - 2 (1 - x_{2i}), ∂f/∂x_{2i+1} = 200 t,
        /// t = x_{2i+1} - x_{2i}², in the order of operations of `callAsFunction`.
        @inlinable
        public func valueAndGradient(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
            rosenbrockValueAndGradient(x, g, stride: 2)
        }

        /// f(x), with the hand-written gradient into `g` (resized to n if needed).
        @inlinable
        public func valueAndGradient(at x: [Double], gradient g: inout [Double]) -> Double {
            if g.count != x.count { g = [Double](repeating: 0, count: x.count) }
            return x.withUnsafeBufferPointer { xb in g.withUnsafeMutableBufferPointer { valueAndGradient(xb, $0) } }
        }
    }

    /// The Rosenbrock function of n variables, chained (SciPy's `rosen`):
    /// f(x) = Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)², minimum 0 at (1, ..., 1).
    @frozen
    public struct Rosenbrock: GenericObjective, Sendable {
        @inlinable public init() {}

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { rosenbrockSum(x, stride: 1) }

        /// f(x), with the hand-written gradient ∇f(x) written into `g` (`g.count == x.count`):
        /// ∂f/∂x_i = -400 x_i t_i - 2 (1 - x_i) + 200 t_{i-1}, t_i = x_{i+1} - x_i² (terms that do
        /// not exist are 0).
        @inlinable
        public func valueAndGradient(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
            rosenbrockValueAndGradient(x, g, stride: 1)
        }
    }
}

/// Σ over i = 0, s, 2s, ... with i + 1 < n of 100 (x_{i+1} - x_i²)² + (1 - x_i)²: the extended
/// (s = 2) and the chained (s = 1) Rosenbrock function.
@inlinable @inline(__always)
func rosenbrockSum<T: PhysGradReal>(_ x: [T], stride s: Int) -> T {
    var f: T = 0
    var i = 0
    while i + 1 < x.count {
        let t = x[i + 1] - x[i] * x[i]
        let c = 1 - x[i]
        f += 100 * t * t + c * c
        i += s
    }
    return f
}

/// ``rosenbrockSum(_:stride:)`` in `Double` with its gradient into `g`, in the same order of
/// operations. With s = 2 the terms touch disjoint pairs and their partials are stored; with
/// s = 1 neighbouring terms share a variable and their partials are added.
@inlinable @inline(__always)
func rosenbrockValueAndGradient(
    _ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>, stride s: Int
) -> Double {
    let n = x.count
    var f = 0.0
    if s == 2 {
        var i = 0
        while i + 1 < n {
            let a = x[i], t = x[i + 1] - a * a, c = 1 - a
            f += 100 * t * t + c * c
            g[i] = -400 * a * t - 2 * c
            g[i + 1] = 200 * t
            i += 2
        }
        if n % 2 == 1 { g[n - 1] = 0 }
        return f
    }
    for i in 0..<n { g[i] = 0 }
    var i = 0
    while i + 1 < n {
        let a = x[i], t = x[i + 1] - a * a, c = 1 - a
        f += 100 * t * t + c * c
        g[i] += -400 * a * t - 2 * c
        g[i + 1] += 200 * t
        i += s
    }
    return f
}
