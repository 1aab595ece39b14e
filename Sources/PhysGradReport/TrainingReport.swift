import Foundation
import PhysGradLearning
import PhysGradNetworks
import PhysGradPlot

/// The learning problems of `physgrad train`.
public enum TrainingProblemName: String, CaseIterable, Sendable {
    /// The book's HIG notebook: two coupled oscillators steered back to their start.
    case oscillators
    /// The book's SIP illustration: `P(x) = (sin(x̂_1)/ξ, ξ x̂_2)`, `x̂ = R_φ x`.
    case sine

    /// Samples when `--samples` is not given.
    public var defaultSamples: Int {
        switch self {
        case .oscillators: return 4096
        case .sine: return 10_000
        }
    }
}

/// The training methods of `physgrad train`.
public enum TrainingMethodName: String, CaseIterable, Sendable, Comparable {
    case adam, sip, hig, gd

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// The curve's color in the figures.
    public var color: Color {
        switch self {
        case .adam: return .tab10Blue
        case .sip: return .tab10Green
        case .hig: return .tab10Red
        case .gd: return .tab10Gray
        }
    }

    /// The name in legends and tables.
    public var label: String {
        switch self {
        case .adam: return "Adam"
        case .sip: return "SIP"
        case .hig: return "HIG"
        case .gd: return "GD"
        }
    }
}

/// `METHOD=VALUE` on the command line (`--batch hig=64`, `--lr adam=3e-4`).
public struct TrainingAssignment: Sendable, Hashable, CustomStringConvertible {
    public var method: TrainingMethodName
    public var value: Double

    /// Parses `hig=64`: a known method and a finite positive number.
    public init(parsing text: String, option: String) throws(InputError) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw InputError(option: option, "'\(text)' is not METHOD=VALUE (e.g. hig=32)") }
        method = try Inputs.name(parts[0], option: option, kind: "method")
        let named = option.isEmpty ? method.rawValue : "\(option) \(method.rawValue)"
        value = try Inputs.number(parts[1], option: named)
        guard value > 0 else { throw InputError(option: named, "must be positive, got \(parts[1])") }
    }

    public var description: String { "\(method.rawValue)=\(RunReport.csvNumber(value))" }
}

/// What `physgrad train` was asked for, before it is checked (``plan()``).
public struct TrainingRequest: Sendable {
    public var problem: TrainingProblemName = .oscillators
    public var methods: [TrainingMethodName] = [.adam, .sip, .hig]
    public var seconds: Double = 10
    public var epochs: Int?
    public var seed: UInt64 = 0
    public var samples: Int?
    public var batch: [TrainingMethodName: Int] = [:]
    public var learningRate: [TrainingMethodName: Double] = [:]
    public var truncation: [TrainingMethodName: Double] = [:]
    public var higSolver: HalfInverseTraining.Solver = .gram
    /// ξ of the sine problem.
    public var xi: Double = 32
    /// φ of the sine problem, in degrees.
    public var angleDegrees: Double = 0
    public var shuffle = false
    /// The memory a run may plan to use, in bytes.
    public var memoryBudget: Double = Limits.defaultMemoryBudget.bytes

    public init() {}

    /// An update estimated to take longer than this many seconds at 1 GFlop/s beyond the budget
    /// is refused (the budget is checked between updates only).
    public static let updateAllowance = 60.0

    /// The request, checked: everything that can be wrong is found here, before anything runs.
    public func plan() throws(InputError) -> TrainingPlan {
        guard seconds.isFinite && seconds > 0 && seconds <= Trainer.maximumSeconds else {
            throw InputError("--seconds: \(seconds) is outside (0, \(Int(Trainer.maximumSeconds))] (the ceiling is one day)")
        }
        if let e = epochs, !(1...Trainer.maximumEpochs).contains(e) {
            throw InputError("--epochs: \(e) is outside 1 ... \(Trainer.maximumEpochs)")
        }
        let count = samples ?? problem.defaultSamples
        guard (1...TrainingData.maximumCount).contains(count) else {
            throw InputError("--samples: \(count) is outside 1 ... \(TrainingData.maximumCount)")
        }
        for (option, table) in [("--batch", batch.mapValues(Double.init)), ("--lr", learningRate), ("--truncation", truncation)] {
            for key in table.keys.sorted() where !methods.contains(key) {
                throw InputError("\(option) \(key.rawValue): the method is not among the methods run (\(methods.map(\.rawValue).joined(separator: ",")))")
            }
        }
        if let t = truncation[.adam] ?? truncation[.gd] {
            throw InputError("--truncation: only sip and hig truncate singular values (got \(t) for a first-order method)")
        }
        let learning: LearningProblem
        do {
            switch problem {
            case .oscillators:
                learning = try LearningProblems.oscillators(samples: count, dataSeed: seed)
            case .sine:
                learning = try LearningProblems.sine(xi: xi, angle: angleDegrees * Double.pi / 180, samples: count, dataSeed: seed)
            }
        } catch {
            throw InputError("--problem \(problem.rawValue): \(error)")
        }
        var made: [TrainingPlan.Method] = []
        var bytes = TrainingData.bytes(count: count, inputWidth: learning.data.inputWidth, conditionWidth: learning.data.conditionWidth,
                                       targetWidth: learning.data.targetWidth)
        for name in methods {
            let method = try make(name, for: learning)
            do {
                try method.validate(for: learning)
            } catch {
                throw InputError("--methods \(name.rawValue): \(error)")
            }
            let need = Trainer.estimatedBytes(problem: learning, method: method)
            if need > memoryBudget {
                throw InputError("\(name.rawValue) with batch \(method.batchSize) needs about \(ByteCount(bytes: need)) of memory, above --max-memory \(ByteCount(bytes: memoryBudget)); lower --batch \(name.rawValue)=N, or raise --max-memory")
            }
            let perUpdate = method.flopsPerUpdate(for: learning) / 1e9
            if perUpdate > seconds + Self.updateAllowance {
                throw InputError("one \(name.rawValue) update with batch \(method.batchSize) is estimated at \(Int(perUpdate.rounded())) s (at 1 GFlop/s), far beyond --seconds \(RunReport.csvNumber(seconds)); lower --batch \(name.rawValue)=N")
            }
            bytes = Swift.max(bytes, need)
            made.append(TrainingPlan.Method(name: name, method: method))
        }
        return TrainingPlan(request: self, problem: learning, methods: made, estimatedBytes: bytes,
                            options: TrainingOptions(seconds: seconds, epochs: epochs, shuffle: shuffle, shuffleSeed: seed &+ 2))
    }

    /// The method with the problem's book settings and this request's overrides.
    func make(_ name: TrainingMethodName, for learning: LearningProblem) throws(InputError) -> any TrainingMethod {
        let isSine = problem == .sine
        func batchSize(_ standard: Int) throws(InputError) -> Int {
            guard let b = batch[name] else { return Swift.min(standard, learning.data.count) }
            guard b >= 1, b <= Trainer.maximumBatchSize else {
                throw InputError("--batch \(name.rawValue): \(b) is outside 1 ... \(Trainer.maximumBatchSize)")
            }
            guard b <= learning.data.count else {
                throw InputError("--batch \(name.rawValue): \(b) is larger than the \(learning.data.count) samples (--samples)")
            }
            return b
        }
        switch name {
        case .adam:
            return AdamTraining(learningRate: learningRate[.adam] ?? 1e-3, batchSize: try batchSize(isSine ? 100 : 256))
        case .sip:
            let tau = truncation[.sip] ?? (isSine ? 1e-6 : 1e-5)
            let inverse: ScaleInvariantTraining.Inverse = isSine
                ? .saddleFreeNewton(relativeTruncation: tau, maximumLossChange: 0.2) : .pseudoInverse(relativeTruncation: tau)
            return ScaleInvariantTraining(learningRate: learningRate[.sip] ?? 1e-3, batchSize: try batchSize(isSine ? 100 : 256),
                                          inverse: inverse)
        case .hig:
            return HalfInverseTraining(learningRate: learningRate[.hig] ?? 1, batchSize: try batchSize(isSine ? 100 : 32),
                                       relativeTruncation: truncation[.hig] ?? 1e-10, solver: higSolver)
        case .gd:
            let standard = isSine ? 1e-2 / (xi * xi) : 1e-2
            return GradientDescentTraining(learningRate: learningRate[.gd] ?? standard, batchSize: try batchSize(isSine ? 100 : 256))
        }
    }
}

/// A checked request: the problem made, the methods with their settings, the memory estimate.
public struct TrainingPlan: Sendable {
    public struct Method: Sendable {
        public var name: TrainingMethodName
        public var method: any TrainingMethod
    }
    public var request: TrainingRequest
    public var problem: LearningProblem
    public var methods: [Method]
    /// The most memory one method's run is estimated to keep (with the data set).
    public var estimatedBytes: Double
    public var options: TrainingOptions

    /// The initial network shared by every method (Glorot uniform from seed + 1).
    public var initialNetwork: DenseNetwork { problem.makeNetwork(seed: request.seed &+ 1) }
}

/// One method's run in a training report.
public struct TrainingRun: Sendable {
    public var name: TrainingMethodName
    public var result: TrainingResult
    /// Wall-clock seconds of the whole run, evaluations included.
    public var wallSeconds: Double
}

/// The results of one `physgrad train` run and everything written from them: the JSON document
/// (stdout with `--format json`, and training.json), the curves (curves.csv), the figures
/// (loss-time.svg, loss-epoch.svg) and the text table.
public struct TrainingReport: Sendable {
    public static let schema = "physgrad-training/1"
    public static let fileNames = ["loss-time.svg", "loss-epoch.svg", "curves.csv", "training.json"]

    public var plan: TrainingPlan
    public var runs: [TrainingRun]

    public init(plan: TrainingPlan, runs: [TrainingRun]) {
        self.plan = plan
        self.runs = runs
    }

    /// Runs every method of `plan` from the same initial network; `progress` sees every record.
    public static func run(
        _ plan: TrainingPlan, progress: (TrainingMethodName, TrainingRecord) -> Void = { _, _ in }
    ) throws(InputError) -> TrainingReport {
        let network = plan.initialNetwork
        var runs: [TrainingRun] = []
        let clock = ContinuousClock()
        for m in plan.methods {
            let start = clock.now
            let result: TrainingResult
            do {
                result = try train(plan.problem, m.method, network, plan.options) { progress(m.name, $0); return true }
            } catch {
                throw InputError("\(m.name.rawValue): \(error)")
            }
            let d = clock.now - start
            runs.append(TrainingRun(name: m.name, result: result,
                                    wallSeconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
        }
        return TrainingReport(plan: plan, runs: runs)
    }

    /// Opens the existential so that the trainer runs specialized.
    static func train<M: TrainingMethod>(
        _ problem: LearningProblem, _ method: M, _ network: DenseNetwork, _ options: TrainingOptions,
        _ progress: (TrainingRecord) -> Bool
    ) throws(TrainingError) -> TrainingResult {
        try Trainer.train(problem, method: method, from: network, options: options, progress: progress)
    }

    // MARK: - JSON

    /// The document (schema "physgrad-training/1", docs/training-schema.md).
    public var json: JSONValue {
        let r = plan.request, p = plan.problem
        var problem: [(String, JSONValue)] = [
            ("name", .string(p.name)), ("summary", .string(p.summary)), ("samples", .int(p.data.count)),
            ("network", .object([("widths", .array(p.widths.map { .int($0) })),
                                 ("activations", .array(p.activations.map { .string($0.rawValue) })),
                                 ("parameters", .int(p.parameterCount))])),
            ("attainable_loss", .optional(p.attainableLoss)),
        ]
        if r.problem == .sine {
            problem += [("xi", .number(r.xi)), ("angle_degrees", .number(r.angleDegrees))]
        }
        return .object([
            ("schema", .string(Self.schema)),
            ("problem", .object(problem)),
            ("seed", .int(Int(truncatingIfNeeded: r.seed))),
            ("seconds_budget", .number(r.seconds)),
            ("epochs_limit", r.epochs.map { .int($0) } ?? .null),
            ("shuffle", .bool(r.shuffle)),
            ("methods", .array(runs.map(Self.json))),
        ])
    }

    static func json(_ run: TrainingRun) -> JSONValue {
        let r = run.result
        return .object([
            ("name", .string(run.name.rawValue)),
            ("final_loss", .number(r.finalLoss)),
            ("initial_loss", .number(r.initialLoss)),
            ("epochs", .number(r.epochs)),
            ("seconds", .number(r.seconds)),
            ("updates", .int(r.updates)),
            ("wall_seconds", .number(run.wallSeconds)),
            ("rank", r.lastRank.map { .int($0) } ?? .null),
            ("settings", .object(r.settings.map { s in
                switch s.value {
                case .number(let d): return (s.name, .number(d))
                case .integer(let i): return (s.name, .int(i))
                case .text(let t): return (s.name, .string(t))
                }
            })),
            ("termination", .object([("code", .string(r.termination.code)), ("description", .string(r.termination.description)),
                                     ("success", .bool(r.isSuccess)), ("failure", r.failure.map { .string($0) } ?? .null)])),
        ])
    }

    // MARK: - CSV and figures

    /// `method,epoch,updates,seconds,loss`: every recorded point of every method.
    public var curvesCSV: String {
        var lines = ["method,epoch,updates,seconds,loss"]
        for run in runs {
            for rec in run.result.records {
                lines.append([run.name.rawValue, RunReport.csvNumber(rec.epoch), String(rec.updates),
                              RunReport.csvNumber(rec.seconds), RunReport.csvNumber(rec.loss)].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Loss per data point against training time (log scale), one line per method.
    public var lossTimeFigure: Figure { figure(x: \.seconds, label: "training time [s]") }

    /// Loss per data point against epochs (log scale), one line per method.
    public var lossEpochFigure: Figure { figure(x: \.epoch, label: "epoch") }

    func figure(x: KeyPath<TrainingRecord, Double>, label: String) -> Figure {
        var fig = Figure(title: "\(plan.problem.name): loss per data point", xLabel: label, yLabel: "loss", width: 560,
                         height: 420, yScale: .log10, legend: .upperRight)
        for run in runs {
            let records = run.result.records
            fig.series.append(Series(name: run.name.label, x: records.map { $0[keyPath: x] }, y: records.map(\.loss),
                                     color: run.name.color, marker: .none, line: true, lineWidth: 1.75))
        }
        return fig
    }

    /// The files of the run, by name.
    public func files() -> [(name: String, contents: String)] {
        let renderer = SVGRenderer()
        return [("loss-time.svg", renderer.render(lossTimeFigure).svg), ("loss-epoch.svg", renderer.render(lossEpochFigure).svg),
                ("curves.csv", curvesCSV), ("training.json", json.pretty() + "\n")]
    }

    // MARK: - Text

    /// The table printed in text format.
    public var textLines: [String] {
        let p = plan.problem, r = plan.request
        var lines = ["\(p.name): \(p.summary)",
                     "network \(p.widths.map(String.init).joined(separator: "-")) (\(p.parameterCount) parameters), \(p.data.count) samples, seed \(r.seed), budget \(RunReport.csvNumber(r.seconds)) s of training" + (r.epochs.map { ", at most \($0) epochs" } ?? "")]
        if let floor = p.attainableLoss, floor > 0 {
            lines.append("smallest attainable loss per data point: \(String(format: "%.6g", floor)) (targets beyond the model's reach)")
        }
        let floor = p.attainableLoss ?? 0
        let header = ["method", "batch", "lr", "epochs", "updates", "seconds", "initial", "final"] + (floor > 0 ? ["above floor"] : [])
            + ["termination"]
        var rows = [header]
        for run in runs {
            let res = run.result
            let batch = res.settings.first { $0.name == "batch_size" }?.value.description ?? "-"
            let lr = res.settings.first { $0.name == "learning_rate" }?.value.description ?? "-"
            rows.append([run.name.rawValue, batch, lr, String(format: "%.4g", res.epochs), String(res.updates),
                         String(format: "%.2f", res.seconds), String(format: "%.3e", res.initialLoss), String(format: "%.3e", res.finalLoss)]
                        + (floor > 0 ? [String(format: "%.3e", res.finalLoss - floor)] : [])
                        + [res.failure.map { "FAILED: \($0)" } ?? res.termination.code])
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max()! }
        for row in rows {
            lines.append(zip(row, widths).enumerated().map { i, cell in
                i == 0 || i == row.count - 1 ? cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: cell.1 - cell.0.count) + cell.0
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        return lines
    }
}
