import Testing
import PhysGradLineSearch

/// The More-Thuente search on the first test function of More & Thuente (1994, Table 1):
/// φ(α) = -α / (α² + β), β = 2, ftol = 1e-3, gtol = 0.1.
@Suite struct MoreThuenteTests {
    static func phi(_ a: Double) -> (Double, Double) {
        let b = 2.0
        return (-a / (a * a + b), (a * a - b) / ((a * a + b) * (a * a + b)))
    }

    @Test(arguments: [(1e-3, 1.4, 6), (1e-1, 1.4, 3), (1e1, 10.0, 1), (1e3, 37.0, 4)])
    func paperTable1(start: Double, expected: Double, evaluations: Int) {
        var search = MoreThuente(ftol: 1e-3, gtol: 0.1, xtol: 0.1, stpmin: 0, stpmax: 1e10)
        let (f0, g0) = Self.phi(0)
        var stp = start
        #expect(search.start(f0: f0, g0: g0, stp: stp) == .evaluate)
        var count = 0
        var status = MoreThuente.Status.evaluate
        while status == .evaluate && count < 30 {
            let (f, g) = Self.phi(stp)
            count += 1
            status = search.next(f: f, g: g, stp: &stp)
        }
        #expect(status == .converged)
        #expect(count == evaluations)
        #expect(abs(stp - expected) < 0.05 * expected, "stp = \(stp)")
        let (f, g) = Self.phi(stp)
        #expect(f <= f0 + 1e-3 * stp * g0 && abs(g) <= 0.1 * abs(g0))
    }

    @Test func backOffNeverReturnsToTheBadStep() {
        var search = MoreThuente(stpmax: 1e10)
        #expect(search.start(f0: 0, g0: -1, stp: 8) == .evaluate)
        let s = search.backOff(from: 8)
        #expect(s == 4 && search.stpmax == 4)
    }

    /// The driven search takes the same steps as the hand-written loop above and reports where it stopped.
    @Test(arguments: [(1e-3, 6), (1e-1, 3), (1e1, 1), (1e3, 4)])
    func searchDrivesTheSameLoop(start: Double, evaluations: Int) {
        var search = MoreThuente(ftol: 1e-3, gtol: 0.1, xtol: 0.1, stpmin: 0, stpmax: 1e10)
        let (f0, g0) = Self.phi(0)
        var steps: [Double] = []
        let outcome = search.search(from: start, value: f0, slope: g0, maxEvaluations: 30) { a in
            steps.append(a)
            return Self.phi(a)
        }
        guard case .accepted(let step, .converged) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(steps.count == evaluations && steps.last == step)
        let (f, g) = Self.phi(step)
        #expect(f <= f0 + 1e-3 * step * g0 && abs(g) <= 0.1 * abs(g0))
    }

    @Test func searchLimitsAndAbandons() {
        let (f0, g0) = Self.phi(0)
        var a = MoreThuente(ftol: 1e-3, gtol: 0.1, xtol: 0.1, stpmin: 0, stpmax: 1e10)
        #expect(a.search(from: 1e-3, value: f0, slope: g0, maxEvaluations: 2) { Self.phi($0) } == .tooManyEvaluations)
        var b = MoreThuente(stpmax: 1e10)
        var calls = 0
        let abandoned = b.search(from: 1, value: f0, slope: g0, maxEvaluations: 20) { step -> (value: Double, slope: Double)? in
            calls += 1
            return calls == 2 ? nil : Self.phi(step * 1e-3)
        }
        #expect(abandoned == .abandoned && calls == 2)
        var c = MoreThuente(stpmax: 1e10)
        #expect(c.search(from: 1, value: 0, slope: 1, maxEvaluations: 20) { _ in (0, 0) } == .invalidInput)
        var d = MoreThuente(stpmax: 0.5)
        #expect(d.search(from: 1, value: f0, slope: g0, maxEvaluations: 20) { _ in (0, 0) } == .invalidInput)
    }

    /// Non-finite trial values make the search back off: no step at or beyond a bad one is returned or
    /// tried again.
    @Test func searchBacksOffFromNonFiniteValues() {
        var search = MoreThuente(ftol: 1e-3, gtol: 0.1, xtol: 0.1, stpmin: 0, stpmax: 1e10)
        let (f0, g0) = Self.phi(0)
        var tried: [Double] = []
        let outcome = search.search(from: 8, value: f0, slope: g0, maxEvaluations: 40) { a in
            tried.append(a)
            return a > 3 ? (.nan, .nan) : Self.phi(a)
        }
        guard case .accepted(let step, _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(step <= 3 && step > 0)
        #expect(tried.first == 8 && tried.dropFirst().allSatisfy { $0 < 8 })
    }

    /// A NaN or infinite φ(0) or φ'(0), or a NaN first step, is invalid input: the search stops at
    /// once instead of evaluating φ at NaN steps (NaN slope) or accepting any finite value as a
    /// sufficient decrease from φ(0) = +inf.
    @Test func nonFiniteInputIsRejected() {
        for (f0, g0, stp) in [(0.0, Double.nan, 1.0), (0.0, -Double.infinity, 1.0), (Double.infinity, -1.0, 1.0),
                              (Double.nan, -1.0, 1.0), (0.0, -1.0, Double.nan)] {
            var search = MoreThuente(stpmax: 1e10)
            #expect(search.start(f0: f0, g0: g0, stp: stp) == .error, "f0 \(f0), g0 \(g0), stp \(stp)")
            var evaluations = 0
            let outcome = search.search(from: stp, value: f0, slope: g0, maxEvaluations: 20) { _ in
                evaluations += 1
                return (5, -0.5)
            }
            #expect(outcome == .invalidInput && evaluations == 0, "f0 \(f0), g0 \(g0), stp \(stp): \(outcome)")
        }
    }

    /// A search that backed off from non-finite values lowers stpmax for itself only: the next
    /// search on the same value starts with the limit it was made with.
    @Test func backOffLimitsEndWithTheirSearch() {
        var search = MoreThuente(ftol: 1e-3, gtol: 0.1, xtol: 0.1, stpmin: 0, stpmax: 1e10)
        let (f0, g0) = Self.phi(0)
        _ = search.search(from: 8, value: f0, slope: g0, maxEvaluations: 40) { a in a > 3 ? (.nan, .nan) : Self.phi(a) }
        #expect(search.stpmax < 8)
        // The paper's first function from 1e3 again: the same 4 evaluations and step as a fresh search.
        var steps: [Double] = []
        let outcome = search.search(from: 1e3, value: f0, slope: g0, maxEvaluations: 30) { a in
            steps.append(a)
            return Self.phi(a)
        }
        #expect(search.stpmax == 1e10)
        guard case .accepted(let step, .converged) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(steps.count == 4 && abs(step - 37) < 0.05 * 37, "\(steps)")
    }

    /// φ(α) = (α - 1)², NaN on (lo, hi) around the minimizer, from α = 1.5 (gtol 0.1: the strong Wolfe
    /// steps are [0.9, 1.1]). The first trials bracket [0, 1.5] with the best step 1.5 and interpolate
    /// to 1, inside the hole, below the best step: the search must back off towards 1.5 and never try
    /// a step at or below a non-finite one again, so each non-finite step is evaluated once.
    @Test(arguments: [(0.99, 1.001, true), (0.9, 1.1, false), (0.5, 1.2, false)])
    func nonFiniteHoleBelowTheBestStep(lo: Double, hi: Double, reachable: Bool) {
        var search = MoreThuente(ftol: 1e-3, gtol: 0.1, xtol: 0.1, stpmin: 0, stpmax: 1e10)
        var bad: [Double] = []
        var tried: [Double] = []
        let outcome = search.search(from: 1.5, value: 1, slope: -2, maxEvaluations: 30) { a in
            tried.append(a)
            if a > lo && a < hi {
                bad.append(a)
                return (.nan, .nan)
            }
            return ((a - 1) * (a - 1), 2 * (a - 1))
        }
        #expect(Set(bad).count == bad.count, "non-finite steps tried again: \(tried)")
        guard case .accepted(let step, let status) = outcome else {
            Issue.record("\(outcome) after \(tried)")
            return
        }
        let f = (step - 1) * (step - 1), g = 2 * (step - 1)
        #expect(f <= 1 - 2e-3 * step, "step \(step)")
        if reachable {
            #expect(status == .converged && abs(g) <= 0.2, "step \(step) after \(tried)")
        }
    }

    /// MINPACK-2's dcsrch rejects negative ftol, gtol, xtol and stpmin at the start. With ftol < 0 the
    /// "sufficient decrease" test accepts increases: on φ(α) = -α + 2α² from α = 1 (φ = 1 > φ(0) = 0,
    /// φ' = 3) a search with ftol = -2, gtol = 5 would report convergence there.
    @Test(arguments: [(-2.0, 5.0, 0.1, 0.0), (1e-3, -0.1, 0.1, 0.0), (1e-3, 0.9, -0.1, 0.0), (1e-3, 0.9, 0.1, -1.0),
                      (Double.nan, 0.9, 0.1, 0.0)])
    func negativeParametersAreInvalidInput(ftol: Double, gtol: Double, xtol: Double, stpmin: Double) {
        var search = MoreThuente(ftol: ftol, gtol: gtol, xtol: xtol, stpmin: stpmin, stpmax: 10)
        #expect(search.start(f0: 0, g0: -1, stp: 1) == .error)
        let outcome = search.search(from: 1, value: 0, slope: -1, maxEvaluations: 20) { a in (-a + 2 * a * a, -1 + 4 * a) }
        #expect(outcome == .invalidInput, "\(outcome)")
    }
}
