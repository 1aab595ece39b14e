import Testing
import PhysGradExamples

@Suite("The chapter's float32 replay")
struct ChapterReplayTests {
    @Test("The chapter's float32 replay agrees with the library's float64 run to float32 rounding")
    func replayAgreesWithLibrary() throws {
        let replay = ChapterReplay.run()
        let report = try Chapter.run()
        for (name, f32, f64) in [("gd", replay.gd, report.gd.trajectory.x), ("newton", replay.newton, report.newton.trajectory.x),
                                 ("pg", replay.pg, report.pg.trajectory.x)] {
            #expect(f32.count == 10)
            for (a, b) in zip(f32, f64.dropFirst()) {
                for i in 0..<2 { #expect(abs(Double(a[i]) - b[i]) <= 2e-6 * max(1, abs(b[i])), "\(name)") }
            }
        }
        for (a, b) in zip(replay.pgNumerical, report.pgNumerical.trajectory.x.dropFirst()) {
            for i in 0..<2 { #expect(abs(a[i] - b[i]) <= 1e-5) }
        }
        #expect(abs(replay.mae - report.maeFiniteDifferences) < 2e-7)
        #expect(abs(Double(replay.diagonalLengths.pg) - report.diagonalLengths.pg) < 1e-6)
    }
}
