import ArgumentParser
import Foundation
import PhysGradToolTestSupport
@testable import PhysGradCLI
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The chapter's printed output, copied from the chapter ("Simple Example comparing Different
/// Optimizers", Physics-based Deep Learning; the project's copy is shared/seed/000_2e071a54198df8d8.txt),
/// in its order. `physgrad compare` must print each of these lines, in this order.
let chapterPrintedLines: [String] = [
    "Starting point x = [3. 3.]",
    "Some test calls of the functions we defined so far, from top to bottom, y, manual L(y), L(y):",
    "(DeviceArray([3., 9.], dtype=float32),",
    " DeviceArray(90., dtype=float32),",
    " DeviceArray(90., dtype=float32))",
    "Jacobian L(y): [ 6. 18.]",
    "Jacobian y(x): ",
    "[[1. 0.]",
    " [0. 6.]]",
    "Sanity check with inverse Jacobian of y, this should give x again: [3. 3.]",
    "Gradient for full L(x): [  6. 108.]",
    "GD iter 0: [2.94      1.9200001]",
    "GD iter 1: [2.8812    1.6368846]",
    "GD iter 2: [2.823576  1.4614503]",
    "GD iter 3: [2.7671044 1.3365935]",
    "GD iter 4: [2.7117622 1.2410815]",
    "GD iter 5: [2.657527  1.1646168]",
    "GD iter 6: [2.6043763 1.1014326]",
    "GD iter 7: [2.5522888 1.0479842]",
    "GD iter 8: [2.501243  1.0019454]",
    "GD iter 9: [2.4512184  0.96171147]",
    "Newton iter 0: [2.        2.6666667]",
    "Newton iter 1: [1.3333333 2.3703704]",
    "Newton iter 2: [0.88888884 2.1069958 ]",
    "Newton iter 3: [0.59259254 1.8728852 ]",
    "Newton iter 4: [0.39506167 1.6647868 ]",
    "Newton iter 5: [0.26337445 1.4798105 ]",
    "Newton iter 6: [0.17558296 1.315387  ]",
    "Newton iter 7: [0.1170553 1.1692328]",
    "Newton iter 8: [0.07803687 1.0393181 ]",
    "Newton iter 9: [0.05202458 0.92383826]",
    "PG iter 0: [2.1       2.5099802]",
    "PG iter 1: [1.4699999 2.1000001]",
    "PG iter 2: [1.0289999 1.7569861]",
    "PG iter 3: [0.72029996 1.47      ]",
    "PG iter 4: [0.50421   1.2298902]",
    "PG iter 5: [0.352947 1.029   ]",
    "PG iter 6: [0.24706289 0.86092323]",
    "PG iter 7: [0.17294402 0.7203    ]",
    "PG iter 8: [0.12106082 0.60264623]",
    "PG iter 9: [0.08474258 0.50421   ]",
    "Diagonal lengths (larger is better): GD 1.053930, Nt 1.264911, PG 1.356443 ",
    "BFGS optimization test run, find x such that y=[2,2]:",
    "array([2.00000003, 1.41421353])",
    "PG iter 0: [2.09999967 2.50998022]",
    "PG iter 1: [1.46999859 2.10000011]",
    "PG iter 2: [1.02899871 1.75698602]",
    "PG iter 3: [0.72029824 1.4699998 ]",
    "PG iter 4: [0.50420733 1.22988982]",
    "PG iter 5: [0.35294448 1.02899957]",
    "PG iter 6: [0.24705997 0.86092355]",
    "PG iter 7: [0.17294205 0.72030026]",
    "PG iter 8: [0.12106103 0.60264817]",
    "PG iter 9: [0.08474171 0.50421247]",
    "MAE difference between analytic PG and approximate inversion: 0.000001",
]

/// The position of each expected line in `lines`, searching forward from the previous match;
/// `nil` for the first line not found in order.
func firstMissing(_ expected: [String], in lines: [String]) -> String? {
    var k = 0
    for e in expected {
        guard let i = lines[k...].firstIndex(of: e) else { return e }
        k = i + 1
    }
    return nil
}

@Suite("physgrad compare")
struct CompareTests {
    @Test("With no arguments it prints the chapter's lines, in order, with the chapter's digits")
    func chapterTranscript() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        let lines = run.stdout.components(separatedBy: "\n")
        #expect(firstMissing(chapterPrintedLines, in: lines) == nil)
        // What the chapter states in prose and shows in its figures comes in the issue's order.
        let order = ["PG iter 9: [0.08474258 0.50421   ]", "Final distances to the solution [0 0]: GD 2.633128, Nt 0.925302, PG 0.511282",
                     "Diagonal lengths (larger is better): GD 1.053930, Nt 1.264911, PG 1.356443 ",
                     "y space, GD y(x_1) ... y(x_9):", "y space, Newton y(x_1) ... y(x_9):",
                     "y space, PG y_1 ... y_10 (its y-space steps):", "BFGS optimization test run, find x such that y=[2,2]:"]
        #expect(firstMissing(order, in: lines) == nil)
        // The y-space points the chapter plots (GD's first, PG's last), float32 digits.
        #expect(lines.contains("[[2.94      3.6864002]"))
        #expect(lines.contains(" [0.08474258 0.25422773]]"))
        // `physgrad` alone is `physgrad compare`, and the default output folder is used.
        let bare = try physgrad([], in: folder)
        #expect(bare.status == 0)
        #expect(bare.stdout == run.stdout)
        #expect(try contents(of: folder.appendingPathComponent("physgrad-output")) ==
                ["loss.svg", "summary.json", "trajectories.csv", "x-space.svg", "y-space.svg"])
        // The chapter's configuration spelled out is the chapter too.
        let spelled = try physgrad(["compare", "--problem", "seed", "--methods", "gd,newton,pg,pg-numerical", "--steps", "10",
                                    "--start", "3,3", "--inverse-gradient", "finite-differences"], in: folder)
        #expect(spelled.stdout == run.stdout)
    }

    @Test("summary.json: the documented schema, and the chapter's values within 1e-12 of NumPy's")
    func summaryJSON() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare", "--output", "out", "--format", "json"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let file = try read(folder.appendingPathComponent("out/summary.json"))
        #expect(run.stdout == file, "--format json prints summary.json")
        let doc = try json(file)
        #expect(doc["schema"] as? String == "physgrad-summary/1")
        #expect(doc["steps"] as? Int == 10)
        #expect(doc["chapter"] as? Bool == true)
        #expect(doc["inverse_gradient"] as? String == "finite-differences")
        let problem = try #require(doc["problem"] as? [String: Any])
        #expect(problem["name"] as? String == "seed")
        #expect(problem["dimension"] as? Int == 2)
        #expect(doubles(problem["start"]) == [3, 3])
        #expect(doubles(problem["solution"]) == [0, 0])

        let methods = try #require(doc["methods"] as? [[String: Any]])
        #expect(methods.map { $0["name"] as? String } == ["gd", "newton", "pg", "pg-numerical"])
        let keys: Set<String> = ["name", "eta", "steps", "final_x", "final_x_truncated", "final_loss", "distance_to_solution",
                                 "diagonal_length_first_update", "initial_loss", "counts", "diagnostics", "termination"]
        let countKeys: Set<String> = ["f", "gradient", "hessian", "model", "jacobian", "inverse_solves", "inverse_evaluations",
                                      "inverse_iterations"]
        let diagnosticKeys: Set<String> = ["rejected_trials", "shortened_steps", "lu_fallbacks", "shifted_solves", "largest_shift",
                                           "truncated_solves", "inverse_solves_stopped_short"]
        for m in methods {
            #expect(Set(m.keys) == keys)
            #expect(Set((m["counts"] as? [String: Any] ?? [:]).keys) == countKeys)
            let diagnostics = try #require(m["diagnostics"] as? [String: Any])
            #expect(Set(diagnostics.keys) == diagnosticKeys)
            // The chapter's fixed steps: nothing rejected, shortened or fallen back, no inverse short.
            #expect(diagnostics.values.allSatisfy { ($0 as? Double) == 0 }, "\(m["name"]!): \(diagnostics)")
            #expect(m["initial_loss"] as? Double == 90)
            let t = try #require(m["termination"] as? [String: Any])
            #expect(t["code"] as? String == "completed-steps")
            #expect(t["success"] as? Bool == true)
            #expect(m["steps"] as? Int == 10)
        }

        let ref = try seedReference()
        let f64 = try #require(ref["float64"] as? [String: Any])
        let finals = ["gd": (f64["gd"] as! [Any]).last, "newton": (f64["newton"] as! [Any]).last, "pg": (f64["pg"] as! [Any]).last]
        let distances = try #require(f64["final_distance"] as? [String: Any])
        let diagonals = try #require(f64["diagonal_length_first_update"] as? [String: Any])
        let etas = ["gd": 0.01, "newton": 1.0 / 3.0, "pg": 0.3, "pg-numerical": 0.3]
        for m in methods {
            let name = m["name"] as! String
            #expect(double(m["eta"]) == etas[name]!)
            guard let expected = finals[name] else { continue }
            let x = doubles(m["final_x"])
            for (a, b) in zip(x, doubles(expected)) { #expect(abs(a - b) <= 1e-12, "\(name) final x") }
            #expect(abs(double(m["distance_to_solution"]) - double(distances[name])) <= 1e-12)
            #expect(abs(double(m["diagonal_length_first_update"]) - double(diagonals[name])) <= 1e-12)
        }
        // The chapter's rounded prose numbers.
        let byName = Dictionary(uniqueKeysWithValues: methods.map { ($0["name"] as! String, $0) })
        #expect(String(format: "%.2f", double(byName["gd"]!["distance_to_solution"])) == "2.63")
        #expect(String(format: "%.3f", double(byName["newton"]!["distance_to_solution"])) == "0.925")
        #expect(String(format: "%.2f", double(byName["pg"]!["distance_to_solution"])) == "0.51")
        // Counts: Newton one gradient and one Hessian per step; numerical PG ten inverse solves.
        let newtonCounts = byName["newton"]!["counts"] as! [String: Any]
        #expect(newtonCounts["gradient"] as? Int == 10 && newtonCounts["hessian"] as? Int == 10)
        let numericalCounts = byName["pg-numerical"]!["counts"] as! [String: Any]
        #expect(numericalCounts["inverse_solves"] as? Int == 10)
        #expect((numericalCounts["inverse_evaluations"] as? Int ?? 0) > 100)
        // numerical PG against SciPy's (float64) within 1e-7, and the MAE the chapter prints.
        let scipy = try #require(ref["scipy"] as? [String: Any])
        let numericalFinal = doubles((scipy["pg_numerical"] as! [Any]).last)
        for (a, b) in zip(doubles(byName["pg-numerical"]!["final_x"]), numericalFinal) { #expect(abs(a - b) <= 1e-7) }
        let mae = double(doc["mae_pg_vs_pg_numerical"])
        #expect(abs(mae - double(scipy["mae_vs_analytic_pg"])) <= 1e-8)
        #expect(String(format: "%f", mae) == "0.000001")
    }

    @Test("trajectories.csv: header, one row per method and iterate, the chapter's iterates")
    func trajectoriesCSV() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare", "--output", "out", "--format", "csv", "--no-plots"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let file = try read(folder.appendingPathComponent("out/trajectories.csv"))
        #expect(run.stdout == file)
        #expect(try contents(of: folder.appendingPathComponent("out")) == ["summary.json", "trajectories.csv"], "--no-plots")
        let rows = file.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows[0] == ["method", "step", "x0", "x1", "y0", "y1", "loss"])
        #expect(rows.count == 1 + 4 * 11)
        let ref = try seedReference()
        let gd = (ref["float64"] as! [String: Any])["gd"] as! [Any]
        let gdRows = rows.filter { $0[0] == "gd" }
        #expect(gdRows.count == 11)
        for (row, expected) in zip(gdRows, gd) {
            let x = [Double(row[2])!, Double(row[3])!]
            let e = doubles(expected)
            #expect(abs(x[0] - e[0]) <= 1e-12 && abs(x[1] - e[1]) <= 1e-12)
            // y = [x0, x1^2], L = |y|^2.
            let y = [Double(row[4])!, Double(row[5])!]
            #expect(abs(y[1] - x[1] * x[1]) <= 1e-12)
            #expect(abs(Double(row[6])! - (y[0] * y[0] + y[1] * y[1])) <= 1e-9)
        }
        #expect(rows[1] == ["gd", "0", "3.0", "3.0", "3.0", "9.0", "90.0"])
    }

    @Test("The figures are valid SVG with axes, labels, legend, title and the chapter's colors")
    func figures() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare", "--output", "out", "--quiet"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty, "--quiet prints nothing")
        for (name, title, labels) in [("x-space.svg", "x space", ["x0", "x1"]), ("y-space.svg", "y space", ["z0", "z1"]),
                                      ("loss.svg", "loss per step", ["step", "L"])] {
            let text = try read(folder.appendingPathComponent("out/\(name)"))
            let root = try parseSVG(text)
            #expect(root.localName == "svg" || root.name == "svg")
            let texts = elements(named: "text", in: root).compactMap { $0.stringValue }
            #expect(texts.contains(title), "\(name) title")
            for l in labels { #expect(texts.contains(l), "\(name) label \(l)") }
            for legend in ["GD", "Newton", "PG"] { #expect(texts.contains(legend), "\(name) legend \(legend)") }
            for color in ["#1F77B4", "#FF7F0E", "#D62728"] { #expect(text.uppercased().contains(color), "\(name) color \(color)") }
            #expect(!text.contains("NaN") && !text.contains("nan"))
        }
        // The loss plot has a logarithmic axis: decade ticks 10^-1 ... 10^2 (L falls from 90 to 0.07).
        let loss = try read(folder.appendingPathComponent("out/loss.svg"))
        for exponent in ["−1", "0", "1", "2"] {
            #expect(loss.contains(">10<tspan dy=\"-5\" font-size=\"8\">\(exponent)</tspan>"), "decade 10^\(exponent)")
        }
        // x space: 3 methods x 11 iterates + 3 legend markers as circles, the target as a black cross.
        let x = try read(folder.appendingPathComponent("out/x-space.svg"))
        #expect(x.components(separatedBy: "<circle").count - 1 == 36)
        #expect(x.contains("stroke=\"#000000\""))
    }

    @Test("Two runs write the same bytes")
    func deterministic() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = try physgrad(["compare", "--output", "a"], in: folder)
        let b = try physgrad(["compare", "--output", "a2"], in: folder)
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout.replacingOccurrences(of: "a/", with: "") == b.stdout.replacingOccurrences(of: "a2/", with: ""))
        for name in ["x-space.svg", "y-space.svg", "loss.svg", "trajectories.csv", "summary.json"] {
            let x = try Data(contentsOf: folder.appendingPathComponent("a/\(name)"))
            let y = try Data(contentsOf: folder.appendingPathComponent("a2/\(name)"))
            #expect(x == y, "\(name)")
        }
    }

    @Test("Larger problems: plots of the first two coordinates, a summarized text, cut vectors in JSON")
    func largerProblem() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare", "--problem", "powers", "--dimension", "40", "--methods", "gd,newton,pg,pg-numerical,adam",
                                "--steps", "12", "--eta", "gd=0.005", "--output", "out"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Problem powers (n = 40)"))
        #expect(!run.stdout.contains("iter 0:"), "no per-iterate vectors for n > 2")
        #expect(run.stdout.contains("(n = 40, |x| = "))
        #expect(run.stdout.split(separator: "\n").allSatisfy { $0.count < 200 }, "no huge lines")
        let doc = try json(read(folder.appendingPathComponent("out/summary.json")))
        let methods = doc["methods"] as! [[String: Any]]
        #expect(methods.map { $0["name"] as? String } == ["gd", "newton", "pg", "pg-numerical", "adam"])
        let gd = methods[0]
        #expect(double(gd["eta"]) == 0.005)
        #expect(doubles(gd["final_x"]).count == 20)
        #expect(gd["final_x_truncated"] as? Bool == true)
        let stats = try #require(gd["final_x_stats"] as? [String: Any])
        #expect(stats["n"] as? Int == 40)
        #expect(double(stats["norm2"]) > 0)
        // PG beats GD on this problem, as in the chapter.
        #expect(double(methods[2]["distance_to_solution"]) < double(gd["distance_to_solution"]))
        #expect(doc["mae_pg_vs_pg_numerical"] is NSNumber)
        let svg = try read(folder.appendingPathComponent("out/x-space.svg"))
        _ = try parseSVG(svg)
        #expect(svg.contains("first two of 40 coordinates"))
        let csvHeader = try read(folder.appendingPathComponent("out/trajectories.csv")).prefix(while: { $0 != "\n" })
        #expect(csvHeader.hasSuffix("x39,y0,y1,y2,y3,y4,y5,y6,y7,y8,y9,y10,y11,y12,y13,y14,y15,y16,y17,y18,y19,y20,y21,y22,y23,y24,y25,y26,y27,y28,y29,y30,y31,y32,y33,y34,y35,y36,y37,y38,y39,loss"))
    }

    @Test("A changed seed run prints its own iterates in NumPy's style; exact inverse gradients shrink the MAE")
    func seedVariants() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare", "--methods", "pg,pg-numerical", "--inverse-gradient", "exact", "--start", "3",
                                "--output", "out", "--format", "json"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let doc = try json(run.stdout)
        #expect(doc["chapter"] as? Bool == false)
        #expect(doc["inverse_gradient"] as? String == "exact")
        #expect(double(doc["mae_pg_vs_pg_numerical"]) <= 1e-9)
        let text = try physgrad(["compare", "--methods", "gd", "--steps", "2", "--output", "out2"], in: folder)
        #expect(text.stdout.contains("GD iter 0: [2.94 1.92]"), "float64 digits for a changed run")
        #expect(text.stdout.contains("GD iter 1: [2.8812     1.63688448]"))
    }

    @Test("Without --inverse-gradient: finite differences on seed (the chapter), exact gradients elsewhere, where PG converges")
    func inverseGradientDefault() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let seed = try json(try physgrad(["compare", "--format", "json", "--no-plots", "--output", "s"], in: folder).stdout)
        #expect(seed["chapter"] as? Bool == true && seed["inverse_gradient"] as? String == "finite-differences")
        for problem in ["blur", "burgers", "heat"] {
            let run = try physgrad(["compare", "--problem", problem, "--methods", "pg-numerical", "--steps", "20", "--format", "json",
                                    "--no-plots", "--output", problem], in: folder)
            #expect(run.status == 0, "\(run.stderr)")
            let doc = try json(run.stdout)
            #expect(doc["inverse_gradient"] as? String == "exact")
            let method = try #require((doc["methods"] as? [[String: Any]])?.first)
            let termination = try #require(method["termination"] as? [String: Any])
            #expect(termination["success"] as? Bool == true, "\(problem): \(termination)")
            #expect(double(method["final_loss"]) <= 1e-15 * double(method["initial_loss"]), "\(problem)")
        }
        let fd = try json(try physgrad(["compare", "--problem", "blur", "--methods", "pg-numerical", "--inverse-gradient",
                                        "finite-differences", "--format", "json", "--no-plots", "--output", "fd"], in: folder).stdout)
        #expect(fd["inverse_gradient"] as? String == "finite-differences")
    }

    @Test("lm-minpack runs MINPACK's Levenberg-Marquardt when asked for, and is not among the defaults")
    func minpackLM() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["compare", "--problem", "blur", "--dimension", "100", "--methods", "lm,lm-minpack", "--steps", "50",
                                "--format", "json", "--no-plots", "--output", "o"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let methods = try #require(try json(run.stdout)["methods"] as? [[String: Any]])
        #expect(methods.map { $0["name"] as? String } == ["lm", "lm-minpack"])
        for m in methods {
            let termination = try #require(m["termination"] as? [String: Any])
            #expect(termination["success"] as? Bool == true, "\(m["name"]!): \(termination)")
            #expect(double(m["distance_to_solution"]) <= 1e-8, "\(m["name"]!)")
            #expect(m["eta"] is NSNull || m["eta"] == nil)
        }
        let defaults = try json(try physgrad(["compare", "--problem", "blur", "--format", "json", "--no-plots", "--output", "d"],
                                             in: folder).stdout)
        let names = try #require(defaults["methods"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(names.contains("lm") && !names.contains("lm-minpack"), "\(names)")
    }

    @Test("--time-limit: a run cut short ends with the time-limit status; a negative or NaN limit is refused")
    func timeLimit() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // burgers(512)'s dense Hessian takes 64 passes through 71 time steps: far beyond 1 ms.
        let run = try physgrad(["compare", "--problem", "burgers", "--dimension", "512", "--methods", "newton", "--steps", "50",
                                "--time-limit", "0.001", "--no-plots", "--output", "out", "--format", "json"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let doc = try json(run.stdout)
        let runs = try #require(doc["methods"] as? [[String: Any]])
        let termination = try #require(runs.first?["termination"] as? [String: Any])
        #expect(termination["code"] as? String == "time-limit")
        for bad in ["-1", "nan", "-inf"] {
            let refused = try physgrad(["compare", "--time-limit", bad, "--output", "out"], in: folder)
            #expect(refused.status != 0 && refused.stderr.contains("--time-limit"), "\(bad): \(refused.stderr)")
        }
    }

    @Test("--help leads with examples and documents the summary")
    func help() throws {
        let run = try physgrad(["compare", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("EXAMPLES:"))
        #expect(run.stdout.contains("physgrad-summary/1"))
        for option in ["--problem", "--dimension", "--methods", "--steps", "--eta", "--start", "--inverse-gradient", "--format",
                       "--output", "--no-plots", "--quiet"] {
            #expect(run.stdout.contains(option), "\(option)")
        }
        let root = try physgrad(["--help"])
        #expect(root.status == 0)
        for sub in ["compare", "invert", "minimize", "sweep", "EXAMPLES:"] { #expect(root.stdout.contains(sub)) }
        for sub in ["invert", "minimize", "sweep"] {
            let r = try physgrad([sub, "--help"])
            #expect(r.status == 0)
            #expect(r.stdout.contains("EXAMPLES:"), "\(sub)")
        }
        // Examples come first, and no line of the discussions is long enough for the
        // 80-column help formatter to wrap it.
        for sub in ["compare", "invert", "minimize", "sweep"] {
            let text = try physgrad([sub, "--help"]).stdout
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.firstIndex { $0.hasPrefix("EXAMPLES:") }! < lines.firstIndex { $0.hasPrefix("USAGE:") }!)
        }
        let commands: [any ParsableCommand.Type] = [PhysGradCommand.self, CompareCommand.self, InvertCommand.self, MinimizeCommand.self,
                                                    SweepCommand.self, SweepRunCommand.self, SweepMergeCommand.self, SweepPlotCommand.self]
        for command in commands {
            let long = command.configuration.discussion.split(separator: "\n").filter { $0.count > 78 }.map(String.init)
            #expect(long.isEmpty, "\(command): \(long)")
        }
        // Every subcommand's whole help, as printed, fits 80 columns (but for ArgumentParser's
        // USAGE line, which it does not wrap) and has examples.
        for sub in [[], ["compare"], ["invert"], ["minimize"], ["sweep"], ["sweep", "run"], ["sweep", "merge"], ["sweep", "plot"]] {
            let text = try physgrad(sub + ["--help"]).stdout
            let wide = text.split(separator: "\n").filter { $0.count > 80 && !$0.hasPrefix("USAGE:") }.map(String.init)
            #expect(wide.isEmpty, "\(sub): \(wide)")
            #expect(text.contains("EXAMPLES:"), "\(sub)")
        }
    }
}
