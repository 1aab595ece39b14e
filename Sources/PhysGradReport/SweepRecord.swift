import Foundation

/// The side file of a sweep's output file: `FILE.sweep.json` beside `FILE`, written with it as
/// one group by `physgrad sweep --output FILE` and by `physgrad sweep merge`.
///
/// It records what the rows cannot carry without breaking the byte-for-byte equality of the
/// shards' concatenation and the unsharded output: which grid (its whole ``SweepGrid/definition``,
/// from which the grid is made again and the fingerprint checked), which shard `i/N`, the format,
/// the size and FNV-1a checksum of `FILE`'s bytes (so that a file changed afterwards is noticed),
/// and each row's wall time in seconds. `physgrad sweep merge` reads it to check that its parts are
/// the shards of one grid, each once and all present; `physgrad sweep plot` reads the times.
///
/// Schema `physgrad-sweep-shard/1` (docs/summary-schema.md): `schema`, `grid` (fingerprint),
/// `definition`, `points`, `shard` {`index`, `count`}, `rows` {`first`, `end`} (the grid indices
/// of the file's rows: first, and one past the last), `format`, `bytes`, `fnv1a64`,
/// `assigned_by`, `host`, `jobs`, `seconds` (one per row, in order), and, for a merged file,
/// `merged_from` (each part's shard, host, jobs and assignment).
public struct SweepRecord: Sendable, Equatable {
    /// The schema identifier.
    public static let schema = "physgrad-sweep-shard/1"
    /// The side file of `FILE` is `FILE` + this suffix.
    public static let suffix = ".sweep.json"

    /// Where a merged file's parts came from.
    public struct Origin: Sendable, Equatable {
        /// The part's shard.
        public var shard: Shard
        /// The host that ran it.
        public var host: String
        /// Its parallel runs.
        public var jobs: Int
        /// Why it got its shard.
        public var assignedBy: String

        /// The origin of one part.
        public init(shard: Shard, host: String, jobs: Int, assignedBy: String) {
            self.shard = shard
            self.host = host
            self.jobs = jobs
            self.assignedBy = assignedBy
        }
    }

    /// The grid the rows belong to.
    public var grid: SweepGrid
    /// The part of the grid the data file holds.
    public var shard: Shard
    /// CSV or JSON Lines.
    public var format: SweepFormat
    /// The size of the data file in bytes.
    public var bytes: Int
    /// ``FNV1a64`` of the data file's bytes, 16 hex digits.
    public var checksum: String
    /// Why this shard (``ShardAssignment/reason``, "the whole grid", or the merge).
    public var assignedBy: String
    /// The host that ran the rows (or merged them).
    public var host: String
    /// Parallel runs (`--jobs`): wall times of parallel runs include their contention.
    public var jobs: Int
    /// Wall-clock seconds of each row, in row order (``SweepGrid/Row/seconds``).
    public var seconds: [Double]
    /// For a merged file: its parts, in shard order.
    public var mergedFrom: [Origin]

    /// The side file of `data`, the rows of `shard` of `grid` (its size and checksum taken from `data`).
    public init(grid: SweepGrid, shard: Shard, format: SweepFormat, data: Data, assignedBy: String, host: String,
                jobs: Int, seconds: [Double], mergedFrom: [Origin] = []) {
        self.grid = grid
        self.shard = shard
        self.format = format
        self.bytes = data.count
        self.checksum = FNV1a64.hex(of: data)
        self.assignedBy = assignedBy
        self.host = host
        self.jobs = jobs
        self.seconds = seconds
        self.mergedFrom = mergedFrom
    }

    /// The side file's path for the data file `path`: beside the file that `path` names once
    /// symbolic links are followed, so that a file and its side file stay in one folder.
    public static func path(for path: String) -> String { AtomicFile.resolvedPath(path) + suffix }

    /// The grid indices of the shard's rows.
    public var rows: Range<Int> { shard.range(of: grid.pointCount) }

    /// `true` when `data` is the data file this record describes (same size and checksum).
    public func describes(_ data: Data) -> Bool { data.count == bytes && FNV1a64.hex(of: data) == checksum }

    /// Seconds rounded to the microsecond (the clock's noise is far above that).
    static func rounded(_ s: Double) -> Double { (s * 1e6).rounded() / 1e6 }

    /// The side file's text (pretty JSON, one line per key; `seconds` on one line).
    public var json: String {
        var fields: [(String, JSONValue)] = [
            ("schema", .string(SweepRecord.schema)),
            ("grid", .string(grid.fingerprint)),
            ("definition", .string(grid.definition)),
            ("points", .int(grid.pointCount)),
            ("shard", .object([("index", .int(shard.index)), ("count", .int(shard.count))])),
            ("rows", .object([("first", .int(rows.lowerBound)), ("end", .int(rows.upperBound))])),
            ("format", .string(format.rawValue)),
            ("bytes", .int(bytes)),
            ("fnv1a64", .string(checksum)),
            ("assigned_by", .string(assignedBy)),
            ("host", .string(host)),
            ("jobs", .int(jobs)),
            ("seconds", .array(seconds.map { .number(SweepRecord.rounded($0)) })),
        ]
        if !mergedFrom.isEmpty {
            fields.append(("merged_from", .array(mergedFrom.map { o in
                .object([("shard", .object([("index", .int(o.shard.index)), ("count", .int(o.shard.count))])),
                         ("host", .string(o.host)), ("jobs", .int(o.jobs)), ("assigned_by", .string(o.assignedBy))])
            })))
        }
        return JSONValue.object(fields).pretty() + "\n"
    }

    /// Reads a side file's text.
    /// - Throws: ``InputError`` saying what is wrong (not JSON, another schema, a grid whose
    ///   definition does not give its fingerprint, a shard or row count that does not fit).
    public init(parsing text: Data) throws(InputError) {
        guard let object = (try? JSONSerialization.jsonObject(with: text)) as? [String: Any] else {
            throw InputError("it is not a JSON object")
        }
        guard object["schema"] as? String == SweepRecord.schema else {
            throw InputError("its schema is not \(SweepRecord.schema)")
        }
        func string(_ key: String) throws(InputError) -> String {
            guard let s = object[key] as? String else { throw InputError("'\(key)' is missing or not a string") }
            return s
        }
        func integer(_ value: Any?, _ key: String) throws(InputError) -> Int {
            guard let n = value as? NSNumber, let i = Int(exactly: n.doubleValue), i >= 0 else {
                throw InputError("'\(key)' is missing or not a non-negative integer")
            }
            return i
        }
        func readShard(_ value: Any?, _ key: String) throws(InputError) -> Shard {
            let o = value as? [String: Any]
            return try Shard(index: integer(o?["index"], key + ".index"), count: integer(o?["count"], key + ".count"), option: key)
        }
        let definition = try string("definition")
        do {
            grid = try SweepGrid(definition: definition)
        } catch {
            throw InputError("its grid definition is invalid: \(error.message)")
        }
        guard try string("grid") == grid.fingerprint else {
            throw InputError("its grid fingerprint is not that of its definition")
        }
        guard try integer(object["points"], "points") == grid.pointCount else {
            throw InputError("its point count is not that of its grid")
        }
        shard = try readShard(object["shard"], "shard")
        guard let f = SweepFormat(rawValue: try string("format")) else { throw InputError("'format' is neither csv nor jsonl") }
        format = f
        bytes = try integer(object["bytes"], "bytes")
        checksum = try string("fnv1a64")
        guard checksum.count == 16, checksum.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw InputError("'fnv1a64' is not 16 hex digits")
        }
        assignedBy = try string("assigned_by")
        host = try string("host")
        jobs = try integer(object["jobs"], "jobs")
        guard let times = object["seconds"] as? [Any] else { throw InputError("'seconds' is missing or not a list") }
        var seconds: [Double] = []
        seconds.reserveCapacity(times.count)
        for t in times {
            guard let n = t as? NSNumber, n.doubleValue.isFinite, n.doubleValue >= 0 else {
                throw InputError("'seconds' holds something that is not a non-negative number")
            }
            seconds.append(n.doubleValue)
        }
        self.seconds = seconds
        let expected = shard.range(of: grid.pointCount)
        guard seconds.count == expected.count else {
            throw InputError("it has \(seconds.count) times where shard \(shard) has \(expected.count) rows")
        }
        var origins: [Origin] = []
        for (i, item) in ((object["merged_from"] as? [Any]) ?? []).enumerated() {
            let o = item as? [String: Any]
            guard let host = o?["host"] as? String, let by = o?["assigned_by"] as? String else {
                throw InputError("'merged_from' entry \(i + 1) is incomplete")
            }
            origins.append(Origin(shard: try readShard(o?["shard"], "merged_from.shard"), host: host,
                                  jobs: try integer(o?["jobs"], "merged_from.jobs"), assignedBy: by))
        }
        mergedFrom = origins
    }
}

/// A file that `physgrad sweep merge` or `plot` cannot use: one that cannot be read, or files
/// that do not make one complete, consistent sweep.
public struct SweepDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Unreadable or inconsistent, which decides the exit status.
    public enum Kind: Sendable, Equatable {
        /// A file (or its side file) is missing or cannot be read (exit 66, EX_NOINPUT).
        case unreadable
        /// The files can be read but are not what they should be: parts of several grids, a
        /// missing or repeated shard, a file changed after its side file was written (exit 65,
        /// EX_DATAERR).
        case inconsistent
    }

    /// What is wrong, in one line.
    public var message: String
    /// Unreadable or inconsistent.
    public var kind: Kind

    /// An error with this message and kind.
    public init(_ message: String, kind: Kind = .inconsistent) {
        self.message = message
        self.kind = kind
    }

    /// The tool's exit status: 66 or 65 (sysexits.h).
    public var exitStatus: Int32 { kind == .unreadable ? 66 : 65 }

    public var description: String { message }
}
