// libFuzzer harness for the tool's option combinations (built and run by scripts/fuzz/run).
//
// Each input becomes a command line: a subcommand, then tokens drawn from the tool's option names
// and from values that sit on its limits (ceilings, overflow, non-finite, empty, duplicates), or
// taken raw from the input. The line is parsed by `physgrad` itself (ArgumentParser, the option
// types and every `validate()`), then each command's `plan()` resolves it as `run()` would, but
// without computing or writing anything.
//
// A finding is a crash or trap, or:
// - a refusal that is not one line, or whose exit status is not 64 (0 for help and version);
// - an accepted request outside its contract: steps above the ceiling, a memory estimate above
//   --max-memory, a start or bounds of the wrong length or with NaN, lower > upper, a dimension
//   above the catalog's ceiling, a grid above its ceiling, a shard range outside the grid.
@testable import PhysGradCLI
import ArgumentParser
import PhysGrad
import PhysGradExamples
import PhysGradReport

let subcommands = ["compare", "invert", "minimize", "sweep", "inversion", "help", "--problem", "sweep merge", "sweep plot"]
let options = [
    "--problem", "--dimension", "--methods", "--steps", "--eta", "--start", "--inverse-gradient", "--format", "--output",
    "--no-plots", "--quiet", "--max-memory", "--target", "--lower", "--upper", "--function", "--maxcor", "--ftol", "--factr",
    "--gtol", "--pgtol", "--maxiter", "--maxfun", "--maxls", "--problems", "--dimensions", "--etas", "--starts", "--shard",
    "--force", "--jobs", "--help", "--version", "--shards", "--plots", "--gradients", "--reference",
]
let values = [
    "seed", "powers", "blur", "burgers", "2", "4", "10", "7", "0", "-1", "1e-3", "0.5", "3,3", "3", "1,2,3", "inf", "-inf", "+Infinity",
    "nan", "gd", "gd,newton,pg", "gd,gd", "pg-numerical", "lbfgsb", "gd=0.1", "gd=0", "lbfgsb=1", "pg=1", "text", "json", "csv",
    "jsonl", "1/2", "2/2", "0/2", "1000000/1000000", "9223372036854775807/9223372036854775807", "9223372036854775807",
    "9223372036854775808", "10000000", "10000001", "1000000", "1000001", "1e308", "1e309", "4G", "1K", "0.5M", "exact",
    "finite-differences", "extended-rosenbrock", "chained-rosenbrock", "beale", "booth", "driver1", "", " ", "0.1,1e-1", "-inf,0.1",
    "1e300,1e300", "1,2", "2,4,6,8", "analytic", "seed,powers,blur", "heat", "exact,finite-differences", "10,100,1000",
]

/// The command line encoded by `bytes`.
func commandLine(_ bytes: UnsafeRawBufferPointer) -> [String] {
    var argv: [String] = []
    var i = 0
    func next() -> UInt8? {
        guard i < bytes.count else { return nil }
        defer { i += 1 }
        return bytes[i]
    }
    if let b = next() { argv += subcommands[Int(b) % subcommands.count].split(separator: " ").map(String.init) }
    while let b = next(), argv.count < 24 {
        let k = Int(b >> 2)
        switch b & 3 {
        case 0: argv.append(options[k % options.count])
        case 1: argv.append(values[k % values.count])
        case 2:
            let length = Int(next() ?? 0) % 24
            var raw: [UInt8] = []
            while raw.count < length, let c = next() { raw.append(c) }
            argv.append(String(decoding: raw, as: UTF8.self))
        default:
            argv.append(options[k % options.count] + "=" + values[Int(next() ?? 0) % values.count])
        }
    }
    return argv.filter { $0 != "--problem" || argv.first != $0 }
}

/// Checks the message and status of a refusal.
func checkRefusal(_ error: any Error, _ argv: [String]) {
    let (message, status) = PhysGradCommand.failure(for: error, arguments: argv)
    if status == 0 { return }  // help or version text
    precondition(status == 64, "status \(status) for \(argv): \(message)")
    precondition(!message.isEmpty && !message.contains("\n"), "not one line for \(argv): \(message)")
    precondition(!message.contains("= :"), "empty value in \(message)")
}

func checkPlan(_ command: any ParsableCommand, _ argv: [String]) {
    do {
        switch command {
        case let c as CompareCommand:
            guard (c.problem.dimension ?? 0) <= 100_000 else { return }  // (allocation time only)
            let plan = try c.plan()
            precondition(c.steps.steps >= 0 && c.steps.steps <= Limits.maximumSteps, "steps \(c.steps.steps)")
            precondition(!plan.methods.isEmpty && Set(plan.methods).count == plan.methods.count, "methods \(plan.methods)")
            precondition(plan.start.map { $0.count == plan.problem.dimension && $0.allSatisfy(\.isFinite) } ?? true, "start")
            precondition(plan.stepSizes.values.allSatisfy { $0.isFinite && $0 > 0 }, "etas \(plan.stepSizes)")
            precondition(plan.stepSizes.keys.allSatisfy { plan.methods.contains($0) && $0.takesStepSize }, "etas \(plan.stepSizes)")
            let bytes = RunReport.estimatedBytes(dimension: plan.problem.dimension, outputDimension: plan.problem.outputDimension,
                                                 methods: plan.methods.count, steps: c.steps.steps)
            precondition(bytes <= c.memory.maxMemory.bytes, "memory \(bytes) above \(c.memory.maxMemory)")
        case let c as InvertCommand:
            guard (c.problem.dimension ?? 0) <= 100_000 else { return }
            let plan = try c.plan()
            let n = plan.problem.dimension
            precondition(plan.start.count == n && plan.start.allSatisfy(\.isFinite), "start")
            precondition(plan.target.count == plan.problem.outputDimension && plan.target.allSatisfy(\.isFinite), "target")
            for i in 0..<n {
                let l = plan.lower?[i] ?? -.infinity, u = plan.upper?[i] ?? .infinity
                precondition(!l.isNaN && !u.isNaN && l <= u && l < .infinity && u > -.infinity, "bounds [\(l), \(u)] at \(i)")
            }
        case let c as MinimizeCommand:
            guard (c.dimension ?? 0) <= 100_000 else { return }
            let plan = try c.plan()
            precondition(plan.dimension <= TestFunctions.maximumDimension, "n \(plan.dimension)")
            precondition(plan.start.count == plan.dimension && plan.start.allSatisfy(\.isFinite), "start")
            precondition(plan.estimatedBytes <= c.memory.maxMemory.bytes, "memory")
            precondition(plan.options.maxcor >= 1 && plan.options.maxls >= 1 && plan.options.maxiter >= 1 && plan.options.maxfun >= 1)
        case let c as InversionCommand:
            guard (c.dimensions?.values.max() ?? 0) <= 100_000 else { return }
            let plan = try c.plan()
            precondition(c.steps.steps >= 0 && c.steps.steps <= Limits.maximumSteps, "steps \(c.steps.steps)")
            precondition(!plan.problems.isEmpty && !plan.study.variants.isEmpty, "nothing to run")
            precondition(plan.study.eta.map { $0.isFinite && $0 > 0 } ?? true, "eta \(String(describing: plan.study.eta))")
            let stored = plan.problems.map { plan.study.estimatedBytes(dimension: $0.dimension) }.max() ?? 0
            let bytes = stored + InversionReport.estimatedBytes(studies: plan.problems.count, steps: c.steps.steps,
                                                                variants: plan.study.variants.count)
            precondition(bytes <= c.memory.maxMemory.bytes, "memory \(bytes) above \(c.memory.maxMemory)")
        case let c as SweepRunCommand:
            let grid = c.grid
            let count = grid.pointCount
            precondition(count <= Limits.maximumGridPoints, "grid of \(count) points")
            precondition(grid.steps >= 0 && grid.steps <= Limits.maximumSteps)
            // The shard as a Kubernetes pod with index 0 would resolve it.
            let shard = try c.assignment(environment: ["JOB_COMPLETION_INDEX": "0"]).shard
            let range = shard.range(of: count)
            precondition(range.lowerBound >= 0 && range.upperBound <= count, "shard \(shard) of \(count): \(range)")
            if count <= 10_000 { precondition(grid.points.count == count, "pointCount") }
        default:
            break
        }
    } catch {
        checkRefusal(error, argv)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let argv = commandLine(UnsafeRawBufferPointer(start: data, count: size))
    do {
        let command = try PhysGradCommand.parseAsRoot(argv)
        checkPlan(command, argv)
    } catch {
        checkRefusal(error, argv)
    }
    return 0
}
