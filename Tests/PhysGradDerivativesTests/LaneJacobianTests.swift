import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradRandom
import Testing

/// Jacobians by forward lanes (`ArrayDerivatives.jacobian`, `compressedJacobian`): 16 columns per
/// evaluation above 8 columns, one 8-lane evaluation below; stencils apply each point's partials
/// to all lanes. The references are evaluations of the same models written on scalars
/// (`Derivatives.jacobian`: the chain rule operation by operation), which share no code with them.
@Suite("Jacobians by forward lanes")
struct LaneJacobianTests {
    /// A stencil time loop with periodic or fixed ends, written on tracked vectors and on scalars.
    struct EndsLoop: ArrayModel, GenericModel, Sendable {
        let steps: Int, fixed: Bool
        static let left = 0.3, right = -0.2
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            let boundary: StencilBoundary<Base> = fixed ? .fixed(left: Base(EndsLoop.left), right: Base(EndsLoop.right)) : .periodic
            return x.iterated(steps: steps, stencil: Advect(a: 0.05, d: 0.2), boundary: boundary) * x
        }
        func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
            let n = x.count, k = Advect(a: 0.05, d: 0.2)
            var u = x
            for _ in 0..<steps {
                u = (0..<n).map { i in
                    let l = i > 0 ? u[i - 1] : (fixed ? T(EndsLoop.left) : u[n - 1])
                    let r = i < n - 1 ? u[i + 1] : (fixed ? T(EndsLoop.right) : u[0])
                    return k(l, u[i], r, at: i)
                }
            }
            return (0..<n).map { u[$0] * x[$0] }
        }
    }

    @Test("the lane Jacobian of a stencil loop equals the scalar model's, around 8 and 16 columns",
          arguments: [1, 2, 7, 8, 9, 16, 17, 40])
    func stencilLoop(_ n: Int) {
        var r = SplitMix64(seed: 900 + UInt64(n))
        let x = r.vector(n, -1, 1)
        for fixed in [false, true] {
            for steps in [0, 1, 6] {
                let model = EndsLoop(steps: steps, fixed: fixed)
                let j = ArrayDerivatives.jacobian(of: model, at: x)
                let reference = Derivatives.jacobian(of: model, at: x)
                #expect(j.rows == n && j.columns == n)
                #expect(relativeError(j, reference) <= 1e-13, "n \(n) steps \(steps) fixed \(fixed)")
                // Values are the plain evaluation's, bit for bit.
                #expect(ArrayDerivatives.value(of: model, at: x) == model(x), "n \(n) steps \(steps) fixed \(fixed)")
            }
        }
    }

    /// y = B (x³ + x) - x for a band B with 11 colours: more than one 8-lane pass, less than 16.
    struct BandModel: ArrayModel, Sendable {
        let op: BandedOperator
        init(n: Int) {
            op = BandedOperator(rows: n, columns: n, lower: 4, upper: 6) { i, j in 1 + 0.1 * Double(i) - 0.3 * Double(j - i) }
        }
        struct Cubic: ElementwiseKernel, Sendable {
            func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x * x * x + x }
        }
        func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
            x.map(Cubic()).applying(op) - x
        }
    }

    @Test("compressed Jacobians hold the band's columns, with 11 and 3 colours in play", arguments: [3, 11, 12, 50])
    func compressedBand(_ n: Int) {
        var r = SplitMix64(seed: 77 + UInt64(n))
        let x = r.vector(n, -1, 1)
        let model = BandModel(n: n)
        let dense = ArrayDerivatives.jacobian(of: model, at: x)
        // The dense lane Jacobian against one Jacobian-vector product per column (the tape's tangent sweep).
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[c] = 1
            let column = ArrayDerivatives.jacobianVectorProduct(of: model, at: x, direction: e).product
            #expect(relativeError((0..<n).map { dense[$0, c] }, column) <= 1e-13, "n \(n) column \(c)")
        }
        let coloring = ColumnColoring.banded(columns: n, lower: 4, upper: 6)
        let compressed = ArrayDerivatives.compressedJacobian(of: model, at: x, coloring: coloring)
        #expect(compressed.rows == n && compressed.columns == coloring.count)
        // Row i's entry of colour c is J[i, j] for the one column j of colour c in row i's band (0 if none).
        var worst = 0.0
        for i in 0..<n {
            for c in 0..<coloring.count {
                var expected = 0.0
                for j in max(0, i - 4)...min(n - 1, i + 6) where coloring.colors[j] == c { expected = dense[i, j] }
                worst = max(worst, abs(compressed[i, c] - expected))
            }
        }
        #expect(worst <= 1e-13 * max(1, dense.elements.map(abs).max() ?? 0), "n \(n): \(worst)")
    }
}
