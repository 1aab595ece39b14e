import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees half of one, and groups of files so that either all
/// of them are replaced or none is.
///
/// - Every file's bytes go to a temporary file beside its destination (`.NAME.physgrad-tmp-…`),
///   flushed to disk; only when all temporaries of a group are written are they renamed over
///   their destinations (rename is atomic within a file system). If a rename fails, the files
///   already replaced are restored from hard-linked backups and the new ones removed.
/// - A destination that is a symbolic link is written through: the file it points to is
///   replaced, the link stays. A destination that is a folder, a device, a pipe or a socket is
///   refused before anything is written.
/// - Temporaries are registered with ``TemporaryFiles``, so an interruption removes them (see
///   ``Interruption``); temporaries that a killed run left behind (same host, process gone) are
///   removed by the next write to the same destination.
/// - An existing destination keeps its permission bits.
public enum AtomicFile {
    /// Writes `text` (UTF-8) to `path` atomically.
    public static func write(_ text: String, to path: String) throws(OutputError) {
        try writeGroup([(path, Data(text.utf8))])
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws(OutputError) {
        try writeGroup([(path, data)])
    }

    /// Writes several files as one step (see ``writeGroup(_:removing:beforeCommitting:)``).
    public static func writeAll(_ files: [(path: String, contents: String)]) throws(OutputError) {
        try writeGroup(files.map { ($0.path, Data($0.contents.utf8)) })
    }

    /// Writes `files` and removes the regular files `removing` as one step: all or nothing.
    ///
    /// - Parameters:
    ///   - files: the destinations and their contents, written to temporary files beside them
    ///     and renamed into place.
    ///   - removing: files to remove in the same step; only regular files that are not links and
    ///     not destinations are removed, and a missing one is no error.
    ///   - beforeCommitting: called with each destination's index just before it is renamed into
    ///     place (tests use it to make a rename fail).
    /// - Throws: ``OutputError`` for a destination that cannot be written (nothing has changed
    ///   then), or for a failure while committing (every destination is restored).
    public static func writeGroup(
        _ files: [(path: String, contents: Data)], removing: [String] = [],
        beforeCommitting: (Int) -> Void = { _ in }
    ) throws(OutputError) {
        var destinations: [Destination] = []
        for f in files {
            let d = try Destination(f.path)
            if let other = destinations.first(where: { $0.path == d.path }) {
                throw OutputError(path: f.path, reason: "it is the same file as \(other.requested)")
            }
            destinations.append(d)
        }
        // Only regular files that are not links are removed (a link to a figure is not ours).
        let removals = removing.filter { path in
            var s = stat()
            return lstat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFREG && !destinations.contains { $0.path == path }
        }
        for d in destinations { removeStaleTemporaries(of: d.path) }

        var temporaries: [String] = []
        for (d, f) in zip(destinations, files) {
            do {
                temporaries.append(try writeTemporary(f.contents, for: d))
            } catch {
                for t in temporaries { TemporaryFiles.remove(t) }
                throw error
            }
        }
        try TemporaryFiles.withRegistry { (registered: inout Set<String>) throws(OutputError) in
            defer { registered.subtract(temporaries) }
            try commit(destinations, temporaries, removals, beforeCommitting)
        }
    }

    /// Renames the temporaries into place and removes `removals`; on a failure, undoes what was
    /// done. Runs with the registry locked (an interruption waits until it returns), and removes
    /// every temporary and backup it made, whether it succeeds or not.
    private static func commit(
        _ destinations: [Destination], _ temporaries: [String], _ removals: [String], _ beforeCommitting: (Int) -> Void
    ) throws(OutputError) {
        let targets = destinations.map(\.path) + removals
        // Hard-linked backups of what is replaced or removed, so that it can be restored.
        var backups: [String?] = []
        for path in targets {
            var s = stat()
            guard lstat(path, &s) == 0 else { backups.append(nil); continue }
            let backup = temporaryName(for: path)
            if link(path, backup) != 0 && copyFile(path, to: backup) != 0 {
                let code = errno
                for case let b? in backups { unlink(b) }
                for t in temporaries { unlink(t) }
                throw OutputError(path: path, errno: code, context: "cannot keep a backup while replacing it")
            }
            backups.append(backup)
        }
        defer { for case let b? in backups { unlink(b) } }
        var done = 0
        for (i, path) in targets.enumerated() {
            let ok: Bool
            if i < temporaries.count {
                beforeCommitting(i)
                ok = rename(temporaries[i], path) == 0
            } else {
                ok = unlink(path) == 0
            }
            if !ok {
                let failure = OutputError(path: i < destinations.count ? destinations[i].requested : path, errno: errno)
                // Undo: put back what was replaced or removed, remove what is new.
                for j in 0..<done {
                    if let b = backups[j] { rename(b, targets[j]) } else { unlink(targets[j]) }
                }
                for t in temporaries.dropFirst(min(done, temporaries.count)) { unlink(t) }
                throw failure
            }
            done += 1
        }
    }

    /// The name of a new temporary file beside `path`: `.NAME.physgrad-tmp-PID-RANDOM@HOST`.
    static func temporaryName(for path: String) -> String {
        let (folder, name) = split(path)
        return folder + "/." + name + temporaryMarker + "\(getpid())-\(UInt64.random(in: 0...UInt64.max))@\(hostName)"
    }

    static let temporaryMarker = ".physgrad-tmp-"

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).replacingAll("/", with: "_")
    }()

    /// `(folder, last component)` of a path ("." for a bare name).
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    /// Removes temporaries of `path` left by runs of this tool on this host whose process is gone
    /// (killed before it could clean up). Temporaries of live processes and of other hosts stay.
    static func removeStaleTemporaries(of path: String) {
        let (folder, name) = split(path)
        let prefix = "." + name + temporaryMarker
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            let rest = entry.dropFirst(prefix.count)
            guard let at = rest.firstIndex(of: "@"), rest[rest.index(after: at)...] == hostName,
                  let dash = rest.firstIndex(of: "-"), dash < at, let pid = pid_t(rest[..<dash]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink(folder + "/" + entry)
            }
        }
    }

    /// Writes `data` to a new temporary file beside the destination, flushed to disk, with the
    /// destination's permission bits when it exists. Returns the temporary's path.
    static func writeTemporary(_ data: Data, for destination: Destination) throws(OutputError) -> String {
        let temporary = temporaryName(for: destination.path)
        let mode = destination.existing.map { $0.st_mode & 0o7777 } ?? 0o644
        let fd: Int32
        switch TemporaryFiles.create(temporary, mode: mode) {
        case .success(let d): fd = d
        case .failure(let e): throw OutputError(path: destination.requested, errno: e.code)
        }
        var failure: Int32?
        if destination.existing != nil && fchmod(fd, mode) != 0 { failure = errno }
        if failure == nil {
            failure = data.withUnsafeBytes { raw in StandardStreams.writeAll(fd, raw) }
        }
        if failure == nil && fsync(fd) != 0 && errno != EINVAL { failure = errno }
        if close(fd) != 0 && failure == nil && errno != EINTR { failure = errno }
        if let failure {
            TemporaryFiles.remove(temporary)
            throw OutputError(path: destination.requested, errno: failure)
        }
        return temporary
    }

    /// Copies the bytes and permission bits of `source` into the new file `target` (a backup
    /// where hard links are not supported). Returns 0, or -1 with `errno` set.
    static func copyFile(_ source: String, to target: String) -> Int32 {
        var s = stat()
        guard stat(source, &s) == 0 else { return -1 }
        guard let data = FileManager.default.contents(atPath: source) else { errno = EIO; return -1 }
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return -1 }
        var failure = data.withUnsafeBytes { StandardStreams.writeAll(fd, $0) }
        if failure == nil && fchmod(fd, s.st_mode & 0o7777) != 0 { failure = errno }
        close(fd)
        if let failure {
            unlink(target)
            errno = failure
            return -1
        }
        return 0
    }

    /// The contents of the file that a write to `path` would replace (following symbolic links),
    /// or `nil` when there is none yet.
    /// - Throws: ``OutputError`` when `path` could not be written (a folder, a device, a pipe, a
    ///   missing folder), or cannot be read.
    public static func existingContents(of path: String) throws(OutputError) -> Data? {
        let d = try Destination(path)
        guard d.existing != nil else { return nil }
        guard let data = FileManager.default.contents(atPath: d.path) else {
            throw OutputError(path: path, reason: "it exists but cannot be read")
        }
        return data
    }

    /// The file a write to `path` would replace or create, once symbolic links are followed
    /// (`path` itself when it is not a link, or when it cannot be written at all).
    public static func resolvedPath(_ path: String) -> String {
        (try? Destination(path))?.path ?? path
    }

    /// `true` when `a` and `b` name the same existing file (symbolic links followed).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var s = stat(), t = stat()
        return stat(a, &s) == 0 && stat(b, &t) == 0 && s.st_dev == t.st_dev && s.st_ino == t.st_ino
    }

    /// This host's name, as temporary files and sweep side files record it.
    public static var host: String { hostName }

    /// Creates the folder `path` and its missing parents, and checks that files can be made in
    /// it. Returns the folders it created, outermost first: pass them to ``removeFolders(_:)``
    /// when what was to go into them could not be written, or to ``keepFolders(_:)`` once it is.
    /// Until then an interruption removes them (when still empty).
    @discardableResult
    public static func prepareFolder(_ path: String) throws(OutputError) -> [String] {
        guard !path.isEmpty else { throw OutputError(path: path, reason: "the folder name is empty") }
        var status = stat()
        var created: [String] = []
        if stat(path, &status) != 0 {
            var missing: [String] = []
            var current = path
            while !current.isEmpty && current != "/" && current != "." && stat(current, &status) != 0 {
                if lstat(current, &status) == 0 {
                    throw OutputError(path: path, reason: "\(current) is a symbolic link to something that does not exist")
                }
                missing.append(current)
                let parent = split(current).folder
                if parent == current { break }
                current = parent
            }
            for folder in missing.reversed() {
                if mkdir(folder, 0o755) != 0 {
                    let code = errno
                    // `a/`, `a/.` or `a/b/..` after `a`: a folder made a moment ago, by another name.
                    var made = stat()
                    if code == EEXIST && stat(folder, &made) == 0 && (made.st_mode & S_IFMT) == S_IFDIR { continue }
                    removeFolders(created)
                    throw OutputError(path: path, errno: code, context: "cannot create folder \(folder)")
                }
                created.append(folder)
            }
            guard stat(path, &status) == 0 else { throw OutputError(path: path, errno: errno) }
            TemporaryFiles.registerFolders(created)
        }
        if (status.st_mode & S_IFMT) != S_IFDIR {
            throw OutputError(path: path, reason: "it exists and is not a folder")
        }
        if access(path, W_OK | X_OK) != 0 {
            let code = errno
            removeFolders(created)
            throw OutputError(path: path, errno: code, context: "the folder is not writable")
        }
        return created
    }

    /// Removes the (empty) folders `folders`, innermost first.
    public static func removeFolders(_ folders: [String]) {
        for f in folders.reversed() { rmdir(f) }
        TemporaryFiles.forgetFolders(folders)
    }

    /// Keeps the folders `folders` made by ``prepareFolder(_:)``: their output is written.
    public static func keepFolders(_ folders: [String]) {
        TemporaryFiles.forgetFolders(folders)
    }
}

/// Where a file goes: the path asked for, and the regular file it names once symbolic links are
/// followed.
struct Destination {
    /// The path as given.
    var requested: String
    /// The file to replace or create (the end of the chain of symbolic links).
    var path: String
    /// Its status when it exists.
    var existing: stat?

    /// Follows `path` through symbolic links (at most 40) to a regular file or to a name that
    /// does not exist yet in an existing folder.
    /// - Throws: ``OutputError`` (cannot create) for a folder, a device, a pipe, a socket, a
    ///   missing folder, or a loop of links.
    init(_ path: String) throws(OutputError) {
        guard !path.isEmpty else { throw OutputError(path: path, reason: "the file name is empty") }
        requested = path
        var current = path
        for _ in 0..<40 {
            // /dev/stdout, /dev/fd/N, /proc/self/fd/N: an open stream of some process, whatever
            // it points to; replacing the file behind it would lose what was written to it.
            if current.hasPrefix("/proc/") || current.hasPrefix("/dev/fd/") || ["/dev/stdout", "/dev/stderr", "/dev/stdin"].contains(current) {
                throw OutputError(path: path, reason: "it names an open stream (standard output or another file descriptor), not a file")
            }
            var s = stat()
            if lstat(current, &s) != 0 {
                let code = errno
                guard code == ENOENT else { throw OutputError(path: path, errno: code) }
                let folder = AtomicFile.split(current).folder
                var f = stat()
                guard stat(folder, &f) == 0, (f.st_mode & S_IFMT) == S_IFDIR else {
                    throw OutputError(path: path, reason: "the folder \(folder) does not exist")
                }
                self.path = current
                existing = nil
                return
            }
            switch s.st_mode & S_IFMT {
            case S_IFREG:
                self.path = current
                existing = s
                return
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(current, &buffer, buffer.count - 1)
                guard n >= 0 else { throw OutputError(path: path, errno: errno) }
                let target = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                current = target.hasPrefix("/") ? target : AtomicFile.split(current).folder + "/" + target
            case S_IFDIR:
                throw OutputError(path: path, reason: "it is a folder" + (current == path ? "" : " (\(current))"))
            default:
                throw OutputError(path: path, reason: "it is not a regular file but \(Destination.kindName(s.st_mode))")
            }
        }
        throw OutputError(path: path, reason: "too many levels of symbolic links")
    }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }
}
