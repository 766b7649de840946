#!/usr/bin/env python3
"""Reference predictions from scikit-learn's KNeighborsClassifier for mlwb's `knn`.

Run from the repository root:

    pip install -r tests/reference/requirements.txt     # the same pinned versions
    python3 tests/reference/make_knn_reference.py

It reads datasets/{iris,wine,breast_cancer,digits}.csv and the train/test split of
each stored in tests/reference/sklearn_reference.json (under `datasets.<name>`), and
writes tests/reference/knn_reference.json, which tests/all/knn_parity.rs reads (the test
needs no Python).

For every dataset, scaling (raw features, or StandardScaler fitted on the train rows
as `mlwb run --scale standard`) and setting (n_neighbors, weights, metric, p), it
stores the predicted class of every test row, as one string of class indices
(classes = the distinct target strings, sorted), for two scikit-learn searches:
`auto` (its default: a KD-tree up to 15 features, brute force above) and `brute`.
The two can differ where several training rows lie at exactly the k-th distance:
scikit-learn does not specify which of them it keeps.

Deterministic: one BLAS/OpenMP thread, no randomness.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import json
import re
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from scipy.spatial.distance import cdist
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUT = HERE / "knn_reference.json"
DATASETS = ["iris", "wine", "breast_cancer", "digits"]
SCALES = [None, "standard"]
# (n_neighbors, weights, metric, p): our parameter names and values; scikit-learn's
# are the same except that its metric is `minkowski` with p for all four.
SETTINGS = [
    (5, "uniform", "euclidean", 2),
    (1, "uniform", "euclidean", 2),
    (4, "uniform", "euclidean", 2),
    (15, "distance", "euclidean", 2),
    (5, "uniform", "manhattan", 1),
    (10, "distance", "manhattan", 1),
    (7, "distance", "chebyshev", None),
    (5, "uniform", "minkowski", 3),
]


def load(name):
    """datasets/<name>.csv: features parsed with Python's float() (as Rust parses), target strings."""
    df = pd.read_csv(ROOT / "datasets" / f"{name}.csv", dtype=str, keep_default_na=False)
    assert df.columns[-1] == "target"
    X = np.array([[float(v) for v in row] for row in df.iloc[:, :-1].to_numpy()], dtype=np.float64)
    return X, df["target"].to_numpy(dtype=object)


def model(k, weights, metric, p, algorithm, scale):
    kw = {"n_neighbors": k, "weights": weights, "algorithm": algorithm}
    if metric == "chebyshev":
        kw["metric"] = "chebyshev"
    else:
        kw["metric"], kw["p"] = "minkowski", p
    clf = KNeighborsClassifier(**kw)
    return Pipeline([("scale", StandardScaler()), ("clf", clf)]) if scale else clf


def tied_rows(fitted, X_train, X_test, k, metric, p):
    """Test rows (positions in the test list) where the k-th and (k+1)-th nearest
    training rows are equally far (to 1e-9 relative, as scaled features round
    differently on each side): which tied training row is kept is unspecified."""
    if isinstance(fitted, Pipeline):
        sc = fitted.named_steps["scale"]
        X_train, X_test = sc.transform(X_train), sc.transform(X_test)
    if metric == "chebyshev":
        D = cdist(X_test, X_train, "chebyshev")
    else:
        D = cdist(X_test, X_train, "minkowski", p=p)
    D.sort(axis=1)
    if k >= D.shape[1]:
        return []
    kth, nxt = D[:, k - 1], D[:, k]
    return [int(i) for i in np.flatnonzero(np.abs(nxt - kth) <= 1e-9 * np.maximum(kth, 1e-300))]


def build():
    splits = json.loads((HERE / "sklearn_reference.json").read_text())["datasets"]
    cases = []
    for ds in DATASETS:
        X, y = load(ds)
        classes = sorted(set(y))
        assert classes == splits[ds]["classes"], ds
        yi = np.array([classes.index(v) for v in y])
        train, test = splits[ds]["train"], splits[ds]["test"]
        for scale in SCALES:
            for k, weights, metric, p in SETTINGS:
                case = {
                    "dataset": ds,
                    "scale": scale,
                    "params": {"n_neighbors": k, "weights": weights, "metric": metric},
                }
                if metric == "minkowski":
                    case["params"]["p"] = p
                for algorithm in ["auto", "brute"]:
                    m = model(k, weights, metric, p, algorithm, scale).fit(X[train], yi[train])
                    pred = m.predict(X[test])
                    case[algorithm] = "".join(str(int(c)) for c in pred)
                    if algorithm == "auto":
                        case["accuracy"] = float(np.mean(pred == yi[test]))
                case["tied"] = tied_rows(m, X[train], X[test], k, metric, p)
                cases.append(case)
    return {
        "_header": "generated by tests/reference/make_knn_reference.py; do not edit",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "conventions": {
            "split": "train/test of sklearn_reference.json datasets.<name>",
            "predictions": "test rows in index order; one character per row = class index (sorted class names)",
            "auto/brute": "KNeighborsClassifier(algorithm=...) predictions",
            "scale": "null = raw; standard = StandardScaler fitted on the train rows (Pipeline)",
            "tied": "test positions whose k-th and (k+1)-th neighbour distances are equal (1e-9 relative)",
        },
        "cases": cases,
    }


def main():
    with threadpool_limits(limits=1):
        ref = build()
    text = json.dumps(ref, indent=1, ensure_ascii=False) + "\n"
    text = re.sub(r"\[\s+([0-9,\s]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    OUT.write_text(text, encoding="utf-8")
    n_diff = sum(c["auto"] != c["brute"] for c in ref["cases"])
    print(f"wrote {OUT.relative_to(ROOT)} ({len(ref['cases'])} cases; "
          f"{n_diff} where auto and brute differ)", file=sys.stderr)


if __name__ == "__main__":
    main()
