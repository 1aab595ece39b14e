// heat-inverse: the initial temperature of a rod from a measurement taken later, by several of
// PhysGrad's methods, next to what each one reaches in closed form. Build it in release mode:
//     swift run -c release heat-inverse
import Foundation
import HeatInverse

let experiment = try HeatExperiment()
let rod = experiment.rod
print("""
    Heat rod: \(rod.points) points over \(rod.length) m, diffusivity \(rod.diffusivity) m^2/s, \
    \(rod.time) s in \(rod.steps) steps (r = \(String(format: "%.4g", rod.diffusionNumber))); \
    initial loss \(String(format: "%.4g", experiment.initialLoss))
    """)
let rows = try experiment.methods().map { try experiment.run($0) }
print(formatTable(rows))
