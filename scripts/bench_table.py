"""Prints the benchmark table from JSON-line files (see Sources/Benchmarks/Support/BenchSupport.swift).

For each (suite, case, n): PhysGrad's rows with their median time, extra figures, the ratio to
every peer row of the same group (ratio < 1: PhysGrad is faster), and, when a row names another
case with "vs", the ratio to that case's row of the same impl and n. A ratio between runs of which
one did not succeed (extra "success" 0: not converged, failed, or a loss that rose) is marked as such:
it compares times, not equal results. A row measured in several
rounds (scripts/bench --baseline) is the median of its rounds' medians; its runs are summed."""
import json
import sys
from collections import OrderedDict


def human(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            return f"{seconds / scale:8.3f} {unit}"


def succeeded(row):
    """False when the row's extras say the run did not succeed."""
    return row.get("extra", {}).get("success", 1) != 0


def failures(row, peer):
    """What a ratio between `row` and `peer` must say about runs that did not succeed."""
    failed = [r["impl"] for r in (row, peer) if not succeeded(r)]
    return f" ({' and '.join(failed)} failed)" if failed else ""


def merge_rounds(rows):
    """One row per (suite, case, n, impl): the round with the median median_s (the lower middle one
    for an even count), with the runs of all rounds."""
    merged = OrderedDict()
    for r in rows:
        merged.setdefault((r["suite"], r["case"], r["n"], r["impl"]), []).append(r)
    out = []
    for same in merged.values():
        ordered = sorted(same, key=lambda r: r["median_s"])
        row = dict(ordered[(len(ordered) - 1) // 2])
        row["runs"] = sum(r["runs"] for r in same)
        if len(same) > 1:
            row["rounds"] = len(same)
        out.append(row)
    return out


def main(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    rows.append(json.loads(line))
    rows = merge_rounds(rows)
    groups = OrderedDict()
    for r in rows:
        groups.setdefault((r["suite"], r["case"], r["n"]), []).append(r)
    index = {(r["suite"], r["case"], r["n"], r["impl"]): r for r in rows}
    header = f"{'suite':16} {'case':22} {'n':>9}  {'impl':16} {'median':>11}  {'ratio':28} extra"
    print(header)
    print("-" * len(header))
    for (suite, case, n), group in groups.items():
        peers = [r for r in group if r.get("peer")]
        for r in group:
            ratios = []
            if not r.get("peer"):
                for p in peers:
                    ratios.append(f"{r['median_s'] / p['median_s']:.3f}x {p['impl']}{failures(r, p)}")
                if r.get("vs"):
                    other = index.get((suite, r["vs"], n, r["impl"]))
                    if other:
                        ratios.append(f"{r['median_s'] / other['median_s']:.2f}x {r['vs']}")
            extra = " ".join(f"{k}={v:.4g}" for k, v in sorted(r.get("extra", {}).items()))
            runs = f"({r['runs']} runs" + (f", {r['rounds']} rounds)" if r.get("rounds") else ")")
            print(f"{suite:16} {case:22} {n:>9}  {r['impl']:16} {human(r['median_s'])}  {', '.join(ratios):28} {extra} {runs}")


if __name__ == "__main__":
    main(sys.argv[1:])
