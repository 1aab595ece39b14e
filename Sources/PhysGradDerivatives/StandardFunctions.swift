// Small standard functions, written once generically: the chapter's model and loss, its
// n-dimensional variant, and the benchmark objectives. Used by tests, benchmarks and examples.

/// Standard generic functions (each usable with every driver).
public enum StandardFunctions {
    /// The chapter's physics model generalized to n inputs ("powers(n)"): y_i = x_i for even
    /// i and y_i = x_i² for odd i (n = 2 gives y = [x0, x1²]).
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

    /// The chapter's loss L(y) = |y|² = Σ y_i².
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

    /// L(x) = |powers(x)|²: the chapter's objective in n dimensions. Its Hessian is diagonal:
    /// 2 for even i, 12·x_i² for odd i.
    public typealias PowersLoss = ComposedObjective<Powers, SquaredNorm>

    /// The chapter's objective in n dimensions.
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

    /// The extended Rosenbrock function (n even):
    /// f(x) = Σ_{i<n/2} 100 (x_{2i+1} - x_{2i}²)² + (1 - x_{2i})². A trailing odd entry is ignored.
    @frozen
    public struct ExtendedRosenbrock: GenericObjective, Sendable {
        @inlinable public init() {}

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
            var f: T = 0
            var i = 0
            while i + 1 < x.count {
                let a = x[i + 1] - x[i] * x[i]
                let b = 1 - x[i]
                f += 100 * (a * a) + b * b
                i += 2
            }
            return f
        }

        /// The hand-written gradient, into `g`; returns f.
        @inlinable
        public func valueAndGradient(at x: [Double], gradient g: inout [Double]) -> Double {
            if g.count != x.count { g = [Double](repeating: 0, count: x.count) }
            var f = 0.0
            g.withUnsafeMutableBufferPointer { gb in
                x.withUnsafeBufferPointer { xb in
                    var i = 0
                    while i + 1 < xb.count {
                        let a = xb[i + 1] - xb[i] * xb[i]
                        let b = 1 - xb[i]
                        f += 100 * (a * a) + b * b
                        gb[i] = -400 * a * xb[i] - 2 * b
                        gb[i + 1] = 200 * a
                        i += 2
                    }
                    if xb.count % 2 == 1 { gb[xb.count - 1] = 0 }
                }
            }
            return f
        }
    }

    /// The Rosenbrock function of n variables (the chained form):
    /// f(x) = Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)².
    @frozen
    public struct Rosenbrock: GenericObjective, Sendable {
        @inlinable public init() {}

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
            var f: T = 0
            var i = 0
            while i + 1 < x.count {
                let a = x[i + 1] - x[i] * x[i]
                let b = 1 - x[i]
                f += 100 * (a * a) + b * b
                i += 1
            }
            return f
        }
    }
}
