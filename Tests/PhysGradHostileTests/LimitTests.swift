import Foundation
import PhysGradReport
import PhysGradToolTestSupport
import Testing

/// Issue 11, items 3 and 4, and the ceilings on every size a user chooses: shards, dimensions,
/// steps, list lengths, grid points, jobs, memory. Each is refused with one line naming the
/// limit (exit 64), and the sizes at or below the limits run.
extension Catalog {
    static let shards: [HostileCase] = [
        HostileCase("3", #""$PHYSGRAD" sweep --problems seed --shard 9223372036854775807/9223372036854775807"#, status: 64,
                    .error("N = 9223372036854775807 is above the ceiling of 1000000 shards")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 9223372036854775808/9223372036854775808"#, status: 64, .error("above the ceiling of 1000000 shards")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1/9223372036854775807"#, status: 64, .error("above the ceiling")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1000001/1000001"#, status: 64, .error("above the ceiling")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 99999999999999999999999/2"#, status: 64, .error("--shard")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 0/4"#, status: 64, .error("is not i/N with 1 <= i <= N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 5/4"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard=-1/4"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1/0"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1/-1"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1/"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard /4"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard a/b"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1/2/3"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1.0/2"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard +1/2"#, status: 64, .error("is not i/N")),
        HostileCase("3", #""$PHYSGRAD" sweep --shard ''"#, status: 64, .error("is not i/N")),
        // At the ceiling: empty or one-row shards, no overflow. The grid has 3 points.
        HostileCase("3", #""$PHYSGRAD" sweep --problems seed --shard 1000000/1000000"#, status: 0,
                    check: #"test "$(wc -l < stdout)" -eq 1 && grep -q '^2,seed,2,pg,' stdout"#),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 999999/1000000"#, status: 0, check: "test ! -s stdout"),
        HostileCase("3", #""$PHYSGRAD" sweep --shard 1/1000000"#, status: 0, check: #"test "$(wc -l < stdout)" -eq 1 && grep -q '^index,' stdout"#),
        HostileCase("3", #""$PHYSGRAD" sweep --shard ' 2/2 '"#, status: 0, check: #"test "$(wc -l < stdout)" -eq 2"#),
    ]

    static let dimensions: [HostileCase] = [
        HostileCase("4", #""$PHYSGRAD" minimize --function extended-rosenbrock --dimension 4611686018427387904"#, status: 64,
                    .error("extended-rosenbrock takes at most n = 10000000")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --dimension 1000000000"#, status: 64,
                    .error("chained-rosenbrock takes at most n = 10000000")),
        HostileCase("4", #""$PHYSGRAD" minimize --function driver1 --dimension 10000001"#, status: 64, .error("at most n = 10000000")),
        HostileCase("4", #""$PHYSGRAD" minimize --function extended-rosenbrock --dimension 9223372036854775807"#, status: 64, .error("at most n")),
        HostileCase("4", #""$PHYSGRAD" minimize --function extended-rosenbrock --dimension 9223372036854775808"#, status: 64,
                    .error("is invalid for '--dimension <dimension>'")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --dimension -4"#, status: 64, .error("needs n >= 2")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --dimension 0"#, status: 64, .error("needs n >= 2")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --dimension 1"#, status: 64, .error("needs n >= 2")),
        HostileCase("4", #""$PHYSGRAD" minimize --function beale --dimension 3"#, status: 64, .error("beale has dimension 2")),
        HostileCase("4", #""$PHYSGRAD" minimize --function extended-rosenbrock --dimension 5"#, status: 64, .error("needs an even n")),
        // Below the ceiling, the memory estimate refuses what would not fit.
        HostileCase("4", #""$PHYSGRAD" minimize --function extended-rosenbrock --dimension 10000000 --max-memory 1G"#, status: 64,
                    .error("L-BFGS-B at n = 10000000 with maxcor 10 needs about 2.4G of memory, above --max-memory 1G")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --dimension 1000 --maxcor 1000000"#, status: 64,
                    .error("above --max-memory 4G; lower --dimension or --maxcor, or raise --max-memory")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --maxcor 9223372036854775807"#, status: 64,
                    .error("needs about 6.81e+27T of memory, above --max-memory 4G")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --maxcor 0"#, status: 64, .error("--maxcor: must be at least 1")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --maxls 0"#, status: 64, .error("--maxls: must be at least 1")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --maxfun 0"#, status: 64, .error("--maxfun: must be at least 1")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --maxiter=-1"#, status: 64, .error("--maxiter: must be at least 1")),
        HostileCase("4", #""$PHYSGRAD" minimize --function beale --gtol nan"#, status: 64, .error("The value 'nan' is invalid for '--gtol <gtol>': 'nan' is not a finite number")),
        HostileCase("4", #""$PHYSGRAD" minimize --function beale --ftol inf"#, status: 64, .error("'inf' is not a finite number")),
        HostileCase("4", #""$PHYSGRAD" minimize --function beale --pgtol 0x10"#, status: 64, .error("'0x10' is not a finite number")),
        HostileCase("4", #""$PHYSGRAD" minimize --function beale --factr=-1"#, status: 64, .error("--factr: must be a finite number >= 0")),
        HostileCase("4", #""$PHYSGRAD" minimize --function beale --start 1e309,1"#, status: 64, .error("'1e309' is not a finite number")),
        HostileCase("4", #""$PHYSGRAD" minimize --function chained-rosenbrock --dimension 3 --maxcor 3 --format json"#, status: 0),
        // The catalog's problems.
        HostileCase("4", #""$PHYSGRAD" compare --problem powers --dimension 10000002"#, status: 64, .error("--dimension 10000002: powers(n) needs an even n with 2 <= n <= 10000000")),
        HostileCase("4", #""$PHYSGRAD" compare --problem powers --dimension 9223372036854775806"#, status: 64, .error("2 <= n <= 10000000")),
        HostileCase("4", #""$PHYSGRAD" compare --problem blur --dimension 0"#, status: 64, .error("blur(n) needs 1 <= n")),
        HostileCase("4", #""$PHYSGRAD" compare --problem burgers --dimension 4097"#, status: 64, .error("burgers(n) needs 3 <= n <= 4096")),
        HostileCase("4", #""$PHYSGRAD" invert --problem powers --dimension 10000002 --target 1"#, status: 64, .error("2 <= n <= 10000000")),
        HostileCase("4", #""$PHYSGRAD" compare --dimension 3"#, status: 64, .error("the seed problem has dimension 2")),
        HostileCase("4", #""$PHYSGRAD" sweep --problems powers,seed --dimensions 10000002,2 --methods gd"#, status: 0,
                    check: #"grep -q '^0,powers,10000002,gd,,default,10,error,false,' stdout && grep -q '^3,seed,2,gd,0.01,default,10,ok,true,' stdout"#),
    ]

    static let sizes: [HostileCase] = [
        HostileCase("steps", #""$PHYSGRAD" compare --steps 1000001"#, status: 64, .error("--steps: 1000001 is above the ceiling of 1000000 steps")),
        HostileCase("steps", #""$PHYSGRAD" compare --steps 9223372036854775807"#, status: 64, .error("above the ceiling of 1000000 steps")),
        HostileCase("steps", #""$PHYSGRAD" compare --steps 9223372036854775808"#, status: 64, .error("is invalid for '--steps <steps>'")),
        HostileCase("steps", #""$PHYSGRAD" compare --steps -1"#, status: 64, .error("--steps: -1 is negative")),
        HostileCase("steps", #""$PHYSGRAD" sweep --steps 1000001"#, status: 64, .error("above the ceiling of 1000000 steps")),
        HostileCase("steps", #""$PHYSGRAD" compare --problem powers --dimension 1000 --steps 1000000"#, status: 64,
                    .error("keeping 1000001 iterates of 11 methods at n = 1000 needs about")),
        HostileCase("steps", #""$PHYSGRAD" compare --methods gd --steps 100000 --max-memory 1M --output o"#, status: 64,
                    .error("above --max-memory 1M; lower --steps or --dimension, or run fewer --methods, or raise --max-memory"),
                    check: "test ! -e o"),
        HostileCase("steps", #""$PHYSGRAD" compare --methods gd --steps 0 --format json --no-plots --output o"#, status: 0),
        HostileCase("steps", #""$PHYSGRAD" sweep --methods gd --steps 1000000 --shard 2/2"#, status: 0),
        HostileCase("lists", #""$PHYSGRAD" sweep --dimensions "$(seq -s, 1 1001)""#, status: 64, .error("more than 1000 values")),
        HostileCase("lists", #""$PHYSGRAD" sweep --etas "$(seq -s, 1 1001)""#, status: 64, .error("more than 1000 values")),
        HostileCase("lists", #""$PHYSGRAD" sweep --starts "$(seq -s, 1 1001)""#, status: 64, .error("more than 1000 values")),
        HostileCase("lists", #""$PHYSGRAD" sweep --problems powers --methods gd,newton --dimensions "$(seq -s, 2 2 2000)" --etas "$(seq -s, 1 1000)""#,
                    status: 64, .error("the grid has 2000000 points, above the ceiling of 1000000")),
        HostileCase("lists", #""$PHYSGRAD" sweep --problems seed --methods gd --etas "$(seq -s, 1 1000)" --steps 0 --jobs 2"#, status: 0,
                    check: #"test "$(wc -l < stdout)" -eq 1001"#),
        HostileCase("jobs", #""$PHYSGRAD" sweep --jobs 0"#, status: 64, .error("--jobs: 0 is outside 1...1024")),
        HostileCase("jobs", #""$PHYSGRAD" sweep --jobs 1025"#, status: 64, .error("--jobs: 1025 is outside 1...1024")),
        HostileCase("jobs", #""$PHYSGRAD" sweep --jobs=-1"#, status: 64, .error("outside 1...1024")),
        HostileCase("jobs", #""$PHYSGRAD" sweep --jobs 9223372036854775808"#, status: 64, .error("is invalid for '--jobs <jobs>'")),
        HostileCase("jobs", #""$PHYSGRAD" sweep --jobs 1024"#, status: 0),
        HostileCase("memory", #""$PHYSGRAD" compare --max-memory 0"#, status: 64, .error("'0' must be a positive amount of memory")),
        HostileCase("memory", #""$PHYSGRAD" compare --max-memory=-1G"#, status: 64, .error("must be a positive amount of memory")),
        HostileCase("memory", #""$PHYSGRAD" compare --max-memory 1X"#, status: 64, .error("is not an amount of memory (e.g. 512M, 4G)")),
        HostileCase("memory", #""$PHYSGRAD" compare --max-memory nan"#, status: 64, .error("is not an amount of memory")),
        HostileCase("memory", #""$PHYSGRAD" compare --max-memory 1e400"#, status: 64, .error("is not an amount of memory")),
        HostileCase("memory", #""$PHYSGRAD" compare --max-memory 1K --output o"#, status: 64, .error("needs about 13.1K of memory, above --max-memory 1K")),
        HostileCase("memory", #""$PHYSGRAD" compare --max-memory 1TiB --quiet --output o"#, status: 0),
        HostileCase("memory", #""$PHYSGRAD" minimize --function booth --max-memory 512b"#, status: 64,
                    .error("L-BFGS-B at n = 2 with maxcor 10 needs about 9.1K of memory, above --max-memory 512B")),
        HostileCase("memory", #""$PHYSGRAD" minimize --function booth --max-memory 0.5m"#, status: 0),
    ]
}

@Suite("Hostile: sizes and their ceilings (items 3, 4)")
struct LimitTests {
    @Test(arguments: Catalog.shards)
    func shard(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.dimensions)
    func dimension(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.sizes)
    func size(_ c: HostileCase) throws { try c.run() }

    /// Shard bounds at the edge of Int: double-width products, no overflow, and the shards tile
    /// the grid in order for any count.
    @Test(arguments: [0, 1, 3, 1_000_000, Int.max / 2, Int.max])
    func shardRangesTile(total: Int) throws {
        for count in [1, 2, 3, 7, 999_999, 1_000_000] {
            var previous = 0
            for index in Set([1, 2, count / 2, count - 1, count].filter { $0 >= 1 && $0 <= count }).sorted() {
                let r = try Shard(index: index, count: count).range(of: total)
                #expect(r.lowerBound >= previous && r.upperBound <= total)
                previous = r.upperBound
            }
            #expect(try Shard(index: 1, count: count).range(of: total).lowerBound == 0)
            #expect(try Shard(index: count, count: count).range(of: total).upperBound == total)
        }
    }
}
