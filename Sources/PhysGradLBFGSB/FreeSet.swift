/// Where a variable stands at the generalized Cauchy point.
enum VariableStatus: Int8, Sendable {
    /// No bounds: always free.
    case unbounded = -1
    /// Between its bounds (the Cauchy search moved it, or could have).
    case free = 0
    /// Between its bounds with a zero gradient component: free, but not moved by the Cauchy search.
    case freeWithZeroGradient = -3
    /// At its lower bound, the gradient pushing outward.
    case atLower = 1
    /// At its upper bound, the gradient pushing outward.
    case atUpper = 2
    /// `lower == upper`.
    case fixed = 3

    /// Free variables take part in the subspace minimization; the others (the active set) stay where
    /// the Cauchy point put them.
    @inline(__always) var isFree: Bool { rawValue <= 0 }
}

/// The free variables Z at the Cauchy point, and how the free set changed since the previous
/// iteration (the subspace matrix K is updated from the variables that entered and left it).
///
/// Memory: `indices` lists the free variables first (`indices[0..<freeCount]`), then the active ones;
/// `changes` lists the variables that entered the free set (`changes[0..<enteringCount]`) and those that
/// left it (`changes[leavingStart..<n]`); `status` is every variable's ``VariableStatus``.
struct FreeSet {
    let n: Int
    /// `indices` then `changes` (n each).
    private var lists: UnsafeMutablePointer<Int32>
    private(set) var status: UnsafeMutablePointer<VariableStatus>
    private(set) var freeCount: Int
    private(set) var enteringCount = 0
    private(set) var leavingStart: Int

    /// Every variable free, on `lists` (2n indices) and `status` (n).
    init(n: Int, lists: UnsafeMutablePointer<Int32>, status: UnsafeMutablePointer<VariableStatus>) {
        self.n = n
        self.lists = lists
        self.status = status
        freeCount = n
        leavingStart = n
    }

    mutating func relocate(_ move: Relocation) {
        lists = move(lists)
        status = move(status)
    }

    var indices: UnsafeMutablePointer<Int32> { lists }
    var changes: UnsafeMutablePointer<Int32> { lists + n }
    /// Every variable is free (then `indices[k] == k` for k < n).
    var isEverything: Bool { freeCount == n }
    /// Some variable entered or left the free set at the last ``update(afterIteration:constrained:)``.
    var changed: Bool { enteringCount > 0 || leavingStart < n }

    /// Every variable free, nothing entered or left (the state before the first iteration).
    mutating func reset() {
        freeCount = n
        enteringCount = 0
        leavingStart = n
    }

    /// Rebuilds the lists from `status` after a Cauchy search. From the second iteration on, with
    /// bounds, it also lists the variables that entered and left the free set.
    mutating func update(afterIteration iteration: Int, constrained: Bool) {
        let indices = self.indices, changes = self.changes, status = self.status
        enteringCount = 0
        leavingStart = n
        if iteration > 0 && constrained {
            for i in 0..<freeCount {
                let k = Int(indices[i])
                if !status[k].isFree {
                    leavingStart -= 1
                    changes[leavingStart] = Int32(k)
                }
            }
            for i in freeCount..<n {
                let k = Int(indices[i])
                if status[k].isFree {
                    changes[enteringCount] = Int32(k)
                    enteringCount += 1
                }
            }
        }
        freeCount = 0
        var active = n
        for i in 0..<n {
            if status[i].isFree {
                indices[freeCount] = Int32(i)
                freeCount += 1
            } else {
                active -= 1
                indices[active] = Int32(i)
            }
        }
    }
}
