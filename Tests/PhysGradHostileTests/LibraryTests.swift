import Foundation
import PhysGrad
import PhysGradExamples
import PhysGradLinearAlgebra
@testable import PhysGradReport
import PhysGradToolTestSupport
import Testing

/// The library entry points the tool hands user data to: typed errors, never a trap or a silent
/// NaN (issue 11, item 12, and the write path of item 11 where only a test can make a rename fail).
@Suite("Hostile: library entry points (items 4, 11, 12)")
struct LibraryTests {
    /// Item 12 as reported: the exact input, and its SPD and least-squares variants.
    @Test func subnormalDiagonalSolve() {
        let tiny = Double("1e-310")!
        let a = Matrix([[tiny, 0], [0, tiny]])
        for structure in [MatrixStructure.general, .symmetricPositiveDefinite] {
            do {
                let x = try solve(a, [1, 1], assuming: structure)
                Issue.record("\(structure): returned \(x)")
            } catch {
                guard case .nonFiniteResult = error else { Issue.record("\(structure): \(error)"); continue }
            }
        }
        #expect { _ = try leastSquares(a, [1, 1]) } throws: { error in
            if case .nonFiniteResult? = error as? LinearAlgebraError { return true }
            return false
        }
    }

    /// A rename that fails in the middle of a group (a folder appears where a file was to go):
    /// every destination is restored, new ones are removed, no temporary stays.
    @Test(arguments: 0..<5)
    func renameFailsMidGroup(at failing: Int) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]
        // a, c, e exist; b and d are new.
        for name in ["a.txt", "c.txt", "e.txt"] { try Data("old \(name)".utf8).write(to: folder.appendingPathComponent(name)) }
        let files = names.map { (folder.appendingPathComponent($0).path, Data("new \($0)".utf8)) }
        #expect(throws: OutputError.self) {
            try AtomicFile.writeGroup(files) { i in
                guard i == failing else { return }
                let path = files[i].0
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.createDirectory(atPath: path + "/blocker", withIntermediateDirectories: true)
            }
        }
        for (i, name) in names.enumerated() {
            let url = folder.appendingPathComponent(name)
            if i == failing { continue }  // the test replaced it by a folder
            if ["a.txt", "c.txt", "e.txt"].contains(name) {
                #expect(try read(url) == "old \(name)", "\(name) restored")
            } else {
                #expect(!FileManager.default.fileExists(atPath: url.path), "\(name) removed")
            }
        }
        #expect(try contents(of: folder).allSatisfy { !$0.contains(".physgrad-tmp-") })
        // (Other tests write in parallel: only this folder's registrations matter.)
        #expect(TemporaryFiles.registered.allSatisfy { !$0.hasPrefix(folder.path) })
    }

    /// What counts as a finished shard, checked on texts a user's file system could hold.
    @Test func shardChecks() throws {
        let grid = SweepGrid(problems: [.seed], dimensions: nil, methods: [.gd, .newton], stepSizes: [0.1], starts: [1, 2],
                             steps: 3, inverseGradient: .finiteDifferences)
        try grid.validate()
        let rows = grid.points.map { p in grid.evaluate(p, problem: SweepGrid.makeProblem(.init(problem: p.problem, dimension: p.dimension))) }
        let whole = grid.text(of: rows, shard: .whole, format: .csv)
        #expect(grid.checkShard(whole, shard: .whole, format: .csv) == .finished)
        #expect(grid.checkShard("", shard: .whole, format: .csv) == .empty)
        #expect(grid.checkShard(String(whole.dropLast()), shard: .whole, format: .csv) == .other("its last line is incomplete"))
        #expect(grid.checkShard(whole + whole.split(separator: "\n").last! + "\n", shard: .whole, format: .csv)
            == .other("it has 5 rows where shard 1/1 has 4"))
        let half = try Shard(index: 2, count: 2)
        let second = grid.text(of: Array(rows[2...]), shard: half, format: .csv)
        #expect(grid.checkShard(second, shard: half, format: .csv) == .finished)
        #expect(grid.checkShard(second, shard: try Shard(index: 1, count: 2), format: .csv)
            == .other("it does not start with this version's CSV header"))
        // The same rows under another grid's fingerprint.
        var other = grid
        other.steps = 4
        #expect(other.checkShard(second, shard: half, format: .csv) != .finished)
        // Quoted fields with commas, quotes and the separator inside.
        #expect(SweepGrid.csvFields("1,\"a, \"\"b\"\"\",c") == ["1", "a, \"b\"", "c"])
        let jsonl = grid.text(of: rows, shard: .whole, format: .jsonl)
        #expect(grid.checkShard(jsonl, shard: .whole, format: .jsonl) == .finished)
        #expect(grid.checkShard(whole, shard: .whole, format: .jsonl) != .finished)
        #expect(grid.checkShard(jsonl.replacingOccurrences(of: "\"index\":3", with: "\"index\":7"), shard: .whole, format: .jsonl)
            == .other("row 4 has index 7, not 3"))
    }

    /// Grids past the ceilings are refused without being made; their size is counted without
    /// overflow.
    @Test func gridCeilings() {
        let huge = SweepGrid(problems: ProblemName.allCases, dimensions: Array(1...1000), methods: MethodName.allCases,
                             stepSizes: (1...1000).map(Double.init), starts: (1...1000).map(Double.init), steps: 1,
                             inverseGradient: .exact)
        #expect(huge.pointCount == 5 * 1000 * (10 * 1000 + 3) * 1000)  // lbfgsb, lm, lm-minpack: no step sizes
        #expect(throws: InputError.self) { try huge.validate() }
        var steps = huge
        steps.dimensions = [2]
        steps.stepSizes = [1]
        steps.starts = [1]
        steps.steps = Limits.maximumSteps + 1
        #expect(throws: InputError("--steps: 1000001 is outside 0...1000000 (the ceiling on steps)")) { try steps.validate() }
    }

    /// Test functions refuse dimensions above their ceiling before anything is allocated.
    @Test(arguments: [TestFunctions.maximumDimension + 1, 4_611_686_018_427_387_904, Int.max])
    func testFunctionCeiling(n: Int) {
        for f in TestFunctions.all {
            #expect(throws: PhysGradError.self) { try f.validate(dimension: n) }
        }
        #expect(throws: Never.self) { try TestFunctions.chainedRosenbrock.validate(dimension: TestFunctions.maximumDimension) }
    }

    /// Every method is made under its own name, and only L-BFGS-B and the Levenberg-Marquardts take no step size.
    @Test func methodTraits() {
        for m in MethodName.allCases {
            #expect(!m.label.isEmpty)
            #expect(m.takesStepSize == (m != .lbfgsb && m != .lm && m != .lmMinpack))
            #expect(m.makeMethod(stepSize: 0.1, inverse: .exact).name == m.rawValue)
        }
    }

    /// Memory sizes as typed and as printed.
    @Test func byteCounts() throws {
        #expect(try ByteCount(parsing: "4G").bytes == 4 * 1_073_741_824)
        #expect(try ByteCount(parsing: "4GiB") == ByteCount(parsing: "4gb"))
        #expect(try ByteCount(parsing: "1.5m").bytes == 1.5 * 1_048_576)
        #expect(try ByteCount(parsing: "100").bytes == 100)
        for bad in ["", "G", "-1", "0", "1e999T", "4Q", "nan", "inf"] {
            #expect(throws: InputError.self, "\(bad)") { try ByteCount(parsing: bad) }
        }
        #expect(ByteCount(bytes: 4 * 1_073_741_824).description == "4G")
        #expect(ByteCount(bytes: 1.5 * 1_048_576).description == "1.5M")
        #expect(ByteCount(bytes: 1e40).description == "9.09e+27T")
        #expect(ByteCount(bytes: .greatestFiniteMagnitude).description.hasSuffix("T"))
    }
}
