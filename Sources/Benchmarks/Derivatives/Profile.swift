import Foundation
import PhysGradDerivatives
import PhysGradBenchSupport
import PhysGradRandom

/// `--profile NAME`: loop one gradient for perf (not part of the benchmark protocol), then
/// print the minimum time of plain f, gradient and hvp at n = 1000 and 100000 to stderr.
/// The minimum time of `reps` runs of `body`, in seconds.
func minTime(_ reps: Int, _ body: () -> Void) -> Double {
    var best = Double.infinity
    let clock = ContinuousClock()
    for _ in 0..<reps {
        let t = clock.measure(body)
        best = min(best, Double(t.components.attoseconds) * 1e-18 + Double(t.components.seconds))
    }
    return best
}

func profileLoop(_ name: String) {
    func report<F: GenericObjective>(_ f: F) {
        for n in [1000, 100_000] {
            let x = uniformValues(seed: 42, count: n)
            var g = [Double](repeating: 0, count: n)
            var o = AutomaticObjective(f, dimension: n)
            let reps = n == 1000 ? 2000 : 60
            let tf = minTime(reps) { blackHole(f(x)) }
            let tg = minTime(reps) { blackHole(o.valueAndGradient(at: x, gradient: &g)) }
            let th = minTime(reps) { blackHole(o.hessianVectorProduct(at: x, direction: x)) }
            FileHandle.standardError.write(Data(String(format: "%@ n=%d  f %.1f us  grad %.1f us (x%.1f)  hvp %.1f us (x%.1f)\n",
                name, n, tf * 1e6, tg * 1e6, tg / tf, th * 1e6, th / tf).utf8))
        }
    }
    if name == "rosenbrock" { report(StandardFunctions.ExtendedRosenbrock()) } else { report(StandardFunctions.SumSquareSine()) }
}

/// `--allocation-check K`: K gradient evaluations through one AutomaticObjective (run under
/// valgrind with two values of K to count heap allocations per call).
func allocationCheck(_ k: Int) {
    let n = 1000
    let x = uniformValues(seed: 42, count: n)
    var g = [Double](repeating: 0, count: n)
    var o = AutomaticObjective(StandardFunctions.ExtendedRosenbrock(), dimension: n)
    for _ in 0..<k { blackHole(o.valueAndGradient(at: x, gradient: &g)) }
    // The buffer form an L-BFGS-B objective uses.
    g.withUnsafeMutableBufferPointer { gb in
        x.withUnsafeBufferPointer { xb in
            for _ in 0..<k { blackHole(o.valueAndGradient(at: xb, gradient: gb)) }
        }
    }
}

/// `--hessian-loop powers|rosenbrock|sumsqsin N REPS [lanes|columns]`: REPS dense Hessians at
/// n = N in a loop (a target for perf and callgrind), then their minimum time on stderr.
func hessianLoop(_ arguments: ArraySlice<String>) {
    let a = Array(arguments)
    let name = a.first ?? "powers"
    let n = a.count > 1 ? Int(a[1]) ?? 1000 : 1000
    let reps = a.count > 2 ? Int(a[2]) ?? 10 : 10
    let method: HessianMethod = a.count > 3 && a[3] == "columns" ? .forwardOverReverse : .forwardOverReverseLanes
    func loop<F: GenericObjective>(_ f: F) {
        let x = uniformValues(seed: 3, count: n)
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<reps {
            let t = clock.measure { blackHole(Derivatives.hessian(of: f, at: x, method: method)) }
            best = min(best, Double(t.components.attoseconds) * 1e-18 + Double(t.components.seconds))
        }
        FileHandle.standardError.write(Data("\(name) n=\(n) \(method): min \(best * 1e3) ms\n".utf8))
    }
    switch name {
    case "rosenbrock": loop(StandardFunctions.ExtendedRosenbrock())
    case "sumsqsin": loop(StandardFunctions.SumSquareSine())
    default: loop(StandardFunctions.powersLoss)
    }
}

/// `--array-profile`: minimum times of the array-style plain f, gradient and hvp (stderr).
func arrayProfile() {
    func report<F: ArrayObjective & GenericObjective>(_ name: String, _ f: F) {
        for n in [1000, 100_000, 1_000_000] {
            let x = uniformValues(seed: 42, count: n)
            var g = [Double](repeating: 0, count: n)
            var o = ArrayAutomaticObjective(f, dimension: n)
            let reps = n == 1000 ? 2000 : (n == 100_000 ? 100 : 20)
            let tscalar = minTime(reps) { blackHole(f(x)) }
            let tf = minTime(reps) { blackHole(o.value(at: x)) }
            let tg = minTime(reps) { blackHole(o.valueAndGradient(at: x, gradient: &g)) }
            let th = minTime(reps) { blackHole(o.hessianVectorProduct(at: x, direction: x)) }
            FileHandle.standardError.write(Data(String(format: "%@ n=%d  scalar f %.1f us  array f %.1f us  grad %.1f us (x%.2f)  hvp %.1f us (x%.2f)\n",
                name, n, tscalar * 1e6, tf * 1e6, tg * 1e6, tg / tf, th * 1e6, th / tf).utf8))
        }
    }
    report("rosenbrock", StandardFunctions.ExtendedRosenbrock())
    report("sumsqsin", StandardFunctions.SumSquareSine())
}

/// `--array-loop grad|hvp N REPS`: array-style Rosenbrock derivatives in a loop (for perf).
func arrayLoop(_ a: [String]) {
    let what = a.first ?? "grad"
    let n = a.count > 1 ? Int(a[1]) ?? 100_000 : 100_000
    let reps = a.count > 2 ? Int(a[2]) ?? 1000 : 1000
    let x = uniformValues(seed: 42, count: n)
    var g = [Double](repeating: 0, count: n)
    var o = ArrayAutomaticObjective(StandardFunctions.ExtendedRosenbrock(), dimension: n)
    for _ in 0..<reps {
        switch what {
        case "hvp": blackHole(o.hessianVectorProduct(at: x, direction: x))
        case "f": blackHole(o.value(at: x))
        default: blackHole(o.valueAndGradient(at: x, gradient: &g))
        }
    }
}
