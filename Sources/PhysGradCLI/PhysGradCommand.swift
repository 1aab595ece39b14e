import ArgumentParser
import CPhysGradMemory
import Foundation
import PhysGradReport

/// The `physgrad` command: the chapter in one command, larger variants, plots, machine-readable
/// output. With no subcommand it runs `compare`.
@main
struct PhysGradCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "physgrad",
        abstract: "Inverse problems through physics models: compare GD, Newton, inverse-simulator updates (PG) and more.",
        discussion: """
        EXAMPLES:
          physgrad
              The same as 'physgrad compare': the chapter, files in ./physgrad-output
          physgrad compare --output /tmp/run
          physgrad compare --problem powers --dimension 100 --methods gd,newton,pg
          physgrad compare --format json --no-plots > summary.json
          physgrad invert --problem seed --target 2,2 --start 3,3
          physgrad minimize --function extended-rosenbrock --dimension 1000
          physgrad sweep --problems powers --dimensions 2,10 --methods gd,pg \\
              --etas 0.01,0.1 --output sweep.csv
          physgrad sweep merge part-*.csv --output sweep.csv --plots plots
          physgrad train --methods adam,sip,hig --seconds 10

        Each subcommand has its own help: 'physgrad help compare' or
        'physgrad compare --help'. Errors go to stderr as one line
        ("physgrad: error: ..."). Exit status: 0 on success, 64 for a mistake in
        the command line (or a request above a documented limit), 65 when the
        files given to 'sweep merge' or 'sweep plot' do not make one consistent
        sweep, 66 when they cannot be read, 73 when an output file cannot be
        created or replaced, 74 when writing fails (full disk, closed stream,
        broken pipe), 1 when a computation fails.
        SIGINT, SIGTERM and SIGHUP remove the temporary files of an unfinished
        write before the tool ends.
        """,
        version: "0.1.0",
        subcommands: [CompareCommand.self, InvertCommand.self, MinimizeCommand.self, SweepCommand.self, InversionCommand.self, TrainCommand.self],
        defaultSubcommand: CompareCommand.self
    )

    /// Runs the command line; every failure becomes one line on stderr and an exit status.
    static func main() async {
        // Dense steps at n in the hundreds allocate and free megabytes of LAPACK workspace and
        // factors per step; glibc would unmap them and the kernel hand out zeroed pages again
        // (about a tenth of `compare --problem burgers --dimension 256` otherwise).
        _ = physgrad_keep_freed_memory()
        StandardStreams.prepare()
        Interruption.install()
        let status: Int32
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            status = 0
        } catch {
            status = report(error)
        }
        Foundation.exit(status)
    }

    /// Reports `error` (one line on stderr; help and version text on stdout) and returns the
    /// exit status.
    static func report(_ error: any Error, arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Int32 {
        let (message, status) = failure(for: error, arguments: arguments)
        if status == 0 {
            do {
                try StandardStreams.writeOutput(message.hasSuffix("\n") ? message : message + "\n")
                return 0
            } catch {
                StandardStreams.writeError("physgrad: error: \(error)\n")
                return error.exitStatus
            }
        }
        if !message.isEmpty { StandardStreams.writeError("physgrad: error: \(message)\n") }
        return status
    }

    /// The message and exit status for `error`: the tool's own failures carry both; for
    /// ArgumentParser's errors (a mistake in the command line: 64), its message on one line and
    /// where to find the help; help and version requests give their text and 0.
    static func failure(for error: any Error, arguments: [String]) -> (message: String, status: Int32) {
        if let f = error as? any ToolFailure { return (ErrorText.oneLine(f.message), f.exitCode.rawValue) }
        let code = exitCode(for: error)
        if code == .success { return (fullMessage(for: error), 0) }
        let message = ErrorText.oneLine(self.message(for: error))
        if message.isEmpty { return ("", code.rawValue) }
        // The (sub)command the arguments name, e.g. "physgrad sweep merge".
        var path = ["physgrad"]
        var level = configuration.subcommands
        for word in arguments.prefix(while: { !$0.hasPrefix("-") }) {
            guard let sub = level.first(where: { $0._commandName == word }) else { continue }
            path.append(word)
            level = sub.configuration.subcommands
        }
        let command = path.joined(separator: " ")
        let status = code == .validationFailure ? ExitCode.usage.rawValue : code.rawValue
        return (message + " (see '\(command) --help')", status)
    }
}

extension ExitCode {
    /// A mistake in the command line, or a request above a documented limit (EX_USAGE).
    static let usage = ExitCode(64)
    /// An output file or folder cannot be created or replaced (EX_CANTCREAT).
    static let cannotCreate = ExitCode(73)
    /// Writing failed: full disk, I/O error, closed stream, broken pipe (EX_IOERR).
    static let ioError = ExitCode(74)
}

/// A failure of the tool with its one-line message and exit status.
protocol ToolFailure: Error {
    var message: String { get }
    var exitCode: ExitCode { get }
}

extension InputError: ToolFailure {
    var exitCode: ExitCode { .usage }
}

extension OutputError: ToolFailure {
    var message: String { description }
    var exitCode: ExitCode { ExitCode(exitStatus) }
}

/// A computation that failed (exit status 1).
struct ComputationError: ToolFailure {
    var message: String
    var exitCode: ExitCode { .failure }
}

/// Writes the command's result to stdout.
/// - Throws: ``OutputError`` (exit 74) when it cannot be written.
func emit(_ text: String) throws(OutputError) {
    try StandardStreams.writeOutput(text)
}
