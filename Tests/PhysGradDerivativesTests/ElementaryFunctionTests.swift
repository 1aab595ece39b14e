// First and second derivatives of every elementary function against analytic formulas, on
// Dual, Dual<Dual>, TrackedReal (reverse) and TrackedReal<Dual> (forward-over-reverse).
import Foundation
import PhysGradDerivatives
import Testing

/// One elementary function, its analytic first and second derivatives, and points in its domain.
struct ElementaryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let points: [Double]
    let d1: @Sendable (Double) -> Double
    let d2: @Sendable (Double) -> Double
    var testDescription: String { name }

    func apply<T: PhysGradReal>(_ x: T) -> T {
        switch name {
        case "exp": return T.exp(x)
        case "expMinusOne": return T.expMinusOne(x)
        case "log": return T.log(x)
        case "log(onePlus:)": return T.log(onePlus: x)
        case "sin": return T.sin(x)
        case "cos": return T.cos(x)
        case "tan": return T.tan(x)
        case "asin": return T.asin(x)
        case "acos": return T.acos(x)
        case "atan": return T.atan(x)
        case "sinh": return T.sinh(x)
        case "cosh": return T.cosh(x)
        case "tanh": return T.tanh(x)
        case "asinh": return T.asinh(x)
        case "acosh": return T.acosh(x)
        case "atanh": return T.atanh(x)
        case "sqrt": return T.sqrt(x)
        case "root3": return T.root(x, 3)
        case "root4": return T.root(x, 4)
        case "pow(x,3)": return T.pow(x, 3)
        case "pow(x,2)": return T.pow(x, 2)
        case "pow(x,1)": return T.pow(x, 1)
        case "pow(x,0)": return T.pow(x, 0)
        case "pow(x,-2)": return T.pow(x, -2)
        case "pow(x,2.5)": return T.pow(x, T(2.5))
        case "pow(x,x)": return T.pow(x, x)
        case "pow(2,x)": return T.pow(T(2), x)
        case "atan2(x,2)": return T.atan2(y: x, x: 2)
        case "atan2(2,x)": return T.atan2(y: 2, x: x)
        case "1/x": return 1 / x
        case "reciprocal": return x.reciprocal!
        case "x*x": return x * x
        case "magnitude": return x.magnitude
        case "x-2x/3": return x - 2 * x / 3
        case "sinAndCos": let (s, c) = T.sinAndCos(x); return s * c
        default: fatalError(name)
        }
    }
}

let elementaryCases: [ElementaryCase] = [
    .init(name: "exp", points: [-1.3, 0, 0.7, 2], d1: { Foundation.exp($0) }, d2: { Foundation.exp($0) }),
    .init(name: "expMinusOne", points: [-1.3, 0, 1e-9, 2], d1: { Foundation.exp($0) }, d2: { Foundation.exp($0) }),
    .init(name: "log", points: [0.3, 1, 2.5], d1: { 1 / $0 }, d2: { -1 / ($0 * $0) }),
    .init(name: "log(onePlus:)", points: [-0.5, 0, 1.7], d1: { 1 / (1 + $0) }, d2: { -1 / ((1 + $0) * (1 + $0)) }),
    .init(name: "sin", points: [-2, 0, 0.5, 3], d1: { Foundation.cos($0) }, d2: { -Foundation.sin($0) }),
    .init(name: "cos", points: [-2, 0, 0.5, 3], d1: { -Foundation.sin($0) }, d2: { -Foundation.cos($0) }),
    .init(name: "tan", points: [-1, 0, 0.4, 1.2], d1: { 1 / (Foundation.cos($0) * Foundation.cos($0)) },
          d2: { 2 * Foundation.tan($0) / (Foundation.cos($0) * Foundation.cos($0)) }),
    .init(name: "asin", points: [-0.8, 0, 0.3, 0.9], d1: { 1 / (1 - $0 * $0).squareRoot() },
          d2: { $0 / Foundation.pow(1 - $0 * $0, 1.5) }),
    .init(name: "acos", points: [-0.8, 0, 0.3, 0.9], d1: { -1 / (1 - $0 * $0).squareRoot() },
          d2: { -$0 / Foundation.pow(1 - $0 * $0, 1.5) }),
    .init(name: "atan", points: [-3, 0, 0.5, 2], d1: { 1 / (1 + $0 * $0) }, d2: { -2 * $0 / ((1 + $0 * $0) * (1 + $0 * $0)) }),
    .init(name: "sinh", points: [-2, 0, 0.5, 3], d1: { Foundation.cosh($0) }, d2: { Foundation.sinh($0) }),
    .init(name: "cosh", points: [-2, 0, 0.5, 3], d1: { Foundation.sinh($0) }, d2: { Foundation.cosh($0) }),
    .init(name: "tanh", points: [-2, 0, 0.5, 3], d1: { 1 / (Foundation.cosh($0) * Foundation.cosh($0)) },
          d2: { -2 * Foundation.tanh($0) / (Foundation.cosh($0) * Foundation.cosh($0)) }),
    .init(name: "asinh", points: [-2, 0, 0.5, 30], d1: { 1 / (1 + $0 * $0).squareRoot() },
          d2: { -$0 / Foundation.pow(1 + $0 * $0, 1.5) }),
    .init(name: "acosh", points: [1.2, 2, 5], d1: { 1 / ($0 * $0 - 1).squareRoot() }, d2: { -$0 / Foundation.pow($0 * $0 - 1, 1.5) }),
    .init(name: "atanh", points: [-0.7, 0, 0.4, 0.9], d1: { 1 / (1 - $0 * $0) }, d2: { 2 * $0 / ((1 - $0 * $0) * (1 - $0 * $0)) }),
    .init(name: "sqrt", points: [0.1, 1, 4, 10], d1: { 0.5 / $0.squareRoot() }, d2: { -0.25 / Foundation.pow($0, 1.5) }),
    .init(name: "root3", points: [-8, 0.5, 2, 27], d1: { 1 / (3 * Foundation.cbrt($0) * Foundation.cbrt($0)) },
          d2: { -2 / (9 * Foundation.pow(Foundation.cbrt($0), 5)) }),
    .init(name: "root4", points: [0.5, 2, 16], d1: { 0.25 * Foundation.pow($0, -0.75) }, d2: { -0.1875 * Foundation.pow($0, -1.75) }),
    .init(name: "pow(x,3)", points: [-2, 0, 0.5, 3], d1: { 3 * $0 * $0 }, d2: { 6 * $0 }),
    .init(name: "pow(x,2)", points: [-2, 0, 0.5, 3], d1: { 2 * $0 }, d2: { _ in 2 }),
    .init(name: "pow(x,1)", points: [-2, 0, 0.5], d1: { _ in 1 }, d2: { _ in 0 }),
    .init(name: "pow(x,0)", points: [-2, 0, 0.5], d1: { _ in 0 }, d2: { _ in 0 }),
    .init(name: "pow(x,-2)", points: [-2, 0.5, 3], d1: { -2 / ($0 * $0 * $0) }, d2: { 6 / ($0 * $0 * $0 * $0) }),
    .init(name: "pow(x,2.5)", points: [0.3, 1, 2], d1: { 2.5 * Foundation.pow($0, 1.5) }, d2: { 3.75 * $0.squareRoot() }),
    .init(name: "pow(x,x)", points: [0.5, 1, 2], d1: { Foundation.pow($0, $0) * (Foundation.log($0) + 1) },
          d2: { Foundation.pow($0, $0) * ((Foundation.log($0) + 1) * (Foundation.log($0) + 1) + 1 / $0) }),
    .init(name: "pow(2,x)", points: [-1, 0, 3], d1: { Foundation.pow(2, $0) * Foundation.log(2.0) },
          d2: { Foundation.pow(2, $0) * Foundation.log(2.0) * Foundation.log(2.0) }),
    .init(name: "atan2(x,2)", points: [-3, 0, 1], d1: { 2 / (4 + $0 * $0) }, d2: { -4 * $0 / ((4 + $0 * $0) * (4 + $0 * $0)) }),
    .init(name: "atan2(2,x)", points: [-3, 0.5, 1], d1: { -2 / (4 + $0 * $0) }, d2: { 4 * $0 / ((4 + $0 * $0) * (4 + $0 * $0)) }),
    .init(name: "1/x", points: [-3, 0.5, 2], d1: { -1 / ($0 * $0) }, d2: { 2 / ($0 * $0 * $0) }),
    .init(name: "reciprocal", points: [-3, 0.5, 2], d1: { -1 / ($0 * $0) }, d2: { 2 / ($0 * $0 * $0) }),
    .init(name: "x*x", points: [-3, 0, 2], d1: { 2 * $0 }, d2: { _ in 2 }),
    .init(name: "magnitude", points: [-3, 2], d1: { $0 < 0 ? -1 : 1 }, d2: { _ in 0 }),
    .init(name: "x-2x/3", points: [-3, 0, 2], d1: { _ in 1.0 / 3 }, d2: { _ in 0 }),
    // sin x cos x = sin(2x)/2
    .init(name: "sinAndCos", points: [-2, 0, 0.5, 3], d1: { Foundation.cos(2 * $0) }, d2: { -2 * Foundation.sin(2 * $0) }),
]

/// The value, first and second derivative of `c` at `x` by each of the four derivative types.
struct Evaluations {
    var dualValue, dualFirst, nestedFirst, nestedSecond, reverseFirst, reverseValue, forwardOverReverseSecond: Double

    init(_ c: ElementaryCase, at x: Double) {
        let d = c.apply(Dual<Double>(value: x, derivative: 1))
        dualValue = d.value
        dualFirst = d.derivative
        // x + ε1 + ε2: the ε1ε2 part is f''(x).
        let dd = c.apply(Dual<Dual<Double>>(value: Dual(value: x, derivative: 1), derivative: Dual(value: 1, derivative: 0)))
        nestedFirst = dd.value.derivative
        nestedSecond = dd.derivative.derivative
        let tape = ReverseTape<Double>()
        let v = tape.variable(x)
        let y = c.apply(v)
        tape.reverseSweep(from: y)
        reverseValue = y.value
        reverseFirst = tape.adjoint(of: v)
        let tape2 = ReverseTape<Dual<Double>>()
        let v2 = tape2.variable(Dual(value: x, derivative: 1))
        tape2.reverseSweep(from: c.apply(v2))
        forwardOverReverseSecond = tape2.adjoint(of: v2).derivative
    }
}

@Suite("Elementary functions: derivatives against analytic formulas")
struct ElementaryFunctionTests {
    @Test(arguments: elementaryCases)
    func firstAndSecondDerivatives(_ c: ElementaryCase) {
        for x in c.points {
            let e = Evaluations(c, at: x)
            let f = c.apply(x)
            let d1 = c.d1(x), d2 = c.d2(x)
            #expect(e.dualValue == f, "\(c.name) value at \(x)")
            #expect(e.reverseValue == f, "\(c.name) reverse value at \(x)")
            #expect(relativeError(e.dualFirst, d1) <= 1e-13, "\(c.name)' at \(x): dual \(e.dualFirst) vs \(d1)")
            #expect(relativeError(e.nestedFirst, d1) <= 1e-13, "\(c.name)' at \(x): nested \(e.nestedFirst) vs \(d1)")
            #expect(relativeError(e.reverseFirst, d1) <= 1e-13, "\(c.name)' at \(x): reverse \(e.reverseFirst) vs \(d1)")
            #expect(relativeError(e.nestedSecond, d2) <= 1e-12, "\(c.name)'' at \(x): nested \(e.nestedSecond) vs \(d2)")
            #expect(relativeError(e.forwardOverReverseSecond, d2) <= 1e-12,
                    "\(c.name)'' at \(x): forward-over-reverse \(e.forwardOverReverseSecond) vs \(d2)")
        }
    }

    @Test(arguments: elementaryCases)
    func floatConformsToo(_ c: ElementaryCase) {
        for x in c.points {
            let d = c.apply(Dual<Float>(value: Float(x), derivative: 1))
            #expect(abs(Double(d.derivative) - c.d1(x)) <= 2e-5 * max(1, abs(c.d1(x))), "\(c.name)' in Float at \(x)")
        }
    }

    @Test func threeLevelsOfNestingGiveThirdDerivatives() {
        // d³/dx³ sin x = -cos x.
        typealias D3 = Dual<Dual<Dual<Double>>>
        let x = 0.7
        let seed = D3(value: Dual(value: Dual(value: x, derivative: 1), derivative: Dual(value: 1, derivative: 0)),
                      derivative: Dual(value: Dual(value: 1, derivative: 0), derivative: Dual(value: 0, derivative: 0)))
        let y = D3.sin(seed)
        #expect(relativeError(y.derivative.derivative.derivative, -Foundation.cos(x)) <= 1e-15)
    }
}

@Suite("Special points")
struct SpecialPointTests {
    @Test func sqrtAtZeroIsInfinite() {
        // Documented: d sqrt(x) at 0 is derivative/0: +inf for a positive derivative part, NaN for 0.
        #expect(Dual<Double>.sqrt(Dual(value: 0, derivative: 1)).derivative == .infinity)
        #expect(Dual<Double>.sqrt(Dual(value: 0, derivative: -2)).derivative == -.infinity)
        #expect(Dual<Double>.sqrt(Dual(value: 0, derivative: 0)).derivative.isNaN)
        let tape = ReverseTape<Double>()
        let v = tape.variable(0)
        tape.reverseSweep(from: TrackedReal.sqrt(v))
        #expect(tape.adjoint(of: v) == .infinity)
        // An infinite adjoint stays infinite through later unary records (no 0·inf = NaN leak).
        let w = tape.variable(0)
        let q = TrackedReal.expMinusOne(w)  // a unary record (value 0) whose adjoint will be infinite
        let y = -(2 * TrackedReal.sqrt(q))
        tape.reverseSweep(from: y)
        #expect(tape.adjoint(of: q) == -.infinity)
        #expect(tape.adjoint(of: w) == -.infinity)
    }

    @Test func integerPowersAreExactAtZero() {
        for n in 0...4 {
            let d = Dual<Double>.pow(Dual(value: 0, derivative: 1), n)
            #expect(d.derivative == (n == 1 ? 1 : 0), "d/dx x^\(n) at 0")
            let dd = Dual<Dual<Double>>.pow(Dual(value: Dual(value: 0, derivative: 1), derivative: Dual(value: 1, derivative: 0)), n)
            #expect(dd.derivative.derivative == (n == 2 ? 2 : 0), "d²/dx² x^\(n) at 0")
            #expect(!dd.derivative.derivative.isNaN)
            let tape = ReverseTape<Double>()
            let v = tape.variable(0)
            tape.reverseSweep(from: TrackedReal.pow(v, n))
            #expect(tape.adjoint(of: v) == (n == 1 ? 1 : 0))
        }
    }

    @Test func realPowersAtZero() {
        // 0^y with y > 1: derivative 0 in x and in y (0^y is constant 0 for y > 0).
        let p = Dual<Double>.pow(Dual(value: 0, derivative: 1), Dual(value: 2.5, derivative: 1))
        #expect(p.value == 0 && p.derivative == 0)
        let q = Dual<Double>.pow(Dual(value: 0, derivative: 1), Dual(constant: 1))
        #expect(q.derivative == 1)
        // Negative base with a real exponent: NaN (swift-numerics' pow); use pow(x, n) instead.
        #expect(Dual<Double>.pow(Dual(value: -2, derivative: 1), Dual(constant: 2)).value.isNaN)
        #expect(Dual<Double>.pow(Dual(value: -2, derivative: 1), 2).derivative == -4)
    }

    @Test func comparisonsUseThePrimalValue() {
        let a = Dual<Double>(value: 1, derivative: 5), b = Dual<Double>(value: 1, derivative: -5)
        #expect(a == b)
        #expect(!(a < b) && !(b < a))
        #expect(max(Dual<Double>(value: 2, derivative: 1), a).derivative == 1)
        // The same for the other derivative types (one shared definition, ChainRuleScalar).
        let l = DualLanes<SIMD2<Double>>(value: 1, tangents: [1, 2]), m = DualLanes<SIMD2<Double>>(value: 1, tangents: [3, 4])
        #expect(l == m && !(l < m) && !(m < l))
        #expect(DualLanes<SIMD2<Double>>(value: -2, tangents: [1, -1]).magnitude.tangents == [-1, 1])
        let tape = ReverseTape<Double>()
        let u = tape.variable(1), v = tape.variable(1)
        #expect(u == v && !(u < v) && u < v + 1)
        #expect((2 * u).magnitude == u + 1 && TrackedReal<Double>.zero == TrackedReal(0.0))
    }

    @Test func affineOperationsWithConstantsRecordNothing() {
        let tape = ReverseTape<Double>()
        let x = tape.variable(1.5)
        let before = tape.count
        let y = 3 - 2 * (x + 1) / 4 * 5   // -2.5 x + 0.5: no record
        #expect(tape.count == before)
        let expectedValue: Double = 3 - 2 * (1.5 + 1) / 4 * 5
        #expect(y.value == expectedValue)
        tape.reverseSweep(from: y)
        #expect(tape.adjoint(of: x) == -2.5)
        // The scale reaches the next recorded operation: d/dx sin(-2.5x + 0.5) = -2.5 cos(...).
        let z = TrackedReal.sin(y) * -x
        #expect(tape.count == before + 2)
        tape.reverseSweep(from: z)
        let expected = -2.5 * Double.cos(y.value) * -1.5 - Double.sin(y.value)
        #expect(relativeError(tape.adjoint(of: x), expected) <= 1e-15)
        // An output that is an input: gradient 1.
        tape.reverseSweep(from: x)
        #expect(tape.adjoint(of: x) == 1)
        tape.reverseSweep(from: -x)
        #expect(tape.adjoint(of: x) == -1)
    }

    @Test func constantsCarryNoDerivative() {
        let tape = ReverseTape<Double>()
        let x = tape.variable(2)
        let c: TrackedReal<Double> = 3.5
        #expect(!c.isTracked)
        let y = c * c + TrackedReal(2.0) * x
        tape.reverseSweep(from: y)
        #expect(tape.adjoint(of: x) == 2)
        #expect(tape.adjoint(of: c) == 0)
        // A purely constant output leaves every adjoint zero.
        tape.reverseSweep(from: c * c)
        #expect(tape.adjoint(of: x) == 0)
    }
}

/// Derivatives at coordinates so large or so small that a square of them overflows or
/// underflows, while the derivative itself is an ordinary double.
@Suite("Elementary functions: derivatives at extreme arguments")
struct ExtremeArgumentTests {
    /// |a - b| <= tolerance · |b|: relative to the reference itself, whatever its magnitude.
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-14) -> Bool {
        abs(a - b) <= tolerance * abs(b)
    }

    /// The partials of atan2(y, x) in y and x by Dual, by the tape and by nested duals.
    static func atan2Partials(y: Double, x: Double) -> [(dy: Double, dx: Double)] {
        let dual = (Dual<Double>.atan2(y: Dual(value: y, derivative: 1), x: Dual(constant: x)).derivative,
                    Dual<Double>.atan2(y: Dual(constant: y), x: Dual(value: x, derivative: 1)).derivative)
        let tape = ReverseTape<Double>()
        let (ty, tx) = (tape.variable(y), tape.variable(x))
        tape.reverseSweep(from: TrackedReal.atan2(y: ty, x: tx))
        let reverse = (tape.adjoint(of: ty), tape.adjoint(of: tx))
        typealias D2 = Dual<Dual<Double>>
        let nested = (D2.atan2(y: D2(value: Dual(value: y, derivative: 1), derivative: Dual(constant: 0)),
                               x: D2(constant: Dual(constant: x))).value.derivative,
                      D2.atan2(y: D2(constant: Dual(constant: y)),
                               x: D2(value: Dual(value: x, derivative: 1), derivative: Dual(constant: 0))).value.derivative)
        return [dual, reverse, nested]
    }

    /// ∂atan2/∂y = x/(x² + y²), ∂atan2/∂x = -y/(x² + y²): at (y, x) = (3, 4)·t that is
    /// (4/25, -3/25)/t, finite for t = 1e-200 (where x² + y² underflows to 0) and t = 1e200 (where
    /// it overflows), and (1/2, -1/2)/t on the diagonal t = 1e-170.
    @Test(arguments: [1e-200, 1e-160, 1e200, 1e300])
    func atan2AtTinyAndHugeCoordinates(t: Double) {
        for (dy, dx) in Self.atan2Partials(y: 3 * t, x: 4 * t) {
            #expect(Self.close(dy, 0.16 / t), "∂/∂y at t = \(t): \(dy)")
            #expect(Self.close(dx, -0.12 / t), "∂/∂x at t = \(t): \(dx)")
        }
        for (dy, dx) in Self.atan2Partials(y: 1e-170, x: 1e-170) {
            #expect(Self.close(dy, 0.5e170) && Self.close(dx, -0.5e170), "diagonal: \(dy), \(dx)")
        }
        // The origin stays NaN (atan2 is not differentiable there).
        for (dy, dx) in Self.atan2Partials(y: 0, x: 0) { #expect(dy.isNaN && dx.isNaN) }
    }

    /// d asinh/dx = 1/sqrt(1 + x²) = 1/|x| to double precision for |x| > 1e8; x² overflows above 1.3e154.
    @Test(arguments: [1e160, -1e200, 1e300, Double.greatestFiniteMagnitude])
    func asinhAtHugeArguments(x: Double) {
        let expected = 1 / abs(x)
        #expect(Self.close(Dual<Double>.asinh(Dual(value: x, derivative: 1)).derivative, expected))
        let tape = ReverseTape<Double>()
        let v = tape.variable(x)
        tape.reverseSweep(from: TrackedReal.asinh(v))
        #expect(Self.close(tape.adjoint(of: v), expected))
    }

    /// d/dx xⁿ = n·x^(n-1) for n = Int.min = -2⁶³ (exactly a double): at x = 1 it is n, at x = -1
    /// it is -n (x^(n-1) = -1), at x = 2 it underflows to 0; at n = Int.max, n·1 at x = 1.
    @Test func integerPowerAtTheEndsOfInt() {
        let n = Double(Int.min)
        for (x, expected) in [(1.0, n), (-1.0, -n), (2.0, 0.0)] {
            #expect(Dual<Double>.pow(Dual(value: x, derivative: 1), Int.min).derivative == expected, "x = \(x)")
            let tape = ReverseTape<Double>()
            let v = tape.variable(x)
            tape.reverseSweep(from: TrackedReal.pow(v, Int.min))
            #expect(tape.adjoint(of: v) == expected, "x = \(x)")
        }
        #expect(Dual<Double>.pow(Dual(value: 1, derivative: 1), Int.max).derivative == Double(Int.max))
        // root(x, n) = x^(1/n): at x = 1 the derivative is 1/n.
        #expect(Dual<Double>.root(Dual(value: 1, derivative: 1), Int.min).derivative == 1 / n)
    }

    /// d tanh/dx = sech² x = 4 e^(-2|x|) / (1 + e^(-2|x|))², a tiny but ordinary double for large |x|
    /// (1.7e-17 at 20, 3.7e-259 at 297), where 1 - tanh² cancels to few or no digits.
    @Test(arguments: [1.5, -4, 10, -15, 20, 40, 297])
    func tanhAtLargeArguments(x: Double) {
        let e = Foundation.exp(-2 * abs(x))
        let expected = 4 * e / ((1 + e) * (1 + e))
        #expect(Self.close(Dual<Double>.tanh(Dual(value: x, derivative: 1)).derivative, expected, 1e-13))
        let tape = ReverseTape<Double>()
        let v = tape.variable(x)
        tape.reverseSweep(from: TrackedReal.tanh(v))
        #expect(Self.close(tape.adjoint(of: v), expected, 1e-13))
        // Second derivative -2 tanh x sech² x through nested duals.
        let dd = Dual<Dual<Double>>.tanh(Dual(value: Dual(value: x, derivative: 1), derivative: Dual(value: 1, derivative: 0)))
        #expect(Self.close(dd.derivative.derivative, -2 * Foundation.tanh(x) * expected, 1e-13))
    }
}
