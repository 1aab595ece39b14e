import Testing
import PhysGrad

/// `InverseSolveReport.stoppedShort` as docs/inversion-schema.md and docs/summary-schema.md state
/// it: not converged, or more than half the requested move left undone while the target is
/// missed by more than √ε |y'|.
@Suite struct InverseSolveReportTests {
    static func report(converged: Bool = true, requested: Double, residual: Double, targetNorm: Double) -> InverseSolveReport {
        InverseSolveReport(iterations: 1, evaluations: 2, termination: "converged-projected-gradient", converged: converged,
                           requested: requested, residual: residual, targetNorm: targetNorm)
    }

    @Test("the three cases of the definition")
    func cases() {
        let sqrtEps = 1.4901161193847656e-08                    // 2^-26 = √(2^-52)
        // Within √ε |y'| (33 · 1.49e-8 = 4.9e-7): reached, though nearly all of the move is undone.
        #expect(!Self.report(requested: 5e-12, residual: 5e-12, targetNorm: 33).stoppedShort)
        #expect(!Self.report(requested: 1e-7, residual: 0.99 * sqrtEps * 33, targetNorm: 33).stoppedShort)
        // Beyond it: more than half undone is short, less than half is not.
        #expect(Self.report(requested: 5e-7, residual: 1.01 * sqrtEps * 33, targetNorm: 33).stoppedShort)
        #expect(!Self.report(requested: 1e-3, residual: 4e-4, targetNorm: 33).stoppedShort)
        // Not converged: short whatever the residual.
        #expect(Self.report(converged: false, requested: 1, residual: 0, targetNorm: 33).stoppedShort)
    }
}
