#if canImport(Glibc)
import Glibc
#endif

/// An output that could not be written: a file, a folder, or a standard stream.
public struct OutputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, which decides the tool's exit status.
    public enum Kind: Sendable, Equatable {
        /// The output cannot be created or replaced: a folder where a file is wanted, a missing
        /// or read-only folder, a device or a pipe, a file that is not the tool's (exit 73,
        /// EX_CANTCREAT).
        case cannotCreate
        /// Writing failed: a full disk or quota, an I/O error, a closed stream, a broken pipe
        /// (exit 74, EX_IOERR).
        case ioError
    }

    /// The file, folder or stream ("standard output").
    public var path: String
    /// What went wrong.
    public var reason: String
    /// Cannot create, or I/O error.
    public var kind: Kind

    /// An error writing `path`.
    public init(path: String, reason: String, kind: Kind = .cannotCreate) {
        self.path = path
        self.reason = reason
        self.kind = kind
    }

    /// The failure of a system call, from `errno`: ENOSPC, EDQUOT, EIO, EFBIG, EPIPE and EBADF
    /// are I/O errors; the rest mean the output cannot be created.
    public init(path: String, errno code: Int32, context: String? = nil) {
        let text = String(cString: strerror(code))
        let ioCodes: [Int32] = [ENOSPC, EDQUOT, EIO, EFBIG, EPIPE, EBADF]
        self.init(path: path, reason: context.map { "\($0): \(text)" } ?? text,
                  kind: ioCodes.contains(code) ? .ioError : .cannotCreate)
    }

    /// The tool's exit status for this failure: 73 or 74 (sysexits.h).
    public var exitStatus: Int32 { kind == .ioError ? 74 : 73 }

    public var description: String { "cannot write \(path): \(reason)" }
}
