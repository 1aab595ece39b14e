// Sparse Jacobians and Hessians from a few directional derivatives (column colouring).
import PhysGradLinearAlgebra

/// A colouring of the columns of a sparse matrix: columns of one colour share a seed direction
/// `sᶜ = Σ_{colour(j) = c} e_j`, and the products `A sᶜ` (a JVP per colour for a Jacobian, a
/// Hessian-vector product for a Hessian) determine A when no row has two nonzeros of one colour
/// (Curtis, Powell & Reid 1974). A band matrix with `lower` sub- and `upper` super-diagonals needs
/// `lower + upper + 1` colours, whatever its size: its Jacobian costs that many JVPs instead of n.
public struct ColumnColoring: Sendable, Hashable {
    /// The colour of each column, in `0 ..< count`.
    public let colors: [Int]
    /// The number of colours (seed directions).
    public let count: Int

    /// A colouring from the colour of each column.
    ///
    /// - Throws: ``ColumnColoringError/colorOutOfRange(column:color:count:)`` unless every colour
    ///   is in `0 ..< count` (and `count >= 0`).
    public init(colors: [Int], count: Int) throws(ColumnColoringError) {
        for (j, c) in colors.enumerated() where c < 0 || c >= count {
            throw .colorOutOfRange(column: j, color: c, count: count)
        }
        self.init(unchecked: colors, count: count)
    }

    init(unchecked colors: [Int], count: Int) {
        self.colors = colors
        self.count = count
    }

    /// The cyclic colouring `colour(j) = j mod (lower + upper + 1)` of a band matrix with n columns
    /// (fewer colours when n is smaller); negative bandwidths count as 0, and bandwidths above n
    /// as n (any wider band is the same full matrix).
    public static func banded(columns n: Int, lower: Int, upper: Int) -> ColumnColoring {
        let n = Swift.max(n, 0)
        let m = _clampedBandwidth(lower, n) + _clampedBandwidth(upper, n) + 1
        return ColumnColoring(unchecked: (0..<n).map { $0 % m }, count: Swift.min(m, Swift.max(n, 1)))
    }

    /// A bandwidth in `0 ... n`: the part of it that a matrix with n columns can hold (so that
    /// `lower + upper + 1` cannot overflow, whatever the caller passes).
    static func _clampedBandwidth(_ b: Int, _ n: Int) -> Int { Swift.min(Swift.max(b, 0), n) }

    /// A colouring of a *periodic* band on n columns: `∂y_i/∂x_j = 0` unless
    /// `(i - j) mod n` is in `0 ... lower` or in `n - upper ..< n` (a stencil on a ring of n
    /// cells: each column's rows are the `w = lower + upper + 1` cells around its own, wrapping
    /// around the ends). Colour `j mod c`, with c the smallest number of colours from w on for
    /// which columns of one colour are at least w apart around the ring as well as along it
    /// (c divides n, or n mod c >= w); n colours (one per column) when there is none below n.
    /// Negative bandwidths count as 0, and bandwidths above n as n (n colours either way).
    public static func periodicBanded(columns n: Int, lower: Int, upper: Int) -> ColumnColoring {
        let n = Swift.max(n, 0)
        let w = _clampedBandwidth(lower, n) + _clampedBandwidth(upper, n) + 1
        var c = Swift.max(1, Swift.min(w, n))
        while c < n, n % c != 0, n % c < w { c += 1 }
        return ColumnColoring(unchecked: (0..<n).map { $0 % Swift.max(c, 1) }, count: Swift.min(c, Swift.max(n, 1)))
    }

    /// The seed direction `sᶜ` of colour c.
    public func seed(_ c: Int) -> [Double] { colors.map { $0 == c ? 1 : 0 } }
}

/// A column colouring that cannot be used.
public enum ColumnColoringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Column `column` has colour `color`, outside `0 ..< count`.
    case colorOutOfRange(column: Int, color: Int, count: Int)

    public var description: String {
        switch self {
        case .colorOutOfRange(let j, let c, let count): return "column \(j) has colour \(c), outside 0..<\(count)"
        }
    }
}

extension ArrayDerivatives {
    /// `J(x) S` for the colouring's seeds (k × `coloring.count`) by forward evaluations on
    /// ``DualLanes`` elements (no tape; 16 colours per evaluation, or one evaluation of 8 lanes for
    /// at most 8 colours):
    /// the compressed Jacobian of a sparse model.
    @inlinable
    public static func compressedJacobian<M: ArrayModel>(of model: M, at x: [Double], coloring: ColumnColoring) -> Matrix {
        precondition(coloring.colors.count == x.count, "compressedJacobian: \(coloring.colors.count) colours for \(x.count) columns")
        return _forwardLanePasses(of: model, at: x, seeds: coloring, shouldStop: { false })!
    }

    /// `∇²f(x) S` for the colouring's seeds (n × `coloring.count`), 16 colours per
    /// forward-over-reverse pass on `DualLanes<SIMD16<Double>>` elements: the compressed Hessian of
    /// a function whose Hessian is sparse. `tape`, when given and recording, is reused.
    @inlinable
    public static func compressedHessian<F: ArrayObjective>(
        of f: F, at x: [Double], coloring: ColumnColoring, tape: ArrayTape<DualLanes<SIMD16<Double>>>? = nil
    ) -> Matrix {
        let n = x.count
        precondition(coloring.colors.count == n, "compressedHessian: \(coloring.colors.count) colours for \(n) columns")
        let tape = _recording(tape, elements: 8 * n + 64)
        var products = [Double](repeating: 0, count: n * coloring.count)
        _ = x.withUnsafeBufferPointer { xb in
            products.withUnsafeMutableBufferPointer {
                _reverseLanePasses(of: f, at: xb, seeds: coloring, tape: tape, into: $0, shouldStop: { false })
            }
        }
        return Matrix(rows: n, columns: coloring.count, columnMajor: products)
    }

}

extension DifferentiableModel {
    /// `J(x) S` for the colouring's seeds (k × `coloring.count`) by one Jacobian-vector product
    /// per colour: the compressed Jacobian of any model.
    public mutating func compressedJacobian(at x: [Double], coloring: ColumnColoring) -> Matrix {
        var products: [Double] = []
        var k = 0
        for c in 0..<coloring.count {
            let column = jacobianVectorProduct(at: x, direction: coloring.seed(c))
            if c == 0 {
                k = column.count
                products.reserveCapacity(k * coloring.count)
            }
            precondition(column.count == k, "compressedJacobian: the model's output count changed between products")
            products.append(contentsOf: column)
        }
        return Matrix(rows: k, columns: coloring.count, columnMajor: products)
    }
}

extension DifferentiableObjective {
    /// `∇²f(x) S` for the colouring's seeds (n × `coloring.count`) by one Hessian-vector product
    /// per colour: the compressed Hessian of any objective.
    public mutating func compressedHessian(at x: [Double], coloring: ColumnColoring) -> Matrix {
        var products: [Double] = []
        products.reserveCapacity(x.count * coloring.count)
        for c in 0..<coloring.count {
            products.append(contentsOf: hessianVectorProduct(at: x, direction: coloring.seed(c)))
        }
        return Matrix(rows: x.count, columns: coloring.count, columnMajor: products)
    }
}
