import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An output file could not be written.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in
/// the same folder, which is then renamed over the destination (rename is atomic within a file
/// system). On any failure the temporary file is removed and the destination is untouched.
public enum AtomicFile {
    /// Writes `text` (UTF-8) to `path` atomically.
    public static func write(_ text: String, to path: String) throws(OutputError) {
        try write(Data(text.utf8), to: path)
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws(OutputError) {
        let temporary = try writeTemporary(data, for: path)
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw OutputError(path: path, reason: reason)
        }
    }

    /// Writes several files as one step: every file's bytes go to a temporary file first; only
    /// when all of them are written are they renamed into place. A failure while writing leaves
    /// every destination as it was.
    public static func writeAll(_ files: [(path: String, contents: String)]) throws(OutputError) {
        var temporaries: [String] = []
        for file in files {
            do {
                temporaries.append(try writeTemporary(Data(file.contents.utf8), for: file.path))
            } catch {
                for t in temporaries { unlink(t) }
                throw error
            }
        }
        for (file, temporary) in zip(files, temporaries) where rename(temporary, file.path) != 0 {
            let reason = String(cString: strerror(errno))
            for t in temporaries { unlink(t) }
            throw OutputError(path: file.path, reason: reason)
        }
    }

    /// Writes `data` to a new temporary file beside `path` and returns the temporary's path.
    static func writeTemporary(_ data: Data, for path: String) throws(OutputError) -> String {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw OutputError(path: path, reason: failure)
        }
        return temporary
    }

    /// Creates `path` (and its parents) if needed and checks that files can be created in it.
    public static func prepareFolder(_ path: String) throws(OutputError) {
        var status = stat()
        if stat(path, &status) == 0 {
            if (status.st_mode & S_IFMT) != S_IFDIR { throw OutputError(path: path, reason: "it exists and is not a folder") }
        } else {
            // Create the missing folders from the top down, reporting the first failure.
            var prefixes: [String] = []
            var current = path
            while !current.isEmpty && current != "/" && current != "." && stat(current, &status) != 0 {
                prefixes.append(current)
                let parent = URL(fileURLWithPath: current).deletingLastPathComponent().path
                if parent == current { break }
                current = parent
            }
            for folder in prefixes.reversed() {
                if mkdir(folder, 0o755) != 0 && errno != EEXIST {
                    throw OutputError(path: path, reason: "cannot create folder \(folder): \(String(cString: strerror(errno)))")
                }
            }
        }
        if access(path, W_OK | X_OK) != 0 {
            throw OutputError(path: path, reason: "the folder is not writable (\(String(cString: strerror(errno))))")
        }
    }
}
