import Foundation
import PhysGradToolTestSupport
import Testing

/// A sweep killed midway (SIGINT or SIGTERM, as a batch scheduler does at a time limit) leaves
/// only complete files, and running it again redoes only what is missing.
@Suite("Interrupted sweeps")
struct InterruptionTests {
    static let grid = ["sweep", "--problems", "burgers", "--dimensions", "32", "--methods", "newton",
                       "--etas", "1,0.5,0.25,0.125", "--steps", "2", "--jobs", "1"]

    @Test("killed midway: no output, no temporary file; a rerun skips the finished shard and completes the other",
          arguments: [SIGTERM, SIGINT])
    func interrupted(signal: Int32) throws {
        let folder = try temporaryFolder("interrupted\(signal)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Shard 1 finishes.
        let first = try physgrad(Self.grid + ["--shard", "1/2", "--output", "part-1.csv"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        let part1 = try read(folder.appendingPathComponent("part-1.csv"))
        // Shard 2 is killed while it computes.
        let process = Process()
        process.executableURL = try physgradExecutable()
        process.arguments = Self.grid + ["--shard", "2/2", "--output", "part-2.csv"]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.7)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0 || process.terminationReason == .uncaughtSignal)
        // Only the complete file and its side file are there: no part-2.csv, no temporary files.
        #expect(try contents(of: folder) == ["part-1.csv", "part-1.csv.sweep.json"])
        // The rerun skips shard 1 (its file is untouched) and computes shard 2.
        let again1 = try physgrad(Self.grid + ["--shard", "1/2", "--output", "part-1.csv"], in: folder)
        #expect(again1.status == 0 && again1.stderr.contains("skipping"))
        #expect(try read(folder.appendingPathComponent("part-1.csv")) == part1)
        let again2 = try physgrad(Self.grid + ["--shard", "2/2", "--output", "part-2.csv"], in: folder)
        #expect(again2.status == 0, "\(again2.stderr)")
        let part2 = try read(folder.appendingPathComponent("part-2.csv"))
        #expect(part2.split(separator: "\n").count == 2)  // grid points 3 and 4, no header
        #expect(part1.hasPrefix("index,") && !part2.hasPrefix("index,"))
    }
}
