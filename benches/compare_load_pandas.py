#!/usr/bin/env python3
"""Loading a big numeric CSV: `mlwb inspect FILE --shape` against pandas `read_csv`.

    python3 -m venv /tmp/venv-perf && /tmp/venv-perf/bin/pip install -r tests/reference/requirements.txt
    cargo build --release
    /tmp/venv-perf/bin/python benches/compare_load_pandas.py [--rows 500000] [--repeats 3]

The file: ROWS x 20 standard-normal features (numpy default_rng(0)) written in
shortest round-trip form ("%.17g": 500,000 rows is ~196 MB) and a class column
c0/c1/c2; written once to a temporary directory (or --csv PATH, reused if it exists).

Both sides run as child processes, one at a time, each --repeats times; the median
is reported. Per run: the wall time of the whole process, the load time measured
inside it (mlwb: `load_seconds` of `inspect --shape --json`, the same loader `mlwb
run` uses; pandas: around `read_csv` alone, after `import pandas`), and the peak
resident set size of the child alone (os.wait4). The targets (issue 19): mlwb's load
time <= 2x pandas', and its peak RSS <= 2x the numeric matrix (ROWS * 20 * 8 bytes).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BIN = ROOT / "target" / "release" / "mlwb"
FEATURES = 20


def write_csv(path, rows):
    import numpy as np

    rng = np.random.default_rng(0)
    chunk = 50_000
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(",".join(f"f{j}" for j in range(FEATURES)) + ",target\n")
        for start in range(0, rows, chunk):
            m = min(chunk, rows - start)
            x = rng.standard_normal((m, FEATURES))
            y = rng.integers(0, 3, size=m)
            lines = [",".join(f"{v:.17g}" for v in r) + f",c{c}" for r, c in zip(x.tolist(), y)]
            f.write("\n".join(lines) + "\n")


def child(path):
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t1 = time.perf_counter()
    print(json.dumps({"rows": len(df), "cols": df.shape[1], "load_seconds": t1 - t0}))


def measure4(cmd):
    """Wall seconds, peak RSS (MB) of this child alone, exit code, stdout, stderr."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    import threading

    chunks = {"out": b"", "err": b""}

    def drain(name, stream):
        chunks[name] = stream.read()

    ts = [threading.Thread(target=drain, args=("out", p.stdout)),
          threading.Thread(target=drain, args=("err", p.stderr))]
    for t in ts:
        t.start()
    _, status, ru = os.wait4(p.pid, 0)
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    return wall, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), \
        chunks["out"].decode(), chunks["err"].decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(DEFAULT_BIN))
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--csv", help="CSV path to (re)use")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    path = Path(args.csv) if args.csv else Path(tempfile.gettempdir()) / f"mlwb-load-{args.rows}.csv"
    if not path.exists():
        print(f"writing {path} ...", flush=True)
        write_csv(path, args.rows)
    size_mb = path.stat().st_size / 1e6
    matrix_mb = args.rows * FEATURES * 8 / 2**20
    print(f"{path}: {args.rows} rows x {FEATURES} features, {size_mb:.0f} MB; "
          f"numeric matrix {matrix_mb:.0f} MiB; load {os.getloadavg()[0]:.2f}")
    sides = {
        "mlwb": [args.bin, "inspect", str(path), "--shape", "--json", "--max-bytes", "2G"],
        "pandas": [sys.executable, __file__, "--child", str(path)],
    }
    res = {}
    for name, cmd in sides.items():
        runs = []
        for _ in range(args.repeats):
            wall, mb, code, out, err = measure4(cmd)
            if code != 0:
                sys.exit(f"{name} failed: {err.strip()}")
            j = json.loads(out)
            runs.append((wall, j["load_seconds"], mb))
        res[name] = tuple(statistics.median(r[i] for r in runs) for i in range(3))
    print(f"{'side':<8} {'wall s':>8} {'load s':>8} {'peak MB':>8}")
    for name, (wall, load, mb) in res.items():
        print(f"{name:<8} {wall:8.3f} {load:8.3f} {mb:8.0f}")
    (mw, ml, mm), (pw, pl, pm) = res["mlwb"], res["pandas"]
    print(f"ratio mlwb/pandas: load {ml / pl:.2f}x (target <= 2), wall {mw / pw:.2f}x; "
          f"mlwb peak RSS / matrix {mm / matrix_mb:.2f}x (target <= 2)")
    print(f"medians of {args.repeats} runs; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
