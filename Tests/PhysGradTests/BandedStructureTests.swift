import Foundation
import Testing
@testable import PhysGrad
import PhysGradDerivatives
import PhysGradLinearAlgebra

/// A nonlinear banded model with random coefficients: y_i = Σ_{j = i - lower}^{i + upper} c_ij
/// (x_j + sin x_j + x_j x_{j+1}/4) over the j inside [0, n) (the product reaches one column
/// further right, so the Jacobian's upper bandwidth is `upper + 1`).
struct RandomBandModel: GenericModel, Sendable {
    let n: Int, lower: Int, upper: Int
    let c: [Double]  // c_ij at i * (lower + upper + 1) + (j - i + lower)

    init(n: Int, lower: Int, upper: Int, seed: UInt64) {
        self.n = n
        self.lower = lower
        self.upper = upper
        var state = seed
        c = (0..<(n * (lower + upper + 1))).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53 * 2 - 1
        }
    }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        (0..<n).map { i in
            var s = T(0)
            for j in Swift.max(0, i - lower)...Swift.min(n - 1, i + upper) {
                let next = j + 1 < n ? x[j + 1] : T(0)
                s += T(c[i * (lower + upper + 1) + (j - i + lower)]) * (x[j] + T.sin(x[j]) + x[j] * next / 4)
            }
            return s
        }
    }
}

/// max |a - b| / max |b| (also used by PeriodicBandTests).
func relative(_ a: Matrix, _ b: Matrix) -> Double {
    var num = 0.0, den = 0.0
    for (p, q) in zip(a.elements, b.elements) {
        num = max(num, abs(p - q))
        den = max(den, abs(q))
    }
    return num / den
}

/// A point near the start, the same on every machine.
private func point(_ n: Int, around base: Double) -> [Double] {
    (0..<n).map { base + 0.3 * sin(1.7 * Double($0) + 0.2) }
}

@Suite("Declared banded structure: compressed derivatives, checks and typed errors")
struct BandedStructureTests {
    @Test("blur's compressed Jacobian and Hessian equal the dense AD ones (1e-12 relative)", arguments: [7, 40, 100])
    func blurCompressed(n: Int) throws {
        let p = try Problems.blur(n)
        let x = point(n, around: 1)
        var evaluator = ProblemEvaluator(p)
        var model = p.model
        var objective = p.objective
        let band = try #require(try evaluator.bandedJacobian(at: x))
        let denseJ = model.jacobian(at: x)
        #expect(relative(band.dense, denseJ) <= 1e-12)
        // The declaration is true: the dense Jacobian is 0 outside the band.
        for j in 0..<n { for i in 0..<n where abs(i - j) > band.lower { #expect(denseJ[i, j] == 0) } }
        guard case .banded(let h) = try evaluator.objectiveHessian(at: x) else {
            Issue.record("blur's Hessian is declared banded")
            return
        }
        #expect(relative(h.dense, objective.hessian(at: x)) <= 1e-12)
    }

    @Test("a random banded model: compressed Jacobian (JVP per colour and array lanes) and Hessian equal the dense ones",
          arguments: [(n: 30, lower: 2, upper: 1), (n: 9, lower: 0, upper: 4), (n: 25, lower: 5, upper: 0)])
    func randomModel(case c: (n: Int, lower: Int, upper: Int)) throws {
        let m = RandomBandModel(n: c.n, lower: c.lower, upper: c.upper, seed: UInt64(c.n))
        var model = AutomaticModel(m, inputDimension: c.n)
        let x = point(c.n, around: 0.5)
        let (l, u) = (c.lower, c.upper + 1)
        let coloring = ColumnColoring.banded(columns: c.n, lower: l, upper: u)
        let dense = model.jacobian(at: x)
        let band = BandedMatrix(rows: c.n, columns: c.n, lower: l, upper: u,
                                compressed: model.compressedJacobian(at: x, coloring: coloring))
        #expect(relative(band.dense, dense) <= 1e-12)
        // Through the problem, with the Hessian of L = |y - t|² (bandwidth l + u).
        let target = [Double](repeating: 0.25, count: c.n)
        var p = InverseProblem(name: "band", dimension: c.n, outputDimension: c.n, model: m,
                               loss: SquaredDistance(target: target), start: x)
        p.jacobianStructure = .banded(lower: l, upper: u)
        p.objectiveHessianStructure = .banded(bandwidth: l + u)
        try p.validateDeclaredStructure(at: x, jacobian: true, hessian: true)
        var evaluator = ProblemEvaluator(p)
        guard case .banded(let h) = try evaluator.objectiveHessian(at: x) else {
            Issue.record("declared banded")
            return
        }
        var objective = p.objective
        #expect(relative(h.dense, objective.hessian(at: x)) <= 1e-12)
    }

    @Test("a band declared narrower than the model's Jacobian or Hessian is refused before the run")
    func tooNarrow() throws {
        var p = try Problems.blur(30)
        p.jacobianStructure = .banded(lower: 3, upper: 3)  // blur's half-width is 9
        for method in [GaussNewton(), LevenbergMarquardt()] as [any Optimizer] {
            #expect {
                try optimize(p, with: method, options: RunOptions(steps: 1))
            } throws: { error in
                guard case PhysGradError.invalidParameter(name: "jacobianStructure", _, _) = error else { return false }
                return true
            }
        }
        var q = try Problems.blur(30)
        // blur's is 18 (its entries beyond 11 are below rounding: the check, at 1e-9 of the
        // scale, passes 11 and refuses 4, whose missing entries are 1e-3 of the diagonal).
        q.objectiveHessianStructure = .banded(bandwidth: 4)
        #expect {
            try optimize(q, with: Newton(), options: RunOptions(steps: 1))
        } throws: { error in
            guard case PhysGradError.invalidParameter(name: "objectiveHessianStructure", _, _) = error else { return false }
            return true
        }
        // The true bands pass the same check.
        let ok = try Problems.blur(30)
        try ok.validateDeclaredStructure(at: ok.start, jacobian: true, hessian: true)
    }

    @Test("bad colourings, negative bands and compressed products of the wrong shape are typed errors")
    func typedErrors() throws {
        #expect(throws: ColumnColoringError.colorOutOfRange(column: 1, color: 3, count: 2)) {
            _ = try ColumnColoring(colors: [0, 3, 1], count: 2)
        }
        #expect(throws: ColumnColoringError.colorOutOfRange(column: 0, color: -1, count: 2)) {
            _ = try ColumnColoring(colors: [-1], count: 2)
        }
        var p = try Problems.blur(12)
        p.jacobianStructure = .banded(lower: -1, upper: 2)
        #expect(throws: PhysGradError.self) { try optimize(p, with: GaussNewton(), options: RunOptions(steps: 1)) }
        var q = try Problems.blur(12)
        q.objectiveHessianStructure = .banded(bandwidth: -3)
        #expect(throws: PhysGradError.self) { try optimize(q, with: Newton(), options: RunOptions(steps: 1)) }
        var r = try Problems.blur(12)
        r.compressedJacobian = { _, _ in Matrix(rows: 3, columns: 2) }
        #expect {
            try optimize(r, with: LevenbergMarquardt(), options: RunOptions(steps: 1))
        } throws: { error in
            guard case PhysGradError.invalidParameter(name: "jacobianStructure", _, _) = error else { return false }
            return true
        }
    }

    @Test("a dense Hessian or Jacobian build stops between its column passes once the time limit has passed")
    func buildsAreInterruptible() throws {
        let p = try Problems.burgers(64)
        var evaluator = ProblemEvaluator(p)
        evaluator.deadline = ContinuousClock.now
        var h = Matrix(rows: 0, columns: 0)
        #expect {
            try evaluator.objectiveHessian(at: p.start, into: &h)
        } throws: { error in
            guard let failure = error as? StepFailure, case .timeLimit = failure.reason else { return false }
            return true
        }
        #expect {
            _ = try evaluator.jacobian(at: p.start)
        } throws: { error in
            guard let failure = error as? StepFailure, case .timeLimit = failure.reason else { return false }
            return true
        }
        // Without a limit the same builds complete.
        evaluator.deadline = nil
        try evaluator.objectiveHessian(at: p.start, into: &h)
        #expect(h.rows == 64 && h.isFinite)
    }

    @Test("a run with a tiny time limit on a large problem ends with the time-limit termination", arguments: ["newton", "gn"])
    func tinyTimeLimit(method: String) throws {
        let p = try Problems.burgers(256)
        let m: any Optimizer = method == "newton" ? Newton() : GaussNewton()
        let r = try optimize(p, with: m, options: RunOptions(steps: 100, timeLimit: 1e-3))
        #expect(r.termination == .timeLimit, "\(r)")
        #expect(!r.isSuccess || r.loss <= r.initialLoss)
    }
}

@Suite("Banded matrices against dense LAPACK")
struct BandedMatrixTests {
    static func random(_ count: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53 * 2 - 1
        }
    }

    @Test("products, transposed products and the Gram matrix of a band equal the dense ones",
          arguments: [(k: 20, n: 20, l: 2, u: 3), (k: 31, n: 17, l: 5, u: 0), (k: 8, n: 25, l: 0, u: 7), (k: 5, n: 5, l: 9, u: 9)])
    func products(case c: (k: Int, n: Int, l: Int, u: Int)) throws {
        let values = Self.random(c.k * c.n, seed: UInt64(c.k * 100 + c.n))
        let a = BandedMatrix(rows: c.k, columns: c.n, lower: c.l, upper: c.u) { i, j in values[i + j * c.k] }
        let d = a.dense
        for j in 0..<c.n { for i in 0..<c.k where i - j > c.l || j - i > c.u { #expect(d[i, j] == 0) } }
        let x = Self.random(c.n, seed: 7), w = Self.random(c.k, seed: 8)
        var y = [Double](repeating: 1, count: c.k), z = [Double](repeating: 1, count: c.n)
        try a.multiply(x, into: &y, alpha: 2, beta: 0.5)
        try a.multiply(w, into: &z, transposed: true)
        var yd = [Double](repeating: 1, count: c.k), zd = [Double](repeating: 0, count: c.n)
        try d.multiply(x, into: &yd, alpha: 2, beta: 0.5)
        try d.multiply(w, into: &zd, transposed: true)
        #expect(Vector.normInf(Vector.subtract(y, yd)) <= 1e-13 * max(1, Vector.normInf(yd)))
        #expect(Vector.normInf(Vector.subtract(z, zd)) <= 1e-13 * max(1, Vector.normInf(zd)))
        let gram = try d.transposed() * d
        #expect(Vector.normInf(Vector.subtract(a.gram().dense.elements, gram.elements)) <= 1e-13 * max(1, gram.normOne))
        #expect(a.columnNorms.indices.allSatisfy { abs(a.columnNorms[$0] - d.columnNormsForTest[$0]) <= 1e-14 * max(1, d.columnNormsForTest[$0]) })
        #expect(throws: LinearAlgebraError.self) { try a.multiply([1], into: &y) }
    }

    @Test("shifted banded Cholesky solves agree with dense Cholesky (LAPACK) and refuse indefinite matrices",
          arguments: [(n: 1, kd: 0), (n: 7, kd: 0), (n: 9, kd: 1), (n: 12, kd: 3), (n: 60, kd: 8), (n: 6, kd: 10), (n: 100, kd: 18)])
    func cholesky(case c: (n: Int, kd: Int)) throws {
        let values = Self.random(c.n * c.n, seed: UInt64(c.n + 31 * c.kd))
        let s = SymmetricBandedMatrix(order: c.n, bandwidth: c.kd) { i, j in values[i + j * c.n] }
        let dense = s.dense
        var product = [Double](repeating: 0, count: c.n)
        let x = Self.random(c.n, seed: 3)
        try s.multiply(x, into: &product)
        var dp = [Double](repeating: 0, count: c.n)
        try dense.multiply(x, into: &dp)
        #expect(Vector.normInf(Vector.subtract(product, dp)) <= 1e-13 * max(1, Vector.normInf(dp)))
        // Gershgorin: a shift of ‖S‖₁ + 1 makes it positive definite.
        let shift = s.normOne + 1
        var chol = ShiftedBandedCholesky()
        try chol.factorize(s, shift: shift)
        var shifted = dense
        for i in 0..<c.n { shifted[i, i] += shift }
        let reference = try CholeskyFactorization(shifted).solve(x)
        let solution = try chol.solve(x)
        #expect(Vector.normInf(Vector.subtract(solution, reference)) <= 1e-12 * max(1, Vector.normInf(reference)))
        // ‖L⁻¹b‖² = bᵀ(S + σI)⁻¹b.
        let lower = try chol.solveLower(x)
        #expect(abs(Vector.dot(lower, lower) - Vector.dot(x, reference)) <= 1e-12 * max(1, abs(Vector.dot(x, reference))))
        let rcond = chol.reciprocalConditionNumber(oneNorm: shift + s.normOne)
        #expect(rcond > 0 && rcond <= 1)
        // -‖S‖₁ - 1 makes it negative definite.
        #expect(throws: LinearAlgebraError.self) { try chol.factorize(s, shift: -shift) }
        #expect(!chol.isFactored)
        #expect(throws: LinearAlgebraError.self) { try chol.factorize(s, shift: .nan) }
    }

    /// Symmetric positive definite bands whose condition numbers run from about 10 to about 1e11:
    /// a diagonally dominant random band, the 1-D Laplacian (κ ≈ 4n²/π²) shifted by small σ, and
    /// a Gram matrix JᵀJ of a smooth convolution.
    static func conditionCases() throws -> [(name: String, matrix: SymmetricBandedMatrix, shift: Double)] {
        let n = 60
        let values = random(n * n, seed: 11)
        let dominant = SymmetricBandedMatrix(order: n, bandwidth: 3) { i, j in
            i == j ? 8 : values[Swift.min(i, j) + Swift.max(i, j) * n]
        }
        let laplacian = SymmetricBandedMatrix(order: n, bandwidth: 1) { i, j in i == j ? 2 : -1 }
        let kernel = BandedMatrix(rows: n, columns: n, lower: 4, upper: 4) { i, j in
            Foundation.exp(-Double((i - j) * (i - j)) / 4)
        }
        let gram = SymmetricBandedMatrix(try kernel.dense.transposed() * kernel.dense, bandwidth: 8)
        return [("diagonally dominant", dominant, 0), ("Laplacian", laplacian, 1e-6), ("Laplacian", laplacian, 0),
                ("convolution Gram", gram, 1e-9), ("convolution Gram", gram, 1e-3)]
    }

    @Test("the banded condition estimate bounds the true reciprocal condition from above, within 10x of it")
    func conditionEstimate() throws {
        for c in try Self.conditionCases() {
            var shifted = c.matrix.dense
            for i in 0..<shifted.rows { shifted[i, i] += c.shift }
            let trueReciprocal = 1 / (shifted.normOne * (try LUFactorization(shifted).inverse()).normOne)
            var chol = ShiftedBandedCholesky()
            try chol.factorize(c.matrix, shift: c.shift)
            let estimate = chol.reciprocalConditionNumber(oneNorm: shifted.normOne)
            // The estimator's ‖B‖₁ is ‖B x‖₁ for some ‖x‖₁ <= 1: it cannot exceed the true norm,
            // up to the rounding of the two computations (about κ ε relative: 1e-5 at κ = 1e11).
            #expect(estimate >= trueReciprocal * (1 - 1e-3), "\(c.name), σ = \(c.shift): \(estimate) < \(trueReciprocal)")
            #expect(estimate <= 10 * trueReciprocal, "\(c.name), σ = \(c.shift): \(estimate) vs \(trueReciprocal)")
        }
        var unfactored = ShiftedBandedCholesky()
        #expect(unfactored.reciprocalConditionNumber(oneNorm: 1) == 0)
        try unfactored.factorize(SymmetricBandedMatrix(order: 3, bandwidth: 1) { i, j in i == j ? 1 : 0 }, shift: 0)
        #expect(abs(unfactored.reciprocalConditionNumber(oneNorm: 1) - 1) <= 1e-12)  // the identity
    }

    @Test("a symmetric band from compressed products with 2 bandwidth + 1 cyclic seeds is the matrix")
    func symmetricCompressed() throws {
        let n = 23, kd = 4
        let values = Self.random(n * n, seed: 5)
        let s = SymmetricBandedMatrix(order: n, bandwidth: kd) { i, j in values[i + j * n] }
        let coloring = ColumnColoring.banded(columns: n, lower: kd, upper: kd)
        let seeds = Matrix(rows: n, columns: coloring.count) { i, c in coloring.colors[i] == c ? 1 : 0 }
        let products = try s.dense * seeds
        let back = SymmetricBandedMatrix(order: n, bandwidth: kd, compressed: products)
        #expect(back == s)
    }
}

extension Matrix {
    /// Column norms by the definition.
    var columnNormsForTest: [Double] {
        (0..<columns).map { j in (0..<rows).reduce(0.0) { $0 + self[$1, j] * self[$1, j] }.squareRoot() }
    }
}

