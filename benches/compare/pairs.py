#!/usr/bin/env python3
"""Alternating runs of two claimgraph binaries on compare.py's op scripts.

    python3 benches/compare/pairs.py BASE NEW --runs 7 --ops expand_2hop_x100 --scales 100000,1000000

Each run is `claimgraph run --data graph.kg --timing OP.cgq`, with compare.py's script for
the op; its time is the statements' footers summed, as compare.py takes it. Base and new
alternate, so a busy spell of a shared machine falls on both; the ratio is taken per pair
and its median printed. The data are compare.py's (run it once at a scale first).
"""

import argparse
import statistics
import subprocess

from compare import HERE, claimgraph_script, statement_times


def op_ms(binary, data, script):
    cmd = [binary, "run", "--data", str(data / "graph.kg"), "--timing", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return sum(seconds for _, seconds in statement_times(out)) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--ops", default="lookup_1hop_x100,expand_2hop_x100,shortest_path_x100")
    ap.add_argument("--scales", default="100000,1000000")
    args = ap.parse_args()
    for n in args.scales.split(","):
        data = HERE / "data" / n
        for op in args.ops.split(","):
            script = claimgraph_script(op, data, int(n))
            base, new, ratios = [], [], []
            for _ in range(args.runs):
                a, b = op_ms(args.base, data, script), op_ms(args.new, data, script)
                base.append(a)
                new.append(b)
                ratios.append(b / a)
            print(f"{op} at {n}: base {statistics.median(base):.2f} ms, new {statistics.median(new):.2f} ms, "
                  f"new/base {statistics.median(ratios):.2f} (median of {args.runs} pairs)", flush=True)


if __name__ == "__main__":
    main()
