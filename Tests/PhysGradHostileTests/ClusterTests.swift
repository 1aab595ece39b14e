import Foundation
@testable import PhysGradReport
import PhysGradToolTestSupport
import Testing

/// Issue 15: what a batch engine's variables, a set of parts and their side files can hold, and
/// what each must give: the shard, or one line that says what is inconsistent; never a guess.
extension Catalog {
    /// A Slurm array's five variables (--array=MIN-MAX:STEP) before the command.
    static func slurm(_ id: String, _ min: String = "0", _ max: String = "3", _ step: String = "1", _ count: String = "4") -> String {
        "SLURM_ARRAY_TASK_ID=\(id) SLURM_ARRAY_TASK_MIN=\(min) SLURM_ARRAY_TASK_MAX=\(max) SLURM_ARRAY_TASK_STEP=\(step) SLURM_ARRAY_TASK_COUNT=\(count)"
    }

    static let engineVariables: [HostileCase] = [
        // Consistent: one notice line naming the shard and why; the rows of that shard.
        HostileCase("15", slurm("2") + #" "$PHYSGRAD" sweep --problems seed,powers --methods gd,pg"#, status: 0,
                    .notice("physgrad sweep: running shard 3/4 from the Slurm job array: task id 2 is task 3 of 4 (ids 0 to 3, step 1); grid points 2 to 2 of 4"),
                    check: #"test "$(wc -l < stdout)" -eq 1 && grep -q '^2,powers,10,gd,' stdout"#),
        HostileCase("15", slurm("13", "1", "15", "2", "8") + #" "$PHYSGRAD" sweep --methods gd"#, status: 0,
                    .notice("running shard 7/8 from the Slurm job array: task id 13 is task 7 of 8 (ids 1 to 15, step 2); no grid points (the grid has 1)"),
                    check: "test ! -s stdout"),
        HostileCase("15", #"JOB_COMPLETION_INDEX=0 "$PHYSGRAD" sweep --shards 1 --methods gd"#, status: 0,
                    .notice("running shard 1/1 from the Kubernetes Indexed Job: JOB_COMPLETION_INDEX=0 of 1 shards (--shards 1)"),
                    check: "grep -q '^index,' stdout"),
        HostileCase("15", #"JOB_COMPLETION_INDEX=' 1' PHYSGRAD_SHARDS=2 "$PHYSGRAD" sweep --methods gd,pg"#, status: 0, .notice("running shard 2/2"),
                    check: #"test "$(cat stdout | cut -d, -f1)" = 1"#),
        // --shard wins over anything in the environment, even garbage, and says so.
        HostileCase("15", slurm("x") + #" JOB_COMPLETION_INDEX=-1 "$PHYSGRAD" sweep --shard 1/1 --methods gd"#, status: 0,
                    .notice("running shard 1/1 from --shard, which wins over SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_STEP, SLURM_ARRAY_TASK_COUNT, JOB_COMPLETION_INDEX")),
        // No engine: the whole grid, silently.
        HostileCase("15", #"SLURM_JOB_ID=7 "$PHYSGRAD" sweep --methods gd"#, status: 0, check: "grep -q '^index,' stdout"),
        // Slurm variables that are incomplete, malformed or disagree.
        HostileCase("15", #"SLURM_ARRAY_TASK_ID=1 "$PHYSGRAD" sweep"#, status: 64,
                    .error("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_STEP, SLURM_ARRAY_TASK_COUNT are not")),
        HostileCase("15", #"SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=0 "$PHYSGRAD" sweep"#, status: 64,
                    .error("SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT are set but SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_STEP are not")),
        HostileCase("15", slurm("x") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_ID='x' is not a non-negative integer")),
        HostileCase("15", slurm("-1") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_ID='-1' is not a non-negative integer")),
        HostileCase("15", slurm("") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_ID='' is not a non-negative integer")),
        HostileCase("15", slurm("1", "0", "3", "1", "99999999999999999999") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_COUNT='99999999999999999999' is not")),
        HostileCase("15", slurm("1", "0", "3", "0") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_STEP=0 must be at least 1")),
        HostileCase("15", slurm("1", "0", "3", "1", "0") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_COUNT=0 must be at least 1")),
        HostileCase("15", slurm("1", "0", "3", "1", "5") + #" "$PHYSGRAD" sweep"#, status: 64,
                    .error("the Slurm job array's variables disagree: 5 tasks from 0 in steps of 1 do not end at SLURM_ARRAY_TASK_MAX=3")),
        // --array=1,4,9: Slurm's MIN, MAX and COUNT cannot come from evenly spaced ids.
        HostileCase("15", slurm("4", "1", "9", "1", "3") + #" "$PHYSGRAD" sweep"#, status: 64, .error("irregular ids (--array=1,4,9) needs --shard i/N")),
        HostileCase("15", slurm("3", "3", "1", "1", "1") + #" "$PHYSGRAD" sweep"#, status: 64, .error("disagree")),
        HostileCase("15", slurm("4") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_ID=4 is not one of the job array's ids 0 to 3, step 1")),
        HostileCase("15", slurm("2", "1", "7", "2") + #" "$PHYSGRAD" sweep"#, status: 64, .error("SLURM_ARRAY_TASK_ID=2 is not one of the job array's ids 1 to 7, step 2")),
        HostileCase("15", slurm("0", "0", "9223372036854775806", "9223372036854775807", "3") + #" "$PHYSGRAD" sweep"#, status: 64, .error("disagree")),
        HostileCase("15", slurm("0", "0", "1999999", "1", "2000000") + #" "$PHYSGRAD" sweep"#, status: 64,
                    .error("SLURM_ARRAY_TASK_COUNT=2000000 is above the ceiling of 1000000 shards")),
        // Kubernetes: the index needs a number of shards, below which it lies.
        HostileCase("15", #"JOB_COMPLETION_INDEX=0 "$PHYSGRAD" sweep"#, status: 64,
                    .error("JOB_COMPLETION_INDEX=0 is set (a Kubernetes Indexed Job) but the number of shards is not: pass --shards N or set PHYSGRAD_SHARDS")),
        HostileCase("15", #"JOB_COMPLETION_INDEX=4 "$PHYSGRAD" sweep --shards 4"#, status: 64,
                    .error("JOB_COMPLETION_INDEX=4 is not below the number of shards (--shards 4)")),
        HostileCase("15", #"JOB_COMPLETION_INDEX=1 PHYSGRAD_SHARDS=5 "$PHYSGRAD" sweep --shards 4"#, status: 64,
                    .error("--shards 4 and PHYSGRAD_SHARDS=5 disagree")),
        HostileCase("15", #"JOB_COMPLETION_INDEX=1 PHYSGRAD_SHARDS=four "$PHYSGRAD" sweep"#, status: 64, .error("PHYSGRAD_SHARDS='four' is not a non-negative integer")),
        HostileCase("15", #"JOB_COMPLETION_INDEX=1 PHYSGRAD_SHARDS=0 "$PHYSGRAD" sweep"#, status: 64, .error("PHYSGRAD_SHARDS=0 must be at least 1")),
        HostileCase("15", #"JOB_COMPLETION_INDEX=1 PHYSGRAD_SHARDS=1000001 "$PHYSGRAD" sweep"#, status: 64, .error("above the ceiling of 1000000 shards")),
        HostileCase("15", #"JOB_COMPLETION_INDEX=1.5 "$PHYSGRAD" sweep --shards 4"#, status: 64, .error("JOB_COMPLETION_INDEX='1.5' is not a non-negative integer")),
        HostileCase("15", #""$PHYSGRAD" sweep --shards 4"#, status: 64, .error("--shards 4 needs JOB_COMPLETION_INDEX")),
        HostileCase("15", #"PHYSGRAD_SHARDS=4 "$PHYSGRAD" sweep"#, status: 64, .error("PHYSGRAD_SHARDS=4 is set but JOB_COMPLETION_INDEX is not")),
        HostileCase("15", #""$PHYSGRAD" sweep --shards 0"#, status: 64, .error("--shards")),
        HostileCase("15", #""$PHYSGRAD" sweep --shards 1000001"#, status: 64, .error("above the ceiling of 1000000")),
        HostileCase("15", #""$PHYSGRAD" sweep --shard 1/2 --shards 2"#, status: 64, .error("--shard and --shards: give one")),
        // Both engines at once: ambiguous.
        HostileCase("15", slurm("1") + #" JOB_COMPLETION_INDEX=1 "$PHYSGRAD" sweep"#, status: 64,
                    .error("both a Slurm job array (SLURM_ARRAY_TASK_ID) and JOB_COMPLETION_INDEX are set")),
        HostileCase("15", slurm("1") + #" "$PHYSGRAD" sweep --shards 4"#, status: 64, .error("both a Slurm job array")),
    ]

    /// Four shards of a small grid, by Slurm array variables.
    static let fourParts = (0..<4).map { slurm(String($0)) + #" "$PHYSGRAD" sweep --problems seed,powers --methods gd,pg --etas 0.1,0.2 --output p\#($0).csv"# }
        .joined(separator: " && ")

    static let merges: [HostileCase] = [
        HostileCase("15", #""$PHYSGRAD" sweep merge p3.csv p1.csv p0.csv p2.csv --output m.csv"#, status: 0, setup: fourParts,
                    check: #""$PHYSGRAD" sweep --problems seed,powers --methods gd,pg --etas 0.1,0.2 | cmp - m.csv && test -s m.csv.sweep.json"#),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv --output m.csv"#, status: 65, .error("incomplete: shards 2-4 of 4 are missing (6 of the grid's 8 points)"),
                    setup: fourParts, check: "test ! -e m.csv && test ! -e m.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep merge --output m.csv"#, status: 64, .error("Missing expected argument '<part> ...' (see 'physgrad sweep merge --help')")),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv"#, status: 64, .error("Missing expected argument '--output <file>'")),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv --output ''"#, status: 64, .error("--output: the file name is empty")),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv --frobnicate"#, status: 64, .error("(see 'physgrad sweep merge --help')")),
        // Side files: named for their parts, absent, garbage, of another schema, edited.
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv.sweep.json p1.csv p2.csv.sweep.json p3.csv p1.csv.sweep.json --output m.csv"#, status: 0, setup: fourParts),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 66,
                    .error("p2.csv has no side file p2.csv.sweep.json"), setup: fourParts + " && rm p2.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("p2.csv.sweep.json is not a sweep side file: it is not a JSON object"), setup: fourParts + " && echo garbage > p2.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("its schema is not physgrad-sweep-shard/1"), setup: fourParts + " && echo '{\"schema\": \"x\"}' > p2.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("its grid fingerprint is not that of its definition"), setup: fourParts + " && sed -i 's/etas=0.1,0.2/etas=0.1,0.3/' p2.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("its grid definition is invalid"), setup: fourParts + " && sed -i 's/steps=10/steps=x/' p2.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("it has 3 times where shard 3/4 has 2 rows"), setup: fourParts + #" && sed -i 's/"seconds": \[/"seconds": [1,/' p2.csv.sweep.json"#),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("'seconds' holds something that is not a non-negative number"), setup: fourParts + #" && sed -i 's/"seconds": \[/"seconds": [-1,/' p2.csv.sweep.json"#),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("p2.csv is not the file its side file describes"), setup: fourParts + " && sed -i '$d' p2.csv"),
        // The side file describes a shard whose rows the part does not hold (edited together).
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 65,
                    .error("p2.csv is not shard 3/4 of its grid"),
                    setup: fourParts + #" && cp p1.csv p2.csv && sum=$(grep fnv1a64 p1.csv.sweep.json) && sed -i "s/.*fnv1a64.*/$sum/" p2.csv.sweep.json && b=$(grep '"bytes"' p1.csv.sweep.json) && sed -i "s/.*\"bytes\".*/$b/" p2.csv.sweep.json"#),
        // Parts that cannot be read: no hang on a FIFO, a folder refused.
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv fifo --output m.csv"#, status: 66, .error("cannot read part fifo: it is not a regular file"),
                    setup: fourParts + " && mkfifo fifo"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv . --output m.csv"#, status: 66, .error("cannot read part .: it is not a regular file"), setup: fourParts),
        // Links: a part through a symbolic link finds its side file beside the file it names.
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv link1 p2.csv p3.csv --output m.csv"#, status: 0,
                    setup: fourParts + " && mkdir d && mv p1.csv p1.csv.sweep.json d/ && ln -s d/p1.csv link1"),
        // The output: a folder, a link into a part, a side file that is not one.
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output d"#, status: 73, .error("cannot write d: it is a folder"),
                    setup: fourParts + " && mkdir d"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output l.csv"#, status: 64, .error("is one of the parts"),
                    setup: fourParts + " && ln -s p3.csv l.csv"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output p1.csv.sweep.json"#, status: 64, .error("is one of the parts"),
                    setup: fourParts),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv"#, status: 73,
                    .error("cannot write m.csv.sweep.json: it exists and is not a sweep side file"), setup: fourParts + " && echo mine > m.csv.sweep.json",
                    check: #"test "$(cat m.csv.sweep.json)" = mine && test ! -e m.csv"#),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv --force"#, status: 0,
                    setup: fourParts + " && echo mine > m.csv.sweep.json", check: "grep -q physgrad-sweep-shard m.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output new/sub/m.csv --plots new/figs"#, status: 0, setup: fourParts,
                    check: "test -s new/sub/m.csv && test -s new/figs/loss-vs-eta-seed-n2.svg"),
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv p1.csv p2.csv p3.csv --output m.csv --plots f"#, status: 73, .error("cannot write f"),
                    setup: fourParts + " && touch f", check: "test ! -e m.csv && test ! -s f"),
        // JSON Lines and CSV parts do not mix.
        HostileCase("15", #""$PHYSGRAD" sweep merge p0.csv j1.jsonl --output m.csv"#, status: 65, .error("p0.csv is csv but j1.jsonl is jsonl"),
                    setup: fourParts + " && " + slurm("1") + #" "$PHYSGRAD" sweep --problems seed,powers --methods gd,pg --etas 0.1,0.2 --format jsonl --output j1.jsonl"#),
    ]

    static let plots: [HostileCase] = [
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output f"#, status: 0, setup: #""$PHYSGRAD" sweep --problems powers --dimensions 2,4 --output s.csv"#,
                    check: "test -s f/loss-vs-eta-powers-n2.svg && test -s f/time-vs-dimension-powers.svg && grep -q 'Wrote 4 figures' stdout"),
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output f"#, status: 65, .error("s.csv is not the file its side file describes"),
                    setup: #""$PHYSGRAD" sweep --output s.csv && sed -i '$d' s.csv"#, check: "test ! -e f"),
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output f"#, status: 65, .error("s.csv line 2 is not a row of a sweep: 3 fields where a row has 22"),
                    setup: #""$PHYSGRAD" sweep --output s.csv && rm s.csv.sweep.json && sed -i '2s/.*/a,b,c/' s.csv"#),
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output f"#, status: 65, .error("s.csv line 3 is not a row of a sweep: unknown method 'frob'"),
                    setup: #""$PHYSGRAD" sweep --output s.csv && rm s.csv.sweep.json && sed -i '3s/,newton,/,frob,/' s.csv"#),
        HostileCase("15", #""$PHYSGRAD" sweep plot s.jsonl --output f"#, status: 65, .error("s.jsonl line 1 is not a row of a sweep: not a JSON object"),
                    setup: #""$PHYSGRAD" sweep --format jsonl --output s.jsonl && rm s.jsonl.sweep.json && sed -i '1s/}$//' s.jsonl"#),
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output f"#, status: 65, .error("s.csv holds rows of several grids"),
                    setup: #""$PHYSGRAD" sweep --output s.csv && "$PHYSGRAD" sweep --steps 3 | tail -1 >> s.csv && rm s.csv.sweep.json"#),
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output f"#, status: 65, .error("s.csv has no rows"),
                    setup: #""$PHYSGRAD" sweep | head -1 > s.csv"#),
        HostileCase("15", #""$PHYSGRAD" sweep plot empty --output f"#, status: 65, .error("empty does not start with this version's CSV header"), setup: "touch empty"),
        HostileCase("15", #""$PHYSGRAD" sweep plot missing.csv --output f"#, status: 66, .error("cannot read missing.csv: No such file or directory")),
        HostileCase("15", #""$PHYSGRAD" sweep plot fifo --output f"#, status: 66, .error("it is not a regular file"), setup: "mkfifo fifo"),
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output s.csv"#, status: 73, .error("it exists and is not a folder"),
                    setup: #""$PHYSGRAD" sweep --output s.csv"#),
        // Only the figures of an earlier plot go; the user's other files stay.
        HostileCase("15", #""$PHYSGRAD" sweep plot s.csv --output f"#, status: 0,
                    setup: #""$PHYSGRAD" sweep --output s.csv && mkdir f && echo mine > f/notes.svg && echo old > f/loss-vs-eta-blur-n9.svg && ln -s ../s.csv f/loss-vs-eta-heat-n3.svg"#,
                    check: "test -s f/notes.svg && test ! -e f/loss-vs-eta-blur-n9.svg && test -L f/loss-vs-eta-heat-n3.svg && grep -q 'Removed 1 figure of an earlier plot: loss-vs-eta-blur-n9.svg' stdout"),
    ]

    /// The side file of `sweep --output`: written with the rows, checked when resuming.
    static let sideFiles: [HostileCase] = [
        HostileCase("15", #""$PHYSGRAD" sweep --output s.csv"#, status: 0, check: #"grep -q '"schema": "physgrad-sweep-shard/1"' s.csv.sweep.json && grep -q '"assigned_by": "the whole grid"' s.csv.sweep.json"#),
        HostileCase("15", #""$PHYSGRAD" sweep --output s.csv"#, status: 0, .notice("physgrad sweep: s.csv holds this shard's rows but has no side file s.csv.sweep.json; recomputing both"),
                    setup: #""$PHYSGRAD" sweep --output s.csv && rm s.csv.sweep.json"#, check: "test -s s.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep --output s.csv"#, status: 0, .notice("its side file s.csv.sweep.json describes another file; recomputing both"),
                    setup: #""$PHYSGRAD" sweep --output s.csv && "$PHYSGRAD" sweep --output t.csv --steps 4 && cp t.csv.sweep.json s.csv.sweep.json"#),
        HostileCase("15", #""$PHYSGRAD" sweep --output s.csv"#, status: 73, .error("cannot write s.csv.sweep.json: it exists and is not a sweep side file (it is not a JSON object); --force replaces it"),
                    setup: "echo mine > s.csv.sweep.json", check: #"test "$(cat s.csv.sweep.json)" = mine && test ! -e s.csv"#),
        HostileCase("15", #""$PHYSGRAD" sweep --output s.csv --force"#, status: 0, setup: "echo mine > s.csv.sweep.json",
                    check: "grep -q physgrad-sweep-shard s.csv.sweep.json"),
        HostileCase("15", #""$PHYSGRAD" sweep --output s.csv"#, status: 73, .error("cannot write s.csv.sweep.json: it is a folder"),
                    setup: "mkdir s.csv.sweep.json", check: "test ! -e s.csv"),
        HostileCase("15", #""$PHYSGRAD" sweep --output s.csv"#, status: 73, .error("s.csv.sweep.json: it is not a regular file but a FIFO"),
                    setup: "mkfifo s.csv.sweep.json", check: "test ! -e s.csv"),
    ]
}

@Suite("Hostile: batch engines' variables, merge and plot (issue 15)")
struct ClusterTests {
    @Test(arguments: Catalog.engineVariables)
    func engineVariables(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.merges)
    func merge(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.plots)
    func plot(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.sideFiles)
    func sideFile(_ c: HostileCase) throws { try c.run() }

    /// The resolution itself, on environments no shell needs to build: every Slurm array
    /// --array=MIN-MAX:STEP maps its k-th task to shard k+1 of COUNT.
    @Test func everySlurmTaskGetsItsShard() throws {
        for (first, step, count) in [(0, 1, 1), (0, 1, 7), (1, 1, 4), (5, 3, 6), (100, 10, 3)] {
            let last = first + (count - 1) * step
            for k in 0..<count {
                let env = ["SLURM_ARRAY_TASK_ID": "\(first + k * step)", "SLURM_ARRAY_TASK_MIN": "\(first)", "SLURM_ARRAY_TASK_MAX": "\(last)",
                           "SLURM_ARRAY_TASK_STEP": "\(step)", "SLURM_ARRAY_TASK_COUNT": "\(count)"]
                let a = try ShardAssignment.resolve(option: nil, shards: nil, environment: env)
                #expect(a.shard == (try Shard(index: k + 1, count: count)), "\(env)")
            }
        }
        #expect(try ShardAssignment.resolve(option: nil, shards: nil, environment: ["PATH": "/bin"]) == ShardAssignment(shard: .whole, reason: nil))
        let explicit = try Shard(index: 2, count: 3)
        #expect(try ShardAssignment.resolve(option: explicit, shards: nil, environment: [:]) == ShardAssignment(shard: explicit, reason: nil))
    }

    /// A grid's definition gives the grid back, -0 and all; anything else is refused.
    @Test func gridDefinitions() throws {
        let grid = SweepGrid(problems: [.seed, .powers], dimensions: [2, 4], methods: [.gd, .lbfgsb], stepSizes: [0.1, 1e-7],
                             starts: [-0.0, 3], steps: 7, inverseGradient: .exact)
        let back = try SweepGrid(definition: grid.definition)
        #expect(back == grid && back.fingerprint == grid.fingerprint)
        #expect(back.starts!.first!.sign == .minus)
        let defaults = SweepGrid(problems: [.heat], dimensions: nil, methods: [.lm], stepSizes: nil, starts: nil, steps: 0, inverseGradient: .finiteDifferences)
        #expect(try SweepGrid(definition: defaults.definition) == defaults)
        for bad in ["", "physgrad-sweep", grid.definition + "|x=1", grid.definition.replacingOccurrences(of: "steps=7", with: "steps=-1"),
                    grid.definition.replacingOccurrences(of: "0.1,", with: "nan,"), grid.definition.replacingOccurrences(of: "0.1,", with: "0.10,"),
                    grid.definition.replacingOccurrences(of: "seed,", with: "seed,seed,"), grid.definition.replacingOccurrences(of: "methods=", with: "method=")] {
            #expect(throws: InputError.self, "\(bad)") { _ = try SweepGrid(definition: bad) }
        }
    }

    /// A side file's record survives its own text; a hand-edited one is refused.
    @Test func records() throws {
        let grid = SweepGrid(problems: [.seed], dimensions: nil, methods: [.gd, .pg], stepSizes: [0.1], starts: nil, steps: 3, inverseGradient: .finiteDifferences)
        let shard = try Shard(index: 2, count: 2)
        let record = SweepRecord(grid: grid, shard: shard, format: .jsonl, data: Data("x\n".utf8), assignedBy: "from a test", host: "h",
                                 jobs: 3, seconds: [0.25], mergedFrom: [.init(shard: shard, host: "n1", jobs: 2, assignedBy: "a")])
        let back = try SweepRecord(parsing: Data(record.json.utf8))
        #expect(back == record)
        #expect(back.rows == 1..<2 && back.describes(Data("x\n".utf8)) && !back.describes(Data("y\n".utf8)))
        for (from, to) in [("\"jobs\": 3", "\"jobs\": -3"), ("\"index\": 2", "\"index\": 3"), ("\"points\": 2", "\"points\": 3"),
                           ("\"format\": \"jsonl\"", "\"format\": \"xml\""), ("[0.25]", "[]"), ("[0.25]", "[\"a\"]"), ("\"host\": \"h\"", "\"host\": 1")] {
            let edited = record.json.replacingOccurrences(of: from, with: to)
            #expect(edited != record.json, "\(from)")
            #expect(throws: InputError.self, "\(to)") { _ = try SweepRecord(parsing: Data(edited.utf8)) }
        }
    }

    /// Merge on parts made in the library: an empty shard (more shards than points) is a part
    /// too, and its absence is noticed.
    @Test func mergeWithEmptyShards() throws {
        let grid = SweepGrid(problems: [.seed], dimensions: nil, methods: [.gd, .pg], stepSizes: [0.1], starts: nil, steps: 2, inverseGradient: .finiteDifferences)
        let rows = grid.points.map { grid.evaluate($0, problem: SweepGrid.makeProblem(.init(problem: $0.problem, dimension: $0.dimension))) }
        let whole = Data(grid.text(of: rows, shard: .whole, format: .csv).utf8)
        var parts: [SweepPart] = []
        for i in 1...5 {
            let shard = try Shard(index: i, count: 5)
            let text = Data(grid.text(of: Array(rows[shard.range(of: rows.count)]), shard: shard, format: .csv).utf8)
            #expect(text.isEmpty == (i != 1 && shard.range(of: 2).isEmpty))
            let record = SweepRecord(grid: grid, shard: shard, format: .csv, data: text, assignedBy: "", host: "h", jobs: 1,
                                     seconds: [Double](repeating: 0, count: shard.range(of: 2).count))
            parts.append(try SweepPart(path: "p\(i)", data: text, record: record))
        }
        let merged = try SweepMerge.merge(parts.reversed(), host: "m")
        #expect(merged.data == whole)
        #expect(merged.record.seconds.count == 2 && merged.record.mergedFrom.map(\.shard.index) == [1, 2, 3, 4, 5])
        #expect(throws: SweepDataError("incomplete: shard 4 of 5 is missing (0 of the grid's 2 points)")) {
            _ = try SweepMerge.merge(parts.filter { $0.record.shard.index != 4 }, host: "m")
        }
        #expect(throws: SweepDataError("no parts to merge")) { _ = try SweepMerge.merge([], host: "m") }
        #expect(SweepMerge.ranges([1, 3, 4, 5, 9, 10]) == "1, 3-5, 9-10")
    }
}
