import Foundation
import PhysGradToolTestSupport
import Testing

/// Issue 11, item 8: the same outcome has the same exit status in text and JSON.
extension Catalog {
    /// (arguments without --format, expected status, what stderr says when it fails)
    static let outcomes: [(arguments: [String], status: Int32, message: String?)] = [
        // A solve that does not converge: 1, after the diagnostics.
        (["invert", "--problem", "seed", "--target", "1e300,1e300"], 1, "the inverse did not converge: ABNORMAL"),
        (["invert", "--problem", "seed", "--target", "2,2", "--start", "1e200,1e200"], 1, "the inverse did not converge"),
        // Converged.
        (["invert", "--problem", "seed", "--target", "2,2", "--start", "3,3"], 0, nil),
        (["invert", "--problem", "blur", "--dimension", "8", "--target", "1", "--start", "0", "--inverse-gradient", "exact"], 0, nil),
        // minimize: a limit you set is 0 (SciPy status 1), an abnormal stop is 1 (status 2).
        (["minimize", "--function", "chained-rosenbrock", "--dimension", "20", "--maxiter", "3"], 0, nil),
        (["minimize", "--function", "chained-rosenbrock", "--dimension", "20", "--maxfun", "2"], 0, nil),
        (["minimize", "--function", "beale", "--start", "1e200,1e200"], 1, "L-BFGS-B stopped abnormally"),
        (["minimize", "--function", "booth"], 0, nil),
        // compare: a diverging method is a result (its termination says so), in both formats.
        (["compare", "--methods", "gd", "--eta", "gd=1000", "--no-plots", "--output", "o"], 0, nil),
        (["compare", "--problem", "powers", "--dimension", "4", "--methods", "newton", "--start", "0", "--no-plots", "--output", "o"], 0, nil),
    ]
}

@Suite("Hostile: exit statuses agree across formats (item 8)")
struct ExitStatusTests {
    @Test(arguments: Catalog.outcomes.indices)
    func sameStatusInTextAndJSON(_ k: Int) throws {
        let (arguments, status, message) = Catalog.outcomes[k]
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try physgrad(arguments, in: folder)
        let json = try physgrad(arguments + ["--format", "json"], in: folder)
        for run in [text, json] {
            #expect(!run.signaled && run.status == status, "\(arguments): \(run)")
            if let message {
                #expect(run.stderr.hasPrefix("physgrad: error: ") && run.stderr.contains(message) && run.stderrLines.count == 1, "\(run)")
            } else {
                #expect(run.stderr.isEmpty, "\(run)")
            }
            #expect(!run.stdout.isEmpty, "the result is printed whatever the status")
        }
        let doc = try PhysGradToolTestSupport.json(json.stdout)
        // The JSON says what the status says.
        if arguments[0] != "compare" {
            let success = (doc["termination"] as? [String: Any])?["success"] as? Bool
            if arguments[0] == "invert" { #expect(success == (status == 0)) }
            if arguments[0] == "minimize" { #expect((doc["status"] as? Int == 2) == (status == 1)) }
        }
    }

    /// invert's exact issue case: success false in JSON and exit 1, as the text format does.
    @Test func invertTarget1e300() throws {
        let run = try physgrad(["invert", "--problem", "seed", "--target", "1e300,1e300", "--format", "json"])
        #expect(run.status == 1)
        let doc = try PhysGradToolTestSupport.json(run.stdout)
        #expect((doc["termination"] as? [String: Any])?["success"] as? Bool == false)
        #expect((doc["termination"] as? [String: Any])?["code"] as? String == "non-finite-value")
    }
}
