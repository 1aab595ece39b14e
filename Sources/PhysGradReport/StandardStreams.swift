#if canImport(Glibc)
import Glibc
#endif

/// Checked writes to standard output and best-effort writes to standard error, with the system
/// calls themselves (no buffering that could fail later, unseen, at exit).
public enum StandardStreams {
    /// Prepares the process's standard streams for a tool that must report every failed write:
    ///
    /// - A closed descriptor 0, 1 or 2 is opened on /dev/null *read-only*: files the tool opens
    ///   later cannot take its number (and have messages meant for stderr written into them),
    ///   and writes to it still fail with EBADF, as they would on a closed stream.
    /// - SIGPIPE is ignored, so a write to a pipe whose reader is gone fails with EPIPE (reported
    ///   as an I/O error) instead of killing the process silently.
    public static func prepare() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", O_RDONLY)
            if opened >= 0 && opened != fd {
                dup2(opened, fd)
                close(opened)
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes `text` to standard output, all of it.
    /// - Throws: ``OutputError`` (an I/O error: exit 74) naming "standard output" and the reason.
    public static func writeOutput(_ text: String) throws(OutputError) {
        var text = text
        let failure = text.withUTF8 { writeAll(1, UnsafeRawBufferPointer($0)) }
        if let failure { throw OutputError(path: "standard output", errno: failure) }
    }

    /// Writes `text` to standard error; a failure is ignored (there is nowhere left to report it).
    public static func writeError(_ text: String) {
        var text = text
        _ = text.withUTF8 { writeAll(2, UnsafeRawBufferPointer($0)) }
    }

    /// Writes every byte of `bytes` to `fd`, retrying after signals and waiting when a
    /// non-blocking descriptor is full. Returns `nil`, or the `errno` of the failure.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                switch errno {
                case EINTR: continue
                case EAGAIN:
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, -1)
                    continue
                default: return errno
                }
            }
            if n == 0 { return EIO }
            offset += n
        }
        return nil
    }
}
