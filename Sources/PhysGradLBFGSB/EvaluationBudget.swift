/// The evaluations a run has made, against `maxfun` and the time limit.
struct EvaluationBudget: Sendable {
    /// Function evaluations so far (SciPy's nfev; every finite-difference evaluation counts).
    var evaluations = 0
    let maxfun: Int
    /// The time limit and when the run started, if it has a limit.
    let clock: Stopwatch?

    init(options: LBFGSBOptions) {
        maxfun = options.maxfun
        clock = options.timeLimit.map { Stopwatch(limit: $0) }
    }

    /// More than `maxfun` evaluations were made.
    var overEvaluationLimit: Bool { evaluations > maxfun }

    /// The time limit has passed.
    var overTimeLimit: Bool { clock?.expired ?? false }

    /// Why no further evaluation may start, if none may: more than `maxfun` evaluations were made, or
    /// (when `checkingTime`) the time limit has passed.
    func exhausted(checkingTime: Bool) -> LBFGSBTermination? {
        if overEvaluationLimit { return .evaluationLimit }
        if checkingTime && overTimeLimit { return .timeLimit }
        return nil
    }
}

/// A time limit and the instant it counts from. (A class: `ContinuousClock.Instant` is a resilient type,
/// which would give every struct holding it a layout known only at run time.)
final class Stopwatch: Sendable {
    let limit: Double
    let started = ContinuousClock.now

    init(limit: Double) { self.limit = limit }

    /// More than `limit` seconds have passed since the start.
    var expired: Bool {
        let e = (ContinuousClock.now - started).components
        return Double(e.seconds) + Double(e.attoseconds) * 1e-18 > limit
    }
}

/// The outcome of evaluating f and ∇f at a point.
enum Evaluation {
    /// f; the gradient is complete.
    case value(Double)
    /// The budget ran out part-way through a finite-difference gradient: f is known, the gradient is not.
    case stopped(LBFGSBTermination, value: Double)
}

/// Forward-difference gradients, as SciPy's `approx_grad=True`:
/// `∂f/∂x_i ≈ (f(x + h_i e_i) - f(x)) / h_i` with `h_i = eps`, or `sqrt(2^-52)·sign(x_i)·max(1, |x_i|)`
/// when `x_i + eps` rounds to `x_i`. Next to a bound the step is flipped, or shortened to the distance
/// to the far bound, so that no evaluation leaves the box; fixed variables (`lower == upper`) get a zero
/// derivative without an evaluation. One gradient costs 1 + (number of movable variables) evaluations.
struct ForwardDifferenceGradient {
    let box: Box
    let eps: Double

    /// f(x), and the estimate of ∇f(x) into `g`; `scratch` (n doubles) holds the perturbed points.
    ///
    /// Before each evaluation after the first, stops when the budget is exhausted (more than `maxfun`
    /// evaluations, or the time limit): the components not estimated are then NaN.
    func evaluate(x: UnsafePointer<Double>, g: UnsafeMutablePointer<Double>, scratch s: UnsafeMutablePointer<Double>,
                  budget: inout EvaluationBudget, value: (UnsafeBufferPointer<Double>) -> Double) -> Evaluation {
        let n = box.dimension
        let point = UnsafeBufferPointer(start: s, count: n)
        s.update(from: x, count: n)
        let f0 = value(point)
        budget.evaluations += 1
        for i in 0..<n {
            let xi = x[i]
            let lb = box.lowerBound(i), ub = box.upperBound(i)
            if box.kinds[i] == .both && lb == ub {
                g[i] = 0
                continue
            }
            if let why = budget.exhausted(checkingTime: true) {
                for j in i..<n { g[j] = box.kinds[j] == .both && box.lowerBound(j) == box.upperBound(j) ? 0 : .nan }
                return .stopped(why, value: f0)
            }
            var h = eps
            if (xi + h) - xi == 0 {
                h = LBFGSBOptions.machineEpsilon.squareRoot() * (xi >= 0 ? 1 : -1) * max(1, abs(xi))
            }
            let lowerRoom = xi - lb, upperRoom = ub - xi
            let trial = xi + h
            let leavesBox = trial < lb || trial > ub
            let fits = abs(h) <= max(lowerRoom, upperRoom)
            if !fits {
                h = upperRoom >= lowerRoom ? upperRoom : -lowerRoom
            } else if leavesBox {
                h = -h
            }
            let xh = min(max(xi + h, lb), ub)
            s[i] = xh
            let fi = value(point)
            s[i] = xi
            budget.evaluations += 1
            g[i] = (fi - f0) / (xh - xi)
        }
        return .value(f0)
    }
}
