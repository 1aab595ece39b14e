/// A dense real matrix of `Double`, stored column-major.
///
/// Element `(i, j)` (row `i`, column `j`, both 0-based) lives at `elements[i + j * rows]`, the
/// layout LAPACK and BLAS use, so a matrix is handed to them without copying or transposing.
/// `Matrix` is a value type with copy-on-write storage: copies are cheap until one is mutated,
/// and a matrix can be shared between threads freely (`Sendable`).
///
/// ```swift
/// let J = Matrix([[1, 0],
///                 [0, 6]])          // rows, as written on paper
/// let y = try J * [3, 3]            // [3, 18]
/// let x = try solve(J, y)           // [3, 3], through LAPACK's LU (getrf/getrs)
/// ```
///
/// Products and solves check shapes and throw ``LinearAlgebraError/dimensionMismatch(operation:lhs:rhs:)``;
/// element access out of range is a programming error and traps, like `Array`'s subscript.
@frozen
public struct Matrix: Sendable, Hashable {
    /// Number of rows, `m`.
    public let rows: Int
    /// Number of columns, `n`.
    public let columns: Int
    @usableFromInline
    internal var _elements: [Double]

    /// The elements in column-major order: `elements[i + j * rows] == self[i, j]`.
    @inlinable
    public var elements: [Double] { _elements }

    /// The shape `(rows, columns)`.
    @inlinable
    public var shape: Shape { Shape(rows: rows, columns: columns) }

    /// `true` when `rows == columns`.
    @inlinable
    public var isSquare: Bool { rows == columns }

    /// An `rows × columns` matrix with every element equal to `value`.
    ///
    /// - Precondition: `rows >= 0`, `columns >= 0`.
    @inlinable
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self._elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from its elements in column-major order (LAPACK's layout).
    ///
    /// - Precondition: `columnMajor.count == rows * columns`.
    @inlinable
    public init(rows: Int, columns: Int, columnMajor: [Double]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)x\(columns)")
        precondition(
            columnMajor.count == rows * columns,
            "Matrix: \(columnMajor.count) elements given for a \(rows)x\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self._elements = columnMajor
    }

    /// A matrix from its elements in row-major order (the order in which one reads them).
    ///
    /// - Precondition: `rowMajor.count == rows * columns`.
    @inlinable
    public init(rows: Int, columns: Int, rowMajor: [Double]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)x\(columns)")
        precondition(
            rowMajor.count == rows * columns,
            "Matrix: \(rowMajor.count) elements given for a \(rows)x\(columns) matrix")
        self.init(rows: rows, columns: columns) { i, j in rowMajor[i * columns + j] }
    }

    /// A matrix from an array of rows, as written on paper: `Matrix([[1, 2], [3, 4]])`.
    ///
    /// An empty array gives the 0 × 0 matrix.
    /// - Precondition: every row has the same length.
    @inlinable
    public init(_ rowArrays: [[Double]]) {
        let m = rowArrays.count
        let n = rowArrays.first?.count ?? 0
        for (i, row) in rowArrays.enumerated() {
            precondition(row.count == n, "Matrix: row \(i) has \(row.count) elements, row 0 has \(n)")
        }
        self.init(rows: m, columns: n) { i, j in rowArrays[i][j] }
    }

    /// A matrix whose element `(i, j)` is `element(i, j)`, evaluated column by column.
    @inlinable
    public init(rows: Int, columns: Int, element: (_ row: Int, _ column: Int) throws -> Double) rethrows {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative dimension \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        var storage = [Double]()
        storage.reserveCapacity(rows * columns)
        for j in 0..<columns {
            for i in 0..<rows {
                storage.append(try element(i, j))
            }
        }
        self._elements = storage
    }

    /// The `n × n` identity matrix `I`.
    @inlinable
    public static func identity(_ n: Int) -> Matrix {
        diagonal(Array(repeating: 1, count: n))
    }

    /// The square diagonal matrix `diag(d)`.
    @inlinable
    public static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, columns: d.count)
        for i in 0..<d.count { m._elements[i + i * d.count] = d[i] }
        return m
    }

    /// Element `(row, column)`, 0-based.
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) out of range for \(rows)x\(columns)")
            return _elements[row + column * rows]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                         "Matrix: index (\(row), \(column)) out of range for \(rows)x\(columns)")
            _elements[row + column * rows] = newValue
        }
    }

    /// Column `j` as a vector.
    @inlinable
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Matrix: column \(j) out of range for \(rows)x\(columns)")
        return Array(_elements[(j * rows)..<((j + 1) * rows)])
    }

    /// Row `i` as a vector.
    @inlinable
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "Matrix: row \(i) out of range for \(rows)x\(columns)")
        return (0..<columns).map { j in _elements[i + j * rows] }
    }

    /// The main diagonal `[a_00, a_11, ...]` (length `min(rows, columns)`).
    @inlinable
    public var diagonalElements: [Double] {
        (0..<Swift.min(rows, columns)).map { i in _elements[i + i * rows] }
    }

    /// The rows as nested arrays (the inverse of ``init(_:)``).
    @inlinable
    public var rowArrays: [[Double]] { (0..<rows).map { row($0) } }

    /// Calls `body` with the column-major storage, mutable. The buffer's count is
    /// `rows * columns` and must stay so.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try _elements.withUnsafeMutableBufferPointer(body)
    }

    /// Calls `body` with the column-major storage.
    @inlinable
    public func withUnsafeBufferPointer<R>(
        _ body: (UnsafeBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try _elements.withUnsafeBufferPointer(body)
    }

    /// The transpose `Aᵀ`, with `Aᵀ[j, i] == A[i, j]`.
    @inlinable
    public func transposed() -> Matrix {
        var t = Matrix(rows: columns, columns: rows)
        let m = rows, n = columns
        let block = 32
        _elements.withUnsafeBufferPointer { a in
            t._elements.withUnsafeMutableBufferPointer { b in
                // Tiled so that both the reads and the writes stay in cache for large matrices.
                var j0 = 0
                while j0 < n {
                    let j1 = Swift.min(j0 + block, n)
                    var i0 = 0
                    while i0 < m {
                        let i1 = Swift.min(i0 + block, m)
                        for j in j0..<j1 {
                            for i in i0..<i1 { b[j + i * n] = a[i + j * m] }
                        }
                        i0 = i1
                    }
                    j0 = j1
                }
            }
        }
        return t
    }

    /// `true` when every element is finite (no NaN, no ±infinity).
    @inlinable
    public var isFinite: Bool { Vector.allFinite(_elements) }

    /// `true` when the matrix is square and `|a_ij - a_ji| <= tolerance * max|a|` for all `i, j`.
    ///
    /// The default tolerance accepts the rounding-level asymmetry of computed Hessians.
    public func isSymmetric(relativeTolerance: Double = 1e-10) -> Bool {
        _firstAsymmetry(relativeTolerance: relativeTolerance) == nil && isSquare
    }

    /// The 1-norm `max_j sum_i |a_ij|` (largest column sum; NaN if any element is NaN).
    @inlinable
    public var normOne: Double {
        var best = 0.0
        for j in 0..<columns {
            var s = 0.0
            for i in 0..<rows { s += Swift.abs(_elements[i + j * rows]) }
            // `Swift.max` would drop a NaN sum (NaN compares false): propagate it.
            if s.isNaN { return s }
            best = Swift.max(best, s)
        }
        return best
    }

    /// The infinity-norm `max_i sum_j |a_ij|` (largest row sum; NaN if any element is NaN).
    @inlinable
    public var normInfinity: Double {
        var sums = [Double](repeating: 0, count: rows)
        for j in 0..<columns {
            for i in 0..<rows { sums[i] += Swift.abs(_elements[i + j * rows]) }
        }
        var best = 0.0
        for s in sums {
            if s.isNaN { return s }
            best = Swift.max(best, s)
        }
        return best
    }

    /// The Frobenius norm `sqrt(sum_ij a_ij^2)`, computed without overflow or underflow.
    @inlinable
    public var normFrobenius: Double { Vector.norm2(_elements) }

    /// `max_ij |a_ij|` (0 for an empty matrix).
    @inlinable
    public var maxAbs: Double { Vector.normInf(_elements) }
}

/// The shape of a matrix or vector: `rows × columns` (a vector of length n is `n × 1`).
@frozen
public struct Shape: Sendable, Hashable, CustomStringConvertible {
    /// The number of rows.
    public var rows: Int
    /// The number of columns.
    public var columns: Int

    /// `rows × columns`.
    @inlinable
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    /// The shape of a column vector of length `n`.
    @inlinable
    public static func vector(_ n: Int) -> Shape { Shape(rows: n, columns: 1) }

    public var description: String { "\(rows)x\(columns)" }
}

extension Matrix: CustomStringConvertible {
    /// The matrix row by row, e.g. `[[1.0, 0.0], [0.0, 6.0]]`.
    public var description: String {
        "[" + rowArrays.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" }
            .joined(separator: ", ") + "]"
    }
}

extension Matrix {
    /// The first pair `(i, j)` with `|a_ij - a_ji| > tolerance * max|a|`, or `nil`.
    /// Tiled, so that the transposed reads stay in cache.
    @usableFromInline
    internal func _firstAsymmetry(relativeTolerance: Double) -> (Int, Int)? {
        guard isSquare else { return (0, 0) }
        let n = rows
        // An infinite tolerance accepts every finite matrix (inf · 0 would be NaN, which accepts none).
        let tol = relativeTolerance == .infinity ? .infinity : relativeTolerance * maxAbs
        // 32 x 32 tiles: a tile and its mirror (16 KB together) stay in L1 while they are compared.
        let block = 32
        return _elements.withUnsafeBufferPointer { a -> (Int, Int)? in
            var j0 = 0
            while j0 < n {
                let j1 = Swift.min(j0 + block, n)
                var i0 = j0
                while i0 < n {
                    let i1 = Swift.min(i0 + block, n)
                    // Branch-free scan of the tile; locate the offending pair only if there is one.
                    var bad = false
                    for j in j0..<j1 {
                        let lo = Swift.max(i0, j + 1)
                        if lo >= i1 { continue }
                        for i in lo..<i1 {
                            bad = bad || !(Swift.abs(a[i &+ j &* n] - a[j &+ i &* n]) <= tol)
                        }
                    }
                    if bad {
                        for j in j0..<j1 {
                            for i in Swift.max(i0, j + 1)..<Swift.max(i1, j + 1)
                            where !(Swift.abs(a[i + j * n] - a[j + i * n]) <= tol) {
                                return (i, j)
                            }
                        }
                    }
                    i0 = i1
                }
                j0 = j1
            }
            return nil
        }
    }
}
