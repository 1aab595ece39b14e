import Foundation
import PhysGradToolTestSupport
import Testing

/// A diverging method is a result, not a crash: its termination says why, and no file holds NaN
/// or infinity. (Regression: huge finite iterates before the overflow once crashed the tick
/// labels of the plots, converting 1e300 to Int64.)
@Suite("Diverging runs")
struct DivergenceTests {
    @Test("GD with a huge step: a non-finite-value termination, clean files")
    func divergingGD() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare", "--methods", "gd,newton", "--eta", "gd=1000", "--output", "out", "--quiet"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let out = folder.appendingPathComponent("out")
        for name in ["summary.json", "trajectories.csv", "x-space.svg", "y-space.svg", "loss.svg"] {
            let text = try read(out.appendingPathComponent(name)).lowercased()
            #expect(!text.contains("nan") && !text.contains("inf"), "\(name) holds a non-finite value")
        }
        let summary = try json(try read(out.appendingPathComponent("summary.json")))
        let methods = summary["methods"] as! [[String: Any]]
        let gd = methods.first { $0["name"] as? String == "gd" }!
        #expect((gd["termination"] as! [String: Any])["code"] as? String == "non-finite-value")
    }
}
