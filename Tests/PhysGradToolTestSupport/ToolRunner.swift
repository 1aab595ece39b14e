import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one run of the `physgrad` executable (or of a shell script around it) produced.
public struct ToolRun: Sendable, CustomStringConvertible {
    /// The exit status, or the signal's number when `signaled`.
    public var status: Int32
    /// `true` when the process ended by a signal (a trap is SIGILL or SIGTRAP).
    public var signaled: Bool
    public var stdout: String
    public var stderr: String

    /// The lines of stderr (without the final newline's empty line).
    public var stderrLines: [Substring] {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast(stderr.hasSuffix("\n") ? 1 : 0).map { $0 }
    }

    public var description: String {
        (signaled ? "signal \(status)" : "status \(status)") + "\nstderr: \(stderr)\nstdout: \(stdout.prefix(2000))"
    }
}

/// The built `physgrad` executable, found in the build products folder next to the test bundle
/// (as swift-argument-parser's example tests find theirs), or at $PHYSGRAD_BIN.
public func physgradExecutable() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["PHYSGRAD_BIN"] { return URL(fileURLWithPath: path) }
    var candidates: [URL] = []
    let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    // .build/<triple>/debug/PhysGradPackageTests.xctest (a file on Linux, a bundle elsewhere).
    var folder = argv0.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(folder.appendingPathComponent("physgrad"))
        folder = folder.deletingLastPathComponent()
    }
    candidates.append(Bundle.main.bundleURL.appendingPathComponent("physgrad"))
    for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) { return url }
    throw ToolError("physgrad executable not found next to \(argv0.path); build it (swift build) or set PHYSGRAD_BIN")
}

public struct ToolError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Where the child's stdout goes.
public enum StandardOutput: Sendable {
    /// A pipe read to its end (the result is `ToolRun.stdout`).
    case pipe
    /// A pipe whose read end is closed before the child starts: its first write fails with EPIPE.
    case brokenPipe
}

/// The variables from which `physgrad sweep` takes its shard (a Slurm job array's, a Kubernetes
/// Indexed Job's): removed from the environment the tests hand the tool, unless a test sets them.
public let batchEngineVariables = [
    "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX", "PHYSGRAD_SHARDS",
]

/// Runs `executable` with `arguments` in `folder` with one BLAS thread, stdin from /dev/null, and
/// waits for it. `environment` entries are added to the test's own.
public func run(
    _ executable: URL, _ arguments: [String], in folder: URL? = nil, stdout: StandardOutput = .pipe,
    environment: [String: String] = [:]
) throws -> ToolRun {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_NUM_THREADS"] = "1"
    // A test suite run inside a batch job must not hand the tool its shard.
    for name in batchEngineVariables { env[name] = nil }
    for (k, v) in environment { env[k] = v }
    process.environment = env
    // stderr into a file, stdout through a pipe (read to its end before waiting).
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("physgrad-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)  // FileHandle(forWritingTo:) below throws if it failed
    let errHandle = try FileHandle(forWritingTo: errURL)
    defer { try? FileManager.default.removeItem(at: errURL) }
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    var outData = Data()
    switch stdout {
    case .pipe:
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        outData = out.fileHandleForReading.readDataToEndOfFile()
    case .brokenPipe:
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ToolError("pipe: \(errno)") }
        close(fds[0])
        let writer = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        process.standardOutput = writer
        try process.run()
        try writer.close()
    }
    process.waitUntilExit()
    try errHandle.close()
    let errData = try Data(contentsOf: errURL)
    return ToolRun(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                   stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `physgrad` with `arguments` in `folder` (see ``run(_:_:in:stdout:environment:)``).
public func physgrad(
    _ arguments: [String], in folder: URL? = nil, stdout: StandardOutput = .pipe, environment: [String: String] = [:]
) throws -> ToolRun {
    try run(physgradExecutable(), arguments, in: folder, stdout: stdout, environment: environment)
}

/// Runs `script` with /bin/sh in `folder`, with `$PHYSGRAD` the tool: for what only a shell
/// expresses (closed descriptors, /dev/full, FIFOs).
public func shell(_ script: String, in folder: URL? = nil) throws -> ToolRun {
    try run(URL(fileURLWithPath: "/bin/sh"), ["-c", script], in: folder,
            environment: ["PHYSGRAD": try physgradExecutable().path])
}

/// A fresh empty folder under the system's temporary folder.
public func temporaryFolder(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }.prefix(40)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("physgrad-tests-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

public func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

/// The names in `folder`, sorted (hidden ones included).
public func contents(of folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}

/// A JSON document as nested Foundation objects.
public func json(_ text: String) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw ToolError("not a JSON object")
    }
    return o
}

public func doubles(_ any: Any?) -> [Double] { (any as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
public func double(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }
