#!/usr/bin/env python3
"""Alternating runs of two claimgraph binaries on compare.py's op scripts.

    python3 benches/compare/pairs.py BASE NEW --runs 7 --ops expand_2hop_x100 --scales 100000,1000000

Each run is `claimgraph run --data graph.kg --timing OP.cgq`; its time is the statements'
footers summed, as compare.py takes it. Base and new alternate, so a busy spell of a shared
machine falls on both; the ratio is taken per pair and its median printed. The data and op
scripts are compare.py's (run it once at a scale first).
"""

import argparse
import re
import statistics
import subprocess
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
FOOTER = re.compile(r"^(\d+) rows?\b.*, ([0-9.]+) ms$")  # compare.py's


def op_ms(binary, scale, op):
    script = DATA / "ops" / scale / f"{op}.cgq"
    cmd = [binary, "run", "--data", str(DATA / scale / "graph.kg"), "--timing", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return sum(float(m.group(2)) for line in out.splitlines() if (m := FOOTER.match(line.strip())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--ops", default="lookup_1hop_x100,expand_2hop_x100,shortest_path_x100")
    ap.add_argument("--scales", default="100000,1000000")
    args = ap.parse_args()
    for scale in args.scales.split(","):
        for op in args.ops.split(","):
            base, new, ratios = [], [], []
            for _ in range(args.runs):
                a, b = op_ms(args.base, scale, op), op_ms(args.new, scale, op)
                base.append(a)
                new.append(b)
                ratios.append(b / a)
            print(f"{op} at {scale}: base {statistics.median(base):.2f} ms, new {statistics.median(new):.2f} ms, "
                  f"new/base {statistics.median(ratios):.2f} (median of {args.runs} pairs)", flush=True)


if __name__ == "__main__":
    main()
