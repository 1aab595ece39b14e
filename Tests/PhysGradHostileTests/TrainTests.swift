import Foundation
import PhysGradToolTestSupport
import Testing

/// `physgrad train` against hostile input: every size it takes has a ceiling or an up-front
/// estimate and is refused with one line naming it (exit 64); bad names, numbers and
/// assignments likewise; its four files are written as one group (exit 73 leaves the old ones).
/// The runs that succeed are small (64 samples, a few epochs), so the debug-built tool keeps up.
extension Catalog {
    /// A short successful run: 64 samples, two methods, two epochs.
    static let small = #""$PHYSGRAD" train --samples 64 --methods hig,adam --batch hig=8 --batch adam=16 --epochs 2 --seconds 100"#

    static let trainSizes: [HostileCase] = [
        HostileCase("seconds", #""$PHYSGRAD" train --seconds 0"#, status: 64, .error("--seconds: 0.0 is outside (0, 86400]")),
        HostileCase("seconds", #""$PHYSGRAD" train --seconds=-1"#, status: 64, .error("--seconds: -1.0 is outside (0, 86400]")),
        HostileCase("seconds", #""$PHYSGRAD" train --seconds 86401"#, status: 64, .error("the ceiling is one day")),
        HostileCase("seconds", #""$PHYSGRAD" train --seconds 1e300"#, status: 64, .error("is outside (0, 86400]")),
        HostileCase("seconds", #""$PHYSGRAD" train --seconds nan"#, status: 64, .error("'nan' is not a finite number")),
        HostileCase("seconds", #""$PHYSGRAD" train --seconds inf"#, status: 64, .error("'inf' is not a finite number")),
        HostileCase("seconds", #""$PHYSGRAD" train --seconds 1e400"#, status: 64, .error("'1e400' is not a finite number")),
        HostileCase("epochs", #""$PHYSGRAD" train --epochs 0"#, status: 64, .error("0 is too small (at least 1)")),
        HostileCase("epochs", #""$PHYSGRAD" train --epochs=-3"#, status: 64, .error("is too small (at least 1)")),
        HostileCase("epochs", #""$PHYSGRAD" train --epochs 10000001"#, status: 64, .error("10000001 is above the ceiling of 10000000")),
        HostileCase("epochs", #""$PHYSGRAD" train --epochs 9223372036854775808"#, status: 64, .error("is not an integer")),
        HostileCase("epochs", #""$PHYSGRAD" train --epochs 2.5"#, status: 64, .error("'2.5' is not an integer")),
        HostileCase("samples", #""$PHYSGRAD" train --samples 0"#, status: 64, .error("0 is too small (at least 1)")),
        HostileCase("samples", #""$PHYSGRAD" train --samples 1000001"#, status: 64, .error("1000001 is above the ceiling of 1000000")),
        HostileCase("samples", #""$PHYSGRAD" train --samples 16 --methods adam,sip,hig,gd --epochs 1 --quiet"#, status: 0,
                    check: "test -s physgrad-train/training.json"),
        HostileCase("batch", #""$PHYSGRAD" train --batch hig=0"#, status: 64, .error("must be positive, got 0")),
        HostileCase("batch", #""$PHYSGRAD" train --batch hig=1.5"#, status: 64, .error("--batch hig: 1.5 is not a whole number in 1 ... 65536")),
        HostileCase("batch", #""$PHYSGRAD" train --batch hig=65537"#, status: 64, .error("is not a whole number in 1 ... 65536")),
        HostileCase("batch", #""$PHYSGRAD" train --batch hig=1e300"#, status: 64, .error("is not a whole number in 1 ... 65536")),
        HostileCase("batch", #""$PHYSGRAD" train --samples 64 --batch hig=65"#, status: 64, .error("--batch hig: 65 is larger than the 64 samples")),
        HostileCase("batch", #""$PHYSGRAD" train --batch hig"#, status: 64, .error("'hig' is not METHOD=VALUE")),
        HostileCase("batch", #""$PHYSGRAD" train --batch foo=3"#, status: 64, .error("unknown method 'foo' (known: adam, sip, hig, gd)")),
        HostileCase("batch", #""$PHYSGRAD" train --batch hig=4 --batch hig=8"#, status: 64, .error("--batch hig is given twice")),
        HostileCase("batch", #""$PHYSGRAD" train --methods hig --batch adam=8"#, status: 64, .error("--batch adam: the method is not among the methods run (hig)")),
        // Memory and time, estimated before anything runs.
        HostileCase("memory", #""$PHYSGRAD" train --methods hig --max-memory 1M"#, status: 64,
                    .error("hig with batch 32 needs about"), check: "test ! -e physgrad-train"),
        HostileCase("memory", #""$PHYSGRAD" train --methods hig --hig-solver svd --samples 65536 --batch hig=65536"#, status: 64,
                    .error("above --max-memory 4G; lower --batch hig=N")),
        HostileCase("time", #""$PHYSGRAD" train --methods hig --samples 4096 --batch hig=4096 --max-memory 1T"#, status: 64,
                    .error("one hig update with batch 4096 is estimated at")),
        HostileCase("time", #""$PHYSGRAD" train --methods hig --hig-solver svd --samples 8192 --batch hig=8192 --max-memory 1T"#, status: 64,
                    .error("far beyond --seconds 10")),
    ]

    static let trainValues: [HostileCase] = [
        HostileCase("values", #""$PHYSGRAD" train --lr hig=-1"#, status: 64, .error("must be positive, got -1")),
        HostileCase("values", #""$PHYSGRAD" train --lr hig=nan"#, status: 64, .error("'nan' is not a finite number")),
        HostileCase("values", #""$PHYSGRAD" train --lr hig=inf"#, status: 64, .error("'inf' is not a finite number")),
        HostileCase("values", #""$PHYSGRAD" train --truncation hig=1"#, status: 64, .error("--truncation hig: 1.0 must be below 1")),
        HostileCase("values", #""$PHYSGRAD" train --truncation adam=0.1"#, status: 64, .error("only sip and hig truncate")),
        HostileCase("values", #""$PHYSGRAD" train --methods hig,hig"#, status: 64, .error("method 'hig' is listed twice")),
        HostileCase("values", #""$PHYSGRAD" train --methods ''"#, status: 64, .error("unknown method ''")),
        HostileCase("values", #""$PHYSGRAD" train --methods newton"#, status: 64, .error("unknown method 'newton'")),
        HostileCase("values", #""$PHYSGRAD" train --problem burgers"#, status: 64, .error("--problem")),
        HostileCase("values", #""$PHYSGRAD" train --hig-solver qr"#, status: 64, .error("--hig-solver")),
        HostileCase("values", #""$PHYSGRAD" train --problem sine --xi 0"#, status: 64, .error("xi = 0.0: must be in (0, 1e6]")),
        HostileCase("values", #""$PHYSGRAD" train --problem sine --xi 1e7"#, status: 64, .error("must be in (0, 1e6]")),
        HostileCase("values", #""$PHYSGRAD" train --problem sine --xi nan"#, status: 64, .error("'nan' is not a finite number")),
        HostileCase("values", #""$PHYSGRAD" train --problem sine --angle inf"#, status: 64, .error("'inf' is not a finite number")),
        HostileCase("values", #""$PHYSGRAD" train --xi 2"#, status: 64, .error("--xi applies to --problem sine only")),
        HostileCase("values", #""$PHYSGRAD" train --seed=-1"#, status: 64, .error("-1 is too small (at least 0)")),
        HostileCase("values", #""$PHYSGRAD" train --seed 1e3"#, status: 64, .error("'1e3' is not an integer")),
        HostileCase("values", #""$PHYSGRAD" train --format csv"#, status: 64, .error("--format")),
    ]

    static let oldTrainFiles = "mkdir o && for f in loss-time.svg loss-epoch.svg curves.csv training.json; do echo old > o/$f; done"
    static let trainStillOld = #"for f in loss-time.svg loss-epoch.svg curves.csv training.json; do test ! -f o/$f || test "$(cat o/$f)" = old; done"#

    static let trainFiles: [HostileCase] = [
        HostileCase("files", small + " --output o", status: 73, .error("cannot write o/training.json: it is a folder"),
                    setup: oldTrainFiles + " && rm o/training.json && mkdir o/training.json", check: trainStillOld),
        HostileCase("files", small + " --output o", status: 73, .error("cannot write o/curves.csv: it is not a regular file but a FIFO"),
                    setup: oldTrainFiles + " && rm o/curves.csv && mkfifo o/curves.csv", check: trainStillOld),
        HostileCase("files", small + " --output o", status: 73, .error("cannot write o: it exists and is not a folder"),
                    setup: "echo x > o", check: #"test "$(cat o)" = x"#),
        HostileCase("files", #""$PHYSGRAD" train --output ''"#, status: 64, .error("--output: the folder name is empty")),
        HostileCase("files", small + " --quiet --output a/b", status: 0, setup: oldTrainFiles,
                    check: "grep -q physgrad-training a/b/training.json && grep -q '<svg' a/b/loss-time.svg && test \"$(cat o/curves.csv)\" = old"),
        HostileCase("files", small + " --format json --output o", status: 0, setup: oldTrainFiles,
                    check: #"grep -q '"final_loss"' stdout && cmp stdout o/training.json && head -1 o/curves.csv | grep -q '^method,epoch,updates,seconds,loss$'"#),
        HostileCase("files", small + " --output o >&-", status: 74, .error("cannot write standard output")),
        HostileCase("files", small + " --output o > /dev/full", status: 74, .error("No space left on device")),
    ]
}

@Suite("Hostile: physgrad train")
struct TrainHostileTests {
    @Test(arguments: Catalog.trainSizes)
    func size(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.trainValues)
    func value(_ c: HostileCase) throws { try c.run() }

    @Test(arguments: Catalog.trainFiles)
    func file(_ c: HostileCase) throws { try c.run() }
}
