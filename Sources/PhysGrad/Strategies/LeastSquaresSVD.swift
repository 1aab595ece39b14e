import PhysGradLinearAlgebra

/// What the dense least-squares steps use of the SVD `J = U Σ Vᵀ` (m × n): the singular values,
/// `c = Uᵀr` and the map `w ↦ V w`. For m >= n it comes from J's bidiagonal decomposition
/// `J = Q [B; 0] Pᵀ` and B's SVD (`dbdsdc`): `c = U_Bᵀ (Qᵀr)[0 ..< n]` and `V w = P (V_B w)`,
/// the reflectors applied to two vectors where `dgesdd` forms U and V (about a third less work
/// at n = 64, half at n = 256); for m < n from `dgesdd`.
struct LeastSquaresSVD {
    /// σ_0 >= σ_1 >= ... >= 0, min(m, n) of them.
    let singularValues: [Double]
    /// `Uᵀr`, one entry per singular value.
    let c: [Double]
    private let expand: ([Double]) throws(LinearAlgebraError) -> [Double]

    /// The SVD of `a` applied to the residual `r` in memory of its own.
    init(_ a: Matrix, residual r: [Double], bidiagonal: BidiagonalDecomposition? = nil) throws(LinearAlgebraError) {
        var workspace = BidiagonalWorkspace()
        try self.init(a, residual: r, bidiagonal: bidiagonal, workspace: &workspace)
    }

    /// The SVD of `a` applied to the residual `r`; `bidiagonal`, when given, is a's bidiagonal
    /// decomposition already made. The decomposition and B's SVD run in `workspace` (a method's state keeps one from
    /// step to step; drop this value before the next step's, so that it is reused in place).
    init(_ a: Matrix, residual r: [Double], bidiagonal: BidiagonalDecomposition? = nil,
         workspace: inout BidiagonalWorkspace) throws(LinearAlgebraError) {
        var c = [Double](repeating: 0, count: Swift.min(a.rows, a.columns))
        if a.rows >= a.columns {
            let b: BidiagonalDecomposition
            if let bidiagonal { b = bidiagonal } else { b = try BidiagonalDecomposition(a, workspace: &workspace) }
            let (ub, s, vtb) = try b.bidiagonalSVD(workspace: &workspace)
            let qtr = try b.qTransposed(r)
            try ub.multiply(Array(qtr.prefix(a.columns)), into: &c, transposed: true)
            singularValues = s
            expand = { w throws(LinearAlgebraError) in
                var v = [Double](repeating: 0, count: w.count)
                try vtb.multiply(w, into: &v, transposed: true)
                return try b.p(v)
            }
        } else {
            let svd = try SingularValueDecomposition(a)
            try svd.u.multiply(r, into: &c, transposed: true)
            singularValues = svd.singularValues
            let n = a.columns
            expand = { w throws(LinearAlgebraError) in
                var v = [Double](repeating: 0, count: n)
                try svd.vt.multiply(w, into: &v, transposed: true)
                return v
            }
        }
        self.c = c
    }

    /// The number of singular values above `relativeTruncation · σ_0`.
    func rank(relativeTruncation: Double) -> Int {
        guard let first = singularValues.first, first > 0 else { return 0 }
        let threshold = first * Swift.max(relativeTruncation, 0)
        return singularValues.prefix { $0 > threshold }.count
    }

    /// `V w` for w with one entry per singular value.
    func v(_ w: [Double]) throws(LinearAlgebraError) -> [Double] { try expand(w) }
}
