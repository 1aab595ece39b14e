#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _cbrt(_ x: Double) -> Double { cbrt(x) }
@inline(__always) func _log10(_ x: Double) -> Double { log10(x) }
@inline(__always) func _hypot(_ x: Double, _ y: Double) -> Double { hypot(x, y) }
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
/// sin(2πt), exact at t = 0, 1/4, 1/2, 3/4 (so the catalog's solutions have exact zeros).
func _sinTwoPi(_ t: Double) -> Double {
    let r = t - t.rounded(.down)
    switch r {
    case 0, 0.5: return 0
    case 0.25: return 1
    case 0.75: return -1
    default: return sin(2 * Double.pi * r)
    }
}
