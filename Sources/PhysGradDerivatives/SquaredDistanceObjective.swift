// The standard loss with its derivatives in closed form.
import PhysGradLinearAlgebra

/// `L(y) = |y - target|² = Σ (y_i - target_i)²` (`target` nil: `|y|²`) with its exact
/// derivatives in closed form: gradient `2 (y - target)`, Hessian `2 I`, Hessian-vector product
/// `2 v`. One vectorizable pass each and no tape: the loss of inverse problems, whose y-space
/// Newton step (inverse-simulator updates) needs its gradient and diagonal Hessian every step.
/// Values are summed with four running sums, `((s0 + s1) + (s2 + s3)) + tail`, as the array
/// map-sums do (``ArraySquaredDistance`` gives the same numbers).
public struct SquaredDistanceObjective: DifferentiableObjective, Sendable {
    /// k, the number of entries of y.
    public let dimension: Int
    /// The target y*; nil: 0.
    public let target: [Double]?

    /// |y - target|² on k entries (`target` nil: |y|²).
    public init(dimension: Int, target: [Double]? = nil) {
        precondition(target == nil || target!.count == dimension,
                     "SquaredDistanceObjective: target has \(target!.count) entries, expected \(dimension)")
        self.dimension = dimension
        self.target = target
    }

    @inline(__always)
    func withTarget<R>(_ body: (UnsafePointer<Double>?) -> R) -> R {
        if let target { return target.withUnsafeBufferPointer { body($0.baseAddress) } }
        return body(nil)
    }

    /// Σ (y_i - t_i)², writing 2 (y_i - t_i) into `gradient` when it is given.
    @inline(__always)
    func evaluate(_ y: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutablePointer<Double>?) -> Double {
        precondition(y.count == dimension, "SquaredDistanceObjective: y has \(y.count) entries, expected \(dimension)")
        let n = y.count
        guard let yp = y.baseAddress else { return 0 }
        return withTarget { t in
            @inline(__always) func d(_ i: Int) -> Double { t.map { yp[i] - $0[i] } ?? yp[i] }
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var i = 0
            while i + 4 <= n {
                let d0 = d(i), d1 = d(i + 1), d2 = d(i + 2), d3 = d(i + 3)
                s0 += d0 * d0
                s1 += d1 * d1
                s2 += d2 * d2
                s3 += d3 * d3
                if let g = gradient {
                    g[i] = 2 * d0
                    g[i + 1] = 2 * d1
                    g[i + 2] = 2 * d2
                    g[i + 3] = 2 * d3
                }
                i += 4
            }
            var tail = 0.0
            while i < n {
                let di = d(i)
                tail += di * di
                gradient?[i] = 2 * di
                i += 1
            }
            return n < 4 ? tail : ((s0 + s1) + (s2 + s3)) + tail
        }
    }

    public func value(at y: [Double]) -> Double { y.withUnsafeBufferPointer { evaluate($0, nil) } }

    public func valueAndGradient(at y: [Double], gradient: inout [Double]) -> Double {
        if gradient.count != y.count { gradient = [Double](repeating: 0, count: y.count) }
        return y.withUnsafeBufferPointer { yb in gradient.withUnsafeMutableBufferPointer { evaluate(yb, $0.baseAddress) } }
    }

    public func valueAndGradient(at y: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        precondition(gradient.count == y.count, "SquaredDistanceObjective: gradient has \(gradient.count) entries, y \(y.count)")
        return evaluate(y, gradient.baseAddress)
    }

    /// 2 I.
    public func hessian(at y: [Double]) -> Matrix {
        precondition(y.count == dimension, "SquaredDistanceObjective: y has \(y.count) entries, expected \(dimension)")
        return Matrix.diagonal([Double](repeating: 2, count: dimension))
    }

    public func hessian(at y: [Double], into h: inout Matrix) { h = hessian(at: y) }

    /// 2 v.
    public func hessianVectorProduct(at y: [Double], direction v: [Double]) -> [Double] {
        precondition(y.count == dimension && v.count == dimension, "SquaredDistanceObjective: y and v must have \(dimension) entries")
        return v.map { 2 * $0 }
    }

    /// 2 v into `result`.
    public func hessianVectorProduct(at y: UnsafeBufferPointer<Double>, direction v: UnsafeBufferPointer<Double>,
                                     into result: UnsafeMutableBufferPointer<Double>) {
        precondition(y.count == dimension && v.count == dimension && result.count == dimension,
                     "SquaredDistanceObjective: y, v and result must have \(dimension) entries")
        for i in 0..<dimension { result[i] = 2 * v[i] }
    }
}
