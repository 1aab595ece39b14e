import Foundation
import PhysGradToolTestSupport
import PhysGrad
import PhysGradReport
import Testing

@Suite("PhysGradReport units")
struct ReportTests {
    @Test("NumPy's array printing: widths, padding, integers, float32 vs float64 digits, scientific")
    func numpyFormat() {
        #expect(NumPyFormat.array([3, 3] as [Float]) == "[3. 3.]")
        #expect(NumPyFormat.array([6, 108] as [Float]) == "[  6. 108.]")
        #expect(NumPyFormat.array([3, 9] as [Float], separator: ", ") == "[3., 9.]")
        #expect(NumPyFormat.array([2.94, 1.9200001] as [Float]) == "[2.94      1.9200001]")
        #expect(NumPyFormat.array([0.08474258, 0.50421] as [Float]) == "[0.08474258 0.50421   ]")
        // float64: 8 digits after the point, rounded from the exact value, trailing zeros dropped.
        #expect(NumPyFormat.array([2.0000000265471845, 1.4142135255221409]) == "[2.00000003 1.41421353]")
        #expect(NumPyFormat.array([0.7202982, 1.46999980001]) == "[0.7202982 1.4699998]")
        #expect(NumPyFormat.array([-1.5, 2]) == "[-1.5  2. ]")
        #expect(NumPyFormat.matrix([[1, 0], [0, 6]] as [[Float]]) == "[[1. 0.]\n [0. 6.]]")
        #expect(NumPyFormat.scalar(90 as Float) == "90.")
        // Scientific notation when the magnitudes span more than 1000 or go below 1e-4.
        #expect(NumPyFormat.array([1e-5, 1]) == "[1.e-05 1.e+00]")
        #expect(NumPyFormat.array([1.5e-5, 2.25]) == "[1.50e-05 2.25e+00]")
        #expect(NumPyFormat.array([1e10, 1]) == "[1.e+10 1.e+00]")
        #expect(NumPyFormat.array([Double.nan, 1]) == "[nan  1.]")
        #expect(NumPyFormat.fixed(1.0539303728279354) == "1.053930")
        #expect(NumPyFormat.fixed(9.94e-7) == "0.000001")
    }

    @Test("RunReport.brief: whole when short, else 3 first and 2 last entries and the norm; any limit, no trap")
    func brief() {
        #expect(RunReport.brief([1, 2]) == "[1. 2.]")
        #expect(RunReport.brief([3, 0, 0, 0, 0, 0, 4]) == "[3. 0. 0. ... 0. 4.] (n = 7, |x| = 5.000000)")
        // A limit below what a summary shows prints short vectors whole (they were cut and
        // repeated, or trapped on an index out of range, before).
        #expect(RunReport.brief([], limit: -1) == "[]")
        #expect(RunReport.brief([1], limit: 0) == "[1.]")
        #expect(RunReport.brief([1, 2], limit: 1) == "[1. 2.]")
    }

    @Test("JSON: ordered keys, shortest digits, null for non-finite, escaping")
    func jsonWriter() {
        let v = JSONValue.object([("b", .number(0.1)), ("a", .numbers([3, 2.5, .nan])), ("s", .string("q\"\n\u{1}")), ("n", .null)])
        #expect(v.compact() == #"{"b":0.1,"a":[3,2.5,null],"s":"q\"\n\u0001","n":null}"#)
        #expect(JSONValue.format(2.633127570406976) == "2.633127570406976")
        #expect(JSONValue.format(1e-6) == "1e-06")
        #expect(JSONValue.format(-0.0) == "0")
        #expect(v.pretty().contains("\n  \"a\": [3,2.5,null],\n"))
    }

    @Test("Inputs: lists, one number for every coordinate, shards")
    func inputs() throws {
        #expect(try Inputs.point("3", dimension: 4, option: "--start") == [3, 3, 3, 3])
        #expect(try Inputs.point(" 1e-3, -2 ", dimension: 2, option: "--start") == [0.001, -2])
        #expect(try Inputs.point("-inf,0", dimension: 2, option: "--lower", allowInfinite: true) == [-.infinity, 0])
        #expect(throws: InputError.self) { try Inputs.point("inf,0", dimension: 2, option: "--start") }
        #expect(throws: InputError.self) { try Inputs.point("0x10", dimension: 1, option: "--start") }
        #expect(try Inputs.methods("gd, PG") == [.gd, .pg])
        #expect(throws: InputError("--methods: method 'gd' is listed twice")) { try Inputs.methods("gd, PG,gd") }
        #expect(try Inputs.stepSizes(["gd=0.5", "pg-numerical=1e-1"]) == [.gd: 0.5, .pgNumerical: 0.1])
        #expect(try Inputs.shard("3/8") == (3, 8))
        // A negative dimension (a caller's mistake) is an error, not a trap making the array.
        #expect(throws: InputError.self) { try Inputs.point("3", dimension: -1, option: "--start") }
        #expect(throws: InputError.self) { try NumberList(values: [1, 2]).point(dimension: -2, option: "--start") }
        #expect(try NumberList(values: [7]).point(dimension: 0, option: "--start") == [])
    }

    @Test("Shard ranges tile the grid in order for any split")
    func shardRanges() throws {
        for total in [0, 1, 7, 132] {
            for count in 1...9 {
                let ranges = (1...count).map { try! Shard(index: $0, count: count).range(of: total) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == total)
                for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            }
        }
        // A negative count of points (a caller's mistake) has no points to share, and no trap.
        #expect(Shard.whole.range(of: -1) == 0..<0)
        #expect(try Shard(index: 2, count: 3).range(of: Int.min).isEmpty)
    }

    @Test("AtomicFile: writes whole files, leaves no temporary file, reports a clear error")
    func atomicFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("a.txt").path
        try AtomicFile.write("one", to: path)
        try AtomicFile.write("two", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try contents(of: folder) == ["a.txt"])
        #expect(throws: OutputError.self) { try AtomicFile.write("x", to: folder.path + "/missing/a.txt") }
        #expect(throws: OutputError.self) { try AtomicFile.prepareFolder(path) }
        // writeAll: one unwritable destination, and none of the files changes.
        let b = folder.appendingPathComponent("b.txt").path
        #expect(throws: OutputError.self) {
            try AtomicFile.writeAll([(path, "three"), (b, "new"), (folder.path + "/missing/c.txt", "x")])
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try contents(of: folder) == ["a.txt"])
        try AtomicFile.writeAll([(path, "three"), (b, "new")])
        #expect(try String(contentsOfFile: b, encoding: .utf8) == "new")
        #expect(try contents(of: folder) == ["a.txt", "b.txt"])
    }

    @Test("prepareFolder makes new folders named with a trailing slash, '.' or '..', as mkdir -p does")
    func prepareFolderSpellings() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = folder.path
        for (name, made) in [("a/", "a"), ("b/c//", "b/c"), ("d/./e", "d/e"), ("f/../g", "g"), ("h/.", "h")] {
            let created = try AtomicFile.prepareFolder(base + "/" + name)
            AtomicFile.keepFolders(created)
            var isFolder: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: base + "/" + made, isDirectory: &isFolder) && isFolder.boolValue, "\(name)")
            // What it made is what it reports: removing it leaves no folder of the name behind.
            #expect(!created.isEmpty, "\(name)")
        }
        // Made and then removed again (the output could not be written): nothing is left.
        let created = try AtomicFile.prepareFolder(base + "/x/y/")
        AtomicFile.removeFolders(created)
        #expect(!FileManager.default.fileExists(atPath: base + "/x"))
        // End to end: compare into a new folder typed with a trailing slash.
        let run = try physgrad(["compare", "--no-plots", "--quiet", "--output", "out/"], in: folder)
        #expect(run.status == 0, "\(run)")
        #expect(FileManager.default.fileExists(atPath: base + "/out/summary.json"))
    }
}

@Suite("NumPy printing, checked against NumPy 2.4")
struct NumPyAgreementTests {
    // Each expected string is what NumPy 2.4.6 prints for `print(np.array(values, dtype))`.
    @Test func scientificFloat32() {
        #expect(NumPyFormat.array([2.1, 1.4699999, 1.23456789e-3] as [Float]) == "[2.0999999e+00 1.4699999e+00 1.2345678e-03]")
    }

    @Test func scientificFloat64() {
        #expect(NumPyFormat.array([1.23456789e-5, 12345.678]) == "[1.23456789e-05 1.23456780e+04]")
    }

    /// Zeros in scientific notation keep NumPy's form and sign; float32 arrays compare their
    /// magnitudes' ratio in float32. The strings are scripts/make_numpy_print_reference.py's.
    @Test func zerosAndFloat32Ratios() {
        #expect(NumPyFormat.array([0.0, 1e9]) == "[0.e+00 1.e+09]")
        #expect(NumPyFormat.array([0.0, 1e-4, 0.5, -0.0]) == "[ 0.e+00  1.e-04  5.e-01 -0.e+00]")
        #expect(NumPyFormat.array([-0.0, 1e8] as [Float]) == "[-0.e+00  1.e+08]")
        #expect(NumPyFormat.array([540.0, -0.0, 123456792.0] as [Float]) == "[ 5.4000000e+02 -0.0000000e+00  1.2345679e+08]")
        #expect(NumPyFormat.array([10.0, -0.01] as [Float]) == "[10.   -0.01]")
        #expect(NumPyFormat.array([1e300, -0.0]) == "[ 1.e+300 -0.e+000]")
    }
}
