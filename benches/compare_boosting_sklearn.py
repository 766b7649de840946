#!/usr/bin/env python3
"""Fit time of scikit-learn's GradientBoostingClassifier and AdaBoostClassifier on the rows
that `cargo bench --bench algos -- boost` (fit_digits_gbdt, fit_digits_adaboost) fits:
the first 75% of datasets/digits.csv (1,347 rows x 64), default parameters, one thread.

    pip install -r tests/reference/requirements-boosting.txt
    python3 benches/compare_boosting_sklearn.py [--repeats 3]

Prints the best and median fit time of each (seconds); compare with divan's figures.
(benches/compare_sklearn.py drives `mlwb run`, which needs the algorithms registered.)
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import AdaBoostClassifier, GradientBoostingClassifier

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    lines = (ROOT / "datasets" / "digits.csv").read_text().splitlines()[1:]
    X = np.array([[float(v) for v in ln.split(",")[:-1]] for ln in lines])
    y = np.array([int(ln.split(",")[-1]) for ln in lines])
    n = len(y) * 3 // 4
    X, y = X[:n], y[:n]
    for name, make in [("gbdt", lambda: GradientBoostingClassifier(random_state=0)),
                       ("adaboost", lambda: AdaBoostClassifier(random_state=0))]:
        times = []
        for _ in range(args.repeats):
            m = make()
            t0 = time.perf_counter()
            m.fit(X, y)
            times.append(time.perf_counter() - t0)
        print(f"{name:9} digits {n} x {X.shape[1]}: best {min(times):.3f}s  median {np.median(times):.3f}s")


if __name__ == "__main__":
    main()
