"""Load and validate a large generated network: wall time and peak memory.

    python bench/load_large.py [--sites 10000 --depots 200 --technicians 1000 --runs 5]

Generates the network once (seeded), writes it as YAML and as JSON, then loads each file
``--runs`` times, each in a fresh process (so peak memory is that of one load). Reports the median
time, the peak RSS, and the ratio of the load time to a reference measured in the same process:
parsing the same file with the standard library's ``json`` module (machine-speed independent).
Writes bench/out/load_large.csv.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import OUT, write_csv

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
path = Path(sys.argv[1])
t0 = time.perf_counter()
json.loads(Path(sys.argv[2]).read_text())
ref = time.perf_counter() - t0
from servopt.models import load_network
t0 = time.perf_counter()
net = load_network(path)
elapsed = time.perf_counter() - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "reference_s": ref, "peak_rss_mb": rss_mb,
                  "sites": len(net.sites)}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--depots", type=int, default=200)
    ap.add_argument("--technicians", type=int, default=1_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT / "load_large.csv")
    args = ap.parse_args()

    from servopt.models.generate import generate_network
    from servopt.models.io import save

    net = generate_network(args.sites, args.depots, args.technicians, args.seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = {fmt: Path(tmp) / f"net.{fmt}" for fmt in ("yaml", "json")}
        for p in paths.values():
            save(net, p)
        for fmt, p in paths.items():
            runs = []
            for _ in range(args.runs):
                res = subprocess.run(
                    [sys.executable, "-c", CHILD, str(p), str(paths["json"])],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(res.stdout))
            med = statistics.median(r["seconds"] for r in runs)
            ref = statistics.median(r["reference_s"] for r in runs)
            row = {
                "format": fmt,
                "sites": args.sites,
                "depots": args.depots,
                "technicians": args.technicians,
                "file_mb": round(p.stat().st_size / 1e6, 2),
                "runs": args.runs,
                "median_s": round(med, 3),
                "min_s": round(min(r["seconds"] for r in runs), 3),
                "max_s": round(max(r["seconds"] for r in runs), 3),
                "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
                "ratio_to_json_parse": round(med / ref, 1),
            }
            rows.append(row)
            print(
                f"{fmt:<5} {row['file_mb']:>6} MB  median {row['median_s']:.2f} s "
                f"(min {row['min_s']:.2f}, max {row['max_s']:.2f}, {args.runs} runs)  "
                f"peak RSS {row['peak_rss_mb']:.0f} MB  "
                f"= {row['ratio_to_json_parse']}x a plain json.loads of the same network"
            )
    write_csv(args.out, rows)
    worst = max(r["median_s"] for r in rows)
    mem = max(r["peak_rss_mb"] for r in rows)
    print(
        f"summary: load+validate {args.sites} sites / {args.depots} depots / "
        f"{args.technicians} technicians: worst median {worst:.2f} s (target < 5 s), "
        f"peak {mem:.0f} MB (target < 1024 MB); wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
