import Testing
import PropertyBased
import PhysGrad
import PhysGradRandom
import PhysGradDerivatives
import PhysGradLBFGSB
import PhysGradLinearAlgebra

// Property-based tests (x-sheep/swift-property-based): each property is checked on random
// inputs; a failure reports the input and a seed that reproduces it (`.fixedSeed(...)`).
// Inputs are a size and a seed; the data is built from the seed with SplitMix64, so a shrunk
// failure stays a small, readable case.

@Suite("Properties")
struct PropertyTests {
    @Test("random bounded strictly convex quadratics (n <= 50): L-BFGS-B reaches the KKT point")
    func boundedQuadratics() async {
        await propertyCheck(count: 60, input: Gen.int(in: 1...50), Gen.int(in: 0...1_000_000)) { n, seed in
            // f(x) = ½ xᵀ A x + bᵀ x with A = B Bᵀ/n + I (eigenvalues >= 1), box [l, u] with l < u.
            let b0 = uniformValues(seed: UInt64(seed), count: n * n)
            let bmat = Matrix(rows: n, columns: n, columnMajor: b0)
            var a = try! bmat * bmat.transposed()
            for j in 0..<n { for i in 0..<n { a[i, j] /= Double(n) } }
            for i in 0..<n { a[i, i] += 1 }
            let b = uniformValues(seed: UInt64(seed) &+ 1, count: n).map { 3 * $0 }
            let centers = uniformValues(seed: UInt64(seed) &+ 2, count: n)
            let widths = uniformValues(seed: UInt64(seed) &+ 3, count: n).map { 0.05 + abs($0) }
            let lower = zip(centers, widths).map { $0 - $1 }, upper = zip(centers, widths).map { $0 + $1 }
            let options = LBFGSBOptions(factr: 10, pgtol: 1e-10, maxiter: 10_000)
            let result = try LBFGSBSolver.minimize(from: [Double](repeating: 0, count: n), lower: lower, upper: upper,
                                                   options: options) { x, g in
                var f = 0.0
                for i in 0..<n {
                    var ax = 0.0
                    for j in 0..<n { ax += a[i, j] * x[j] }
                    g[i] = ax + b[i]
                    f += 0.5 * x[i] * ax + b[i] * x[i]
                }
                return f
            }
            // KKT: free variables have a zero gradient, a variable at its lower bound a
            // non-negative one, at its upper bound a non-positive one.
            let g = try! a * result.x
            let scale = 1 + Vector.normInf(b)
            for i in 0..<n {
                let gi = g[i] + b[i]
                let x = result.x[i]
                #expect(x >= lower[i] && x <= upper[i])
                if x == lower[i] {
                    #expect(gi >= -1e-7 * scale, "n=\(n) seed=\(seed) i=\(i) at lower, g=\(gi)")
                } else if x == upper[i] {
                    #expect(gi <= 1e-7 * scale, "n=\(n) seed=\(seed) i=\(i) at upper, g=\(gi)")
                } else {
                    #expect(abs(gi) <= 1e-7 * scale, "n=\(n) seed=\(seed) i=\(i) free, g=\(gi)")
                }
            }
        }
    }

    @Test("random well-conditioned linear systems solve to backward error <= 1e-14")
    func linearSystems() async {
        await propertyCheck(count: 100, input: Gen.int(in: 1...120), Gen.int(in: 0...1_000_000)) { n, seed in
            var a = Matrix(rows: n, columns: n, columnMajor: uniformValues(seed: UInt64(seed), count: n * n))
            for i in 0..<n { a[i, i] += 2 * Double(n).squareRoot() + 1 }
            let b = uniformValues(seed: UInt64(seed) &+ 7, count: n)
            for structure in [MatrixStructure.general] {
                let x = try solve(a, b, assuming: structure)
                let r = Vector.subtract(try a * x, b)
                let backward = Vector.normInf(r) / (a.normInfinity * Vector.normInf(x) + Vector.normInf(b))
                #expect(backward <= 1e-14, "n=\(n) seed=\(seed): backward error \(backward)")
            }
        }
    }

    @Test("random smooth models: automatic derivatives equal central differences")
    func smoothModels() async {
        await propertyCheck(count: 60, input: Gen.int(in: 1...12), Gen.int(in: 0...1_000_000)) { n, seed in
            let model = RandomSmoothModel(seed: UInt64(seed), inputs: n, outputs: 1 + seed % 5)
            let x = uniformValues(seed: UInt64(seed) &+ 11, count: n)
            let exact = Derivatives.jacobian(of: model, at: x)
            let approx = FiniteDifferences.jacobian(at: x) { v in model(v) }
            for j in 0..<n {
                for i in 0..<exact.rows {
                    let e = exact[i, j], f = approx[i, j]
                    #expect(abs(e - f) <= 1e-6 * max(1, abs(e)), "n=\(n) seed=\(seed) J[\(i),\(j)]: \(e) vs \(f)")
                }
            }
            let loss = ComposedObjective(model: model, loss: StandardFunctions.SquaredNorm())
            let h = Derivatives.hessian(of: loss, at: x)
            let hf = FiniteDifferences.hessian(at: x) { v in Derivatives.gradient(of: loss, at: v) }
            for j in 0..<n {
                for i in 0..<n {
                    #expect(abs(h[i, j] - hf[i, j]) <= 1e-5 * max(1, abs(h[i, j])), "n=\(n) seed=\(seed) H[\(i),\(j)]")
                }
            }
        }
    }
}

/// y_k(x) = Σ_i c_ki · φ_k(a_ki x_i + b_ki), with φ cycling through sin, tanh, exp(-t²), log(1+t²),
/// t³ and sqrt(1 + t²): smooth everywhere, coefficients from a seed.
struct RandomSmoothModel: GenericModel, Sendable {
    let a: [Double], b: [Double], c: [Double]
    let inputs: Int, outputs: Int

    init(seed: UInt64, inputs: Int, outputs: Int) {
        self.inputs = inputs
        self.outputs = outputs
        a = uniformValues(seed: seed, count: inputs * outputs).map { 1.5 * $0 }
        b = uniformValues(seed: seed &+ 1, count: inputs * outputs)
        c = uniformValues(seed: seed &+ 2, count: inputs * outputs)
    }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        (0..<outputs).map { k in
            var s: T = 0
            for i in 0..<inputs {
                let t = T(a[k * inputs + i]) * x[i] + T(b[k * inputs + i])
                let phi: T
                switch (k + i) % 6 {
                case 0: phi = T.sin(t)
                case 1: phi = T.tanh(t)
                case 2: phi = T.exp(-t * t)
                case 3: phi = T.log(1 + t * t)
                case 4: phi = t * t * t
                default: phi = T.sqrt(1 + t * t)
                }
                s += T(c[k * inputs + i]) * phi
            }
            return s
        }
    }
}
