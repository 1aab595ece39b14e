import Foundation
import PhysGradToolTestSupport
import Testing

/// `physgrad inversion` given what a user can type by mistake, sizes above its ceilings, and
/// outputs that cannot be written: each refused with one line and its exit status (64, 73, 74),
/// before anything runs or is written; the sizes at the limits run.
extension Catalog {
    static let inversionFiles = "inversion.json mae-by-dimension.csv mae-by-dimension.svg mae-by-step.csv mae-by-step.svg"
    static let inversionOld = "mkdir o && for f in \(inversionFiles); do echo old > o/$f; done"
    static let inversionStillOld = #"for f in \#(inversionFiles); do test ! -f o/$f || test "$(cat o/$f)" = old; done"#

    static let inversion: [HostileCase] = [
        // Dimensions: each within its problem's range, each once, at most 1,000 of them.
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem powers --dimensions 3"#, status: 64,
                    .error("--dimensions 3: powers(n) needs an even n with 2 <= n <= 10000000")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem powers --dimensions 10000002 --output o"#, status: 64,
                    .error("2 <= n <= 10000000"), check: "test ! -e o"),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem blur --dimensions 10,0"#, status: 64, .error("0 is too small (at least 1)")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem burgers --dimensions 2"#, status: 64,
                    .error("--dimensions 2: burgers(n) needs 3 <= n <= 4096")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem heat --dimensions 100001"#, status: 64, .error("heat(n) needs 3 <= n <= 100000")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem powers --dimensions 9223372036854775807"#, status: 64, .error("2 <= n <= 10000000")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem powers --dimensions 9223372036854775808"#, status: 64, .error("is not an integer")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem powers --dimensions=-2"#, status: 64, .error("is too small")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem powers --dimensions 2,4,2"#, status: 64, .error("2 is listed twice")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem powers --dimensions "$(seq -s, 2 2 2002)""#, status: 64,
                    .error("more than 1000 values")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --dimensions 10"#, status: 64, .error("the seed problem has dimension 2")),
        HostileCase("dimensions", #""$PHYSGRAD" inversion --dimensions 2 --quiet --output o"#, status: 0, check: "test -s o/inversion.json"),
        // seed beside other problems runs once, at its own n = 2.
        HostileCase("dimensions", #""$PHYSGRAD" inversion --problem seed,powers --dimensions 4 --format csv --output o"#, status: 0,
                    check: #"test "$(grep -c '^seed,2,' stdout)" -eq 2 && test "$(grep -c '^powers,4,' stdout)" -eq 2"#),
        // Steps and memory.
        HostileCase("steps", #""$PHYSGRAD" inversion --steps 1000001"#, status: 64, .error("--steps: 1000001 is above the ceiling of 1000000 steps")),
        HostileCase("steps", #""$PHYSGRAD" inversion --steps -1"#, status: 64, .error("--steps: -1 is negative")),
        HostileCase("steps", #""$PHYSGRAD" inversion --steps 9223372036854775808"#, status: 64, .error("is invalid for '--steps <steps>'")),
        HostileCase("steps", #""$PHYSGRAD" inversion --steps 0 --format csv --output o"#, status: 0,
                    check: #"grep -q '^seed,2,0.3,analytic,finite-differences,0.0,0.0,0,' stdout"#),
        HostileCase("memory", #""$PHYSGRAD" inversion --problem powers --dimensions 10000000 --steps 1000 --output o"#, status: 64,
                    .error("above --max-memory 4G; lower --steps or --dimensions, or raise --max-memory"), check: "test ! -e o"),
        HostileCase("memory", #""$PHYSGRAD" inversion --steps 1000000 --max-memory 1G"#, status: 64,
                    .error("the study of 1 problem size with 1000000 steps needs about 3.8G of memory, above --max-memory 1G")),
        HostileCase("memory", #""$PHYSGRAD" inversion --max-memory 1K"#, status: 64, .error("above --max-memory 1K")),
        HostileCase("memory", #""$PHYSGRAD" inversion --max-memory 0"#, status: 64, .error("must be a positive amount of memory")),
        // Names: known, each once.
        HostileCase("names", #""$PHYSGRAD" inversion --gradients exact,exact"#, status: 64, .error("gradient 'exact' is listed twice")),
        HostileCase("names", #""$PHYSGRAD" inversion --gradients fd"#, status: 64, .error("unknown gradient 'fd' (known: finite-differences, exact)")),
        HostileCase("names", #""$PHYSGRAD" inversion --gradients EXACT --quiet --output o"#, status: 0),
        HostileCase("names", #""$PHYSGRAD" inversion --problem seed,seed"#, status: 64, .error("problem 'seed' is listed twice")),
        HostileCase("names", #""$PHYSGRAD" inversion --problem rosenbrock"#, status: 64, .error("unknown problem 'rosenbrock'")),
        HostileCase("names", #""$PHYSGRAD" inversion --reference numerical"#, status: 64, .error("--reference")),
        // An analytic reference where there is none.
        HostileCase("reference", #""$PHYSGRAD" inversion --problem burgers --reference analytic --output o"#, status: 64,
                    .error("--reference analytic: burgers has no analytic inverse; use --reference exact"), check: "test ! -e o"),
        HostileCase("reference", #""$PHYSGRAD" inversion --problem powers,heat --dimensions 4 --reference analytic"#, status: 64,
                    .error("heat has no analytic inverse")),
        HostileCase("reference", #""$PHYSGRAD" inversion --problem powers --dimensions 4 --reference exact --format csv --output o"#, status: 0,
                    check: "grep -q '^powers,4,0.3,exact,exact,0.0,0.0,10,' stdout"),
        // Step sizes.
        HostileCase("eta", #""$PHYSGRAD" inversion --eta 0"#, status: 64, .error("the step size must be positive, got 0")),
        HostileCase("eta", #""$PHYSGRAD" inversion --eta=-0.3"#, status: 64, .error("must be positive")),
        HostileCase("eta", #""$PHYSGRAD" inversion --eta nan"#, status: 64, .error("'nan' is not a finite number")),
        HostileCase("eta", #""$PHYSGRAD" inversion --eta 1e400"#, status: 64, .error("is not a finite number")),
        HostileCase("eta", #""$PHYSGRAD" inversion --eta pg=0.3"#, status: 64, .error("'pg=0.3' is not a finite number")),
        // A step size that leaves the analytic inverse's domain: the run says so, the tool ends well.
        HostileCase("eta", #""$PHYSGRAD" inversion --eta 3 --format csv --output o"#, status: 0,
                    check: #"test "$(grep -c ',0,.*,inverse-failed,false$' stdout)" -eq 2"#),
        HostileCase("eta", #""$PHYSGRAD" inversion --eta 3 --output o"#, status: 0,
                    check: "grep -q '^seed .*analytic \\*' stdout && grep -q 'seed analytic: stopped: inverse failed' stdout"),
        // Forward differences above what maxfun pays for: the inverse fails on the first step, reported.
        HostileCase("costs", #""$PHYSGRAD" inversion --problem powers --dimensions 7500 --gradients finite-differences --steps 1 --format csv --output o"#,
                    status: 0, check: "grep -q '^powers,7500,0.3,analytic,finite-differences,0.0,0.0,0,.*,inverse-failed,completed-steps,false$' stdout"),
        // Outputs.
        HostileCase("output", #""$PHYSGRAD" inversion --output ''"#, status: 64, .error("--output: the folder name is empty")),
        HostileCase("output", #""$PHYSGRAD" inversion --output o"#, status: 73, .error("cannot write o: it exists and is not a folder"),
                    setup: "echo x > o", check: #"test "$(cat o)" = x"#),
        HostileCase("output", #""$PHYSGRAD" inversion --output o"#, status: 73, .error("cannot write o/inversion.json: it is a folder"),
                    setup: inversionOld + " && rm o/inversion.json && mkdir o/inversion.json", check: inversionStillOld + " && test -d o/inversion.json"),
        HostileCase("output", #""$PHYSGRAD" inversion --output o"#, status: 73, .error("cannot write o/mae-by-step.csv: it is not a regular file but a FIFO"),
                    setup: inversionOld + " && rm o/mae-by-step.csv && mkfifo o/mae-by-step.csv", check: inversionStillOld),
        HostileCase("output", #""$PHYSGRAD" inversion --no-plots --output o"#, status: 0, setup: inversionOld,
                    check: #"test "$(ls o)" = "$(printf 'inversion.json\nmae-by-dimension.csv\nmae-by-step.csv')" && grep -q 'Removed mae-by-step.svg, mae-by-dimension.svg' stdout"#),
        HostileCase("output", #""$PHYSGRAD" inversion --quiet --output a/b"#, status: 0, check: "test -s a/b/inversion.json && test ! -s stdout"),
        HostileCase("output", #""$PHYSGRAD" inversion --output o >&-"#, status: 74, .error("cannot write standard output: Bad file descriptor"),
                    check: "test -s o/inversion.json"),
        HostileCase("output", #""$PHYSGRAD" inversion --format json --output o > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("output", #""$PHYSGRAD" inversion --format csv --output o > /dev/full"#, status: 74, .error("No space left on device")),
        HostileCase("output", #""$PHYSGRAD" inversion --quiet --output o > /dev/full"#, status: 0),
        HostileCase("usage", #""$PHYSGRAD" inversion --dimension 10"#, status: 64, .error("(see 'physgrad inversion --help')")),
        HostileCase("usage", #""$PHYSGRAD" inversion --format xml"#, status: 64, .error("--format")),
    ]

    /// Every option of `inversion` given values a user can type by mistake.
    static let inversionValues: [HostileCase] = {
        let options = ["--problem", "--dimensions", "--gradients", "--reference", "--steps", "--eta", "--format", "--max-memory"]
        let values = ["''", "' '", "nan", "0x10", "1e999", "'1 2'", "٣", "１", "--", "-", "','", #"'\t'"#, "$(printf 'a%.0s' $(seq 3000))"]
        return options.flatMap { option in
            values.map { HostileCase("values", #""$PHYSGRAD" inversion \#(option)=\#($0) --output o"#, status: 64, .error(option), check: "test ! -e o") }
        }
    }()
}

@Suite("Hostile: physgrad inversion")
struct InversionCommandTests {
    @Test(arguments: Catalog.inversion)
    func inversion(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.inversionValues)
    func value(_ c: HostileCase) throws { try c.run() }
}
