// DualLanes (K tangent lanes) and the lane Hessian: every elementary function's lanes against
// the analytic first derivative and against Dual lane by lane, and the 8-column-per-pass
// Hessian against the one-column forward-over-reverse Hessian (Rosenbrock and random smooth
// compositions, n = 1...50, so n below, at and off multiples of the lane count), and the
// 8-lane forward Jacobian against one-column JVPs.
import Foundation
import PhysGradDerivatives
import PhysGradLinearAlgebra
import Testing

/// Lane k of a `DualLanes` seeded with tangents `scales` is f'(x)·scales[k], bit for bit what
/// `Dual` computes with derivative `scales[k]`.
func checkLanes<Lanes: SIMD>(_ c: ElementaryCase, at x: Double, _ lanes: Lanes.Type) where Lanes.Scalar == Double {
    var t = Lanes()
    for k in 0..<Lanes.scalarCount { t[k] = Double(k) - 1.5 }  // includes negative and zero-free scales
    let y = c.apply(DualLanes<Lanes>(value: x, tangents: t))
    let d1 = c.d1(x)
    #expect(relativeError(y.value, c.apply(x)) <= 1e-15, "\(c.name) value at \(x)")
    for k in 0..<Lanes.scalarCount {
        #expect(relativeError(y.tangents[k], d1 * t[k]) <= 1e-12,
                "\(c.name)' at \(x), lane \(k): \(y.tangents[k]) vs \(d1 * t[k])")
        let dual = c.apply(Dual<Double>(value: x, derivative: t[k]))
        #expect(y.tangents[k] == dual.derivative || (y.tangents[k].isNaN && dual.derivative.isNaN),
                "\(c.name) at \(x), lane \(k): DualLanes \(y.tangents[k]) vs Dual \(dual.derivative)")
    }
}

/// The lane Hessian equals the one-column forward-over-reverse Hessian: within 1e-12 relative
/// (the requirement), and in fact entry for entry, since every lane repeats the operations of
/// the one-column pass and the symmetrization adds the same two raw entries.
func checkLaneHessian<F: GenericObjective>(_ f: F, at x: [Double]) {
    let n = x.count
    let reference = Derivatives.hessian(of: f, at: x, method: .forwardOverReverse)
    let lanes = Derivatives.hessian(of: f, at: x, method: .forwardOverReverseLanes)
    #expect(lanes.rows == n && lanes.columns == n)
    #expect(relativeError(lanes, reference) <= 1e-12, "n=\(n): lanes vs forward-over-reverse")
    #expect(lanes.elements == reference.elements, "n=\(n): lanes equal forward-over-reverse entry for entry")
    #expect(lanes.isSymmetric(relativeTolerance: 0), "n=\(n): symmetric")
}

@Suite("DualLanes and the lane Hessian")
struct LaneTests {
    @Test(arguments: elementaryCases)
    func elementaryFunctionLanes(c: ElementaryCase) {
        for x in c.points {
            checkLanes(c, at: x, SIMD8<Double>.self)
            checkLanes(c, at: x, SIMD2<Double>.self)
        }
    }

    @Test func fieldArithmeticAndSpecialPoints() {
        typealias L = DualLanes<SIMD4<Double>>
        let a = L(value: 3, tangents: [1, 0, 2, -1])
        let b = L(value: -2, tangents: [0, 1, 1, 4])
        #expect((a * b).tangents == a.tangents * -2 + 3 * b.tangents)
        #expect((a / b).value == -1.5)
        #expect((a / b).tangents == (a.tangents - (-1.5) * b.tangents) / -2)
        #expect((a - b).tangents == [1, -1, 1, -5])
        #expect((-a).tangents == [-1, 0, -2, 1])
        #expect(L(2.5).tangents == SIMD4<Double>() && L(7).value == 7 && (1.5 as L).value == 1.5)
        #expect(a < L(4) && a == L(3), "comparisons look at the value only")
        // sqrt at 0: tangent/0 per lane (+inf, NaN, +inf, -inf); integer powers exact at 0.
        let s = L.sqrt(L(value: 0, tangents: [1, 0, 2, -1]))
        #expect(s.tangents[0] == .infinity && s.tangents[1].isNaN && s.tangents[3] == -.infinity)
        let p = L.pow(L(value: 0, tangents: [1, 2, 3, 4]), 1)
        #expect(p.tangents == [1, 2, 3, 4])
        #expect(L.pow(L(value: 0, tangents: [1, 2, 3, 4]), 2).tangents == SIMD4<Double>())
        #expect(L.laneCount == 4)
    }

    @Test(arguments: 1...50)
    func rosenbrock(n: Int) {
        checkLaneHessian(StandardFunctions.Rosenbrock(), at: point(n, seed: UInt64(n)))
        checkLaneHessian(StandardFunctions.ExtendedRosenbrock(), at: point(n, seed: UInt64(n) &+ 100))
    }

    @Test(arguments: 1...50)
    func randomComposition(n: Int) {
        checkLaneHessian(RandomComposition(seed: UInt64(n) &* 31, n: n), at: point(n, seed: UInt64(n) &+ 1000))
    }

    @Test func standardObjectivesAtLargerN() {
        for n in [63, 64, 65, 200] {
            let x = point(n, seed: UInt64(n))
            checkLaneHessian(StandardFunctions.powersLoss, at: x)
            checkLaneHessian(StandardFunctions.SumSquareSine(), at: x)
        }
    }

    /// The forward Jacobian (8 columns per DualLanes evaluation) equals the one-column Dual
    /// JVPs J·e_c entry for entry, for n below, at and off multiples of 8.
    @Test(arguments: [1, 3, 8, 9, 17, 30])
    func forwardJacobianLanes(n: Int) {
        for k in [1, 4, 40] {
            let m = RandomModel(seed: UInt64(n * 100 + k), n: n, k: k)
            let x = point(n, seed: UInt64(n) &+ 7)
            let j = Derivatives.jacobian(of: m, at: x, mode: .forward)
            #expect(j.rows == k && j.columns == n)
            for c in 0..<n {
                var e = [Double](repeating: 0, count: n)
                e[c] = 1
                let column = Derivatives.jacobianVectorProduct(of: m, at: x, direction: e).product
                for r in 0..<k { #expect(j[r, c] == column[r], "n=\(n) k=\(k): J[\(r), \(c)]") }
            }
        }
    }

    @Test func emptyAndConstant() {
        #expect(Derivatives.hessian(of: StandardFunctions.powersLoss, at: [], method: .forwardOverReverseLanes).rows == 0)
        // A constant objective: f is not on the tape, every entry is 0.
        struct Constant: GenericObjective {
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T { 3 }
        }
        let h = Derivatives.hessian(of: Constant(), at: [1, 2, 3], method: .forwardOverReverseLanes)
        #expect(h.elements == [Double](repeating: 0, count: 9))
    }
}
