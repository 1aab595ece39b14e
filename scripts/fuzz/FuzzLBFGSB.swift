// libFuzzer harness for L-BFGS-B (built and run by scripts/fuzz, never by CI).
//
// Each input is decoded into a problem size, options, bounds, a start and one of a few fixed
// objectives (smooth, non-smooth, NaN in half the domain, unbounded below, constant). The
// harness stops the process (a finding) when the solver
//   - crashes or traps (a precondition, an index out of range, ASan),
//   - accepts invalid input (NaN or crossed bounds, a non-finite start, an invalid option,
//     finite differences with maxfun below two gradients) instead of throwing a typed error,
//   - evaluates the objective outside the box, or more than maxfun + 1 times,
//   - returns a non-finite x, an x outside the box, or reports success with a non-finite f.
// Runs are short (maxiter <= 200, maxfun <= 400), so every input terminates.
import PhysGradLBFGSB

struct Reader {
    var bytes: UnsafeRawBufferPointer
    var offset = 0
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }
    /// A double that is usually "nice" (k/8 - 4) and sometimes any bit pattern (NaN, inf, subnormal).
    mutating func double() -> Double {
        let mode = byte()
        if mode < 200 { return Double(Int(byte()) - 128) / 8 }
        var bits: UInt64 = 0
        for _ in 0..<8 { bits = bits << 8 | UInt64(byte()) }
        return Double(bitPattern: bits)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    var r = Reader(bytes: UnsafeRawBufferPointer(start: data, count: size))
    let n = 1 + Int(r.byte() % 8)
    let kind = r.byte() % 5
    var options = LBFGSBOptions()
    options.maxcor = Int(r.byte() % 24) - 2          // invalid when <= 0
    options.factr = r.byte() < 220 ? pow10(Double(r.byte() % 16)) : r.double()
    options.pgtol = r.byte() < 220 ? pow10(-Double(r.byte() % 14)) : r.double()
    options.maxiter = min(200, Int(r.byte()))          // 0 is invalid
    options.maxfun = min(400, 2 * Int(r.byte()))
    options.maxls = Int(r.byte() % 30)
    let useLower = r.byte() % 2 == 0, useUpper = r.byte() % 2 == 0
    var lower = [Double](repeating: -.infinity, count: n), upper = [Double](repeating: .infinity, count: n)
    for i in 0..<n {
        if useLower { lower[i] = r.double() }
        if useUpper { upper[i] = r.double() }
    }
    let x0 = (0..<n).map { _ in r.double() }
    let approximate = r.byte() % 3 == 0

    var invalid = options.maxcor <= 0 || !(options.factr >= 0) || !options.factr.isFinite || !(options.pgtol >= 0)
        || !options.pgtol.isFinite || options.maxiter <= 0 || options.maxfun <= 0 || options.maxls <= 0
    var movable = 0
    for i in 0..<n {
        if lower[i].isNaN || upper[i].isNaN || lower[i] == .infinity || upper[i] == -.infinity || lower[i] > upper[i] {
            invalid = true
        }
        if !x0[i].isFinite { invalid = true }
        if !(useLower && useUpper && lower[i] == upper[i]) { movable += 1 }
    }
    // Two forward-difference gradients (1 + movable evaluations each), one iteration's least, must fit
    // in maxfun.
    if approximate && 2 * (movable + 1) > options.maxfun { invalid = true }

    var outside = false
    var evaluations = 0
    func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        evaluations += 1
        for i in 0..<n where x[i] < lower[i] || x[i] > upper[i] || x[i].isNaN { outside = true }
        switch kind {
        case 0:  // extended Rosenbrock-like, smooth
            var f = 0.0
            for i in 0..<n { let t = (i + 1 < n ? x[i + 1] : 1) - x[i] * x[i]; f += 100 * t * t + (1 - x[i]) * (1 - x[i]) }
            return f
        case 1:  // non-smooth
            return x.reduce(0) { $0 + abs($1 - 0.5) }
        case 2:  // NaN for x0 < 0
            return x[0] < 0 ? .nan : x.reduce(0) { $0 + ($1 - 1) * ($1 - 1) } + x[0].squareRoot()
        case 3:  // unbounded below (linear)
            return -x.reduce(0, +)
        default:  // constant
            return 1
        }
    }

    do {
        let result: LBFGSBResult
        if approximate {
            result = try LBFGSBSolver.minimize(from: x0, lower: useLower ? lower : nil, upper: useUpper ? upper : nil,
                                               options: options, value: value)
        } else {
            result = try LBFGSBSolver.minimize(from: x0, lower: useLower ? lower : nil, upper: useUpper ? upper : nil,
                                               options: options) { x, g in
                let f = value(x)
                // Central differences as the "exact" gradient of these test functions (not counted).
                let counted = evaluations
                defer { evaluations = counted }
                var p = Array(x)
                for i in 0..<n {
                    let h = 1e-6 * max(1, abs(p[i]))
                    let xi = p[i]
                    p[i] = min(xi + h, upper[i])
                    let up = p.withUnsafeBufferPointer { value($0) }
                    p[i] = max(xi - h, lower[i])
                    let down = p.withUnsafeBufferPointer { value($0) }
                    let span = min(xi + h, upper[i]) - max(xi - h, lower[i])
                    g[i] = span > 0 ? (up - down) / span : 0
                    p[i] = xi
                }
                return f
            }
        }
        if invalid { fatalError("invalid input was accepted: n=\(n) options=\(options) lower=\(lower) upper=\(upper) x0=\(x0)") }
        if outside { fatalError("an evaluation left the box") }
        if evaluations != result.evaluations || evaluations > options.maxfun + 1 {
            fatalError("\(evaluations) evaluations (result: \(result.evaluations)) with maxfun = \(options.maxfun)")
        }
        for i in 0..<n where !(result.x[i].isFinite && result.x[i] >= lower[i] && result.x[i] <= upper[i]) {
            fatalError("result x[\(i)] = \(result.x[i]) is non-finite or outside [\(lower[i]), \(upper[i])]")
        }
        if result.success && !result.f.isFinite { fatalError("success reported with f = \(result.f)") }
    } catch {
        if !invalid { fatalError("valid input was rejected: \(error)") }
    }
    return 0
}

private func pow10(_ e: Double) -> Double {
    var v = 1.0
    if e >= 0 { for _ in 0..<Int(e) { v *= 10 } } else { for _ in 0..<Int(-e) { v /= 10 } }
    return v
}
