import Foundation
import PhysGradToolTestSupport
import Testing

/// Issue 11, item 13, and values a user can type into any option: each is refused with one line
/// naming the option (exit 64) or accepted for what it is; none traps.
extension Catalog {
    static let smaller: [HostileCase] = [
        // --no-plots into a used folder: the earlier figures go, the new summary stays alone.
        HostileCase("13", #""$PHYSGRAD" compare --no-plots --output o"#, status: 0, setup: oldFiles,
                    check: #"test "$(ls o)" = "$(printf 'summary.json\ntrajectories.csv')" && grep -q 'Removed x-space.svg, y-space.svg, loss.svg' stdout"#),
        HostileCase("13", #""$PHYSGRAD" compare --no-plots --quiet --output o"#, status: 0,
                    setup: "mkdir o && echo mine > mine.svg && ln -s ../mine.svg o/x-space.svg && mkdir o/loss.svg",
                    check: #"test -L o/x-space.svg && test -d o/loss.svg && test "$(cat mine.svg)" = mine"#),
        HostileCase("13", #""$PHYSGRAD" compare --no-plots --quiet --output o"#, status: 0, check: #"test "$(ls o | wc -l)" -eq 2"#),
        // --eta: only methods that take a step size, each once, and among the methods run.
        HostileCase("13", #""$PHYSGRAD" compare --methods gd,lbfgsb --eta lbfgsb=1"#, status: 64,
                    .error("lbfgsb: L-BFGS-B takes no step size (its line search chooses each step)")),
        HostileCase("13", #""$PHYSGRAD" compare --methods gd,lbfgsb --eta LBFGSB=1"#, status: 64, .error("takes no step size")),
        HostileCase("13", #""$PHYSGRAD" compare --eta gd=0.1 --eta gd=0.2"#, status: 64, .error("--eta gd is given twice (0.1 and 0.2); give it once")),
        HostileCase("13", #""$PHYSGRAD" compare --eta gd=0.1 --eta GD=0.1"#, status: 64, .error("--eta gd is given twice")),
        HostileCase("13", #""$PHYSGRAD" compare --methods gd --eta pg=0.2"#, status: 64, .error("--eta pg: the method is not among the methods run (gd)")),
        HostileCase("13", #""$PHYSGRAD" compare --eta gd=0"#, status: 64, .error("the step size must be positive")),
        HostileCase("13", #""$PHYSGRAD" compare --eta gd=inf"#, status: 64, .error("'inf' is not a finite number")),
        HostileCase("13", #""$PHYSGRAD" compare --eta =0.1"#, status: 64, .error("unknown method ''")),
        HostileCase("13", #""$PHYSGRAD" compare --eta gd=0.1=2"#, status: 64, .error("'0.1=2' is not a finite number")),
        // Lists name each value once.
        HostileCase("13", #""$PHYSGRAD" sweep --dimensions 2,2"#, status: 64, .error("2 is listed twice")),
        HostileCase("13", #""$PHYSGRAD" sweep --etas 0.1,1e-1"#, status: 64, .error("0.1 is listed twice")),
        HostileCase("13", #""$PHYSGRAD" sweep --starts 1,1.0"#, status: 64, .error("1.0 is listed twice")),
        HostileCase("13", #""$PHYSGRAD" sweep --methods gd,GD"#, status: 64, .error("method 'gd' is listed twice")),
        HostileCase("13", #""$PHYSGRAD" sweep --problems seed,seed"#, status: 64, .error("problem 'seed' is listed twice")),
        HostileCase("13", #""$PHYSGRAD" compare --methods pg,newton,pg"#, status: 64, .error("method 'pg' is listed twice")),
        HostileCase("13", #""$PHYSGRAD" sweep --methods gd,"#, status: 64, .error("unknown method ''")),
        // The sweep says which runs succeeded.
        HostileCase("13", #""$PHYSGRAD" sweep --methods gd,newton --etas 1000 --steps 5"#, status: 0,
                    check: #"grep -q '^0,seed,2,gd,1000.0,default,5,failed,false,3,.*,non-finite-value,,' stdout"#),
        // At 0 the gradient is exactly zero: Newton stops there, converged, without a step (its
        // singular Hessian is never factorized).
        HostileCase("13", #""$PHYSGRAD" sweep --problems powers --dimensions 4 --methods newton --starts 0 --steps 2"#, status: 0,
                    check: #"grep -q ',ok,true,0,.*,converged,' stdout"#),
        HostileCase("13", #""$PHYSGRAD" sweep --format jsonl --methods gd --etas 1000"#, status: 0,
                    check: #"grep -q '"status":"failed","success":false' stdout"#),
        HostileCase("13", #""$PHYSGRAD" sweep --methods gd --etas 0.01"#, status: 0, check: "grep -q ',ok,true,10,' stdout"),
        // pg where there is no analytic inverse: said as such, not "give --eta pg=VALUE".
        HostileCase("13", #""$PHYSGRAD" compare --problem burgers --methods pg"#, status: 64,
                    .error("method pg cannot run on problem burgers: the problem has no analytic inverse")),
        HostileCase("13", #""$PHYSGRAD" compare --problem burgers --methods pg --eta pg=1"#, status: 64, .error("no analytic inverse")),
        HostileCase("13", #""$PHYSGRAD" sweep --problems burgers --methods pg"#, status: 0, check: "grep -q 'cannot run on problem burgers' stdout && ! grep -q 'eta pg=VALUE' stdout"),
        HostileCase("13", #""$PHYSGRAD" compare --problem powers --methods lbfgsb --quiet --output o"#, status: 0),
        // Bounds: inf in every spelling; infeasible or empty bounds refused by name, never "= :".
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --upper +Infinity"#, status: 0),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --lower=-INFINITY --upper INF"#, status: 0),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --lower=-inf,0.1 --upper +inf,Inf"#, status: 0),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --lower +Infinity"#, status: 64, .error("--lower at coordinate 0 leaves no room (inf)")),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --upper=-inf"#, status: 64, .error("--upper at coordinate 0 leaves no room (-inf)")),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --lower 1 --upper 0"#, status: 64, .error("--lower is above --upper at coordinate 0 (1.0 > 0.0)")),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --upper ++inf"#, status: 64, .error("'++inf' is not a number (or inf, -inf)")),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --upper inf5"#, status: 64, .error("is not a number")),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --upper nan"#, status: 64, .error("'nan' is not a number")),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --upper=-nan"#, status: 64, .error("is not a number")),
        HostileCase("13", #""$PHYSGRAD" invert --target 2,2 --lower 0,0,0"#, status: 64, .error("--lower has 3 entries, but the problem has dimension 2")),
        HostileCase("13", #""$PHYSGRAD" invert --target inf"#, status: 64, .error("'inf' is not a finite number")),
        HostileCase("13", #""$PHYSGRAD" compare --start +Infinity"#, status: 64, .error("'+Infinity' is not a finite number")),
    ]

    /// Every option given values a user can type by mistake.
    static let values: [HostileCase] = {
        let options: [(command: String, option: String)] = [
            ("compare", "--problem"), ("compare", "--dimension"), ("compare", "--methods"), ("compare", "--steps"), ("compare", "--eta"),
            ("compare", "--start"), ("compare", "--inverse-gradient"), ("compare", "--format"), ("compare", "--max-memory"),
            ("invert --target 1,1", "--start"), ("invert", "--target"), ("invert --target 1,1", "--lower"), ("invert --target 1,1", "--upper"),
            ("minimize", "--function"), ("minimize --function beale", "--maxcor"), ("minimize --function beale", "--gtol"),
            ("sweep", "--problems"), ("sweep", "--dimensions"), ("sweep", "--etas"), ("sweep", "--starts"), ("sweep", "--shard"),
            ("sweep", "--jobs"), ("sweep", "--format"), ("sweep", "--shards"),
        ]
        let values = ["''", "' '", "nan", "0x10", "1e999", "'1 2'", "٣", "１", "--", "-", "','", #"'\t'"#, "$(printf 'a%.0s' $(seq 3000))"]
        var out: [HostileCase] = []
        for (command, option) in options {
            for value in values {
                out.append(HostileCase("values", #""$PHYSGRAD" \#(command) \#(option)=\#(value)"#, status: 64,
                                       .error(option)))
            }
        }
        return out
    }()

    static let commandLines: [HostileCase] = [
        HostileCase("usage", #""$PHYSGRAD" frobnicate"#, status: 64, .error("Unexpected argument 'frobnicate' (see 'physgrad --help')")),
        HostileCase("usage", #""$PHYSGRAD" compare --colour red"#, status: 64, .error("Unknown option '--colour' (see 'physgrad compare --help')")),
        HostileCase("usage", #""$PHYSGRAD" invert"#, status: 64, .error("Missing expected argument '--target <y>'")),
        HostileCase("usage", #""$PHYSGRAD" minimize"#, status: 64, .error("Missing expected argument '--function <function>'")),
        HostileCase("usage", #""$PHYSGRAD" compare --steps"#, status: 64, .error("Missing value for '--steps <steps>'")),
        HostileCase("usage", #""$PHYSGRAD" compare --format JSON --no-plots --output o"#, status: 0, check: "grep -q physgrad-summary stdout"),
        HostileCase("usage", #""$PHYSGRAD" compare --problem SEED --quiet --output o"#, status: 0),
        HostileCase("usage", #""$PHYSGRAD" minimize --function BEALE"#, status: 0),
        HostileCase("usage", #""$PHYSGRAD" minimize --function beale --ftol 1e-9 --factr 1e7"#, status: 64, .error("--ftol and --factr set the same tolerance; give one")),
        HostileCase("usage", #""$PHYSGRAD" minimize --function beale --gtol 1e-9 --pgtol 1e-9"#, status: 64, .error("--gtol and --pgtol")),
        HostileCase("usage", #""$PHYSGRAD" help frobnicate"#, status: 0, check: "grep -q 'SUBCOMMANDS' stdout"),
        HostileCase("usage", #""$PHYSGRAD" --version"#, status: 0, check: "grep -q '^0.1.0$' stdout"),
        HostileCase("usage", #""$PHYSGRAD" help sweep"#, status: 0, check: "grep -q 'sweep merge' stdout && grep -q 'run (default)' stdout"),
        HostileCase("usage", #""$PHYSGRAD" help sweep run"#, status: 0, check: "grep -q 'finished shard' stdout && grep -q 'JOB_COMPLETION_INDEX' stdout"),
        HostileCase("usage", #""$PHYSGRAD" sweep merge --help"#, status: 0, check: "grep -q 'exactly once' stdout"),
        HostileCase("usage", #""$PHYSGRAD" sweep frobnicate"#, status: 64, .error("Unexpected argument 'frobnicate' (see 'physgrad sweep --help')")),
        HostileCase("usage", #""$PHYSGRAD" compare --output o --quiet --output p"#, status: 0, check: "test -s p/summary.json && test ! -e o"),
    ]
}

@Suite("Hostile: smaller items and typed values (item 13)")
struct SmallerTests {
    @Test(arguments: Catalog.smaller)
    func smaller(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.values)
    func value(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.commandLines)
    func commandLine(_ c: HostileCase) throws { try c.run() }
}
