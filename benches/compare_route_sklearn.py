#!/usr/bin/env python3
"""The Kaggle route at scale: `mlwb run` against pandas + scikit-learn on a mixed-type CSV.

    python3 -m venv /tmp/venv-route && /tmp/venv-route/bin/pip install -r benches/requirements-route.txt
    cargo build --release
    /tmp/venv-route/bin/python benches/compare_route_sklearn.py [--rows 1000000] [--repeats 1]
    /tmp/venv-route/bin/python benches/compare_route_sklearn.py --write big.csv   # the file only

The file (seeded, written to a temporary directory): ROWS rows of 12 columns —
numbers (`age` int with 5% gaps, `income_k` with 3% gaps, `balance`, `tenure`,
`score`), categories (`region` 8 levels, `plan` 4 levels with 2% gaps, `device` 3,
`channel` 6, `city` 200 levels), a yes/no column `has_card`, and a 0/1 target
`churn` drawn from a logistic model of them (so there is signal to find). About 72
bytes a row: 1M rows are about 70 MB.

Both sides do the whole route in one child process each, timed by wall clock around
it; peak resident set size comes from os.wait4 (the child alone):
- mlwb: `mlwb run --algo logistic-regression --dataset big.csv --missing auto --json`
  (read and type the columns, 75/25 stratified split, imputation + one-hot fitted on
  the training rows, L-BFGS, predict the test rows, the report).
- scikit-learn: `pandas.read_csv`, `train_test_split(stratify, test_size=0.25,
  random_state=0)`, ColumnTransformer(numbers: SimpleImputer(median); yes/no: 0/1;
  categories: SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown='ignore')),
  LogisticRegression(C=1, max_iter=1000, tol=1e-6 — mlwb's tolerance), predict.
  Its "in-process" column leaves out starting Python and importing the libraries.
Prints each side's seconds, the ratio mlwb / scikit-learn, peak RSS and test accuracy
(different splits of the same rows, so they agree to sampling noise). One BLAS thread.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BIN = ROOT / "target" / "release" / "mlwb"

NUMERIC = ["age", "income_k", "balance", "tenure", "score"]
CATEGORICAL = ["region", "plan", "device", "channel", "city"]
BOOLEAN = ["has_card"]
TARGET = "churn"


def write_mixed(path, rows, seed=0, chunk=200_000):
    """A seeded mixed-type CSV of `rows` rows (see the module doc)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    levels = {
        "region": [f"r{i}" for i in range(8)],
        "plan": ["basic", "plus", "pro", "family"],
        "device": ["ios", "android", "web"],
        "channel": ["store", "online", "phone", "partner", "ads", "referral"],
        "city": [f"city{i:03d}" for i in range(200)],
    }
    # Each level's effect on the log-odds, fixed by the seed.
    effect = {c: rng.normal(0, 0.6, len(v)) for c, v in levels.items()}
    header = ["age", "region", "income_k", "plan", "balance", "device", "tenure",
              "channel", "score", "city", "has_card", TARGET]
    with open(path, "w", newline="\n") as f:
        f.write(",".join(header) + "\n")
        done = 0
        while done < rows:
            n = min(chunk, rows - done)
            age = rng.integers(18, 80, n)
            income = np.round(rng.lognormal(3.8, 0.5, n), 1)
            balance = np.round(rng.normal(1.5, 1.0, n), 3)
            tenure = rng.integers(0, 41, n)
            score = np.round(rng.random(n), 4)
            cat = {c: rng.integers(0, len(v), n) for c, v in levels.items()}
            card = rng.random(n) < 0.4
            z = (-0.02 * (age - 45) - 0.01 * (income - 50) + 0.4 * balance - 0.05 * tenure
                 + 1.5 * (score - 0.5) - 0.5 * card - 0.3)
            for c in levels:
                z = z + effect[c][cat[c]]
            y = rng.random(n) < 1.0 / (1.0 + np.exp(-z))
            gap_age = rng.random(n) < 0.05
            gap_income = rng.random(n) < 0.03
            gap_plan = rng.random(n) < 0.02
            out = []
            for i in range(n):
                out.append(",".join((
                    "" if gap_age[i] else str(age[i]),
                    levels["region"][cat["region"][i]],
                    "" if gap_income[i] else str(income[i]),
                    "" if gap_plan[i] else levels["plan"][cat["plan"][i]],
                    str(balance[i]),
                    levels["device"][cat["device"][i]],
                    str(tenure[i]),
                    levels["channel"][cat["channel"][i]],
                    str(score[i]),
                    levels["city"][cat["city"][i]],
                    "yes" if card[i] else "no",
                    "1" if y[i] else "0",
                )))
            f.write("\n".join(out) + "\n")
            done += n


def child(path):
    """The scikit-learn route in this process; prints a JSON line."""
    t_start = time.perf_counter()
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t_read = time.perf_counter()
    y = df.pop(TARGET).to_numpy()
    df["has_card"] = (df["has_card"] == "yes").astype(float)
    tr, te = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=0)
    pre = ColumnTransformer([
        ("num", SimpleImputer(strategy="median"), NUMERIC),
        ("bool", "passthrough", BOOLEAN),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), CATEGORICAL),
    ])
    model = make_pipeline(pre, LogisticRegression(C=1.0, max_iter=1000, tol=1e-6))
    model.fit(df.iloc[tr], y[tr])
    acc = float(np.mean(model.predict(df.iloc[te]) == y[te]))
    t1 = time.perf_counter()
    print(json.dumps({"accuracy": acc, "work_s": t1 - t0, "read_s": t_read - t0,
                      "import_s": t0 - t_start, "n_iter": int(model[-1].n_iter_[0]),
                      "features": int(model[0].transform(df.iloc[:1]).shape[1])}))


def measure(cmd):
    """Wall seconds, peak RSS (MB) of this child alone, exit code, stdout, stderr."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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
    code = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss / 1024.0, code, chunks["out"].decode(), chunks["err"].decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(DEFAULT_BIN))
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--write", help="only write the CSV to this path")
    ap.add_argument("--keep", help="write the CSV here (reused if it exists) instead of a temp dir")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    if args.write:
        write_mixed(args.write, args.rows)
        print(f"wrote {args.write}: {args.rows} rows, {os.path.getsize(args.write) / 1e6:.1f} MB")
        return
    path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mlwb-route-")) / "big.csv"
    if not path.exists():
        t0 = time.perf_counter()
        write_mixed(path, args.rows)
        print(f"# wrote {path}: {args.rows} rows, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - t0:.1f} s")
    print(f"{'side':<13} {'wall s':>8} {'in-proc s':>9} {'peak MB':>8} {'accuracy':>9}  notes")
    best = {}
    for rep in range(args.repeats):
        cmd = [args.bin, "run", "--algo", "logistic-regression", "--dataset", str(path),
               "--missing", "auto", "--seed", "0", "--json"]
        m_wall, m_mb, m_code, m_out, m_err = measure(cmd)
        if m_code != 0:
            print(f"mlwb failed: {m_err.strip()}")
            return
        m = json.loads(m_out)
        hist = m.get("history") or []
        notes = f"fit {m['fit_seconds']:.2f} s, {len(hist)} iterations, {m['n_features']} features"
        print(f"{'mlwb':<13} {m_wall:>8.2f} {'-':>9} {m_mb:>8.0f} "
              f"{m['metrics']['accuracy']:>9.4f}  {notes}")
        s_wall, s_mb, s_code, s_out, s_err = measure([sys.executable, __file__, "--child", str(path)])
        if s_code != 0:
            print(f"scikit-learn failed: {s_err.strip()}")
            return
        s = json.loads(s_out)
        print(f"{'scikit-learn':<13} {s_wall:>8.2f} {s['work_s']:>9.2f} {s_mb:>8.0f} "
              f"{s['accuracy']:>9.4f}  read_csv {s['read_s']:.2f} s, {s['n_iter']} iterations, "
              f"{s['features']} features")
        best["m"] = min(best.get("m", m_wall), m_wall)
        best["s"] = min(best.get("s", s_wall), s_wall)
        best["m_mb"], best["s_mb"] = m_mb, s_mb
    print(f"ratio mlwb / scikit-learn (wall, best of {args.repeats}): {best['m'] / best['s']:.2f}"
          f"   peak RSS ratio: {best['m_mb'] / best['s_mb']:.2f}")


if __name__ == "__main__":
    main()
