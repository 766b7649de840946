#!/usr/bin/env python3
"""Reference figures for `mlwb compare` (tests/all/compare.rs).

Run from the repository root (pinned versions in requirements-compare.txt):

    cargo build
    python3 tests/reference/make_compare_reference.py target/debug/mlwb

1. Student-t tail probabilities from scipy.stats.t on a grid of (t, df):
   two-sided p = 2 * t.sf(|t|, df) and the CDF, for our incomplete-beta code.
2. Whole small comparisons replayed in scikit-learn on mlwb's own folds: the
   script runs `mlwb compare --json`, takes the test rows of each fold from
   its `fold_test_rows`, fits the scikit-learn model on the other rows and
   stores each fold's accuracy and macro-F1 (classes) or R² and RMSE
   (regression). Then the corrected resampled t-test (Nadeau & Bengio 2003,
   as in Weka's Experimenter: t = mean(d) / sqrt((1/n + n_test/n_train) var(d)),
   var with ddof=1, df = n - 1) of each model against the best one, computed
   here from scikit-learn's scores with numpy and scipy.stats.t.

Writes tests/reference/compare_reference.json. Deterministic: one thread, no
randomness in the models used (Gaussian NB, k-NN, OLS, ridge).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import csv
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, r2_score, root_mean_squared_error
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    {
        "dataset": "iris",
        "task": "classification",
        "args": ["--algos", "gaussian-nb,knn", "--cv", "5", "--repeats", "2", "--seed", "0"],
        "models": {
            "gaussian-nb": ("GaussianNB()", lambda: GaussianNB()),
            "knn": ("KNeighborsClassifier(n_neighbors=5)", lambda: KNeighborsClassifier(n_neighbors=5)),
        },
    },
    {
        "dataset": "wine",
        "task": "classification",
        "args": ["--algos", "gaussian-nb,knn", "--cv", "4", "--repeats", "3", "--seed", "7"],
        "models": {
            "gaussian-nb": ("GaussianNB()", lambda: GaussianNB()),
            "knn": ("KNeighborsClassifier(n_neighbors=5)", lambda: KNeighborsClassifier(n_neighbors=5)),
        },
    },
    {
        "dataset": "diabetes",
        "task": "regression",
        "args": ["--algos", "linear-regression,ridge", "--param", "ridge.alpha=10",
                 "--cv", "5", "--repeats", "2", "--seed", "0"],
        "models": {
            "linear-regression": ("LinearRegression()", lambda: LinearRegression()),
            "ridge": ("Ridge(alpha=10.0)", lambda: Ridge(alpha=10.0)),
        },
    },
]


def load(name):
    with open(ROOT / "datasets" / f"{name}.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    x = np.array([[float(v) for v in r[:-1]] for r in body])
    y = [r[-1] for r in body]
    return header, x, y


def corrected_t(a, b, ratio):
    d = np.asarray(a) - np.asarray(b)
    n = len(d)
    mean = d.mean()
    var = d.var(ddof=1)
    t = mean / np.sqrt((1.0 / n + ratio) * var)
    p = 2.0 * stats.t.sf(abs(t), n - 1)
    return {"mean_diff": float(mean), "t": float(t), "df": n - 1, "p": float(p)}


def replay(case, mlwb):
    out = subprocess.run(
        [mlwb, "compare", "--dataset", case["dataset"], "--json", *case["args"]],
        check=True, capture_output=True, text=True,
    ).stdout
    ours = json.loads(out)
    _, x, y_text = load(case["dataset"])
    n = len(x)
    if case["task"] == "classification":
        # Class names sorted (as mlwb numbers them; accuracy and macro-F1
        # do not depend on the numbering anyway).
        order = sorted(set(y_text))
        y = np.array([order.index(v) for v in y_text])
        labels = list(range(len(order)))
    else:
        y = np.array([float(v) for v in y_text])
    folds = ours["fold_test_rows"]
    rows = {}
    for name, (call, make) in case["models"].items():
        m0, m1 = [], []
        for test in folds:
            mask = np.zeros(n, dtype=bool)
            mask[test] = True
            model = make().fit(x[~mask], y[~mask])
            pred = model.predict(x[mask])
            if case["task"] == "classification":
                m0.append(float(accuracy_score(y[mask], pred)))
                m1.append(float(f1_score(y[mask], pred, labels=labels, average="macro",
                                         zero_division=0)))
            else:
                m0.append(float(r2_score(y[mask], pred)))
                m1.append(float(root_mean_squared_error(y[mask], pred)))
        rows[name] = {"sklearn": call, "scores": [m0, m1]}
    n_test = sum(len(t) for t in folds)
    n_train = len(folds) * n - n_test
    ratio = n_test / n_train
    best = max(rows, key=lambda k: np.mean(rows[k]["scores"][0]))
    for name, r in rows.items():
        if name != best:
            r["vs_best"] = corrected_t(rows[best]["scores"][0], r["scores"][0], ratio)
    return {
        "dataset": case["dataset"],
        "args": case["args"],
        "fold_test_rows": folds,
        "test_train_ratio": ratio,
        "best": best,
        "rows": rows,
    }


def main():
    mlwb = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "debug" / "mlwb")
    grid = []
    for df in [1, 2, 3, 4, 9, 19, 29, 99]:
        for t in [0.0, 0.1, 0.5, 1.0, 1.5, 2.0, 2.262, 3.0, 5.0, 10.0, -2.5]:
            grid.append({
                "t": t, "df": df,
                "p_two_sided": float(2.0 * stats.t.sf(abs(t), df)),
                "cdf": float(stats.t.cdf(t, df)),
            })
    ref = {
        "generated_by": "tests/reference/make_compare_reference.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "student_t": grid,
        "comparisons": [replay(c, mlwb) for c in CASES],
    }
    path = ROOT / "tests" / "reference" / "compare_reference.json"
    path.write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
