import Foundation
import Testing
import PhysGradLBFGSB

/// The README's "L-BFGS-B on its own" example, as written there, against SciPy's figures for the
/// same calls (`scripts/make_readme_lbfgsb_reference.py`: fmin_l_bfgs_b, default options).
@Suite struct ReadmeExampleTests {
    static func rosenbrock(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        let t = x[1] - x[0] * x[0]
        g[0] = -400 * x[0] * t - 2 * (1 - x[0])
        g[1] = 200 * t
        return 100 * t * t + (1 - x[0]) * (1 - x[0])
    }

    @Test("with the example's bounds [-2, 2]: [1, 1] in 33 iterations and 46 evaluations, as SciPy; stepping gives the same")
    func bounded() throws {
        var solver = try LBFGSBSolver(dimension: 2, lower: [-2, -2], upper: [2, 2])
        let r = try solver.minimize(from: [-1.2, 1], objective: Self.rosenbrock)
        #expect(r.iterations == 33 && r.evaluations == 46, "\(r.iterations) iterations, \(r.evaluations) evaluations")
        #expect(abs(r.x[0] - 1) < 1e-6 && abs(r.x[1] - 1) < 1e-6, "\(r.x)")
        #expect(r.success, "\(r.termination)")

        var run = try solver.start(from: [-1.2, 1])
        while run.termination == nil {
            _ = run.step(objective: Self.rosenbrock)
        }
        #expect(run.result.x == r.x && run.result.iterations == r.iterations && run.result.evaluations == r.evaluations)
    }

    @Test("without bounds: 36 iterations and 44 evaluations, as SciPy (the benchmark's whole call)")
    func unbounded() throws {
        var solver = try LBFGSBSolver(dimension: 2)
        let r = try solver.minimize(from: [-1.2, 1], objective: Self.rosenbrock)
        #expect(r.iterations == 36 && r.evaluations == 44, "\(r.iterations) iterations, \(r.evaluations) evaluations")
    }

    @Test("the README states the figures checked above")
    func readmeStatesThem() throws {
        let readme = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md").path, encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("r.x; r.iterations; r.evaluations; r.termination") })
        #expect(line.hasSuffix("// [1, 1], 33, 46 as SciPy; why it stopped"), "\(line)")
    }

    @Test("the workspace is (16m + 69)n + 88m² + 184m bytes, as the README and the docs state it (about: without the m terms)")
    func workspaceFormula() throws {
        for (n, m) in [(1, 1), (2, 10), (1000, 10), (100_000, 5), (7, 50)] {
            #expect(LBFGSBSolver.workspaceBytes(dimension: n, maxcor: m) == (16 * m + 69) * n + 88 * m * m + 184 * m, "n = \(n), m = \(m)")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for path in ["README.md", "Sources/PhysGradLBFGSB/PhysGradLBFGSB.docc/PhysGradLBFGSB.md", "Sources/PhysGradLBFGSB/LBFGSBOptions.swift"] {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            #expect(text.contains("(16m + 69)n") && !text.contains("(16m + 65)n"), "\(path)")
        }
    }
}
