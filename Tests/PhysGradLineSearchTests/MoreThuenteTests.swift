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
}
