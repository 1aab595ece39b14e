import Foundation
import PhysGradToolTestSupport
import Testing

/// Issue 11, items 9, 10 and 11: what counts as a finished shard, symbolic links and streams as
/// destinations, groups of files that are replaced whole or not at all, and temporaries that
/// killed runs left behind.
extension Catalog {
    static let finishedShards: [HostileCase] = [
        HostileCase("9", #""$PHYSGRAD" sweep --output DIR"#, status: 73, .error("cannot write DIR: it is a folder"),
                    setup: "mkdir DIR && touch DIR/keep", check: #"test "$(ls -A DIR)" = keep"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output DIR --force"#, status: 73, .error("it is a folder"), setup: "mkdir DIR"),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 0, setup: "touch part.csv", check: #"test "$(wc -l < part.csv)" -eq 4"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 73, .error("it is not a regular file but a FIFO (named pipe)"),
                    setup: "mkfifo part.csv", check: "test -p part.csv"),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv --force"#, status: 73, .error("a FIFO"), setup: "mkfifo part.csv"),
        HostileCase("9", #""$PHYSGRAD" sweep --output /dev/null --force"#, status: 73, .error("cannot write /dev/null: it is not a regular file but a character device")),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 73,
                    .error("cannot write part.csv: it exists and is not a finished shard 1/1 of this sweep (it does not start with this version's CSV header); --force replaces it"),
                    setup: "echo hello > part.csv", check: #"test "$(cat part.csv)" = hello"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv --force"#, status: 0, setup: "echo hello > part.csv",
                    check: "head -1 part.csv | grep -q '^index,'"),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 73, .error("its last line is incomplete"),
                    setup: #""$PHYSGRAD" sweep --output part.csv && head -c -5 part.csv > t && mv t part.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv --force"#, status: 0,
                    setup: #""$PHYSGRAD" sweep --output part.csv && head -c -5 part.csv > t && mv t part.csv"#, check: #"test "$(wc -l < part.csv)" -eq 4"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 73, .error("it has 2 rows where shard 1/1 has 3"),
                    setup: #""$PHYSGRAD" sweep --output part.csv && sed -i '$d' part.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 73, .error("is not a complete csv record"),
                    setup: #""$PHYSGRAD" sweep --output part.csv && sed -i '2s/,[^,]*$//' part.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --etas 0.2 --output part.csv"#, status: 73, .error("its rows belong to another grid"),
                    setup: #""$PHYSGRAD" sweep --etas 0.1 --output part.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --steps 6 --output part.csv"#, status: 73, .error("another grid"),
                    setup: #""$PHYSGRAD" sweep --steps 5 --output part.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --inverse-gradient exact --methods pg-numerical --output part.csv"#, status: 73, .error("another grid"),
                    setup: #""$PHYSGRAD" sweep --methods pg-numerical --output part.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --problems seed,powers --shard 1/2 --output p.csv"#, status: 73, .error("does not start with"),
                    setup: #""$PHYSGRAD" sweep --problems seed,powers --shard 2/2 --output p.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --problems seed,powers --shard 3/3 --output p.csv"#, status: 73, .error("row 1 has index 2, not 4"),
                    setup: #""$PHYSGRAD" sweep --problems seed,powers --shard 2/3 --output p.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 0, .notice("part.csv is a finished shard of this sweep; skipping it (--force recomputes)"),
                    setup: #""$PHYSGRAD" sweep --output part.csv && cp part.csv before && touch -d 2001-01-01 part.csv"#,
                    check: #"cmp part.csv before && test "$(stat -c %Y part.csv)" = "$(date -d 2001-01-01 +%s)""#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv --force"#, status: 0,
                    setup: #""$PHYSGRAD" sweep --output part.csv && cp part.csv before && touch -d 2001-01-01 part.csv"#,
                    check: #"cmp part.csv before && test "$(stat -c %Y part.csv)" != "$(date -d 2001-01-01 +%s)""#),
        HostileCase("9", #""$PHYSGRAD" sweep --format jsonl --output part.jsonl"#, status: 0, .notice("skipping it"),
                    setup: #""$PHYSGRAD" sweep --format jsonl --output part.jsonl"#),
        HostileCase("9", #""$PHYSGRAD" sweep --format jsonl --output part.out"#, status: 73, .error("is not a complete jsonl record"),
                    setup: #""$PHYSGRAD" sweep --output part.out && sed -i 1d part.out"#),
        HostileCase("9", #""$PHYSGRAD" sweep --problems seed,powers --shard 2/3 --output p.csv"#, status: 0, .notice("skipping it"),
                    setup: #""$PHYSGRAD" sweep --problems seed,powers --shard 2/3 --output p.csv"#),
        // Rows that could not run are rows of the shard too.
        HostileCase("9", #""$PHYSGRAD" sweep --problems burgers --methods pg,gd --steps 1 --output b.csv"#, status: 0, .notice("skipping it"),
                    setup: #""$PHYSGRAD" sweep --problems burgers --methods pg,gd --steps 1 --output b.csv && grep -q ',error,false,.*cannot run' b.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output part.csv"#, status: 0, .notice("skipping it"),
                    setup: #""$PHYSGRAD" sweep --output real.csv && ln -s real.csv part.csv"#),
        HostileCase("9", #""$PHYSGRAD" sweep --output new/sub/part.csv"#, status: 0, check: "test -s new/sub/part.csv"),
        HostileCase("9", #""$PHYSGRAD" sweep --output f/part.csv"#, status: 73, .error("cannot write"), setup: "touch f", check: "test ! -s f"),
        HostileCase("9", #""$PHYSGRAD" sweep --output ''"#, status: 64, .error("--output: the file name is empty")),
        HostileCase("9", #""$PHYSGRAD" sweep --output link"#, status: 73, .error("it is a folder"), setup: "mkdir d && ln -s d link"),
    ]

    static let links: [HostileCase] = [
        HostileCase("10", #""$PHYSGRAD" sweep --output link.csv"#, status: 73, .error("is not a finished shard"),
                    setup: "echo x > target.csv && ln -s target.csv link.csv", check: #"test -L link.csv && test "$(cat target.csv)" = x"#),
        HostileCase("10", #""$PHYSGRAD" sweep --output link.csv --force"#, status: 0,
                    setup: "echo x > target.csv && ln -s target.csv link.csv",
                    check: #"test -L link.csv && test "$(readlink link.csv)" = target.csv && head -1 target.csv | grep -q '^index,'"#),
        HostileCase("10", #""$PHYSGRAD" sweep --output l.csv --force"#, status: 0,
                    setup: "mkdir sub && echo x > sub/t.csv && ln -s sub/t.csv l.csv",
                    check: "test -L l.csv && test $(wc -l < sub/t.csv) -eq 4 && test \"$(ls -A sub | tr '\\n' ' ')\" = 't.csv t.csv.sweep.json '"),
        HostileCase("10", #""$PHYSGRAD" sweep --output a.csv"#, status: 0,
                    setup: "ln -s b.csv a.csv && ln -s c.csv b.csv", check: "test -L a.csv && test -L b.csv && test -f c.csv && test ! -L c.csv"),
        HostileCase("10", #""$PHYSGRAD" sweep --output l.csv"#, status: 0, setup: #"ln -s "$PWD/abs.csv" l.csv"#, check: "test -L l.csv && test -s abs.csv"),
        HostileCase("10", #""$PHYSGRAD" sweep --output a.csv"#, status: 73, .error("too many levels of symbolic links"),
                    setup: "ln -s b.csv a.csv && ln -s a.csv b.csv", check: "test -L a.csv && test -L b.csv"),
        HostileCase("10", #""$PHYSGRAD" sweep --output /dev/stdout --force"#, status: 73,
                    .error("cannot write /dev/stdout: it names an open stream (standard output or another file descriptor), not a file")),
        HostileCase("10", #""$PHYSGRAD" sweep --output /dev/stdout --force >> out.txt"#, status: 73, .error("names an open stream"),
                    setup: "echo mine > out.txt", check: #"test "$(cat out.txt)" = mine"#),
        HostileCase("10", #""$PHYSGRAD" sweep --output /dev/stderr"#, status: 73, .error("names an open stream")),
        HostileCase("10", #""$PHYSGRAD" sweep --output /dev/fd/1"#, status: 73, .error("names an open stream")),
        HostileCase("10", #""$PHYSGRAD" sweep --output /proc/self/fd/1 --force"#, status: 73, .error("names an open stream")),
        HostileCase("10", #""$PHYSGRAD" sweep --output out.csv --force >> kept.txt"#, status: 73, .error("names an open stream"),
                    setup: "echo mine > kept.txt && ln -s /dev/stdout out.csv", check: #"test -L out.csv && test "$(cat kept.txt)" = mine"#),
        HostileCase("10", #""$PHYSGRAD" compare --quiet --output o"#, status: 0,
                    setup: "mkdir o && echo '{}' > keep.json && ln -s ../keep.json o/summary.json",
                    check: "test -L o/summary.json && grep -q physgrad-summary keep.json"),
        HostileCase("10", #""$PHYSGRAD" compare --quiet --output o"#, status: 73, .error("cannot write o/x-space.svg: it is not a regular file but a character device"),
                    setup: "mkdir o && echo old > o/summary.json && ln -s /dev/null o/x-space.svg",
                    check: #"test "$(cat o/summary.json)" = old && test ! -e o/loss.svg && test -L o/x-space.svg"#),
        HostileCase("10", #""$PHYSGRAD" compare --quiet --output o"#, status: 73, .error("it is the same file as o/x-space.svg"),
                    setup: "mkdir o && touch o/shared && ln -s shared o/x-space.svg && ln -s shared o/y-space.svg", check: "test ! -s o/shared"),
        HostileCase("10", #""$PHYSGRAD" sweep --output t.csv --force"#, status: 0, setup: "echo x > t.csv && chmod 600 t.csv",
                    check: #"test "$(stat -c %a t.csv)" = 600 && head -1 t.csv | grep -q ^index"#),
        HostileCase("10", #""$PHYSGRAD" sweep --output l.csv --force"#, status: 0, setup: "echo x > t.csv && chmod 640 t.csv && ln -s t.csv l.csv",
                    check: #"test "$(stat -c %a t.csv)" = 640"#),
        HostileCase("10", #""$PHYSGRAD" compare --quiet --output o"#, status: 0, setup: "mkdir real && ln -s real o",
                    check: "test -L o && test -s real/summary.json && test -s real/x-space.svg"),
    ]

    static let oldFiles = "mkdir o && for f in x-space.svg y-space.svg loss.svg trajectories.csv summary.json; do echo old > o/$f; done"
    static let stillOld = #"for f in x-space.svg y-space.svg loss.svg trajectories.csv summary.json; do test ! -f o/$f || test "$(cat o/$f)" = old; done"#

    static let groups: [HostileCase] = [
        // The issue's case: the last file of the group cannot be written; none is replaced.
        HostileCase("11", #""$PHYSGRAD" compare --output o"#, status: 73, .error("cannot write o/summary.json: it is a folder"),
                    setup: oldFiles + " && rm o/summary.json && mkdir -p o/summary.json", check: stillOld + " && test -d o/summary.json"),
        HostileCase("11", #""$PHYSGRAD" compare --output o"#, status: 73, .error("cannot write o/x-space.svg: it is a folder"),
                    setup: oldFiles + " && rm o/x-space.svg && mkdir o/x-space.svg", check: stillOld),
        HostileCase("11", #""$PHYSGRAD" compare --output o"#, status: 73, .error("cannot write o/trajectories.csv: it is not a regular file but a FIFO"),
                    setup: oldFiles + " && rm o/trajectories.csv && mkfifo o/trajectories.csv", check: stillOld),
        HostileCase("11", #""$PHYSGRAD" compare --no-plots --output o"#, status: 73, .error("cannot write o/summary.json: it is a folder"),
                    setup: oldFiles + " && rm o/summary.json && mkdir o/summary.json", check: stillOld + " && test -f o/x-space.svg"),
        HostileCase("11", #""$PHYSGRAD" compare --output o"#, status: 73, .error("cannot write o: it exists and is not a folder"), setup: "echo x > o",
                    check: #"test "$(cat o)" = x"#),
        HostileCase("11", #""$PHYSGRAD" compare --output o/sub"#, status: 73, .error("cannot write o/sub"), setup: "echo x > o"),
        HostileCase("11", #""$PHYSGRAD" compare --output ''"#, status: 64, .error("--output: the folder name is empty")),
        HostileCase("11", #""$PHYSGRAD" compare --output dangling"#, status: 73, .error("is a symbolic link to something that does not exist"),
                    setup: "ln -s nowhere dangling", check: "test -L dangling && test ! -e nowhere"),
        HostileCase("11", #""$PHYSGRAD" compare --quiet --output a/b/c"#, status: 0, check: "test -s a/b/c/summary.json"),
        // Refused before anything is computed or written: no folder is made.
        HostileCase("11", #""$PHYSGRAD" compare --problem burgers --methods pg --output new/o"#, status: 64, .error("no analytic inverse"), check: "test ! -e new"),
        HostileCase("11", #""$PHYSGRAD" compare --quiet --output o"#, status: 0, setup: oldFiles,
                    check: "grep -q physgrad-summary o/summary.json && grep -q '<svg' o/loss.svg"),
    ]

    /// `.NAME.physgrad-tmp-PID-RANDOM@HOST` files: those of this host whose process is gone are
    /// removed by the next write of NAME; others stay.
    static let deadPID = #"p=$(sh -c 'echo $$')"#
    static let staleTemporaries: [HostileCase] = [
        HostileCase("11", #""$PHYSGRAD" compare --quiet --output o"#, status: 0,
                    setup: #"mkdir o && \#(deadPID) && touch "o/.summary.json.physgrad-tmp-$p-1@$(hostname)" "o/.x-space.svg.physgrad-tmp-$p-2@$(hostname)""#,
                    check: "test -z \"$(ls -A o | grep physgrad-tmp)\""),
        HostileCase("11", #""$PHYSGRAD" sweep --output part.csv"#, status: 0,
                    setup: #"\#(deadPID) && touch ".part.csv.physgrad-tmp-$p-7@$(hostname)""#, check: "test -z \"$(ls -A | grep physgrad-tmp)\""),
        HostileCase("11", #""$PHYSGRAD" compare --quiet --output o"#, status: 0,
                    setup: #"mkdir o && touch "o/.summary.json.physgrad-tmp-1-5@$(hostname)""#, check: "ls -A o | grep -q 'physgrad-tmp-1-5@'"),
        HostileCase("11", #""$PHYSGRAD" compare --quiet --output o"#, status: 0,
                    setup: #"mkdir o && \#(deadPID) && touch "o/.summary.json.physgrad-tmp-$p-5@another-host.example""#,
                    check: "ls -A o | grep -q 'another-host.example'"),
        HostileCase("11", #""$PHYSGRAD" compare --quiet --output o"#, status: 0,
                    setup: #"mkdir o && touch "o/.summary.json.physgrad-tmp-garbage""#, check: "ls -A o | grep -q 'physgrad-tmp-garbage'"),
        HostileCase("11", #""$PHYSGRAD" compare --quiet --output o"#, status: 0,
                    setup: #"mkdir o && \#(deadPID) && touch "o/.notes.txt.physgrad-tmp-$p-5@$(hostname)""#, check: "ls -A o | grep -q notes.txt"),
    ]
}

@Suite("Hostile: output files (items 9, 10, 11)")
struct OutputFileTests {
    @Test(arguments: Catalog.finishedShards)
    func finishedShard(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.links)
    func link(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.groups)
    func group(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.staleTemporaries)
    func staleTemporary(_ c: HostileCase) throws { try c.run() }
}
