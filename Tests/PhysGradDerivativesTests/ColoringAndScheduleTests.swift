// Column colourings and checkpoint schedules for every shape, including degenerate and
// extreme sizes.
@testable import PhysGradDerivatives
import Testing

@Suite("Column colourings and checkpoint schedules at the edges")
struct ColoringAndScheduleTests {
    /// Whether no row has two columns of one colour: column j of a band touches rows
    /// j - upper ... j + lower (clipped to 0 ..< n; wrapped around mod n when `periodic`).
    static func separates(_ c: ColumnColoring, n: Int, lower: Int, upper: Int, periodic: Bool) -> Bool {
        let l = max(0, min(lower, n)), u = max(0, min(upper, n))
        var owner: [[Int: Int]] = Array(repeating: [:], count: n)  // row -> colour -> column
        for j in 0..<n {
            var rows = Set<Int>()
            for i in (j - u)...(j + l) {
                if periodic { rows.insert(((i % n) + n) % n) } else if i >= 0 && i < n { rows.insert(i) }
            }
            for i in rows {
                if owner[i][c.colors[j]] != nil { return false }
                owner[i][c.colors[j]] = j
            }
        }
        return true
    }

    /// Every n up to 20 with bandwidths from negative to Int.max: colours in range, no row
    /// with two columns of one colour, and the documented number of colours (lower + upper + 1
    /// capped at n for the band; n once a wrapped band covers the ring).
    @Test func bandedColoringsForEveryShape() throws {
        let widths = [-1, 0, 1, 2, 5, 19, 25, Int.max]
        for n in 0...20 {
            for lower in widths {
                for upper in widths {
                    for periodic in [false, true] {
                        let c = periodic ? ColumnColoring.periodicBanded(columns: n, lower: lower, upper: upper)
                                         : ColumnColoring.banded(columns: n, lower: lower, upper: upper)
                        let what = "n \(n), lower \(lower), upper \(upper), periodic \(periodic)"
                        #expect(c.colors.count == n && c.colors.allSatisfy { $0 >= 0 && $0 < c.count }, "\(what)")
                        #expect(Self.separates(c, n: n, lower: lower, upper: upper, periodic: periodic), "\(what)")
                        // lower + upper + 1 in exact (wide) arithmetic, capped at n.
                        let band = Double(max(lower, 0)) + Double(max(upper, 0)) + 1
                        if !periodic {
                            #expect(Double(c.count) == min(band, Double(max(n, 1))), "\(what): \(c.count) colours")
                        } else if band >= Double(n) {
                            #expect(c.count == max(n, 1), "\(what): \(c.count) colours")
                        }
                    }
                }
            }
        }
    }

    /// Snapshot counts and state bytes for every step count an `Int` holds: none below two steps
    /// (including Int.min, where `steps - 1` overflows), T - 1 at most, and `Int.max` bytes when the
    /// states do not fit in an `Int`.
    @Test func scheduleSizesForExtremeStepCounts() {
        let schedules: [CheckpointSchedule] = [.storeAll, .automatic, .binomial(snapshots: 0), .binomial(snapshots: 3),
                                               .binomial(snapshots: Int.max), .binomial(snapshots: -2)]
        for schedule in schedules {
            for steps in [Int.min, -1, 0, 1] {
                #expect(schedule.snapshots(forSteps: steps) == 0, "\(schedule), \(steps) steps")
                #expect(schedule.stateBytes(steps: steps, stateCount: 10, element: Double.self) == 80)
            }
            for steps in [2, 3, 10, 1000, Int.max] {
                let s = schedule.snapshots(forSteps: steps)
                #expect(s >= 0 && s <= steps - 1, "\(schedule), \(steps) steps: \(s)")
            }
        }
        #expect(CheckpointSchedule.storeAll.snapshots(forSteps: Int.max) == Int.max - 1)
        #expect(CheckpointSchedule.storeAll.stateBytes(steps: Int.max, stateCount: 2, element: Double.self) == Int.max)
        // 2 ceil(sqrt(T)): T = 10^18 has sqrt 10^9 exactly.
        #expect(CheckpointSchedule.automatic.snapshots(forSteps: 1_000_000_000_000_000_000) == 2_000_000_000)
        #expect(CheckpointSchedule.automatic.snapshots(forSteps: 1_000_000_000_000_000_001) == 2_000_000_002)
    }

    /// C(s + r, s) in exact 128-bit integer arithmetic (each partial product C(s + k - 1, k - 1)·(s + k)
    /// is divisible by k), saturating at Int.max.
    static func binomial(_ s: Int, _ r: Int) -> Int {
        var c: Int128 = 1
        for k in stride(from: 1, through: r, by: 1) {
            c = c * Int128(s + k) / Int128(k)
            if c >= Int128(Int.max) { return Int.max }
        }
        return Int(c)
    }

    /// The revolve split from its definition: r the smallest repetition number with
    /// C(s + r, s) >= L, the right part as long as s - 1 snapshots allow at r.
    static func referenceSplit(_ length: Int, _ s: Int) -> Int {
        // C(s + r, s) = C(s + r - 1, s) · (s + r) / r, exact (128 bits, below 2^63 · (s + r)).
        var r = 1
        var c = Int128(s + 1)
        while c < Int128(length) {
            r += 1
            c = c * Int128(s + r) / Int128(r)
        }
        return min(length - 1, max(1, length - binomial(s - 1, r)))
    }

    /// The schedule's split equals the definition for every range up to 400 steps and 1 ... 6
    /// snapshots, and stays a valid split (1 ... L - 1, close to the definition) for ranges far
    /// beyond 10^15 steps, where the binomials used to saturate at 10^15 and the search for r
    /// never ended.
    @Test func splitsFollowTheBinomialDefinition() {
        for s in 1...6 {
            for length in 2...400 {
                #expect(CheckpointSchedule.split(length: length, snapshots: s) == Self.referenceSplit(length, s),
                        "s \(s), length \(length)")
            }
        }
        for s in [4, 10, 1000] {
            for length in [1_000_000_000_000_001, 10_000_000_000_000_000, Int.max] {
                let m = CheckpointSchedule.split(length: length, snapshots: s)
                let reference = Self.referenceSplit(length, s)
                #expect(m >= 1 && m <= length - 1, "s \(s), length \(length): \(m)")
                #expect(abs(Double(m) - Double(reference)) <= 1e-12 * Double(length), "s \(s), length \(length): \(m) vs \(reference)")
            }
        }
    }
}
