import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One output file of `physgrad sweep --output FILE` with its side file `FILE.sweep.json`
/// (``SweepRecord``), read and checked against each other.
public struct SweepPart: Sendable {
    /// The data file's path, as given.
    public var path: String
    /// The data file's bytes.
    public var data: Data
    /// Its side file.
    public var record: SweepRecord

    /// Reads `path` and its side file and checks them (see ``init(path:data:record:)``).
    /// - Throws: ``SweepDataError`` (`.unreadable` when either file is missing or cannot be read,
    ///   `.inconsistent` when they do not belong together).
    public init(reading path: String) throws(SweepDataError) {
        let data = try SweepPart.read(path, what: "part")
        guard let record = try SweepPart.record(for: path) else {
            throw SweepDataError("\(path) has no side file \(SweepRecord.path(for: path)) (physgrad sweep --output writes it with the rows; a sweep written to stdout cannot be merged)", kind: .unreadable)
        }
        try self.init(path: path, data: data, record: record)
    }

    /// The record in the side file of `path`, or `nil` when there is no side file.
    /// - Throws: ``SweepDataError`` when it cannot be read or is not a sweep side file.
    public static func record(for path: String) throws(SweepDataError) -> SweepRecord? {
        let side = SweepRecord.path(for: path)
        var s = stat()
        if lstat(side, &s) != 0 && errno == ENOENT { return nil }
        let sideData = try read(side, what: "side file")
        do {
            return try SweepRecord(parsing: sideData)
        } catch {
            throw SweepDataError("\(side) is not a sweep side file: \(error.message)")
        }
    }

    /// Checks that `data` is the file `record` describes: the same size and checksum, and exactly
    /// the rows of the record's shard of its grid (``SweepGrid/checkShard(_:shard:format:)``).
    public init(path: String, data: Data, record: SweepRecord) throws(SweepDataError) {
        guard record.describes(data) else {
            throw SweepDataError("\(path) is not the file its side file describes (\(data.count) bytes, FNV-1a \(FNV1a64.hex(of: data)); the side file says \(record.bytes) bytes, \(record.checksum)): it changed after the sweep wrote it")
        }
        switch record.grid.checkShard(String(decoding: data, as: UTF8.self), shard: record.shard, format: record.format) {
        case .finished:
            break
        case .empty where SweepPart.isEmpty(record.shard, of: record.grid, format: record.format):
            break
        case .empty:
            throw SweepDataError("\(path) is empty, but shard \(record.shard) has rows")
        case .other(let why):
            throw SweepDataError("\(path) is not shard \(record.shard) of its grid: \(why)")
        }
        self.path = path
        self.data = data
        self.record = record
    }

    /// `true` when the output of `shard` is empty: no rows and no header (CSV shard 1 always
    /// has its header).
    static func isEmpty(_ shard: Shard, of grid: SweepGrid, format: SweepFormat) -> Bool {
        shard.range(of: grid.pointCount).isEmpty && !(format == .csv && shard.index == 1)
    }

    /// The bytes of the regular file at `path` (symbolic links followed). A folder, FIFO or
    /// device is refused without opening it (a FIFO would block).
    /// - Throws: ``SweepDataError`` (`.unreadable`) saying why it cannot be read.
    public static func read(_ path: String, what: String = "") throws(SweepDataError) -> Data {
        let what = what.isEmpty ? "" : what + " "
        var s = stat()
        guard stat(path, &s) == 0 else {
            let code = errno
            throw SweepDataError("cannot read \(what)\(path): \(String(cString: strerror(code)))", kind: .unreadable)
        }
        guard (s.st_mode & S_IFMT) == S_IFREG else {
            throw SweepDataError("cannot read \(what)\(path): it is not a regular file", kind: .unreadable)
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SweepDataError("cannot read \(what)\(path): \(error.localizedDescription)", kind: .unreadable)
        }
    }
}

/// Puts the shards of one sweep back together: `physgrad sweep merge`.
public enum SweepMerge {
    /// The merged file (the unsharded output, byte for byte) and its side file's record.
    ///
    /// Checks that every part belongs to the same grid (fingerprint and definition), format and
    /// split into N shards, that every shard 1...N is there exactly once (in any order of
    /// `parts`), and that the concatenation is a finished whole output of the grid.
    /// - Throws: ``SweepDataError`` (`.inconsistent`) naming the parts that disagree, the
    ///   shard given twice, or the shards that are missing.
    public static func merge(_ parts: [SweepPart], host: String) throws(SweepDataError) -> (data: Data, record: SweepRecord) {
        guard let first = parts.first else { throw SweepDataError("no parts to merge") }
        let grid = first.record.grid, count = first.record.shard.count, format = first.record.format
        for p in parts.dropFirst() {
            if p.record.grid != grid {
                throw SweepDataError("\(first.path) and \(p.path) are parts of different grids (\(grid.fingerprint) and \(p.record.grid.fingerprint))")
            }
            if p.record.format != format {
                throw SweepDataError("\(first.path) is \(format.rawValue) but \(p.path) is \(p.record.format.rawValue)")
            }
            if p.record.shard.count != count {
                throw SweepDataError("\(first.path) is shard \(first.record.shard) but \(p.path) is shard \(p.record.shard): the parts come from splits into different numbers of shards")
            }
        }
        var byShard = [SweepPart?](repeating: nil, count: count)
        for p in parts {
            let i = p.record.shard.index - 1
            if let other = byShard[i] {
                throw SweepDataError("shard \(p.record.shard) is given twice: \(other.path) and \(p.path)")
            }
            byShard[i] = p
        }
        let missing = byShard.indices.filter { byShard[$0] == nil }.map { $0 + 1 }
        if !missing.isEmpty {
            let points = missing.reduce(0) { $0 + Shard(uncheckedIndex: $1, count: count).range(of: grid.pointCount).count }
            throw SweepDataError("incomplete: \(missing.count == 1 ? "shard" : "shards") \(ranges(missing)) of \(count) \(missing.count == 1 ? "is" : "are") missing (\(points) of the grid's \(grid.pointCount) points)")
        }
        let ordered = byShard.map { $0! }
        var data = Data()
        data.reserveCapacity(ordered.reduce(0) { $0 + $1.data.count })
        for p in ordered { data.append(p.data) }
        guard grid.checkShard(String(decoding: data, as: UTF8.self), shard: .whole, format: format) == .finished else {
            throw SweepDataError("the parts' concatenation is not a whole output of grid \(grid.fingerprint)")
        }
        let origins = ordered.map { SweepRecord.Origin(shard: $0.record.shard, host: $0.record.host, jobs: $0.record.jobs, assignedBy: $0.record.assignedBy) }
        let record = SweepRecord(grid: grid, shard: .whole, format: format, data: data,
                                 assignedBy: "merged from \(count) \(count == 1 ? "shard" : "shards")", host: host,
                                 jobs: ordered.map(\.record.jobs).max() ?? 1, seconds: ordered.flatMap(\.record.seconds),
                                 mergedFrom: origins)
        return (data, record)
    }

    /// `[1, 3, 4, 5, 9]` -> "1, 3-5, 9".
    static func ranges(_ numbers: [Int]) -> String {
        var out: [String] = []
        var i = 0
        while i < numbers.count {
            var j = i
            while j + 1 < numbers.count && numbers[j + 1] == numbers[j] + 1 { j += 1 }
            out.append(j == i ? "\(numbers[i])" : "\(numbers[i])-\(numbers[j])")
            i = j + 1
        }
        if out.count > 20 { return out.prefix(20).joined(separator: ", ") + ", ..." }
        return out.joined(separator: ", ")
    }
}
