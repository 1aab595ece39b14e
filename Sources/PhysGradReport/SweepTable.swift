import Foundation

/// The rows of a sweep's output file, read back for the figures (``SweepFigures``): what each
/// point was, how it ended, its final loss and (from the side file) its wall time.
public struct SweepTable: Sendable {
    /// One row, as read.
    public struct Entry: Sendable, Equatable {
        /// The row's position in the grid.
        public var index: Int
        /// The problem.
        public var problem: ProblemName
        /// Its dimension n.
        public var dimension: Int
        /// The method.
        public var method: MethodName
        /// The step size used; `nil` for methods without one and rows that could not run.
        public var eta: Double?
        /// The start value, or "default".
        public var start: String
        /// "ok", "failed" or "error" (see ``SweepGrid/Row/status``).
        public var status: String
        /// The final loss; `nil` when the point did not run or the loss was not a number.
        public var loss: Double?
        /// Wall-clock seconds, when a side file gave them.
        public var seconds: Double?

        /// `true` when the point ran (succeeded or not); "error" rows did not.
        public var ran: Bool { status != "error" }
    }

    /// The rows, in file order.
    public var entries: [Entry]
    /// The grid's fingerprint (the same in every row).
    public var grid: String

    /// A table of these rows.
    public init(entries: [Entry], grid: String) {
        self.entries = entries
        self.grid = grid
    }

    /// Reads the rows of `text`, a sweep's output in `format` (CSV with its header, or JSON
    /// Lines), and attaches `seconds` (one per row, in order) when given.
    /// - Throws: ``SweepDataError`` naming the first line that is not a row of this version's
    ///   sweep output, rows of several grids, or a count of times that does not fit.
    public init(parsing text: String, format: SweepFormat, seconds: [Double]?, name: String) throws(SweepDataError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        var lineNumber = 0
        if format == .csv {
            guard lines.first.map({ $0 + "\n" == SweepGrid.csvHeader }) == true else {
                throw SweepDataError("\(name) does not start with this version's CSV header of a sweep (only shard 1 of a split sweep has it: merge the shards first, physgrad sweep merge)")
            }
            lines.removeFirst()
            lineNumber = 1
        }
        var entries: [Entry] = []
        entries.reserveCapacity(lines.count)
        var grid: String?
        for line in lines {
            lineNumber += 1
            let (entry, rowGrid): (Entry, String)
            do {
                (entry, rowGrid) = try format == .csv ? SweepTable.csvEntry(line) : SweepTable.jsonEntry(line)
            } catch {
                throw SweepDataError("\(name) line \(lineNumber) is not a row of a sweep: \(error.message)")
            }
            if let grid, grid != rowGrid {
                throw SweepDataError("\(name) holds rows of several grids (\(grid) and \(rowGrid), line \(lineNumber))")
            }
            grid = rowGrid
            entries.append(entry)
        }
        guard let grid else { throw SweepDataError("\(name) has no rows") }
        if let seconds {
            guard seconds.count == entries.count else {
                throw SweepDataError("\(name) has \(entries.count) rows but its side file \(seconds.count) times")
            }
            for i in entries.indices { entries[i].seconds = seconds[i] }
        }
        self.init(entries: entries, grid: grid)
    }

    static func number(_ s: String, _ column: String) throws(InputError) -> Double? {
        if s.isEmpty { return nil }
        guard let v = Double(s) else { throw InputError("\(column) '\(s.prefix(40))' is not a number") }
        return v
    }

    static func make(index: Int?, problem: String?, dimension: Int?, method: String?, eta: Double?, start: String?, status: String?,
                     loss: Double?) throws(InputError) -> Entry {
        guard let index, index >= 0 else { throw InputError("no valid index") }
        guard let problem = problem.flatMap(ProblemName.init(rawValue:)) else { throw InputError("unknown problem '\(problem ?? "")'") }
        guard let dimension, dimension >= 1 else { throw InputError("no valid dimension") }
        guard let method = method.flatMap(MethodName.init(rawValue:)) else { throw InputError("unknown method '\(method ?? "")'") }
        guard let status, ["ok", "failed", "error"].contains(status) else { throw InputError("unknown status '\(status ?? "")'") }
        guard let start else { throw InputError("no start") }
        return Entry(index: index, problem: problem, dimension: dimension, method: method, eta: eta, start: start, status: status,
                     loss: loss, seconds: nil)
    }

    static let columns = SweepGrid.csvHeader.dropLast().split(separator: ",").map(String.init)

    static func csvEntry(_ line: Substring) throws(InputError) -> (Entry, String) {
        let cells = SweepGrid.csvFields(line)
        guard cells.count == columns.count else { throw InputError("\(cells.count) fields where a row has \(columns.count)") }
        func cell(_ name: String) -> String { cells[columns.firstIndex(of: name)!] }
        let entry = try make(index: Int(cell("index")), problem: cell("problem"), dimension: Int(cell("dimension")), method: cell("method"),
                             eta: try number(cell("eta"), "eta"), start: cell("start"), status: cell("status"),
                             loss: try number(cell("final_loss"), "final_loss"))
        return (entry, cell("grid"))
    }

    static func jsonEntry(_ line: Substring) throws(InputError) -> (Entry, String) {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw InputError("not a JSON object")
        }
        func double(_ key: String) throws(InputError) -> Double? {
            switch o[key] {
            case nil, is NSNull: return nil
            case let n as NSNumber: return n.doubleValue
            default: throw InputError("\(key) is not a number")
            }
        }
        let start: String? = (o["start"] as? String) ?? (o["start"] as? NSNumber).map { RunReport.csvNumber($0.doubleValue) }
        let status = o["status"] as? String
        // JSON has no NaN or infinity: a run that ran always has a final loss, and null stands
        // for a non-finite one (the CSV's "nan", "inf").
        let loss = try double("final_loss") ?? (status == "error" ? nil : .nan)
        let entry = try make(index: o["index"] as? Int, problem: o["problem"] as? String, dimension: o["dimension"] as? Int,
                             method: o["method"] as? String, eta: try double("eta"), start: start, status: status, loss: loss)
        guard let grid = o["grid"] as? String else { throw InputError("no grid") }
        return (entry, grid)
    }
}
