import ArgumentParser
import Foundation
import PhysGrad
import PhysGradExamples
import PhysGradReport
import PhysGradToolTestSupport
@testable import PhysGradCLI
import Testing

/// `physgrad inversion` end to end (issue 16): the chapter's numbers, any problem and list of
/// dimensions, the files and their formats.
@Suite("physgrad inversion")
struct InversionTests {
    static let fileNames = ["inversion.json", "mae-by-dimension.csv", "mae-by-dimension.svg", "mae-by-step.csv", "mae-by-step.svg"]

    static func variants(_ study: [String: Any]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: (study["variants"] as! [[String: Any]]).map { ($0["name"] as! String, $0) })
    }

    @Test("with no options: the chapter's closing comparison, its MAE as SciPy's, and every file")
    func chapter() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["inversion"], in: folder)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("seed") && $0.contains("analytic") && $0.contains("9.94e-07") }, "\(run.stdout)")
        #expect(!run.stdout.contains("*"), "no run of the chapter's study stops short")
        #expect(try contents(of: folder.appendingPathComponent("physgrad-inversion")) == Self.fileNames)

        let doc = try json(read(folder.appendingPathComponent("physgrad-inversion/inversion.json")))
        #expect(doc["schema"] as? String == "physgrad-inversion/1")
        #expect(doc["steps"] as? Int == 10 && doc["acceptance"] as? String == "fixed")
        #expect(doc["variants"] as? [String] == ["finite-differences", "exact"])
        let studies = try #require(doc["studies"] as? [[String: Any]])
        #expect(studies.count == 1 && studies[0]["problem"] as? String == "seed" && double(studies[0]["eta"]) == 0.3)
        let v = Self.variants(studies[0])
        let fd = try #require(v["finite-differences"]), exact = try #require(v["exact"])
        // SciPy's run of the chapter's code (scripts/make_seed_reference.py), and the chapter's own
        // separate runs through Metrics.meanAbsoluteError: the same figure to the bit.
        let scipy = try seedReference()["scipy"] as! [String: Any]
        let mae = double(fd["mae"])
        #expect(abs(mae - double(scipy["mae_vs_analytic_pg"])) <= 0.05 * mae)
        #expect(mae == (try Chapter.run()).maeFiniteDifferences)
        #expect(double(exact["mae"]) <= 1e-9)
        #expect((fd["per_step"] as! [[String: Any]]).count == 11)
        #expect(fd["inner_evaluations"] as? Int == (scipy["per_step"] as! [[String: Any]]).reduce(0) { $0 + ($1["funcalls"] as! Int) })
        let reference = try #require(studies[0]["reference"] as? [String: Any])
        #expect(reference["name"] as? String == "analytic" && reference["inverse"] is NSNull)

        let table = try read(folder.appendingPathComponent("physgrad-inversion/mae-by-dimension.csv")).split(separator: "\n")
        #expect(table.count == 3 && table[0].hasPrefix("problem,dimension,eta,reference,variant,mae,"))
        #expect(table[1].hasPrefix("seed,2,0.3,analytic,finite-differences,\(RunReport.csvNumber(mae)),"))
        let steps = try read(folder.appendingPathComponent("physgrad-inversion/mae-by-step.csv")).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(steps.count == 1 + 2 * 11 + 1 && steps.last == "")
        #expect(steps[1] == "seed,2,0.3,finite-differences,0,0.0,0.0,90.0,90.0,,,,,,,")
        for name in ["mae-by-step.svg", "mae-by-dimension.svg"] {
            let svg = try read(folder.appendingPathComponent("physgrad-inversion/\(name)"))
            _ = try parseSVG(svg)
            for key in [">finite-differences<", ">exact<", ">seed<"] { #expect(svg.contains(key), "\(name): \(key)") }
        }
    }

    @Test("any problems and dimensions, in order; exact gradients within 1e-9 of the analytic inverse")
    func problemsAndDimensions() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["inversion", "--problem", "powers,blur", "--dimensions", "4,12", "--gradients", "exact",
                                "--format", "json", "--output", "o"], in: folder)
        #expect(run.status == 0, "\(run)")
        let doc = try json(run.stdout)
        #expect(doc["variants"] as? [String] == ["exact"])
        let studies = try #require(doc["studies"] as? [[String: Any]])
        #expect(studies.map { "\($0["problem"]!)(\($0["dimension"]!))" } == ["powers(4)", "powers(12)", "blur(4)", "blur(12)"])
        #expect(studies.map { double($0["eta"]) } == [0.3, 0.3, 1, 1])
        for s in studies {
            let exact = try #require(Self.variants(s)["exact"])
            #expect(double(exact["mae"]) <= 1e-9, "\(s["problem"]!)(\(s["dimension"]!))")
            #expect(exact["compared_steps"] as? Int == 10)
        }
        #expect(try read(folder.appendingPathComponent("o/inversion.json")) == run.stdout)
    }

    @Test("without an analytic inverse the reference is exact gradients; --eta and --steps apply to every run")
    func referenceRun() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(["inversion", "--problem", "burgers", "--dimensions", "6", "--steps", "3", "--eta", "0.5",
                                "--output", "o"], in: folder)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("(reference)"))
        let doc = try json(read(folder.appendingPathComponent("o/inversion.json")))
        let study = try #require((doc["studies"] as? [[String: Any]])?.first)
        #expect(double(study["eta"]) == 0.5 && double(doc["eta"]) == 0.5 && doc["steps"] as? Int == 3)
        #expect((study["reference"] as? [String: Any])?["name"] as? String == "exact")
        let v = Self.variants(study)
        #expect(v["exact"]?["is_reference"] as? Bool == true && double(v["exact"]?["mae"]) == 0)
        #expect(v["finite-differences"]?["is_reference"] as? Bool == false)
        #expect((v["finite-differences"]?["per_step"] as? [Any])?.count == 4)
        let csv = try physgrad(["inversion", "--problem", "burgers", "--dimensions", "6", "--steps", "3", "--eta", "0.5",
                                "--reference", "exact", "--format", "csv", "--no-plots", "--output", "o"], in: folder)
        #expect(csv.status == 0)
        #expect(csv.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("burgers,6,0.5,exact,") })
        #expect(try contents(of: folder.appendingPathComponent("o")) == ["inversion.json", "mae-by-dimension.csv", "mae-by-step.csv"])
    }

    @Test("runs that stop short are marked and explained")
    func stoppedShort() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // blur: after PG's first step (eta = 1) the analytic inverse is at the solution; the
        // forward-difference inverse stops on SciPy's relative-reduction test 6e-4 away.
        let run = try physgrad(["inversion", "--problem", "blur", "--dimensions", "10", "--gradients", "finite-differences",
                                "--output", "o"], in: folder)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains(" *") && run.stdout.contains("Notes:"))
        #expect(run.stdout.contains("blur(10) finite-differences:") && run.stdout.contains("stopped short of their target"))
        let doc = try json(read(folder.appendingPathComponent("o/inversion.json")))
        let study = try #require((doc["studies"] as? [[String: Any]])?.first)
        #expect(study["success"] as? Bool == false)
        let fd = try #require(Self.variants(study)["finite-differences"])
        #expect((fd["termination"] as? [String: Any])?["success"] as? Bool == false)
        #expect(fd["inner_stopped_short"] as? Int ?? 0 > 0)
    }

    @Test("--help leads with examples; every subcommand's discussion fits 78 columns")
    func help() throws {
        let run = try physgrad(["inversion", "--help"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.firstIndex { $0.hasPrefix("EXAMPLES:") }! < lines.firstIndex { $0.hasPrefix("USAGE:") }!)
        for option in ["--problem", "--dimensions", "--gradients", "--reference", "--steps", "--eta", "--format", "--output",
                       "--no-plots", "--quiet", "--max-memory", "physgrad-inversion/1"] {
            #expect(run.stdout.contains(option), "\(option)")
        }
        #expect(try physgrad(["--help"]).stdout.contains("inversion"))
        for command in PhysGradCommand.configuration.subcommands + [PhysGradCommand.self] {
            let long = command.configuration.discussion.split(separator: "\n").filter { $0.count > 78 }.map(String.init)
            #expect(long.isEmpty, "\(command): \(long)")
        }
    }
}
