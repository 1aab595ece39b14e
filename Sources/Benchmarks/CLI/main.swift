// Benchmark of the `physgrad` tool as a user runs it: `physgrad compare` as a whole process
// (start-up, the chapter, figures and files included), against scripts/chapter_jax.py (eager
// JAX, SciPy's fmin_l_bfgs_b, matplotlib) run by the peer scripts/peers/cli.py.
// The physgrad executable must be in the same folder as this one (scripts/bench builds it).
import Foundation
import PhysGradBenchSupport

let quick = CommandLine.arguments.contains("--quick")
let binFolder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let tool = binFolder.appendingPathComponent("physgrad")
guard FileManager.default.isExecutableFile(atPath: tool.path) else {
    FileHandle.standardError.write(Data("bench-cli: \(tool.path) not found; build it: swift build -c release --product physgrad\n".utf8))
    exit(1)
}
let output = FileManager.default.temporaryDirectory.appendingPathComponent("physgrad-bench-cli-\(getpid())")
defer { try? FileManager.default.removeItem(at: output) }

/// Runs physgrad once with `arguments` (stdout to /dev/null) and waits for it; exits on failure.
/// posix_spawn + waitpid: Foundation's Process.waitUntilExit polls its run loop in 50 ms slices
/// on Linux, which would be most of what is measured.
func runTool(_ arguments: [String]) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let argv = ([tool.path] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, tool.path, &actions, nil, argv, environ)
    guard rc == 0 else {
        FileHandle.standardError.write(Data("bench-cli: cannot run \(tool.path): \(String(cString: strerror(rc)))\n".utf8))
        exit(1)
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status != 0 {
        FileHandle.standardError.write(Data("bench-cli: physgrad \(arguments) failed (wait status \(status))\n".utf8))
        exit(1)
    }
}

for (caseName, extra) in [("compare-process", [String]()), ("compare-process-no-plots", ["--no-plots"])] {
    let t = measure(minRuns: quick ? 3 : 20, minSeconds: quick ? 0 : 1) {
        runTool(["compare", "--output", output.path] + extra)
    }
    BenchRecord(suite: "cli", caseName: caseName, n: 2, median: t.median, runs: t.runs).emit()
}
