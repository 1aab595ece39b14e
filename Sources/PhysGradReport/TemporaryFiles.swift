import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The temporary files this process has made and not yet renamed or removed, and the folders it
/// made for output not yet written, so that an interruption (SIGINT, SIGTERM, SIGHUP) removes
/// them before the process ends.
///
/// The registry's lock is also held while a group of files is committed (renamed into place):
/// an interruption waits for the commit to finish, so a group is never left half-replaced.
public enum TemporaryFiles {
    static let registry = Mutex<Set<String>>([])
    /// Folders made for output that is not written yet, outermost first (removed if still empty).
    static let folders = Mutex<[String]>([])

    /// Runs `body` holding the registry's lock, with the set of registered paths.
    @discardableResult
    static func withRegistry<R, E: Error>(_ body: (inout Set<String>) throws(E) -> R) throws(E) -> R {
        try registry.withLock { (paths: inout Set<String>) throws(E) -> R in try body(&paths) }
    }

    /// Registers folders this process made (outermost first).
    static func registerFolders(_ made: [String]) {
        folders.withLock { $0 += made }
    }

    /// Forgets `made` (its output was written, or the folders were removed).
    static func forgetFolders(_ made: [String]) {
        folders.withLock { list in list.removeAll { made.contains($0) } }
    }

    /// Creates `path` (which must not exist) for writing with `mode`, registered as a temporary.
    /// Returns the file descriptor, or the `errno` of the failure.
    static func create(_ path: String, mode: mode_t) -> Result<Int32, Errno> {
        withRegistry { paths in
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd < 0 { return .failure(Errno(errno)) }
            paths.insert(path)
            return .success(fd)
        }
    }

    /// Removes `path` from the file system and from the registry.
    static func remove(_ path: String) {
        withRegistry { paths in
            unlink(path)
            paths.remove(path)
        }
    }

    /// The paths registered now (for tests).
    public static var registered: Set<String> { registry.withLock { $0 } }
}

/// An `errno` value.
struct Errno: Error {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

/// What the tool does on SIGINT, SIGTERM and SIGHUP: removes its temporary files and the empty
/// folders it made (waiting for a commit in progress to finish), then ends by the same signal, as
/// if it had not been caught. Signals ignored when the process started stay ignored.
///
/// The signal handler only writes the signal number into a pipe (async-signal-safe); a thread
/// reading the pipe does the cleaning.
public enum Interruption {
    /// The signals handled.
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    static let installed = Mutex(false)

    /// Installs the handlers (once; later calls do nothing).
    public static func install() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        interruptionPipeWrite = fds[1]
        let reader = fds[0]
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while true {
                let n = read(reader, &byte, 1)
                if n == 1 { break }
                if n < 0 && errno == EINTR { continue }
                return
            }
            let signal = Int32(byte)
            TemporaryFiles.withRegistry { paths in
                for p in paths { unlink(p) }
                paths.removeAll()
                for f in TemporaryFiles.folders.withLock({ $0 }).reversed() { rmdir(f) }
                // End by the signal itself (the parent sees "killed by SIGINT"), still holding the
                // lock so that nothing is created or renamed meanwhile. The signal may be blocked
                // in this thread (a mask inherited from the parent): unblock it first.
                Glibc.signal(signal, SIG_DFL)
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, signal)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                raise(signal)
                _exit(128 + signal)
            }
        }
        for s in signals {
            let previous = Glibc.signal(s) { received in
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(interruptionPipeWrite, &byte, 1)
            }
            // A signal ignored on entry stays ignored (nohup's SIGHUP; SIGINT of a background job
            // in a script): the tool then never ends by it, and has nothing to clean.
            if let previous, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                Glibc.signal(s, SIG_IGN)
            }
        }
    }
}

/// The write end of the interruption pipe (read by the signal handler, which may not lock).
nonisolated(unsafe) var interruptionPipeWrite: Int32 = -1
