import Testing
import PhysGradLineSearch

/// Backtracking to the Armijo condition on functions whose steps are known.
@Suite struct BacktrackingTests {
    /// Drives the search on φ and returns the accepted step and the number of evaluations.
    static func run(_ search: inout Backtracking, _ phi: (Double) -> Double, f0: Double, g0: Double, stp: Double)
        -> (status: Backtracking.Status, step: Double, evaluations: Int)
    {
        var stp = stp
        var status = search.start(f0: f0, g0: g0, stp: stp)
        var count = 0
        while status == .evaluate && count < 100 {
            let tried = stp
            count += 1
            status = search.next(f: phi(tried), stp: &stp)
            if status == .converged { return (status, tried, count) }
        }
        return (status, stp, count)
    }

    @Test("a step that already decreases enough is accepted at once")
    func acceptsFirst() {
        var s = Backtracking()
        // φ(α) = (α - 1)², φ(0) = 1, φ'(0) = -2: α = 1 gives 0 <= 1 - 2e-4.
        let r = Self.run(&s, { ($0 - 1) * ($0 - 1) }, f0: 1, g0: -2, stp: 1)
        #expect(r.status == .converged && r.step == 1 && r.evaluations == 1)
    }

    @Test("too long a step is cut by interpolation within [0.1, 0.5] of itself, and the result satisfies Armijo")
    func interpolates() {
        var s = Backtracking()
        // φ(α) = (α - 1)², tried at α = 10: the quadratic through φ(0), φ'(0), φ(10) is φ itself,
        // whose minimizer 1 lies in [1, 5]: the next trial is exactly 1.
        let r = Self.run(&s, { ($0 - 1) * ($0 - 1) }, f0: 1, g0: -2, stp: 10)
        #expect(r.status == .converged && r.step == 1 && r.evaluations == 2)
        // A steep wall: every cut is at least a factor 2 and at most 10.
        var wall = Backtracking()
        let phi: (Double) -> Double = { $0 < 1e-3 ? -$0 : 1e6 * $0 }
        let w = Self.run(&wall, phi, f0: 0, g0: -1, stp: 1)
        #expect(w.status == .converged && w.step < 1e-3 && w.step >= 1e-6)
        #expect(phi(w.step) <= -1e-4 * w.step)
    }

    @Test("a non-finite trial value shrinks the step and the search goes on")
    func nonFinite() {
        var s = Backtracking()
        let r = Self.run(&s, { $0 > 0.5 ? .nan : ($0 - 0.3) * ($0 - 0.3) - 0.09 }, f0: 0, g0: -0.6, stp: 4)
        #expect(r.status == .converged && r.step <= 0.5)
    }

    @Test("no sufficient decrease above the smallest step: stepTooSmall; an ascent direction: error")
    func failures() {
        var s = Backtracking(minimumStep: 1e-6)
        let r = Self.run(&s, { _ in 1 }, f0: 0, g0: -1, stp: 1)
        #expect(r.status == .stepTooSmall)
        var t = Backtracking()
        #expect(t.start(f0: 0, g0: 1, stp: 1) == .error)
        #expect(t.start(f0: 0, g0: -1, stp: .nan) == .error)
        // An infinite slope makes the bound φ(0) + c1 α φ'(0) = -inf: no step could pass.
        #expect(t.start(f0: 0, g0: -.infinity, stp: 1) == .error)
        #expect(t.start(f0: .infinity, g0: -1, stp: 1) == .error)
        #expect(!Backtracking(c1: 1.5).isValid && Backtracking().isValid)
        // Parameters out of range are invalid input: with c1 = -1 the bound φ(0) - α φ'(0) would
        // accept an increase (φ(1) = 0.5 > φ(0) = 0) as sufficient decrease.
        for invalid in [Backtracking(c1: -1), Backtracking(c1: 1.5), Backtracking(shrinkLow: 0.6, shrinkHigh: 0.5),
                        Backtracking(shrinkHigh: 1), Backtracking(minimumStep: 0)] {
            var b = invalid
            #expect(b.start(f0: 0, g0: -1, stp: 1) == .error)
        }
    }
}
