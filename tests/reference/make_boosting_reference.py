#!/usr/bin/env python3
"""Reference figures from scikit-learn's GradientBoostingClassifier and
AdaBoostClassifier for mlwb's boosting module.

Run from the repository root:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install -r tests/reference/requirements-boosting.txt
    cargo test --test all boosting_parity:: -- --ignored        # (re)writes boosting_split.json
    /tmp/skl/bin/python tests/reference/make_boosting_reference.py

It reads datasets/<name>.csv (features: every column but the last, parsed with float(),
correctly rounded like Rust's parse::<f64>) and tests/reference/boosting_split.json (mlwb's
class index of every row and its stratified 75/25 split,
`data::split::stratified_split(y, n_classes, 0.25, 0)`, so both sides train and test on
exactly the same rows with the same labels) and writes tests/reference/boosting_reference.json,
which tests/all/boosting_parity.rs reads (CI needs no Python).

Estimators (scikit-learn defaults unless stated):
- gbdt: GradientBoostingClassifier(n_estimators=100, learning_rate=0.1, max_depth=3,
  subsample=1.0, criterion="friedman_mse"); deterministic apart from the random feature
  order in which its trees visit features (it decides ties between equally good splits);
- adaboost: AdaBoostClassifier(n_estimators=50, learning_rate=1.0) with its default
  estimator DecisionTreeClassifier(max_depth=1) (SAMME, the only algorithm in 1.7), whose
  ties also depend on random_state.
For both the reference is the mean, min and max test accuracy over random_state 0..9, plus
the per-seed values and the fit time (seconds, one run per seed, one thread).

Deterministic output: sorted keys, floats rounded to 12 significant digits.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import AdaBoostClassifier, GradientBoostingClassifier

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DATASETS = ["iris", "wine", "breast_cancer", "digits", "moons"]
SEEDS = range(10)
PARAMS = {
    "gbdt": {"n_estimators": 100, "learning_rate": 0.1, "max_depth": 3},
    "adaboost": {"n_estimators": 50, "learning_rate": 1.0},
}


def rnd(x):
    return float(f"{float(x):.12g}")


def load_x(name):
    lines = (ROOT / "datasets" / f"{name}.csv").read_text().splitlines()
    assert lines[0].split(",")[-1] == "target", name
    return np.array([[float(v) for v in ln.split(",")[:-1]] for ln in lines[1:] if ln], dtype=np.float64)


def make(algo, seed):
    if algo == "gbdt":
        return GradientBoostingClassifier(random_state=seed, **PARAMS["gbdt"])
    return AdaBoostClassifier(random_state=seed, **PARAMS["adaboost"])


def main():
    split = json.loads((HERE / "boosting_split.json").read_text())
    out = {
        "_header": "Written by tests/reference/make_boosting_reference.py; read by tests/all/boosting_parity.rs.",
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__,
                     "numpy": np.__version__},
        "params": PARAMS,
        "seeds": list(SEEDS),
        "datasets": {},
    }
    for name in DATASETS:
        s = split[name]
        X = load_x(name)
        y = np.array(s["y"])
        assert X.shape == (s["n_rows"], s["n_features"]), (name, X.shape)
        tr, te = np.array(s["train"]), np.array(s["test"])
        entry = {"train": s["train"], "test": s["test"]}
        for algo in PARAMS:
            accs, times = [], []
            for seed in SEEDS:
                m = make(algo, seed)
                t0 = time.perf_counter()
                m.fit(X[tr], y[tr])
                times.append(time.perf_counter() - t0)
                accs.append(np.mean(m.predict(X[te]) == y[te]))
            entry[algo] = {
                "test_accuracy": {"mean": rnd(np.mean(accs)), "min": rnd(np.min(accs)),
                                  "max": rnd(np.max(accs)), "per_seed": [rnd(a) for a in accs]},
                "fit_seconds": {"min": rnd(min(times)), "median": rnd(np.median(times))},
            }
            print(f"{algo:9} {name:14} acc mean {np.mean(accs):.4f} [{np.min(accs):.4f}, {np.max(accs):.4f}]"
                  f"  fit {min(times):.3f}s", file=sys.stderr)
        out["datasets"][name] = entry
    (HERE / "boosting_reference.json").write_text(json.dumps(out, sort_keys=True, indent=1) + "\n")


if __name__ == "__main__":
    main()
