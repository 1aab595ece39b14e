import Foundation
import PhysGradToolTestSupport
import Testing

@Suite("physgrad errors")
struct ErrorTests {
    /// Runs `arguments` in a fresh folder and checks: the exit status, one line on stderr that
    /// contains `message`, nothing on stdout, and no file written.
    func expectFailure(_ arguments: [String], status: Int32, message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(arguments, in: folder)
        #expect(run.status == status, "\(arguments): status \(run.status), stderr \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stdout.isEmpty, "\(arguments): stdout \(run.stdout)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "one line on stderr: \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.hasPrefix("physgrad: error: "), sourceLocation: sourceLocation)
        #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        let left = try FileManager.default.subpathsOfDirectory(atPath: folder.path)
        #expect(left.isEmpty, "\(arguments) wrote \(left)", sourceLocation: sourceLocation)
    }

    @Test("Unknown problem, method, function, format, option")
    func unknownNames() throws {
        try expectFailure(["compare", "--problem", "wave"], status: 64, message: "The value 'wave' is invalid for '--problem <problem>'. Please provide one of 'seed', 'powers', 'blur', 'burgers' or 'heat'.")
        try expectFailure(["compare", "--methods", "gd,sgd"], status: 64, message: "unknown method 'sgd'")
        try expectFailure(["compare", "--eta", "sgd=0.1"], status: 64, message: "The value 'sgd=0.1' is invalid for '--eta <method=value>': unknown method 'sgd' (known: gd, newton")
        try expectFailure(["compare", "--format", "xml"], status: 64, message: "The value 'xml' is invalid for '--format <format>'. Please provide one of 'text', 'json' or 'csv'.")
        try expectFailure(["compare", "--inverse-gradient", "magic"], status: 64, message: "The value 'magic' is invalid for '--inverse-gradient <inverse-gradient>'")
        try expectFailure(["minimize", "--function", "himmelblau"], status: 64, message: "The value 'himmelblau' is invalid for '--function <function>'. Please provide one of 'extended-rosenbrock'")
        try expectFailure(["sweep", "--problems", "seed,wave"], status: 64, message: "unknown problem 'wave'")
        try expectFailure(["compare", "--colour", "red"], status: 64, message: "Unknown option '--colour'")
        try expectFailure(["frobnicate"], status: 64, message: "Unexpected argument 'frobnicate' (see 'physgrad --help')")
    }

    @Test("Malformed numbers")
    func malformedNumbers() throws {
        try expectFailure(["compare", "--steps", "ten"], status: 64, message: "The value 'ten' is invalid for '--steps <steps>' (see 'physgrad compare --help')")
        try expectFailure(["compare", "--steps", "-1"], status: 64, message: "--steps: -1 is negative")
        try expectFailure(["compare", "--eta", "gd=0.0x1"], status: 64, message: "The value 'gd=0.0x1' is invalid for '--eta <method=value>': gd: '0.0x1' is not a finite number")
        try expectFailure(["compare", "--eta", "gd"], status: 64, message: "'gd' is not METHOD=VALUE")
        try expectFailure(["compare", "--eta", "gd=-0.1"], status: 64, message: "step size must be positive")
        try expectFailure(["compare", "--start", "3,three"], status: 64, message: "The value '3,three' is invalid for '--start <x>': 'three' is not a finite number")
        try expectFailure(["compare", "--start", "nan"], status: 64, message: "'nan' is not a finite number")
        try expectFailure(["compare", "--problem", "powers", "--dimension", "2.5"], status: 64, message: "The value '2.5' is invalid for '--dimension <dimension>'")
        try expectFailure(["invert", "--target", "2,", "--start", "3,3"], status: 64, message: "The value '2,' is invalid for '--target <y>': '' is not a finite number")
        try expectFailure(["minimize", "--function", "booth", "--gtol", "1e"], status: 64, message: "The value '1e' is invalid for '--gtol <gtol>'")
        try expectFailure(["sweep", "--shard", "0/4"], status: 64, message: "The value '0/4' is invalid for '--shard <i/N>': '0/4' is not i/N")
        try expectFailure(["sweep", "--etas", "0.1,0"], status: 64, message: "step sizes must be positive")
    }

    @Test("Wrong dimensions")
    func wrongDimensions() throws {
        try expectFailure(["compare", "--start", "1,2,3"], status: 64, message: "--start has 3 entries, but the problem has dimension 2")
        try expectFailure(["compare", "--problem", "powers", "--dimension", "4", "--start", "1,2"], status: 64,
                          message: "--start has 2 entries, but the problem has dimension 4")
        try expectFailure(["compare", "--problem", "powers", "--dimension", "7"], status: 64, message: "--dimension 7: powers(n) needs an even n")
        try expectFailure(["compare", "--dimension", "4"], status: 64, message: "the seed problem has dimension 2")
        try expectFailure(["invert", "--target", "1,2,3"], status: 64, message: "--target has 3 entries")
        try expectFailure(["minimize", "--function", "beale", "--dimension", "3"], status: 64, message: "beale has dimension 2")
        try expectFailure(["minimize", "--function", "extended-rosenbrock", "--dimension", "5"], status: 64, message: "needs an even n")
    }

    @Test("Methods that cannot run on a problem")
    func notApplicable() throws {
        try expectFailure(["compare", "--problem", "burgers", "--methods", "pg"], status: 64,
                          message: "method pg cannot run on problem burgers: the problem has no analytic inverse")
        try expectFailure(["compare", "--problem", "burgers", "--methods", "pg", "--eta", "pg=1"], status: 64,
                          message: "no analytic inverse")
        try expectFailure(["compare", "--methods", "gd", "--eta", "pg=0.2"], status: 64, message: "--eta pg: the method is not among the methods run")
    }

    @Test("An output folder that cannot be made or written: exit 73, nothing half-written")
    func unwritableOutput() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        for output in [blocker.path, blocker.path + "/sub"] {
            let run = try physgrad(["compare", "--output", output], in: folder)
            #expect(run.status == 73, "\(run.stderr)")
            #expect(run.stdout.isEmpty)
            #expect(run.stderr.hasPrefix("physgrad: error: cannot write \(output)"))
            #expect(run.stderr.filter { $0 == "\n" }.count == 1)
        }
        #expect(try contents(of: folder) == ["file"])
        #expect(try read(blocker) == "x")
        // A sweep whose output folder is a file.
        let sweep = try physgrad(["sweep", "--output", blocker.path + "/sweep.csv"], in: folder)
        #expect(sweep.status == 73, "\(sweep.stderr)")
        #expect(try contents(of: folder) == ["file"])
    }

    @Test("Existing files are replaced whole, and no temporary file is left behind")
    func atomicReplacement() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data(String(repeating: "old content\n", count: 10_000).utf8).write(to: out.appendingPathComponent("summary.json"))
        let run = try physgrad(["compare", "--output", "out", "--quiet"], in: folder)
        #expect(run.status == 0)
        let summary = try read(out.appendingPathComponent("summary.json"))
        #expect(!summary.contains("old content"))
        _ = try json(summary)
        #expect(try contents(of: out) == ["loss.svg", "summary.json", "trajectories.csv", "x-space.svg", "y-space.svg"])
    }
}
