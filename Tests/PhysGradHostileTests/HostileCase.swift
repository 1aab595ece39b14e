import Foundation
import PhysGradToolTestSupport
import Testing

/// One hostile use of the tool: a shell script run in a fresh temporary folder (`$PHYSGRAD` is the
/// built tool), after an optional setup script, with the exit status and stderr it must give and
/// an optional shell check of what it left behind.
///
/// Every case also checks what no run may ever do: end by a signal (a trap), print more than one
/// line on stderr, leave a temporary file (other than those the setup planted), or print a
/// message with an empty value ("= :").
struct HostileCase: Sendable, CustomTestStringConvertible {
    /// What stderr must hold.
    enum Stderr: Sendable {
        /// Nothing (success, or stderr closed by the script).
        case empty
        /// Exactly one line, "physgrad: error: ..." containing this text.
        case error(String)
        /// Exactly one line containing this text (a notice, not an error).
        case notice(String)
    }

    var item: String
    var script: String
    var status: Int32
    var stderr: Stderr
    var setup: String
    /// A shell script run in the folder afterwards (with `$OUT` holding the case's stdout in a
    /// file named `stdout`); it must exit 0.
    var check: String

    init(_ item: String, _ script: String, status: Int32, _ stderr: Stderr = .empty, setup: String = "", check: String = "") {
        self.item = item
        self.script = script
        self.status = status
        self.stderr = stderr
        self.setup = setup
        self.check = check
    }

    var testDescription: String { "item \(item): \(setup.isEmpty ? "" : "[\(setup)] ")\(script)" }

    /// Runs the case and records every expectation that fails.
    func run(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = try temporaryFolder("hostile")
        defer { try? FileManager.default.removeItem(at: folder) }
        if !setup.isEmpty {
            let s = try shell("set -e\n" + setup, in: folder)
            try #require(s.status == 0 && !s.signaled, "setup failed: \(s)", sourceLocation: sourceLocation)
        }
        func temporaries() throws -> Set<String> {
            Set(try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.contains(".physgrad-tmp-") })
        }
        let planted = try temporaries()
        // A time limit, so that a tool that blocks (on a FIFO, say) fails instead of hanging.
        let run = try shell("exec timeout -s KILL 300 sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))'", in: folder)
        #expect(!run.signaled && run.status != 137, "ended by a signal: \(run)", sourceLocation: sourceLocation)
        #expect(run.status == status, "\(run)", sourceLocation: sourceLocation)
        let lines = run.stderrLines
        switch stderr {
        case .empty:
            #expect(run.stderr.isEmpty, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
        case .error(let text):
            #expect(lines.count == 1 && run.stderr.hasSuffix("\n"), "one line on stderr: \(run.stderr)", sourceLocation: sourceLocation)
            #expect(run.stderr.hasPrefix("physgrad: error: "), "\(run.stderr)", sourceLocation: sourceLocation)
            #expect(run.stderr.contains(text), "stderr lacks \"\(text)\": \(run.stderr)", sourceLocation: sourceLocation)
        case .notice(let text):
            #expect(lines.count == 1, "one line on stderr: \(run.stderr)", sourceLocation: sourceLocation)
            #expect(run.stderr.contains(text), "stderr lacks \"\(text)\": \(run.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!run.stderr.contains("= :") && !run.stderr.contains("Fatal error"), "\(run.stderr)", sourceLocation: sourceLocation)
        let leftovers = try temporaries().subtracting(planted)
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)", sourceLocation: sourceLocation)
        if !check.isEmpty {
            try Data(run.stdout.utf8).write(to: folder.appendingPathComponent("stdout"))
            let c = try shell("set -e\n" + check, in: folder)
            #expect(c.status == 0, "check failed: \(check)\n\(c)\nrun: \(run)", sourceLocation: sourceLocation)
        }
    }
}

/// Cases of the catalog, by issue item.
enum Catalog {}
