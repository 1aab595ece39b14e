// libFuzzer harness for the command-line tool's input parsing (built and run by scripts/fuzz/run).
//
// Each input is split at the first NUL: the first part picks a parser, the rest is the text
// handed to it. A finding is a crash or trap, or a parser that accepts text and returns a value
// outside its contract: a non-finite number where none is allowed, a point of the wrong
// dimension, an integer below its minimum, a shard outside 1...N, an empty method list, a
// non-positive or non-finite step size, a problem of non-positive dimension.
import PhysGrad
import PhysGradReport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let selector = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    switch selector % 9 {
    case 0:
        if let v = try? Inputs.number(text, option: "--x") { precondition(v.isFinite, "number accepted non-finite \(v)") }
    case 1:
        if let v = try? Inputs.number(text, option: "--x", allowInfinite: true) { precondition(!v.isNaN, "number accepted NaN") }
    case 2:
        if let v = try? Inputs.numbers(text, option: "--x") {
            precondition(!v.isEmpty && v.allSatisfy(\.isFinite), "numbers accepted \(v)")
        }
    case 3:
        let n = 1 + Int(selector / 9 % 7)
        if let v = try? Inputs.point(text, dimension: n, option: "--start") {
            precondition(v.count == n && v.allSatisfy(\.isFinite), "point of dimension \(n) accepted \(v)")
        }
    case 4:
        if let v = try? Inputs.integer(text, option: "--n", minimum: 1) { precondition(v >= 1, "integer accepted \(v)") }
    case 5:
        if let s = try? Inputs.shard(text) { precondition(s.index >= 1 && s.index <= s.count, "shard accepted \(s)") }
    case 6:
        if let m = try? Inputs.methods(text) { precondition(!m.isEmpty, "methods accepted an empty list") }
    case 7:
        let parts = text.split(separator: "\n").map(String.init)
        if let etas = try? Inputs.stepSizes(parts) {
            precondition(etas.values.allSatisfy { $0.isFinite && $0 > 0 }, "step sizes accepted \(etas)")
        }
    default:
        // A problem name and a small dimension (large ones are refused by the catalog's limits,
        // which the unit tests check; here the fuzzer would only measure allocation time).
        let dimension = Int(selector / 9 % 24)
        if let p = try? Inputs.problem(text, dimension: dimension) { precondition(p.dimension > 0, "problem of dimension \(p.dimension)") }
    }
    return 0
}
