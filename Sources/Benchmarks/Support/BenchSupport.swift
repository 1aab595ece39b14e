// Shared pieces of PhysGrad's benchmark executables (products named `bench-*`).
//
// Protocol (scripts/bench reads it): every measurement is one JSON line on stdout,
//   {"suite": "...", "case": "...", "n": 2000, "impl": "physgrad", "median_s": 0.041, "runs": 9,
//    "extra": {"gflops": 130.2}, "vs": "other-case"}
// scripts/bench groups rows by (suite, case, n) and prints each non-peer row with its ratio to
// every peer row of the group (peer rows come from scripts/peers/<suite>.py and carry
// "peer": true), and, when "vs" names another case of the same suite and n, its ratio to that row.
// Anything else a benchmark prints must go to stderr.
import Foundation

/// Median wall time of `body` over repeated runs: at least `minRuns` runs and at least
/// `minSeconds` of total time (at most `maxRuns`), after one warm-up run.
public func measure(minRuns: Int = 5, minSeconds: Double = 0.25, maxRuns: Int = 10_000, _ body: () -> Void) -> (median: Double, runs: Int) {
    body()  // warm-up: page faults, lazy initialization, OpenBLAS buffers
    var times: [Double] = []
    var total = 0.0
    let clock = ContinuousClock()
    while times.count < minRuns || (total < minSeconds && times.count < maxRuns) {
        let t = clock.measure(body)
        let s = Double(t.components.seconds) + Double(t.components.attoseconds) * 1e-18
        times.append(s)
        total += s
    }
    times.sort()
    let mid = times.count / 2
    let median = times.count % 2 == 1 ? times[mid] : 0.5 * (times[mid - 1] + times[mid])
    return (median, times.count)
}

/// Keeps the optimizer from deleting a computation whose result is otherwise unused.
@inline(never)
public func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// One benchmark measurement, printed as a JSON line.
public struct BenchRecord {
    public var suite: String
    public var caseName: String
    public var n: Int
    public var impl: String
    public var median: Double
    public var runs: Int
    public var extra: [String: Double]
    public var vs: String?
    /// A peer measured from Swift (e.g. OpenBLAS called directly), paired like a Python peer.
    public var peer: Bool

    public init(suite: String, caseName: String, n: Int, impl: String = "physgrad", median: Double, runs: Int,
                extra: [String: Double] = [:], vs: String? = nil, peer: Bool = false) {
        self.peer = peer
        self.suite = suite
        self.caseName = caseName
        self.n = n
        self.impl = impl
        self.median = median
        self.runs = runs
        self.extra = extra
        self.vs = vs
    }

    public func emit() {
        var object: [String: Any] = [
            "suite": suite, "case": caseName, "n": n, "impl": impl, "median_s": median, "runs": runs,
        ]
        if !extra.isEmpty { object["extra"] = extra }
        if let vs { object["vs"] = vs }
        if peer { object["peer"] = true }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        // One write per line, so that lines from a benchmark never interleave.
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// Command-line flags common to all benchmark executables.
public struct BenchArguments {
    /// `--quick`: smaller sizes and fewer runs, for a smoke test.
    public var quick: Bool
    public init() {
        quick = CommandLine.arguments.contains("--quick")
    }
}
