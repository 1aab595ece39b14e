import ArgumentParser
import Foundation
import PhysGradLearning
import PhysGradReport

extension TrainingProblemName: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension HalfInverseTraining.Solver: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension TrainingAssignment: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument, option: "") }
}

/// `physgrad train`: trains a network through a physics model with Adam, SIP, HIG (and GD),
/// the book's coupled-oscillator and sine problems, and writes the loss curves.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network through physics with Adam, SIP and half-inverse gradients.",
        discussion: """
        EXAMPLES:
          physgrad train
              The book's coupled oscillators ("Coupled Oscillators with
              Half-Inverse Gradients"): Adam, SIP and HIG, 10 s of training
              each; loss-time.svg, loss-epoch.svg, curves.csv, training.json in
              ./physgrad-train
          physgrad train --methods hig --seconds 30 --format json
          physgrad train --problem sine --xi 32 --angle 15 --methods adam,sip,gd
          physgrad train --methods adam,hig --batch hig=64 --lr adam=3e-3 \\
              --epochs 20 --seed 7

        PROBLEMS
          oscillators  two masses, state [x1, x2, v1, v2]; 24 RK4 steps of 0.5,
                       one control per step on the last mass; the network
                       4-20-20-20-24 (tanh) maps a start to its 24 controls,
                       which must bring the masses back to the start; 4096
                       starts uniform in [0, 1)^4
          sine         P(x) = (sin(x1')/xi, xi x2'), x' = R(angle) x; the
                       network 2-32-64-32-2 (ReLU) maps a target in [-1, 1]^2
                       to x; 10,000 targets; for xi > 1 targets with
                       |y1| > 1/xi cannot be reached (the smallest loss is
                       printed)

        METHODS (the book's settings; --batch, --lr, --truncation change them)
          adam  Adam through the simulator: lr 1e-3, batch 256 (sine 100)
          sip   scale-invariant physics: per sample the step y* - y mapped
                back by the pseudo-inverse of dP/du (truncation 1e-5; sine:
                saddle-free Newton, truncation 1e-6, loss change <= 0.2),
                then Adam (1e-3) on 1/2 |u - u~|^2; batch 256 (sine 100)
          hig   half-inverse gradients: V S^(-1/2) U^T dL/dy of the batch's
                Jacobian with respect to all weights, truncation 1e-10, SGD
                with lr 1, batch 32 (sine 100); --hig-solver gram (default)
                decomposes J J^T built from the layers (singular values below
                sqrt(rows eps) s_max dropped), svd runs LAPACK gesdd on J
          gd    plain SGD through the simulator: lr 0.01 (sine 0.01/xi^2)
        Every method starts from the same network (Glorot uniform from
        SplitMix64(seed + 1)); the data come from SplitMix64(seed).

        THE LOSS is per data point, the mean over samples of |P(u) - y*|^2,
        over the whole data set after every epoch (every 10th after 100
        epochs, every 100th after 1000, ...) and at the end. --seconds counts
        training time only, as the book's notebook does: evaluations and
        setup come on top (the text output gives the wall time).

        LIMITS: --seconds at most 86,400; --epochs at most 10,000,000;
        --samples at most 1,000,000; --batch at most 65,536 and the sample
        count. A method whose buffers (HIG: the batch's Jacobian or its Gram
        matrix) need more than --max-memory (default 4G) is refused, and so
        is one whose single update is estimated (at 1 GFlop/s) to take more
        than --seconds + 60 s, since the budget is checked between updates.

        OUTPUT FILES (in --output, written as one group)
          loss-time.svg   loss per data point against training time, log scale
          loss-epoch.svg  the same against epochs
          curves.csv      method,epoch,updates,seconds,loss
          training.json   what --format json prints: schema
                          "physgrad-training/1", problem, seed, budget, and per
                          method name, final_loss, initial_loss, epochs,
                          seconds, updates, wall_seconds, rank, settings,
                          termination {code, description, success, failure}
        A progress line goes to stderr when it is a terminal.

        EXIT STATUS: 0 when every method ran (one whose loss ended above its
        start, became non-finite or whose update failed says so in its
        termination), 64 for a mistake in the options or a request above a
        limit, 73 when the files cannot be created, 74 when writing fails.
        """
    )

    @Option(help: "The problem: oscillators or sine.")
    var problem: TrainingProblemName = .oscillators

    @Option(help: "Comma-separated methods, each once: adam, sip, hig, gd.",
            transform: { text throws(InputError) in try NameList<TrainingMethodName>(parsing: text, kind: "method") })
    var methods = NameList<TrainingMethodName>(values: [.adam, .sip, .hig])

    @Option(parsing: .unconditional, help: "Training seconds per method (at most 86400).",
            transform: { text throws(InputError) in try Inputs.number(text, option: "") })
    var seconds: Double = 10

    @Option(parsing: .unconditional, help: "Stop each method after this many epochs (at most 10,000,000).",
            transform: { text throws(InputError) in try Inputs.integer(text, option: "", minimum: 1, maximum: Trainer.maximumEpochs) })
    var epochs: Int?

    @Option(parsing: .unconditional, help: "Seed of the data (SplitMix64(seed)) and initial weights (seed + 1).",
            transform: { text throws(InputError) in try Inputs.integer(text, option: "", minimum: 0) })
    var seed: Int = 0

    @Option(parsing: .unconditional, help: "Samples in the data set (default 4096, sine 10000; at most 1,000,000).",
            transform: { text throws(InputError) in try Inputs.integer(text, option: "", minimum: 1, maximum: TrainingData.maximumCount) })
    var samples: Int?

    @Option(help: ArgumentHelp("A batch size, METHOD=N; repeatable, once per method.", valueName: "method=n"),
            transform: { text throws(InputError) in try TrainingAssignment(parsing: text, option: "") })
    var batch: [TrainingAssignment] = []

    @Option(help: ArgumentHelp("A learning rate, METHOD=VALUE; repeatable, once per method.", valueName: "method=value"),
            transform: { text throws(InputError) in try TrainingAssignment(parsing: text, option: "") })
    var lr: [TrainingAssignment] = []

    @Option(help: ArgumentHelp("A relative SVD truncation for sip or hig, METHOD=VALUE (< 1).", valueName: "method=value"),
            transform: { text throws(InputError) in try TrainingAssignment(parsing: text, option: "") })
    var truncation: [TrainingAssignment] = []

    @Option(help: "How HIG decomposes: gram (J J^T from the layers) or svd (gesdd of J).")
    var higSolver: HalfInverseTraining.Solver = .gram

    @Option(parsing: .unconditional, help: "Conditioning xi of the sine problem (> 0).",
            transform: { text throws(InputError) in try Inputs.number(text, option: "") })
    var xi: Double = 32

    @Option(parsing: .unconditional, help: "Coupling rotation of the sine problem, in degrees.",
            transform: { text throws(InputError) in try Inputs.number(text, option: "") })
    var angle: Double = 0

    @Flag(help: "Visit the samples in a new random order every epoch (the book keeps the order).")
    var shuffle = false

    @Option(help: "What goes to stdout: a table (text) or training.json (json).")
    var format: ResultFormat = .text

    @Option(help: "Folder for the figures, curves.csv and training.json (created if needed).")
    var output: String = "physgrad-train"

    @Flag(help: "Print nothing on stdout in text format, and no progress line.")
    var quiet = false

    @OptionGroup var memory: MemoryOption

    func validate() throws {
        if output.isEmpty { throw ValidationError("--output: the folder name is empty") }
        for (option, list) in [("--batch", batch), ("--lr", lr), ("--truncation", truncation)] {
            var seen: Set<TrainingMethodName> = []
            for a in list where !seen.insert(a.method).inserted {
                throw ValidationError("\(option) \(a.method.rawValue) is given twice; give it once")
            }
        }
        for a in batch where a.value != a.value.rounded() || a.value > Double(Trainer.maximumBatchSize) {
            throw ValidationError("--batch \(a.method.rawValue): \(a.value) is not a whole number in 1 ... \(Trainer.maximumBatchSize)")
        }
        for a in truncation where a.value >= 1 {
            throw ValidationError("--truncation \(a.method.rawValue): \(a.value) must be below 1")
        }
        if problem == .oscillators {
            for (name, given) in [("--xi", xi != 32), ("--angle", angle != 0)] where given {
                throw ValidationError("\(name) applies to --problem sine only")
            }
        }
    }

    /// The request from the command line.
    var request: TrainingRequest {
        var r = TrainingRequest()
        r.problem = problem
        r.methods = methods.values
        r.seconds = seconds
        r.epochs = epochs
        r.seed = UInt64(seed)
        r.samples = samples
        r.batch = Dictionary(uniqueKeysWithValues: batch.map { ($0.method, Int($0.value)) })
        r.learningRate = Dictionary(uniqueKeysWithValues: lr.map { ($0.method, $0.value) })
        r.truncation = Dictionary(uniqueKeysWithValues: truncation.map { ($0.method, $0.value) })
        r.higSolver = higSolver
        r.xi = xi
        r.angleDegrees = angle
        r.shuffle = shuffle
        r.memoryBudget = memory.maxMemory.bytes
        return r
    }

    func run() throws {
        let plan = try request.plan()
        let showProgress = !quiet && isatty(2) == 1
        let report = try TrainingReport.run(plan) { method, record in
            guard showProgress else { return }
            StandardStreams.writeError(String(format: "\r\u{1B}[K%@: epoch %.4g, %.2f s, loss %.3e", method.rawValue, record.epoch,
                                              record.seconds, record.loss))
        }
        if showProgress { StandardStreams.writeError("\r\u{1B}[K") }
        let files = report.files()
        let created = try AtomicFile.prepareFolder(output)
        do {
            try AtomicFile.writeGroup(files.map { (output + "/" + $0.name, Data($0.contents.utf8)) })
        } catch {
            AtomicFile.removeFolders(created)
            throw error
        }
        AtomicFile.keepFolders(created)
        switch format {
        case .json:
            try emit(report.json.pretty() + "\n")
        case .text:
            guard !quiet else { return }
            var lines = report.textLines
            lines.append("")
            lines.append("Wall time: " + report.runs.map { "\($0.name.rawValue) \(String(format: "%.1f", $0.wallSeconds)) s" }
                .joined(separator: ", ") + " (training plus evaluations)")
            lines.append("Wrote \(files.map(\.name).joined(separator: ", ")) to \(output)/")
            try emit(lines.joined(separator: "\n") + "\n")
        }
    }
}
