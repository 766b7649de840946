#!/usr/bin/env python3
"""Regression speed: `mlwb run` against scikit-learn's regressors, one run, same data.

    pip install -r tests/reference/requirements-regression.txt
    cargo build --release
    python3 benches/compare_regression_sklearn.py [--rows 5000] [--repeats 3] [--algos svm]
                                                  [--mlwb path/to/another/mlwb]

Data: make_regression(--rows, 20 features, 10 informative, noise=10, random_state=0),
written to a temporary CSV. Both sides hold out 20% of the rows (mlwb: its seeded
shuffle with --seed 0; scikit-learn: train_test_split(random_state=0); same sizes,
different rows) and standardise the features on the training rows (mlwb --scale
standard; StandardScaler). Times are the best of --repeats: mlwb's `fit_seconds`
and `predict_seconds` from its JSON report (its learning curve and lasso path are
extra work outside them), scikit-learn's fit and predict timed around the calls,
one BLAS/OpenMP thread, n_jobs=1 (the forest: mlwb's `threads=1` too). The R²
columns are a sanity check. Ratio = mlwb / scikit-learn (below 1: mlwb faster).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "mlwb"


def cases():
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.svm import SVR
    from sklearn.tree import DecisionTreeRegressor

    return [
        ("linear-regression", [], LinearRegression),
        ("ridge", ["alpha=1"], lambda: Ridge(alpha=1.0)),
        ("lasso", ["alpha=1"], lambda: Lasso(alpha=1.0)),
        ("elastic-net", ["alpha=1", "l1_ratio=0.5"], lambda: ElasticNet(alpha=1.0, l1_ratio=0.5)),
        ("decision-tree", [], lambda: DecisionTreeRegressor(random_state=0)),
        ("random-forest", ["n_trees=100", "max_features=all", "threads=1"],
         lambda: RandomForestRegressor(n_estimators=100, max_features=1.0, random_state=0, n_jobs=1)),
        ("knn", ["n_neighbors=5"], lambda: KNeighborsRegressor(n_neighbors=5)),
        ("svm", ["c=100", "epsilon=1"], lambda: SVR(C=100.0, epsilon=1.0)),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--algos", default="", help="comma-separated subset")
    ap.add_argument("--mlwb", default=str(BIN), help=f"the mlwb binary (default {BIN})")
    a = ap.parse_args()
    bin_path = Path(a.mlwb)
    import numpy as np
    from sklearn.datasets import make_regression
    from sklearn.metrics import r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if not bin_path.is_file():
        sys.exit(f"{bin_path} missing: run `cargo build --release` first")
    X, y = make_regression(a.rows, 20, n_informative=10, noise=10.0, random_state=0)
    tmp = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    tmp.write(",".join([f"f{j}" for j in range(20)] + ["target"]) + "\n")
    for row, t in zip(X.tolist(), y.tolist()):
        tmp.write(",".join(repr(v) for v in row) + "," + repr(t) + "\n")
    tmp.close()
    xtr, xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
    s = StandardScaler().fit(xtr)
    xtr, xte = s.transform(xtr), s.transform(xte)
    want = set(filter(None, a.algos.split(",")))
    print(f"{a.rows} rows x 20 features, 20% test, best of {a.repeats}")
    print(f"{'algorithm':<18} {'mlwb fit':>9} {'sk fit':>9} {'ratio':>6}  "
          f"{'mlwb pred':>9} {'sk pred':>9} {'ratio':>6}  {'R² mlwb':>8} {'R² sk':>7}")
    for algo, params, make in cases():
        if want and algo not in want:
            continue
        cmd = [str(bin_path), "run", "--algo", algo, "--dataset", tmp.name, "--scale", "standard",
               "--test-size", "0.2", "--seed", "0", "--json"]
        for p in params:
            cmd += ["--param", p]
        best_fit = best_pred = float("inf")
        r2 = None
        for _ in range(a.repeats):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{' '.join(cmd)}: {r.stderr}")
            j = json.loads(r.stdout)
            best_fit = min(best_fit, j["fit_seconds"])
            best_pred = min(best_pred, j["predict_seconds"])
            r2 = j["metrics"]["r2"]
        sk_fit = sk_pred = float("inf")
        with threadpool_limits(1):
            for _ in range(a.repeats):
                m = make()
                t0 = time.perf_counter()
                m.fit(xtr, ytr)
                t1 = time.perf_counter()
                p = m.predict(xte)
                t2 = time.perf_counter()
                sk_fit, sk_pred = min(sk_fit, t1 - t0), min(sk_pred, t2 - t1)
        sk_r2 = r2_score(yte, p)
        print(f"{algo:<18} {best_fit:>9.4f} {sk_fit:>9.4f} {best_fit / sk_fit:>6.2f}  "
              f"{best_pred:>9.4f} {sk_pred:>9.4f} {best_pred / sk_pred:>6.2f}  {r2:>8.4f} {sk_r2:>7.4f}")
    os.unlink(tmp.name)


if __name__ == "__main__":
    main()
