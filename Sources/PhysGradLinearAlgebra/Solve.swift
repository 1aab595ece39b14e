/// What the caller knows about a square matrix, so that ``solve(_:_:assuming:)-(_,[Double],_)`` can
/// pick the factorization.
public enum MatrixStructure: Sendable, Hashable {
    /// Any nonsingular square matrix: LU with partial pivoting (`2n³/3` flops).
    case general
    /// Symmetric positive definite (a Hessian at a strict minimum, a Gram or covariance matrix):
    /// Cholesky (`n³/3` flops). Throws ``LinearAlgebraError/notPositiveDefinite(order:)`` when the
    /// matrix turns out not to be, so the caller can fall back.
    case symmetricPositiveDefinite
}

/// Solves the square system `A x = b`.
///
/// ```swift
/// let J = Matrix([[1, 0], [0, 6]])
/// let x = try solve(J, try J * [3, 3])                        // [3, 3]
/// let s = try solve(H, g, assuming: .symmetricPositiveDefinite) // Cholesky
/// ```
///
/// - Throws: the errors of ``LUFactorization/init(_:)`` or ``CholeskyFactorization/init(_:symmetryTolerance:)``
///   and their `solve`: not square, mismatched shapes, non-finite input, singular, not positive definite.
public func solve(_ a: Matrix, _ b: [Double], assuming structure: MatrixStructure = .general) throws(LinearAlgebraError) -> [Double] {
    guard a.rows == b.count else {
        throw .dimensionMismatch(operation: "solve", lhs: a.shape, rhs: .vector(b.count))
    }
    switch structure {
    case .general: return try LUFactorization(a).solve(b)
    case .symmetricPositiveDefinite: return try CholeskyFactorization(a).solve(b)
    }
}

/// Solves `A X = B` for every column of `B`; see ``solve(_:_:assuming:)-(_,[Double],_)``.
public func solve(_ a: Matrix, _ b: Matrix, assuming structure: MatrixStructure = .general) throws(LinearAlgebraError) -> Matrix {
    guard a.rows == b.rows else {
        throw .dimensionMismatch(operation: "solve", lhs: a.shape, rhs: b.shape)
    }
    switch structure {
    case .general: return try LUFactorization(a).solve(b)
    case .symmetricPositiveDefinite: return try CholeskyFactorization(a).solve(b)
    }
}

extension Matrix {
    /// The inverse `A⁻¹` through LU (`getrf` + `getri`). Prefer ``solve(_:_:assuming:)-(_,[Double],_)``.
    ///
    /// - Throws: not square, non-finite, ``LinearAlgebraError/singular(pivot:)``.
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        try LUFactorization(self).inverse()
    }
}
