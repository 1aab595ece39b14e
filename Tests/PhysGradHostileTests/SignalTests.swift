import Foundation
import PhysGradToolTestSupport
import Testing

/// Issue 11, item 11: SIGINT, SIGTERM and SIGHUP while files are written leave no temporary file
/// and no half-replaced group; the tool then ends by the signal.
@Suite("Hostile: interrupted writes (item 11)")
struct SignalTests {
    static let names = ["x-space.svg", "y-space.svg", "loss.svg", "trajectories.csv", "summary.json"]
    /// A run that computes quickly and writes about 15 MB, so that the write takes a while.
    static let arguments = ["compare", "--problem", "powers", "--dimension", "4000", "--methods", "gd", "--steps", "100",
                            "--output", "o", "--quiet"]

    /// Starts the run, waits until one of its temporaries appears in `o`, stops it there, sends
    /// `signal`, lets it go on, and waits for it. Returns `nil` when the run ended before a
    /// temporary was seen.
    func interrupt(in folder: URL, with signal: Int32) throws -> Process? {
        let process = Process()
        process.executableURL = try physgradExecutable()
        process.arguments = Self.arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let out = folder.appendingPathComponent("o").path
        while process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            if names.contains(where: { $0.contains(".physgrad-tmp-") }) {
                kill(process.processIdentifier, SIGSTOP)
                kill(process.processIdentifier, signal)
                kill(process.processIdentifier, SIGCONT)
                process.waitUntilExit()
                return process
            }
            usleep(200)
        }
        process.waitUntilExit()
        return nil
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func signalWhileWriting(_ signal: Int32) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("o")
        var caught = 0
        for _ in 0..<6 {
            try? FileManager.default.removeItem(at: out)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            for name in Self.names { try Data("old\n".utf8).write(to: out.appendingPathComponent(name)) }
            let process = try interrupt(in: folder, with: signal)
            // Whatever the moment: no temporary left, and the group is all old or all new.
            let left = try contents(of: out)
            #expect(left == Self.names.sorted(), "\(left)")
            let old = try Self.names.map { try read(out.appendingPathComponent($0)) == "old\n" }
            #expect(old.allSatisfy { $0 } || old.allSatisfy { !$0 }, "half-replaced group: \(zip(Self.names, old).map { "\($0): \($1 ? "old" : "new")" })")
            if let process {
                caught += 1
                // It ended by the signal, or had just finished the commit when the signal came.
                let bySignal = process.terminationReason == .uncaughtSignal && process.terminationStatus == signal
                #expect(bySignal || (process.terminationReason == .exit && process.terminationStatus == 0),
                        "\(process.terminationReason) \(process.terminationStatus)")
                if bySignal && caught >= 2 { break }
            }
        }
        #expect(caught > 0, "no run was seen while writing")
    }

    /// A sweep interrupted while it computes removes the folders it made for its output.
    @Test(arguments: [SIGINT, SIGTERM])
    func signalRemovesNewFolders(_ signal: Int32) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = try physgradExecutable()
        process.arguments = ["sweep", "--problems", "burgers", "--dimensions", "32", "--methods", "newton", "--etas", "1,0.5,0.25,0.125",
                             "--steps", "2", "--jobs", "1", "--output", "new/sub/part.csv"]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("new/sub").path) { usleep(500) }
        usleep(100_000)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal, "\(process.terminationReason) \(process.terminationStatus)")
        #expect(try contents(of: folder).isEmpty)
    }
}
