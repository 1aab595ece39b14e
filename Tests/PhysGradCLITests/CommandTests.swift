import Foundation
import PhysGradToolTestSupport
import Testing

@Suite("physgrad invert, minimize, sweep")
struct CommandTests {
    @Test("invert: the chapter's test inverse with SciPy's iteration and evaluation counts")
    func invertChapter() throws {
        let run = try physgrad(["invert", "--problem", "seed", "--target", "2,2", "--start", "3,3"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("x = array([2.00000003, 1.41421353])"))
        #expect(run.stdout.contains("iterations (nit) 11, function evaluations (nfev) 36"))
        #expect(run.stdout.contains("termination: CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"))

        let j = try physgrad(["invert", "--problem", "seed", "--target", "2,2", "--start", "3,3", "--format", "json"])
        let doc = try json(j.stdout)
        // SciPy's fmin_l_bfgs_b: Tests/PhysGradExamplesTests/Resources/seed-reference.json, scipy.bfgs_test.
        let ref = try #require(try seedReference()["scipy"] as? [String: Any])
        let test = try #require(ref["bfgs_test"] as? [String: Any])
        for (a, b) in zip(doubles(doc["x"]), doubles(test["x"])) { #expect(abs(a - b) <= 1e-9) }
        #expect(doc["nit"] as? Int == test["nit"] as? Int)
        #expect(doc["nfev"] as? Int == test["funcalls"] as? Int)
        #expect(double(doc["residual"]) < 1e-6)
        #expect((doc["termination"] as? [String: Any])?["code"] as? String == "converged-projected-gradient")
    }

    @Test("invert: bounds pick the branch; exact gradients; negative numbers as values")
    func invertBounds() throws {
        let negative = try physgrad(["invert", "--target", "2,2", "--start", "3,-3", "--format", "json"])
        #expect(negative.status == 0, "\(negative.stderr)")
        #expect(doubles(try json(negative.stdout)["x"])[1] < -1.41)
        let bounded = try physgrad(["invert", "--target", "2,2", "--start", "3,-3", "--lower", "-inf,0.1", "--format", "json",
                                    "--inverse-gradient", "exact"])
        #expect(bounded.status == 0, "\(bounded.stderr)")
        let doc = try json(bounded.stdout)
        #expect(abs(doubles(doc["x"])[1] - 2.0.squareRoot()) < 1e-8)
        #expect(doc["start_was_projected"] as? Bool == true)
        let infeasible = try physgrad(["invert", "--target", "2,2", "--lower", "1", "--upper", "0"])
        #expect(infeasible.status == 64)
        #expect(infeasible.stderr.hasPrefix("physgrad: error: "))
        // A target longer than 20 entries is cut in the JSON, and says so as x does.
        let long = try json(try physgrad(["invert", "--problem", "blur", "--dimension", "24", "--target", "0.5", "--start", "0",
                                          "--inverse-gradient", "exact", "--format", "json"]).stdout)
        #expect(doubles(long["target"]).count == 20 && long["target_truncated"] as? Bool == true)
        #expect(doubles(long["x"]).count == 20 && long["x_truncated"] as? Bool == true)
        #expect(try json(negative.stdout)["target_truncated"] as? Bool == false)
    }

    @Test("minimize: every test function converges; JSON fields; SciPy option names")
    func minimize() throws {
        for (name, n, expected) in [("extended-rosenbrock", 1000, 0.0), ("chained-rosenbrock", 20, 0.0), ("beale", 2, 0.0),
                                    ("booth", 2, 0.0)] {
            let run = try physgrad(["minimize", "--function", name, "--dimension", String(n), "--format", "json"])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let doc = try json(run.stdout)
            #expect(doc["function"] as? String == name)
            #expect(doc["n"] as? Int == n)
            #expect(abs(double(doc["f"]) - expected) < 1e-8, "\(name) f")
            #expect((doc["nit"] as? Int ?? 0) > 0 && (doc["nfev"] as? Int ?? 0) >= (doc["nit"] as? Int ?? 0))
            #expect(double(doc["projected_gradient_norm"]) <= 1e-5 || (doc["termination"] as? [String: Any])?["code"] as? String == "converged-relative-reduction")
            #expect((doc["termination"] as? [String: Any])?["success"] as? Bool == true)
            #expect(doc["status"] as? Int == 0)
            #expect(doubles(doc["x"]).count == min(n, 20))
            #expect(doc["x_truncated"] as? Bool == (n > 20))
            if n > 20 {
                let stats = try #require(doc["x_stats"] as? [String: Any])
                #expect(abs(double(stats["mean"]) - 1) < 1e-5)
            }
        }
        // driver1 (bounds): x0 stays at its lower bound 1, f near 0; and options change the run.
        let d1 = try json(try physgrad(["minimize", "--function", "driver1", "--format", "json"]).stdout)
        #expect(doubles(d1["x"])[0] == 1)
        #expect(double(d1["f"]) < 1e-6)
        let limited = try json(try physgrad(["minimize", "--function", "chained-rosenbrock", "--dimension", "20", "--maxiter", "3",
                                             "--maxcor", "3", "--format", "json"]).stdout)
        #expect(limited["nit"] as? Int == 3)
        #expect((limited["termination"] as? [String: Any])?["code"] as? String == "iteration-limit")
        #expect(limited["status"] as? Int == 1)
        let tight = try json(try physgrad(["minimize", "--function", "beale", "--gtol", "1e-12", "--ftol", "0", "--format", "json"]).stdout)
        #expect(double(tight["projected_gradient_norm"]) < 1e-9 || (tight["termination"] as? [String: Any])?["code"] as? String != "converged-projected-gradient")
        let both = try physgrad(["minimize", "--function", "beale", "--gtol", "1e-6", "--pgtol", "1e-6"])
        #expect(both.status == 64)
    }

    @Test("minimize: the same iterations, evaluations and f as SciPy on the reference problems")
    func minimizeAgainstSciPy() throws {
        // SciPy 1.17's results: Tests/PhysGradLBFGSBTests/Resources/lbfgsb-reference.json
        // (scripts/make_lbfgsb_reference.py).
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PhysGradLBFGSBTests/Resources/lbfgsb-reference.json")
        let problems = try #require(try json(read(url))["problems"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: problems.map { ($0["name"] as! String, $0) })
        for (reference, arguments) in [("ext_rosenbrock_n1000", ["extended-rosenbrock", "1000"]), ("chained_rosenbrock_n10", ["chained-rosenbrock", "10"]),
                                       ("driver1_n25", ["driver1", "25"]), ("beale", ["beale", "2"]), ("booth", ["booth", "2"])] {
            let expected = try #require(byName[reference])
            let run = try physgrad(["minimize", "--function", arguments[0], "--dimension", arguments[1], "--format", "json"])
            let doc = try json(run.stdout)
            #expect(doc["nit"] as? Int == expected["nit"] as? Int, "\(reference) nit")
            #expect(doc["nfev"] as? Int == expected["nfev"] as? Int, "\(reference) nfev")
            let f = double(doc["f"]), g = double(expected["fun"])
            #expect(abs(f - g) <= 1e-3 * abs(g) + 1e-14, "\(reference) f \(f) vs \(g)")
        }
    }

    let grid = ["sweep", "--problems", "seed,powers,burgers", "--dimensions", "2,4", "--methods", "gd,newton,pg,pg-numerical,adam,lbfgsb",
                "--etas", "0.01,0.3", "--starts", "1,3", "--steps", "5"]

    @Test("sweep: shards concatenate into the unsharded output, CSV and JSON Lines; resume skips finished shards")
    func sweepShards() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = try physgrad(grid + ["--output", "whole.csv", "--jobs", "2"], in: folder)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stderr.isEmpty, "no progress bar when stderr is not a terminal")
        let wholeText = try read(folder.appendingPathComponent("whole.csv"))
        let rows = wholeText.split(separator: "\n")
        // 3 problems x 2 dimensions x (5 methods x 2 etas + lbfgsb) x 2 starts = 132 rows + header.
        #expect(rows.count == 133)
        #expect(rows[0].hasPrefix("index,problem,dimension,method,eta,start,steps,status"))
        #expect(rows.dropFirst().enumerated().allSatisfy { $0.element.hasPrefix("\($0.offset),") }, "rows in grid order")
        #expect(rows.contains { $0.contains(",burgers,") && $0.contains(",pg,") && $0.contains(",error,") })
        #expect(rows.contains { $0.hasPrefix("1,seed,2,gd,0.01,3.0,5,ok,true,5,") })
        for n in [3, 5] {
            var parts = ""
            for i in 1...n {
                let r = try physgrad(grid + ["--shard", "\(i)/\(n)", "--output", "part-\(n)-\(i).csv"], in: folder)
                #expect(r.status == 0, "\(r.stderr)")
                parts += try read(folder.appendingPathComponent("part-\(n)-\(i).csv"))
            }
            #expect(parts == wholeText, "\(n) shards")
        }
        // The same grid on stdout, jobs 1 vs default: the same bytes (deterministic order).
        let serial = try physgrad(grid + ["--jobs", "1"], in: folder)
        #expect(serial.stdout == wholeText)
        // JSON Lines.
        let jsonl = try physgrad(grid + ["--format", "jsonl"], in: folder)
        let records = jsonl.stdout.split(separator: "\n")
        #expect(records.count == 132)
        var shards = ""
        for i in 1...4 { shards += try physgrad(grid + ["--format", "jsonl", "--shard", "\(i)/4"], in: folder).stdout }
        #expect(shards == jsonl.stdout)
        let first = try json(String(records[1]))
        #expect(first["problem"] as? String == "seed" && first["method"] as? String == "gd" && double(first["start"]) == 3)
        #expect(abs(double(first["final_loss"]) - Self.gdLoss(start: 3, eta: 0.01, steps: 5)) < 1e-12)
        // Resuming: a finished shard file is skipped (not recomputed, not rewritten); a file that
        // is not one is refused, and replaced only with --force.
        let finished = folder.appendingPathComponent("part-3-2.csv")
        let finishedText = try read(finished)
        let again = try physgrad(grid + ["--shard", "2/3", "--output", "part-3-2.csv"], in: folder)
        #expect(again.status == 0)
        #expect(again.stderr.contains("is a finished shard of this sweep; skipping it"))
        #expect(try read(finished) == finishedText)
        let marker = folder.appendingPathComponent("part-3-3.csv")
        try Data("kept\n".utf8).write(to: marker)
        let refused = try physgrad(grid + ["--shard", "3/3", "--output", "part-3-3.csv"], in: folder)
        #expect(refused.status == 73)
        #expect(refused.stderr.contains("is not a finished shard 3/3 of this sweep"))
        #expect(try read(marker) == "kept\n")
        let forced = try physgrad(grid + ["--shard", "3/3", "--output", "part-3-3.csv", "--force"], in: folder)
        #expect(forced.status == 0)
        #expect(try read(marker) != "kept\n")
    }

    @Test("sweep: a progress bar on stderr when it is a terminal (util-linux `script` provides one)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func sweepProgressBar() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tool = try physgradExecutable().path
        let log = folder.appendingPathComponent("tty.log").path
        let csv = folder.appendingPathComponent("sweep.csv").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "\(tool) sweep --problems seed --methods gd,newton,pg --etas 0.01,0.1 --output \(csv)", log]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let screen = try read(URL(fileURLWithPath: log))
        #expect(screen.contains("sweep [##############################] 6/6"), "\(screen)")
        #expect(try read(URL(fileURLWithPath: csv)).split(separator: "\n").count == 7, "the results go to the file, not the terminal")
    }

    /// L(x) after `steps` GD steps on the seed problem from (s, s): x0 ← x0 - 2ηx0, x1 ← x1 - 4ηx1³.
    static func gdLoss(start s: Double, eta: Double, steps: Int) -> Double {
        var a = s, b = s
        for _ in 0..<steps {
            let ga = 2 * a, gb = 4 * b * b * b
            a -= eta * ga
            b -= eta * gb
        }
        return a * a + b * b * b * b
    }
}
