import ArgumentParser
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

        Each subcommand has its own help: 'physgrad help compare' or
        'physgrad compare --help'. Errors go to stderr as one line
        ("physgrad: error: ..."). Exit status: 0 on success, 64 for a mistake in
        the command line, 73 when an output file cannot be written, 1 when a
        computation fails.
        """,
        version: "0.1.0",
        subcommands: [CompareCommand.self, InvertCommand.self, MinimizeCommand.self, SweepCommand.self],
        defaultSubcommand: CompareCommand.self
    )

    /// Runs the command line; errors become one line on stderr and an exit status.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as InputError {
            fail(error.message, status: 64)
        } catch let error as OutputError {
            fail(error.description, status: 73)
        } catch let error as ComputationError {
            fail(error.message, status: 1)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            // Parse errors: ArgumentParser's message, on one line, with a pointer to the help.
            let message = self.message(for: error)
                .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("See '") && !$0.hasPrefix("Help:") }
                .joined(separator: " ")
            fail(message + " (see 'physgrad --help')", status: code == .validationFailure ? 64 : code.rawValue)
        }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        var text = message
        if text.hasPrefix("Error: ") { text.removeFirst(7) }
        FileHandle.standardError.write(Data(("physgrad: error: " + text + "\n").utf8))
        Foundation.exit(status)
    }
}

/// A computation that failed (exit status 1).
struct ComputationError: Error {
    var message: String
}

/// Writes to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes to stdout (the command's result).
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
