import Foundation
import PhysGradToolTestSupport
import Testing

/// Issue 11, item 1: output that cannot be written (closed stream, full disk, read-only
/// descriptor, broken pipe) is one line on stderr and exit 74 from every subcommand, never a trap.
extension Catalog {
    static let streams: [HostileCase] = [
        // compare: the three formats into a closed stdout, /dev/full and a read-only descriptor.
        HostileCase("1", #""$PHYSGRAD" compare --output o >&-"#, status: 74, .error("cannot write standard output: Bad file descriptor"),
                    check: "test -s o/summary.json && test -s o/x-space.svg"),
        HostileCase("1", #""$PHYSGRAD" compare --format json --no-plots --output o >&-"#, status: 74, .error("Bad file descriptor")),
        HostileCase("1", #""$PHYSGRAD" compare --format csv --output o >&-"#, status: 74, .error("Bad file descriptor")),
        HostileCase("1", #""$PHYSGRAD" compare --output o > /dev/full"#, status: 74, .error("cannot write standard output: No space left on device")),
        HostileCase("1", #""$PHYSGRAD" compare --format json --output o > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" compare --format csv --output o > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" compare --output o 1</dev/null"#, status: 74, .error("Bad file descriptor")),
        HostileCase("1", #""$PHYSGRAD" compare --problem powers --dimension 6 --methods gd --output o > /dev/full"#, status: 74,
                    .error("No space left on device")),
        // Nothing to write, nothing to fail.
        HostileCase("1", #""$PHYSGRAD" compare --quiet --output o >&-"#, status: 0, check: "head -c 14 o/trajectories.csv | grep -q '^method,step,x0'"),
        HostileCase("1", #""$PHYSGRAD" compare --quiet --output o > /dev/full"#, status: 0),
        // Closed stdin or stderr: files the tool opens must not take descriptor 0 or 2.
        HostileCase("1", #""$PHYSGRAD" compare --quiet --output o <&-"#, status: 0, check: "head -c 1 o/summary.json | grep -q '{'"),
        HostileCase("1", #""$PHYSGRAD" compare --quiet --output o 2>&-"#, status: 0,
                    check: "head -c 1 o/summary.json | grep -q '{' && head -c 4 o/x-space.svg | grep -q '<'"),
        HostileCase("1", #""$PHYSGRAD" compare --output o <&- >&- 2>&-"#, status: 74, check: "test -s o/summary.json"),
        // The other subcommands.
        HostileCase("1", #""$PHYSGRAD" sweep >&-"#, status: 74, .error("Bad file descriptor")),
        HostileCase("1", #""$PHYSGRAD" sweep > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" sweep --format jsonl > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" invert --target 2,2 >&-"#, status: 74, .error("Bad file descriptor")),
        HostileCase("1", #""$PHYSGRAD" invert --target 2,2 > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" invert --target 2,2 --format json > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" minimize --function booth >&-"#, status: 74, .error("Bad file descriptor")),
        HostileCase("1", #""$PHYSGRAD" minimize --function booth > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" minimize --function booth --format json > /dev/full"#, status: 74, .error("No space left on device")),
        // A usage error with stderr closed, or stderr full: the status still says what happened.
        HostileCase("1", #""$PHYSGRAD" compare --format xml 2>&-"#, status: 64),
        HostileCase("1", #""$PHYSGRAD" compare --format xml 2>/dev/full"#, status: 64),
        HostileCase("1", #""$PHYSGRAD" compare --output o > /dev/full 2>&-"#, status: 74),
        HostileCase("1", #""$PHYSGRAD" compare --output o >&- 2>&-"#, status: 74),
        HostileCase("1", #""$PHYSGRAD" invert --target 1e300,1e300 --format json >&- 2>&-"#, status: 74),
        // Help and version text are output too.
        HostileCase("1", #""$PHYSGRAD" --help > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" help compare >&-"#, status: 74, .error("Bad file descriptor")),
        HostileCase("1", #""$PHYSGRAD" sweep --help > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" --version > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("1", #""$PHYSGRAD" --version >&-"#, status: 74, .error("Bad file descriptor")),
    ]
}

@Suite("Hostile: unwritable standard streams (item 1)")
struct StreamTests {
    @Test(arguments: Catalog.streams)
    func stream(_ c: HostileCase) throws { try c.run() }

    /// A reader that went away: SIGPIPE is ignored, the write fails with EPIPE, one line, 74.
    @Test(arguments: [
        ["compare", "--output", "o"], ["compare", "--format", "json", "--output", "o"], ["compare", "--format", "csv", "--output", "o"],
        ["sweep"], ["sweep", "--format", "jsonl"], ["invert", "--target", "2,2"], ["minimize", "--function", "beale"],
        ["--help"], ["minimize", "--function", "beale", "--format", "json"],
    ])
    func brokenPipe(_ arguments: [String]) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try physgrad(arguments, in: folder, stdout: .brokenPipe)
        #expect(!run.signaled, "killed by a signal: \(run)")
        #expect(run.status == 74, "\(run)")
        #expect(run.stderr == "physgrad: error: cannot write standard output: Broken pipe\n", "\(run)")
    }
}
