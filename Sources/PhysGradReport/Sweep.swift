import PhysGrad

/// A grid of runs (problems × dimensions × methods × step sizes × start values), its
/// deterministic order, its split into shards, and its rows as CSV or JSON Lines.
///
/// The order is problem, dimension, method, step size, start (each in the order given). Shard
/// i of N (1-based) holds the contiguous block of points `[⌊(i-1)M/N⌋, ⌊iM/N⌋)` of the M points,
/// and only shard 1 writes the CSV header, so the shards' outputs concatenated in shard order
/// are byte for byte the unsharded output.
public struct SweepGrid: Sendable {
    public var problems: [ProblemName]
    /// `nil`: each problem's default dimension.
    public var dimensions: [Int]?
    public var methods: [MethodName]
    /// `nil`: each method's default step size on the problem.
    public var stepSizes: [Double]?
    /// Start values (each used for every coordinate); `nil`: the problem's start.
    public var starts: [Double]?
    public var steps: Int
    public var inverseGradient: InverseGradient

    public init(problems: [ProblemName], dimensions: [Int]?, methods: [MethodName], stepSizes: [Double]?,
                starts: [Double]?, steps: Int, inverseGradient: InverseGradient) {
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
        public var problem: ProblemName
        public var dimension: Int
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
                    for eta in (m.hasStepSize ? etaList : [nil]) {
                        for s in startList {
                            out.append(Point(index: out.count, problem: p, dimension: n, method: m, eta: eta, start: s))
                        }
                    }
                }
            }
        }
        return out
    }

    /// The indices of shard `index` of `count` (1-based) among `total` points.
    public static func shardRange(total: Int, index: Int, count: Int) -> Range<Int> {
        precondition(count >= 1 && index >= 1 && index <= count, "shard \(index)/\(count)")
        return (total * (index - 1) / count)..<(total * index / count)
    }

    /// The problems of the grid, made once (the blur problem factorizes its kernel).
    /// Pairs that cannot be made (e.g. powers with an odd n) map to their error.
    public func makeProblems() -> [ProblemKey: Result<InverseProblem, InputError>] {
        var out: [ProblemKey: Result<InverseProblem, InputError>] = [:]
        for p in problems {
            for n in dimensions ?? [p.defaultDimension] {
                let key = ProblemKey(problem: p, dimension: n)
                if out[key] != nil { continue }
                do {
                    out[key] = .success(try p.make(dimension: n))
                } catch {
                    out[key] = .failure(error)
                }
            }
        }
        return out
    }

    public struct ProblemKey: Sendable, Hashable {
        public var problem: ProblemName
        public var dimension: Int
        public init(problem: ProblemName, dimension: Int) {
            self.problem = problem
            self.dimension = dimension
        }
    }

    /// Runs one point; failures (a method that cannot run on the problem, an impossible
    /// dimension) become rows with `status` "error" and the message, so the grid stays whole.
    public func evaluate(_ point: Point, problem made: Result<InverseProblem, InputError>) -> Row {
        var row = Row(point: point, steps: steps)
        do {
            let problem = try made.get()
            let eta = try point.eta ?? MethodRunner.stepSize(point.method, on: problem, overrides: [:])
            row.eta = point.method.hasStepSize ? eta : nil
            let start = point.start.map { [Double](repeating: $0, count: problem.dimension) } ?? problem.start
            let run = try MethodRunner.run(point.method, on: problem, eta: eta, start: start, steps: steps,
                                           inverseGradient: inverseGradient, trace: .none)
            row.status = "ok"
            row.stepsTaken = run.steps
            row.loss = run.loss
            row.distance = run.distanceToSolution
            row.diagonalLength = run.diagonalLength
            row.counts = run.counts
            row.termination = run.terminationCode
        } catch {
            row.status = "error"
            row.message = (error as? InputError)?.message ?? "\(error)"
        }
        return row
    }

    /// The result of one point.
    public struct Row: Sendable {
        public var point: Point
        public var steps: Int
        public var eta: Double?
        public var status = "error"
        public var stepsTaken = 0
        public var loss: Double?
        public var distance: Double?
        public var diagonalLength: Double?
        public var counts = EvaluationCounts()
        public var termination = ""
        public var message = ""

        init(point: Point, steps: Int) {
            self.point = point
            self.steps = steps
            self.eta = point.eta
        }
    }

    /// The CSV header line (with its newline).
    public static let csvHeader = "index,problem,dimension,method,eta,start,steps,status,steps_taken,final_loss,distance_to_solution,diagonal_length_first_update,f,gradient,hessian,model,inverse_solves,inverse_evaluations,termination,message\n"

    static func num(_ v: Double?) -> String { v.map(RunReport.csvNumber) ?? "" }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
    }

    /// One CSV line (with its newline).
    public static func csvLine(_ r: Row) -> String {
        let c = r.counts
        let fields: [String] = [
            String(r.point.index), r.point.problem.rawValue, String(r.point.dimension), r.point.method.rawValue,
            num(r.eta), r.point.start.map(RunReport.csvNumber) ?? "default", String(r.steps), r.status, String(r.stepsTaken),
            num(r.loss), num(r.distance), num(r.diagonalLength), String(c.losses), String(c.gradients), String(c.hessians),
            String(c.models), String(c.inverseSolves), String(c.inverseEvaluations), r.termination, csvField(r.message),
        ]
        return fields.joined(separator: ",") + "\n"
    }

    /// One JSON Lines record (with its newline); same fields as the CSV.
    public static func jsonLine(_ r: Row) -> String {
        let c = r.counts
        let v = JSONValue.object([
            ("index", .int(r.point.index)), ("problem", .string(r.point.problem.rawValue)), ("dimension", .int(r.point.dimension)),
            ("method", .string(r.point.method.rawValue)), ("eta", .optional(r.eta)),
            ("start", r.point.start.map { .number($0) } ?? .string("default")), ("steps", .int(r.steps)),
            ("status", .string(r.status)), ("steps_taken", .int(r.stepsTaken)), ("final_loss", .optional(r.loss)),
            ("distance_to_solution", .optional(r.distance)), ("diagonal_length_first_update", .optional(r.diagonalLength)),
            ("counts", .object([("f", .int(c.losses)), ("gradient", .int(c.gradients)), ("hessian", .int(c.hessians)),
                                ("model", .int(c.models)), ("inverse_solves", .int(c.inverseSolves)),
                                ("inverse_evaluations", .int(c.inverseEvaluations))])),
            ("termination", .string(r.termination)), ("message", .string(r.message)),
        ])
        return v.compact() + "\n"
    }
}

extension String {
    func replacingAll(_ a: Character, with b: String) -> String {
        var out = ""
        for ch in self { if ch == a { out += b } else { out.append(ch) } }
        return out
    }
}
