import ArgumentParser
import Foundation
@testable import PhysGradCLI
import PhysGradLearning
import PhysGradReport
import PhysGradToolTestSupport
import Testing

/// `physgrad train` end to end: the JSON document, the curves and figures, reproducibility for a
/// fixed number of epochs, the text table and the help. Runs are small (the tool is a debug
/// build here): 64 or 128 samples, a few epochs.
@Suite("physgrad train")
struct TrainTests {
    static let small = ["train", "--samples", "128", "--methods", "adam,sip,hig", "--batch", "adam=32", "--batch", "sip=32",
                        "--batch", "hig=8", "--epochs", "3", "--seconds", "1000"]

    @Test("JSON on stdout: per method name, final_loss, epochs, seconds, updates, settings; the same as training.json")
    func json() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(Self.small + ["--format", "json", "--output", "o"], in: folder)
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.isEmpty)
        let doc = try PhysGradToolTestSupport.json(run.stdout)
        #expect(doc["schema"] as? String == "physgrad-training/1")
        #expect(try read(folder.appendingPathComponent("o/training.json")) == run.stdout)
        let problem = doc["problem"] as! [String: Any]
        #expect(problem["name"] as? String == "oscillators" && problem["samples"] as? Int == 128)
        let methods = doc["methods"] as! [[String: Any]]
        #expect(methods.map { $0["name"] as? String } == ["adam", "sip", "hig"])
        for m in methods {
            let name = m["name"] as! String
            #expect(m["epochs"] as? Int == 3 || double(m["epochs"]) == 3, "\(name)")
            let batch = (m["settings"] as! [String: Any])["batch_size"] as! Int
            #expect(m["updates"] as? Int == 3 * (128 / batch), "\(name)")
            #expect(double(m["seconds"]) > 0 && double(m["final_loss"]) < double(m["initial_loss"]), "\(name)")
            let termination = m["termination"] as! [String: Any]
            #expect(termination["code"] as? String == "completed-epochs" && termination["success"] as? Bool == true)
        }
        let hig = methods[2]["settings"] as! [String: Any]
        #expect(hig["learning_rate"] as? Int == 1 && double(hig["truncation"]) == 1e-10 && hig["solver"] as? String == "gram")
        #expect(methods[2]["rank"] as? Int == 32)
        let sip = methods[1]["settings"] as! [String: Any]
        #expect(sip["inverse"] as? String == "pseudo-inverse" && double(sip["truncation"]) == 1e-5)
    }

    @Test("curves.csv holds every record; the figures are SVG with one curve per method; a fixed epoch count repeats the losses")
    func filesAndDeterminism() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for out in ["a", "b"] {
            let run = try physgrad(Self.small + ["--quiet", "--output", out], in: folder)
            #expect(run.status == 0 && run.stdout.isEmpty, "\(run)")
        }
        let a = try read(folder.appendingPathComponent("a/curves.csv")).split(separator: "\n")
        let b = try read(folder.appendingPathComponent("b/curves.csv")).split(separator: "\n")
        #expect(a.first == "method,epoch,updates,seconds,loss")
        #expect(a.count == 1 + 3 * 4)  // three methods, epochs 0 ... 3
        // Everything but the times is the same.
        func withoutSeconds(_ lines: [Substring]) -> [String] {
            lines.map { line in line.split(separator: ",").enumerated().filter { $0.offset != 3 }.map { String($0.element) }.joined(separator: ",") }
        }
        #expect(withoutSeconds(a) == withoutSeconds(b))
        for name in ["loss-time.svg", "loss-epoch.svg"] {
            let svg = try parseSVG(read(folder.appendingPathComponent("a/\(name)")))
            let curves = elements(named: "polyline", in: svg) + elements(named: "path", in: svg)
            #expect(curves.count >= 3, "\(name)")
            let text = elements(named: "text", in: svg).compactMap { $0.stringValue }
            for label in ["Adam", "SIP", "HIG"] { #expect(text.contains(label), "\(name): \(label)") }
        }
    }

    @Test("the text table names each method with its batch, rate, epochs and losses")
    func text() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["train", "--problem", "sine", "--xi", "32", "--angle", "15", "--samples", "200", "--methods", "adam,sip,gd",
                                "--epochs", "2", "--output", "o"], in: folder)
        #expect(run.status == 0, "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("sine: P(x) = (sin(x1')/xi, xi x2')"))
        #expect(lines.contains { $0.hasPrefix("smallest attainable loss per data point: 0.") })
        #expect(lines.contains { $0.hasPrefix("method") && $0.contains("final") })
        for m in ["adam", "sip", "gd"] { #expect(lines.contains { $0.hasPrefix(m + " ") && $0.contains(" 100 ") }, "\(m)") }
        #expect(lines.last == "Wrote loss-time.svg, loss-epoch.svg, curves.csv, training.json to o/")
    }

    @Test("--help leads with examples; no discussion line is wrapped by the 80-column formatter")
    func help() throws {
        let run = try physgrad(["train", "--help"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.firstIndex { $0.hasPrefix("EXAMPLES:") }! < lines.firstIndex { $0.hasPrefix("USAGE:") }!)
        for option in ["--problem", "--methods", "--seconds", "--epochs", "--seed", "--samples", "--batch", "--lr", "--truncation",
                       "--hig-solver", "--xi", "--angle", "--shuffle", "--format", "--output", "--quiet", "--max-memory"] {
            #expect(run.stdout.contains(option), "\(option)")
        }
        #expect(run.stdout.contains("physgrad-training/1"))
        let long = TrainCommand.configuration.discussion.split(separator: "\n").filter { $0.count > 78 }.map(String.init)
        #expect(long.isEmpty, "\(long)")
        #expect(run.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "a help line is wider than 80 columns")
        let root = try physgrad(["--help"])
        #expect(root.stdout.contains("train"))
    }

    @Test("the request's plan: the book's settings per problem, overrides, refusals")
    func plan() throws {
        var r = TrainingRequest()
        let plan = try r.plan()
        #expect(plan.methods.map(\.name) == [.adam, .sip, .hig])
        let hig = plan.methods[2].method as! HalfInverseTraining
        #expect(hig.batchSize == 32 && hig.learningRate == 1 && hig.relativeTruncation == 1e-10 && hig.solver == .gram)
        let sip = plan.methods[1].method as! ScaleInvariantTraining
        #expect(sip.batchSize == 256 && sip.rule.learningRate == 1e-3 && sip.inverse == .pseudoInverse(relativeTruncation: 1e-5))
        #expect((plan.methods[0].method as! AdamTraining).batchSize == 256)
        r.problem = .sine
        r.methods = [.sip, .gd, .hig]
        r.batch = [.hig: 50]
        r.learningRate = [.gd: 0.5]
        let sine = try r.plan()
        #expect((sine.methods[0].method as! ScaleInvariantTraining).inverse == .saddleFreeNewton(relativeTruncation: 1e-6, maximumLossChange: 0.2))
        #expect((sine.methods[1].method as! GradientDescentTraining).learningRate == 0.5)
        #expect((sine.methods[2].method as! HalfInverseTraining).batchSize == 50)
        #expect(sine.problem.data.count == 10_000)
        r.truncation = [.gd: 0.1]
        #expect(throws: InputError.self) { try r.plan() }
        r.truncation = [:]
        r.memoryBudget = 1024
        #expect(throws: InputError.self) { try r.plan() }
        #expect(throws: InputError.self) { try TrainingAssignment(parsing: "hig=-2", option: "--lr") }
        #expect(try TrainingAssignment(parsing: " HIG = 3e-2", option: "--lr").value == 3e-2)
    }

    @Test("negative numbers are option values: --angle -15 is taken; a negative --xi, --seconds, --gtol, --jobs, ... is refused with its reason")
    func negativeValues() throws {
        let c = try TrainCommand.parse(["--problem", "sine", "--angle", "-15", "--xi", "2"])
        #expect(c.angle == -15 && c.xi == 2)
        #expect(c.request.angleDegrees == -15)
        for (option, value, reason) in [("--xi", "-3", "must be in (0, 1e6]"), ("--seconds", "-5", "is outside (0, 86400]"),
                                        ("--seed", "-1", "-1 is too small")] {
            let message: String
            do {
                _ = try TrainCommand.parse(["--problem", "sine", option, value]).request.plan()
                message = ""
            } catch {
                message = TrainCommand.fullMessage(for: error)
            }
            #expect(message.contains(reason), "\(option) \(value): \(message)")
        }
        // The other commands' numeric options likewise take the value and say what is wrong with it.
        for (arguments, reason) in [(["minimize", "--function", "booth", "--gtol", "-1"], "--gtol: must be a finite number >= 0"),
                                    (["minimize", "--function", "booth", "--maxcor", "-2"], "--maxcor: must be at least 1"),
                                    (["inversion", "--eta", "-0.3"], "the step size must be positive"),
                                    (["sweep", "--etas", "-0.1,0.2"], "--etas: step sizes must be positive"),
                                    (["sweep", "--jobs", "-1"], "--jobs: -1 is outside"),
                                    (["train", "--epochs", "-1"], "-1 is too small")] {
            let message: String
            do {
                _ = try PhysGradCommand.parseAsRoot(arguments)
                message = ""
            } catch {
                message = PhysGradCommand.fullMessage(for: error)
            }
            #expect(message.contains(reason), "\(arguments): \(message)")
        }
    }
}
