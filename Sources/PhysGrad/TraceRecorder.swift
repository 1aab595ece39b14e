/// Keeps a run's trace within a memory budget: entries are recorded at every `stride`-th step;
/// when the budget's number of entries is reached, every other entry is dropped and the stride
/// doubles. The latest step is held aside (when its step is not on the stride, or when thinning
/// dropped it) and appended at the end, so the trace always ends with the run's last iterate.
struct TraceRecorder {
    let policy: TracePolicy
    private(set) var trajectory = Trajectory()
    private var stride = 1
    private let capacity: Int
    private var pending: (step: Int, x: [Double], y: [Double]?, loss: Double, update: [Double], report: StepReport)?

    init(policy: TracePolicy, dimension n: Int, outputDimension k: Int, budget: Int) {
        self.policy = policy
        let reportBytes = MemoryLayout<StepReport>.stride + 16
        let perEntry: Int
        switch policy {
        case .none, .scalars:
            perEntry = reportBytes + 16
        case .full:
            perEntry = MemorySize.sum(MemorySize.vectors(2 * 1, of: n), MemorySize.vectors(1, of: k), reportBytes + 96)
        }
        // The start and the latest step are always kept, whatever the budget; beyond those two,
        // as many entries as the budget holds.
        capacity = Swift.max(2, budget / Swift.max(perEntry, 1))
    }

    /// `true` when the step is to be recorded now.
    func wants(step: Int) -> Bool { policy != .none && step % stride == 0 }

    /// Records one entry (`update` and `report` are `nil` for the start).
    mutating func record(step: Int, x: [Double], y: [Double], loss: Double, update: [Double]?, report: StepReport?) {
        pending = nil
        guard policy != .none else { return }
        append(step: step, x: x, y: y, loss: loss, update: update, report: report)
        if trajectory.stepIndices.count > capacity { thin() }
    }

    private mutating func append(step: Int, x: [Double], y: [Double], loss: Double, update: [Double]?, report: StepReport?) {
        trajectory.loss.append(loss)
        trajectory.stepIndices.append(step)
        if let report { trajectory.reports.append(report) }
        if policy == .full {
            trajectory.x.append(x)
            trajectory.y.append(y)
            if let update { trajectory.updates.append(update) }
        }
    }

    /// Holds a step that was not recorded, in case it is the last one.
    mutating func remember(step: Int, x: [Double], loss: Double, update: [Double], report: StepReport) {
        guard policy != .none else { return }
        pending = (step, policy == .full ? x : [], nil, loss, policy == .full ? update : [], report)
    }

    /// Appends the last step if it was held aside (thinning first when the trace is full, so the
    /// last step stays); `model` gives y for a full trace when it was not kept.
    mutating func finish(model: ([Double]) -> [Double]) {
        guard let p = pending else { return }
        pending = nil
        if trajectory.stepIndices.count >= capacity {
            thin()
            pending = nil
        }
        append(step: p.step, x: p.x, y: policy == .full ? (p.y ?? model(p.x)) : [], loss: p.loss,
               update: p.update, report: p.report)
    }

    /// Doubles the stride and drops the entries off it. The latest entry, when dropped, is held
    /// aside for ``finish(model:)`` in case the run ends with it.
    private mutating func thin() {
        stride *= 2
        let keep = trajectory.stepIndices.map { $0 % stride == 0 }
        if let last = trajectory.stepIndices.last, keep.last == false {
            let full = policy == .full
            pending = (last, full ? trajectory.x.last ?? [] : [], full ? trajectory.y.last : nil, trajectory.loss.last ?? .nan,
                       full ? trajectory.updates.last ?? [] : [], trajectory.reports.last ?? StepReport())
        }
        func filtered<T>(_ a: [T], offset: Int) -> [T] {
            var out: [T] = []
            out.reserveCapacity(a.count / 2 + 1)
            for (i, e) in a.enumerated() where keep[i + offset] { out.append(e) }
            return out
        }
        trajectory.loss = filtered(trajectory.loss, offset: 0)
        trajectory.reports = filtered(trajectory.reports, offset: 1)
        if policy == .full {
            trajectory.x = filtered(trajectory.x, offset: 0)
            trajectory.y = filtered(trajectory.y, offset: 0)
            trajectory.updates = filtered(trajectory.updates, offset: 1)
        }
        trajectory.stepIndices = filtered(trajectory.stepIndices, offset: 0)
    }
}
