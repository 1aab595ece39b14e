/// Which shard of a sweep grid this process runs, and why: from `--shard`, from the batch engine
/// that started it, or the whole grid.
///
/// - `--shard i/N` always wins.
/// - A **Slurm job array** sets `SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_MIN`, `_MAX`,
///   `_STEP` and `_COUNT`. Its ids are MIN, MIN + STEP, …, MAX (`--array=MIN-MAX:STEP`); the task
///   with id `MIN + k·STEP` is the (k+1)-th of COUNT and runs shard `k+1` of `COUNT`, whatever
///   the first id and the step. The five variables must agree (`MIN + (COUNT-1)·STEP = MAX`, the
///   id one of the ids): an array with an irregular id list (`--array=1,4,9`) cannot be mapped
///   and needs `--shard`.
/// - A **Kubernetes Indexed Job** sets `JOB_COMPLETION_INDEX` (0-based); Kubernetes does not
///   export the number of completions, so N comes from `--shards N` or `PHYSGRAD_SHARDS`
///   (which must agree when both are given). Index k runs shard `k+1` of N.
/// - Neither: the whole grid.
///
/// Every inconsistency (a missing or malformed variable, an id outside the array, variables of
/// both engines, `--shards` or `PHYSGRAD_SHARDS` without an index) is an ``InputError``.
public struct ShardAssignment: Sendable, Equatable {
    /// The shard to run.
    public var shard: Shard
    /// Why this shard ("from the Slurm job array: ..."), for a line on stderr; `nil` when
    /// nothing needs saying (no engine variable is set: the whole grid, or `--shard` alone).
    public var reason: String?

    /// The variables a Slurm job array sets, in the order they are reported.
    public static let slurmVariables = [
        "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT",
    ]
    /// The index variable of a Kubernetes Indexed Job.
    public static let kubernetesIndex = "JOB_COMPLETION_INDEX"
    /// The number of shards of an Indexed Job, when `--shards` is not given.
    public static let shardsVariable = "PHYSGRAD_SHARDS"

    /// `shard`, chosen for `reason` (`nil`: the whole grid).
    public init(shard: Shard, reason: String?) {
        self.shard = shard
        self.reason = reason
    }

    /// Resolves the shard from the options and the process's `environment`.
    ///
    /// - Parameters:
    ///   - option: `--shard i/N`, when given.
    ///   - shards: `--shards N`, when given (only meaningful with `JOB_COMPLETION_INDEX`).
    ///   - environment: the process's environment variables (Slurm's array variables,
    ///     `JOB_COMPLETION_INDEX`, `PHYSGRAD_SHARDS`).
    /// - Throws: ``InputError`` (one line) for contradictory options or inconsistent variables.
    public static func resolve(option: Shard?, shards: Int?, environment: [String: String]) throws(InputError) -> ShardAssignment {
        let slurmSet = slurmVariables.filter { environment[$0] != nil }
        let index = environment[kubernetesIndex]
        let shardsVariable = environment[self.shardsVariable]
        if let option {
            if shards != nil { throw InputError("--shard and --shards: give one (--shard i/N names the shard itself)") }
            let ignored = slurmSet + [kubernetesIndex, self.shardsVariable].filter { environment[$0] != nil }
            guard !ignored.isEmpty else { return ShardAssignment(shard: option, reason: nil) }
            return ShardAssignment(shard: option, reason: "from --shard, which wins over \(ignored.joined(separator: ", "))")
        }
        if !slurmSet.isEmpty && (index != nil || shards != nil || shardsVariable != nil) {
            let other = index != nil ? kubernetesIndex : shards != nil ? "--shards" : self.shardsVariable
            throw InputError("both a Slurm job array (\(slurmSet[0])) and \(other) are set: which shard to run is ambiguous; pass --shard i/N")
        }
        if !slurmSet.isEmpty { return try slurm(environment) }
        if let index { return try kubernetes(index: index, shards: shards, variable: shardsVariable) }
        if let shards {
            throw InputError("--shards \(shards) needs \(kubernetesIndex) (set in each pod of a Kubernetes Indexed Job); elsewhere pass --shard i/N")
        }
        if let shardsVariable {
            throw InputError("\(self.shardsVariable)=\(shardsVariable) is set but \(kubernetesIndex) is not: is the Job's completionMode Indexed? Unset it to run the whole grid, or pass --shard i/N")
        }
        return ShardAssignment(shard: .whole, reason: nil)
    }

    /// A non-negative integer variable, or the error that names it.
    static func integer(_ name: String, _ text: String, minimum: Int = 0) throws(InputError) -> Int {
        let t = text.trimmingWhitespace()
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(t) else {
            throw InputError("\(name)='\(text)' is not a non-negative integer")
        }
        guard v >= minimum else { throw InputError("\(name)=\(v) must be at least \(minimum)") }
        return v
    }

    static func slurm(_ environment: [String: String]) throws(InputError) -> ShardAssignment {
        let missing = slurmVariables.filter { environment[$0] == nil }
        if !missing.isEmpty {
            let set = slurmVariables.filter { environment[$0] != nil }
            throw InputError("\(set.joined(separator: ", ")) \(set.count == 1 ? "is" : "are") set but \(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") not: a Slurm job array (Slurm 18.08 or later) sets all five; pass --shard i/N otherwise")
        }
        let id = try integer("SLURM_ARRAY_TASK_ID", environment["SLURM_ARRAY_TASK_ID"]!)
        let first = try integer("SLURM_ARRAY_TASK_MIN", environment["SLURM_ARRAY_TASK_MIN"]!)
        let last = try integer("SLURM_ARRAY_TASK_MAX", environment["SLURM_ARRAY_TASK_MAX"]!)
        let step = try integer("SLURM_ARRAY_TASK_STEP", environment["SLURM_ARRAY_TASK_STEP"]!, minimum: 1)
        let count = try integer("SLURM_ARRAY_TASK_COUNT", environment["SLURM_ARRAY_TASK_COUNT"]!, minimum: 1)
        guard count <= Limits.maximumShards else {
            throw InputError("SLURM_ARRAY_TASK_COUNT=\(count) is above the ceiling of \(Limits.maximumShards) shards")
        }
        let ids = "ids \(first) to \(last), step \(step)"
        // MIN + (COUNT-1)·STEP = MAX: the ids are exactly the COUNT values MIN, MIN+STEP, ..., MAX.
        let (span, overflow) = (count - 1).multipliedReportingOverflow(by: step)
        guard !overflow, first <= last, span == last - first else {
            throw InputError("the Slurm job array's variables disagree: \(count) tasks from \(first) in steps of \(step) do not end at SLURM_ARRAY_TASK_MAX=\(last); an array with irregular ids (--array=1,4,9) needs --shard i/N")
        }
        guard id >= first, id <= last, (id - first) % step == 0 else {
            throw InputError("SLURM_ARRAY_TASK_ID=\(id) is not one of the job array's \(ids); pass --shard i/N")
        }
        let k = (id - first) / step
        let shard = try Shard(index: k + 1, count: count, option: "SLURM_ARRAY_TASK_ID")
        return ShardAssignment(shard: shard, reason: "from the Slurm job array: task id \(id) is task \(k + 1) of \(count) (\(ids))")
    }

    static func kubernetes(index text: String, shards: Int?, variable: String?) throws(InputError) -> ShardAssignment {
        let index = try integer(kubernetesIndex, text)
        let fromVariable = try variable.map { (v: String) throws(InputError) in try integer(shardsVariable, v, minimum: 1) }
        if let shards, let fromVariable, shards != fromVariable {
            throw InputError("--shards \(shards) and \(shardsVariable)=\(fromVariable) disagree; give one number of shards (the Job's completions)")
        }
        guard let count = shards ?? fromVariable else {
            throw InputError("\(kubernetesIndex)=\(index) is set (a Kubernetes Indexed Job) but the number of shards is not: pass --shards N or set \(shardsVariable) to the Job's completions")
        }
        let source = shards != nil ? "--shards \(count)" : "\(shardsVariable)=\(count)"
        guard count <= Limits.maximumShards else {
            throw InputError("\(source) is above the ceiling of \(Limits.maximumShards) shards")
        }
        guard count >= 1, index < count else {
            throw InputError("\(kubernetesIndex)=\(index) is not below the number of shards (\(source)); set the Job's completions and \(shards != nil ? "--shards" : shardsVariable) to the same N")
        }
        let shard = try Shard(index: index + 1, count: count, option: kubernetesIndex)
        return ShardAssignment(shard: shard, reason: "from the Kubernetes Indexed Job: \(kubernetesIndex)=\(index) of \(count) shards (\(source))")
    }
}
