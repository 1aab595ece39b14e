import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradRandom

/// max |a - b| / max(1, max |b|): relative error on the scale of the reference.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var num = 0.0, den = 1.0
    for i in 0..<a.count {
        num = max(num, abs(a[i] - b[i]))
        den = max(den, abs(b[i]))
    }
    return num / den
}

func relativeError(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns)
    return relativeError(a.elements, b.elements)
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(1, abs(b)) }

/// A random smooth composition: terms c_k · g_k(h_k(x_i, x_j), x_l) where g, h are drawn from
/// smooth two-argument building blocks covering every elementary function (smooth on R², so
/// any x is valid).
struct RandomTerm: Sendable {
    var outer: Int, inner: Int, i: Int, j: Int, l: Int, c: Double
}

@inlinable
func smoothBlock<T: PhysGradReal>(_ op: Int, _ a: T, _ b: T) -> T {
    switch op {
    case 0: return T.sin(a) * b
    case 1: return T.exp(0.5 * a) * T.cos(b)
    case 2: return T.log(onePlus: a * a + b * b)
    case 3: return T.tanh(a - b)
    case 4: return T.atan(a * b)
    case 5: return T.sqrt(2 + a * a) * b
    case 6: return a / (2 + T.cos(b))
    case 7: return T.pow(a, 3) * b
    case 8: return T.sinh(0.5 * a) * T.cosh(0.3 * b)
    case 9: return T.asinh(a + b)
    case 10: return T.expMinusOne(0.3 * a) * b
    case 11: return T.atan2(y: a, x: 2 + b * b)
    case 12: return T.log(3 + T.sin(a * b))
    case 13: return T.asin(0.5 * T.tanh(a)) + T.acos(0.4 * T.tanh(b))
    case 14: return T.atanh(0.6 * T.tanh(a + b))
    case 15: return T.acosh(2 + a * a) * b
    case 16: return T.tan(0.5 * T.tanh(a)) * b
    case 17: return T.root(3 + a * a, 3) + T.pow(2 + b * b, 0.7)
    case 18: return T.pow(1.5 + T.sin(a), 1.5 + T.cos(b))   // dual exponent
    default: return (a - b).magnitude * 0 + a * b           // magnitude in the graph, zero weight
    }
}

let smoothBlockCount = 20

func randomTerms(seed: UInt64, n: Int, count: Int) -> [RandomTerm] {
    var r = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        RandomTerm(outer: r.index(smoothBlockCount), inner: r.index(smoothBlockCount),
                   i: r.index(n), j: r.index(n), l: r.index(n), c: r.uniform(-2, 2))
    }
}

struct RandomComposition: GenericObjective, Sendable {
    var terms: [RandomTerm]
    init(seed: UInt64, n: Int) { terms = randomTerms(seed: seed, n: n, count: 3 * n + 2) }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
        var f: T = 0
        for t in terms {
            f += T(t.c) * smoothBlock(t.outer, smoothBlock(t.inner, x[t.i], x[t.j]), x[t.l])
        }
        return f
    }
}

struct RandomModel: GenericModel, Sendable {
    var rows: [[RandomTerm]]
    init(seed: UInt64, n: Int, k: Int) {
        rows = (0..<k).map { randomTerms(seed: seed &+ UInt64($0) &* 1000, n: n, count: 3) }
    }

    func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        rows.map { terms in
            var y: T = 0
            for t in terms { y += T(t.c) * smoothBlock(t.outer, smoothBlock(t.inner, x[t.i], x[t.j]), x[t.l]) }
            return y
        }
    }
}
