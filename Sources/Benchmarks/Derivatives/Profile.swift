import Foundation
import PhysGradDerivatives
import PhysGradBenchSupport

/// `--profile NAME`: loop one gradient for perf (not part of the benchmark protocol).
func profileLoop(_ name: String) {
    let n = 100_000
    let x = uniformValues(seed: 42, count: n)
    var g = [Double](repeating: 0, count: n)
    if name == "rosenbrock" {
        var o = AutomaticObjective(StandardFunctions.ExtendedRosenbrock(), dimension: n)
        for _ in 0..<2000 { blackHole(o.valueAndGradient(at: x, gradient: &g)) }
    } else {
        var o = AutomaticObjective(StandardFunctions.SumSquareSine(), dimension: n)
        for _ in 0..<500 { blackHole(o.valueAndGradient(at: x, gradient: &g)) }
    }
}
