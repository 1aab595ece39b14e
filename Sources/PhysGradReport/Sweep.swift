import Foundation
import PhysGrad

/// A grid of runs (problems × dimensions × methods × step sizes × start values), its
/// deterministic order, its split into shards, and its rows as CSV or JSON Lines.
///
/// The order is problem, dimension, method, step size, start (each in the order given). Shard
/// i of N (1-based) holds the contiguous block of points `[⌊(i-1)M/N⌋, ⌊iM/N⌋)` of the M points,
/// and only shard 1 writes the CSV header, so the shards' outputs concatenated in shard order
/// are byte for byte the unsharded output.
///
/// Every row carries the grid's ``fingerprint``, so that ``checkShard(_:shard:format:)`` can
/// tell a finished shard file of this grid (exactly its rows, complete) from anything else.
/// Each row's wall time is kept out of the rows (so that shards stay byte-identical to the
/// unsharded output) and written to the output's side file instead (``SweepRecord``).
public struct SweepGrid: Sendable, Equatable {
    /// The problems, in grid order.
    public var problems: [ProblemName]
    /// `nil`: each problem's default dimension.
    public var dimensions: [Int]?
    /// The methods, in grid order.
    public var methods: [MethodName]
    /// `nil`: each method's default step size on the problem.
    public var stepSizes: [Double]?
    /// Start values (each used for every coordinate); `nil`: the problem's start.
    public var starts: [Double]?
    /// Steps per run.
    public var steps: Int
    /// How numerical inverses get φ's gradient (`nil`: ``InverseGradient/standard(for:)`` on each problem).
    public var inverseGradient: InverseGradient?

    /// The grid problems × dimensions × methods × step sizes × starts, in that order.
    public init(problems: [ProblemName], dimensions: [Int]?, methods: [MethodName], stepSizes: [Double]?,
                starts: [Double]?, steps: Int, inverseGradient: InverseGradient?) {
        self.problems = problems
        self.dimensions = dimensions
        self.methods = methods
        self.stepSizes = stepSizes
        self.starts = starts
        self.steps = steps
        self.inverseGradient = inverseGradient
    }

    /// One point of the grid.
    public struct Point: Sendable, Hashable {
        /// Position in the whole grid (0-based).
        public var index: Int
        /// The problem.
        public var problem: ProblemName
        /// Its dimension n.
        public var dimension: Int
        /// The method.
        public var method: MethodName
        /// `nil`: the method's default on the problem.
        public var eta: Double?
        /// `nil`: the problem's start.
        public var start: Double?
    }

    /// Every point, in the grid's order.
    public var points: [Point] {
        var out: [Point] = []
        let etaList: [Double?] = stepSizes.map { $0.map(Optional.some) } ?? [nil]
        let startList: [Double?] = starts.map { $0.map(Optional.some) } ?? [nil]
        for p in problems {
            for n in dimensions ?? [p.defaultDimension] {
                for m in methods {
                    // L-BFGS-B has no step size: one point, whatever the step-size list.
                    for eta in (m.takesStepSize ? etaList : [nil]) {
                        for s in startList {
                            out.append(Point(index: out.count, problem: p, dimension: n, method: m, eta: eta, start: s))
                        }
                    }
                }
            }
        }
        return out
    }

    /// The number of points, computed without making them (`Int.max` if it overflows).
    public var pointCount: Int {
        let etaCount = stepSizes?.count ?? 1, startCount = starts?.count ?? 1
        let perProblemDimension = methods.reduce(0) { $0 + ($1.takesStepSize ? etaCount : 1) }
        var total = 0
        for p in problems {
            let (a, o1) = (dimensions?.count ?? 1).multipliedReportingOverflow(by: perProblemDimension)
            let (b, o2) = a.multipliedReportingOverflow(by: startCount)
            let (c, o3) = total.addingReportingOverflow(b)
            if o1 || o2 || o3 { return Int.max }
            total = c
            _ = p
        }
        return total
    }

    /// Checks the grid against the tool's ceilings (``Limits``): non-empty lists of distinct
    /// values, at most ``Limits/maximumListLength`` values per list, at most
    /// ``Limits/maximumSteps`` steps and ``Limits/maximumGridPoints`` points.
    public func validate() throws(InputError) {
        func check<T: Equatable>(_ list: [T]?, _ option: String) throws(InputError) {
            guard let list else { return }
            if list.isEmpty { throw InputError("\(option): empty list") }
            if list.count > Limits.maximumListLength {
                throw InputError("\(option): \(list.count) values, above the ceiling of \(Limits.maximumListLength) per list")
            }
            for (i, v) in list.enumerated() where list[..<i].contains(v) {
                throw InputError("\(option): \(v) is listed twice")
            }
        }
        try check(problems, "--problems")
        try check(dimensions, "--dimensions")
        try check(methods, "--methods")
        try check(stepSizes, "--etas")
        try check(starts, "--starts")
        if let bad = stepSizes?.first(where: { !($0.isFinite && $0 > 0) }) {
            throw InputError("--etas: step sizes must be positive and finite, got \(bad)")
        }
        if let bad = starts?.first(where: { !$0.isFinite }) { throw InputError("--starts: \(bad) is not finite") }
        guard steps >= 0, steps <= Limits.maximumSteps else {
            throw InputError("--steps: \(steps) is outside 0...\(Limits.maximumSteps) (the ceiling on steps)")
        }
        let count = pointCount
        guard count <= Limits.maximumGridPoints else {
            let shown = count == Int.max ? "more than \(Int.max)" : String(count)
            throw InputError("the grid has \(shown) points, above the ceiling of \(Limits.maximumGridPoints); shorten the lists")
        }
    }

    /// The grid's definition as one line of text, from which ``init(definition:)`` makes the
    /// same grid again and whose hash is the ``fingerprint``:
    /// `physgrad-sweep|problems=…|dimensions=…|methods=…|etas=…|starts=…|steps=…|inverse-gradient=…`,
    /// lists comma-separated (numbers with shortest round-trip digits), `default` for a list
    /// that is not given.
    public var definition: String {
        func list<T>(_ v: [T]?, _ f: (T) -> String) -> String { v.map { $0.map(f).joined(separator: ",") } ?? "default" }
        return [
            "physgrad-sweep",
            "problems=" + list(problems, \.rawValue),
            "dimensions=" + list(dimensions, String.init),
            "methods=" + list(methods, \.rawValue),
            "etas=" + list(stepSizes, RunReport.csvNumber),
            "starts=" + list(starts, RunReport.csvNumber),
            "steps=\(steps)",
            "inverse-gradient=" + (inverseGradient?.rawValue ?? "default"),
        ].joined(separator: "|")
    }

    /// The grid of a ``definition`` (as a side file records it).
    /// - Throws: ``InputError`` naming the part of the text that is not a definition.
    public init(definition text: String) throws(InputError) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let keys = ["problems", "dimensions", "methods", "etas", "starts", "steps", "inverse-gradient"]
        guard parts.count == keys.count + 1, parts[0] == "physgrad-sweep" else {
            throw InputError("'\(text.prefix(80))' is not a sweep grid's definition")
        }
        var values: [String: String] = [:]
        for (key, part) in zip(keys, parts.dropFirst()) {
            guard part.hasPrefix(key + "=") else { throw InputError("the grid's definition lacks \(key)=") }
            values[key] = String(part.dropFirst(key.count + 1))
        }
        func list<T>(_ key: String, _ make: (String) throws(InputError) -> T) throws(InputError) -> [T]? {
            let v = values[key]!
            if v == "default" { return nil }
            var out: [T] = []
            for item in v.split(separator: ",", omittingEmptySubsequences: false) { out.append(try make(String(item))) }
            return out
        }
        func number(_ s: String) throws(InputError) -> Double {
            guard let d = Double(s), d.isFinite else { throw InputError("'\(s)' in the grid's definition is not a finite number") }
            return d
        }
        let problems: [ProblemName]? = try list("problems") { (s: String) throws(InputError) in try Inputs.name(s, option: "problems", kind: "problem") }
        let methods: [MethodName]? = try list("methods") { (s: String) throws(InputError) in try Inputs.name(s, option: "methods", kind: "method") }
        let dimensions: [Int]? = try list("dimensions") { (s: String) throws(InputError) in try Inputs.integer(s, option: "dimensions") }
        guard let problems, let methods else { throw InputError("the grid's definition has no problems or methods") }
        guard let steps = Int(values["steps"]!) else { throw InputError("the grid's definition has no valid steps") }
        let gradientName = values["inverse-gradient"]!
        let gradient = InverseGradient(rawValue: gradientName)
        guard gradient != nil || gradientName == "default" else {
            throw InputError("the grid's definition has an unknown inverse gradient")
        }
        self.init(problems: problems, dimensions: dimensions, methods: methods, stepSizes: try list("etas", number),
                  starts: try list("starts", number), steps: steps, inverseGradient: gradient)
        try validate()
        guard definition == text else { throw InputError("the grid's definition is not in its canonical form") }
    }

    /// A short identifier of the grid (16 hex digits, FNV-1a of its ``definition``): the same for
    /// every shard of one grid, different for another grid, steps count or inverse gradient.
    public var fingerprint: String { FNV1a64.hex(of: Data(definition.utf8)) }

    /// Makes the problem of `key`; a pair that cannot be made (e.g. powers with an odd n) gives
    /// its error, which becomes each of its rows' message.
    public static func makeProblem(_ key: ProblemKey) -> Result<InverseProblem, InputError> {
        do {
            return .success(try key.problem.make(dimension: key.dimension))
        } catch {
            return .failure(error)
        }
    }

    /// Runs `points` (in grid order), `jobs` at a time, and returns their rows in the same order,
    /// each with its wall time (``Row/seconds``).
    /// Each problem is made once for the consecutive points that share it, and dropped before the
    /// next one is made, so that at most one problem of the grid is in memory.
    /// `progress` is called with the number of rows done after each one.
    public func run(_ points: [Point], jobs: Int, progress: @escaping @Sendable (Int) -> Void = { _ in }) async -> [Row] {
        var rows: [Row] = []
        rows.reserveCapacity(points.count)
        var start = 0
        while start < points.count {
            let key = ProblemKey(problem: points[start].problem, dimension: points[start].dimension)
            var end = start + 1
            while end < points.count && ProblemKey(problem: points[end].problem, dimension: points[end].dimension) == key { end += 1 }
            let made = SweepGrid.makeProblem(key)
            let group = Array(points[start..<end])
            var groupRows = [Row?](repeating: nil, count: group.count)
            await withTaskGroup(of: (Int, Row).self) { tasks in
                var next = 0
                func add() {
                    let k = next, point = group[k]
                    tasks.addTask {
                        let clock = ContinuousClock(), started = clock.now
                        var row = self.evaluate(point, problem: made)
                        let elapsed = (clock.now - started).components
                        row.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
                        return (k, row)
                    }
                    next += 1
                }
                while next < group.count && next < max(1, jobs) { add() }
                var finished = 0
                for await (k, row) in tasks {
                    groupRows[k] = row
                    finished += 1
                    progress(start + finished)
                    if next < group.count { add() }
                }
            }
            rows += groupRows.map { $0! }
            start = end
        }
        return rows
    }

    /// A problem at one dimension: the points that share it share one made problem.
    public struct ProblemKey: Sendable, Hashable {
        /// The problem.
        public var problem: ProblemName
        /// Its dimension n.
        public var dimension: Int
        /// The key of `problem` at `dimension`.
        public init(problem: ProblemName, dimension: Int) {
            self.problem = problem
            self.dimension = dimension
        }
    }

    /// Runs one point. A run that ends without success (a non-finite value, a failed
    /// factorization, ...) is a row with `status` "failed" and `success` false; a point that
    /// cannot run (a method that cannot run on the problem, an impossible dimension) is a row
    /// with `status` "error" and the message. The grid stays whole either way.
    public func evaluate(_ point: Point, problem made: Result<InverseProblem, InputError>) -> Row {
        var row = Row(point: point, steps: steps)
        do {
            let problem = try made.get()
            let eta = try point.eta ?? MethodRunner.stepSize(point.method, on: problem, overrides: [:])
            row.eta = point.method.takesStepSize ? eta : nil
            let start = point.start.map { [Double](repeating: $0, count: problem.dimension) } ?? problem.start
            let run = try MethodRunner.run(point.method, on: problem, eta: eta, start: start, steps: steps,
                                           inverseGradient: inverseGradient, trace: .none)
            row.status = run.success ? "ok" : "failed"
            row.success = run.success
            row.stepsTaken = run.result.steps
            row.loss = run.result.loss
            row.distance = run.result.distanceToSolution
            row.diagonalLength = run.diagonalLength
            row.counts = run.result.counts
            row.termination = run.terminationCode
        } catch {
            row.status = "error"
            row.message = ErrorText.describe(error)
        }
        return row
    }

    /// The result of one point.
    public struct Row: Sendable {
        /// The grid point.
        public var point: Point
        /// Steps asked for.
        public var steps: Int
        /// The step size used; `nil` for methods without one and points that could not run.
        public var eta: Double?
        /// "ok" (ran and succeeded), "failed" (ran, ended without success: see `termination`) or
        /// "error" (could not run: see `message`).
        public var status = "error"
        /// ``MethodRun/success``: the run did what was asked.
        public var success = false
        /// Steps taken.
        public var stepsTaken = 0
        /// The final loss L(y(x)).
        public var loss: Double?
        /// ‖x - solution‖₂ when the problem knows its solution.
        public var distance: Double?
        /// ``MethodRun/diagonalLength`` of the first update.
        public var diagonalLength: Double?
        /// The method's evaluations.
        public var counts = EvaluationCounts()
        /// `TerminationReason.code` of a run; empty for a point that could not run.
        public var termination = ""
        /// Why a point could not run; empty otherwise.
        public var message = ""
        /// Wall-clock seconds of ``SweepGrid/evaluate(_:problem:)`` for this point (making the
        /// problem excluded), when it was measured by ``SweepGrid/run(_:jobs:progress:)``. Not a
        /// column: it goes to the side file (``SweepRecord/seconds``).
        public var seconds: Double?

        init(point: Point, steps: Int) {
            self.point = point
            self.steps = steps
            self.eta = point.eta
        }
    }

    /// The CSV header line (with its newline).
    public static let csvHeader = "index,problem,dimension,method,eta,start,steps,status,success,steps_taken,final_loss,distance_to_solution,diagonal_length_first_update,f,gradient,hessian,model,inverse_solves,inverse_evaluations,termination,message,grid\n"

    static func num(_ v: Double?) -> String { v.map(RunReport.csvNumber) ?? "" }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
    }

    /// One CSV line (with its newline) of a row of the grid with fingerprint `grid`.
    public static func csvLine(_ r: Row, grid: String) -> String {
        let c = r.counts
        let fields: [String] = [
            String(r.point.index), r.point.problem.rawValue, String(r.point.dimension), r.point.method.rawValue,
            num(r.eta), r.point.start.map(RunReport.csvNumber) ?? "default", String(r.steps), r.status, String(r.success),
            String(r.stepsTaken),
            num(r.loss), num(r.distance), num(r.diagonalLength), String(c.losses), String(c.gradients), String(c.hessians),
            String(c.models), String(c.inverseSolves), String(c.inverseEvaluations), r.termination, csvField(r.message), grid,
        ]
        return fields.joined(separator: ",") + "\n"
    }

    /// One JSON Lines record (with its newline); same fields as the CSV.
    public static func jsonLine(_ r: Row, grid: String) -> String {
        let c = r.counts
        let v = JSONValue.object([
            ("index", .int(r.point.index)), ("problem", .string(r.point.problem.rawValue)), ("dimension", .int(r.point.dimension)),
            ("method", .string(r.point.method.rawValue)), ("eta", .optional(r.eta)),
            ("start", r.point.start.map { .number($0) } ?? .string("default")), ("steps", .int(r.steps)),
            ("status", .string(r.status)), ("success", .bool(r.success)), ("steps_taken", .int(r.stepsTaken)), ("final_loss", .optional(r.loss)),
            ("distance_to_solution", .optional(r.distance)), ("diagonal_length_first_update", .optional(r.diagonalLength)),
            ("counts", .object([("f", .int(c.losses)), ("gradient", .int(c.gradients)), ("hessian", .int(c.hessians)),
                                ("model", .int(c.models)), ("inverse_solves", .int(c.inverseSolves)),
                                ("inverse_evaluations", .int(c.inverseEvaluations))])),
            ("termination", .string(r.termination)), ("message", .string(r.message)), ("grid", .string(grid)),
        ])
        return v.compact() + "\n"
    }
}

/// What `physgrad sweep` writes: CSV (a header, then one line per point) or JSON Lines.
public enum SweepFormat: String, CaseIterable, Sendable {
    case csv, jsonl
}

extension SweepGrid {
    /// The text of `shard`'s rows in `format`: for CSV, the header first when the shard is the
    /// first one.
    public func text(of rows: [Row], shard: Shard, format: SweepFormat) -> String {
        let grid = fingerprint
        var text = format == .csv && shard.index == 1 ? SweepGrid.csvHeader : ""
        for row in rows { text += format == .csv ? SweepGrid.csvLine(row, grid: grid) : SweepGrid.jsonLine(row, grid: grid) }
        return text
    }

    /// What an existing output file holds, for resuming a sweep.
    public enum ShardFileState: Sendable, Equatable {
        /// Exactly the rows of this shard of this grid, complete: nothing to recompute.
        case finished
        /// An empty file: not a finished shard (nothing is lost by replacing it).
        case empty
        /// Something else: the reason (a truncated file, another grid, not a sweep at all).
        case other(String)
    }

    /// Checks whether `text` is a finished output of `shard` of this grid in `format`: the header
    /// when it is due, then one complete line per point of the shard, in order, each with its
    /// index and this grid's fingerprint.
    public func checkShard(_ text: String, shard: Shard, format: SweepFormat) -> ShardFileState {
        if text.isEmpty { return .empty }
        guard text.hasSuffix("\n") else { return .other("its last line is incomplete") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let header = SweepGrid.csvHeader.dropLast()
        if format == .csv && shard.index == 1 {
            guard lines.first.map({ $0 == header }) == true else { return .other("it does not start with this version's CSV header") }
            lines = lines.dropFirst()
        }
        let range = shard.range(of: pointCount)
        guard lines.count == range.count else {
            return .other("it has \(lines.count) rows where shard \(shard) has \(range.count)")
        }
        let grid = fingerprint
        let columns = header.split(separator: ",").count
        for (offset, line) in lines.enumerated() {
            let index = range.lowerBound + offset
            let fields: (index: String, grid: String)?
            switch format {
            case .csv:
                let cells = SweepGrid.csvFields(line)
                fields = cells.count == columns ? (cells[0], cells[columns - 1]) : nil
            case .jsonl:
                let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                fields = (object?["index"] as? Int).flatMap { i in (object?["grid"] as? String).map { (String(i), $0) } }
            }
            guard let fields else { return .other("row \(offset + 1) is not a complete \(format.rawValue) record") }
            guard fields.grid == grid else { return .other("its rows belong to another grid (\(fields.grid), not \(grid))") }
            guard fields.index == String(index) else { return .other("row \(offset + 1) has index \(fields.index), not \(index)") }
        }
        return .finished
    }

    /// The fields of one CSV line (RFC 4180 quoting).
    static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { current.append("\"") } else {
                            quoted = false
                            if n == "," { fields.append(current); current = "" } else { current.append(n) }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && current.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}

extension String {
    func replacingAll(_ a: Character, with b: String) -> String {
        var out = ""
        for ch in self { if ch == a { out += b } else { out.append(ch) } }
        return out
    }
}
