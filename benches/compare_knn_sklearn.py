#!/usr/bin/env python3
"""k-NN speed: `mlwb run --algo knn` against scikit-learn's KNeighborsClassifier.

    pip install -r tests/reference/requirements.txt
    cargo build --release
    python3 benches/compare_knn_sklearn.py [--repeats 3]

Three sets, k = 5, uniform weights, Euclidean metric, algorithm `auto` on both sides:
- make_classification(20000, 20 features, 10 informative, 3 classes, random_state=0),
  the set of benches/compare_sklearn.py: 20 features, so both sides use brute force;
- the same generator with 3 features (3 informative): both sides use a KD-tree;
- datasets/digits.csv (1797 x 64): brute force.
Both sides hold out 20% of the rows (mlwb: its stratified split with --seed 0;
scikit-learn: a seeded shuffle, as compare_sklearn.py; same sizes, different rows).
Times are the best of --repeats: mlwb's `fit_seconds` and `predict_seconds` from its
JSON report; scikit-learn's fit and predict timed around the calls, one BLAS/OpenMP
thread, n_jobs=1. The accuracies are a sanity check only.
"""
import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_sklearn import DEFAULT_BIN, ROOT, ensure_binary, run_mlwb_once, write_csv  # noqa: E402


def sklearn_time(X, y, repeats):
    import numpy as np
    from sklearn.neighbors import KNeighborsClassifier
    from threadpoolctl import threadpool_limits

    n = len(y)
    n_test = math.ceil(0.2 * n)
    perm = np.random.default_rng(0).permutation(n)
    tr, te = perm[: n - n_test], perm[n - n_test:]
    y = np.asarray(y)
    fits, preds, acc = [], [], None
    for _ in range(repeats):
        with threadpool_limits(limits=1):
            m = KNeighborsClassifier(n_neighbors=5)
            t0 = time.perf_counter()
            m.fit(X[tr], y[tr])
            t1 = time.perf_counter()
            p = m.predict(X[te])
            t2 = time.perf_counter()
        fits.append(t1 - t0)
        preds.append(t2 - t1)
        acc = float(np.mean(p == y[te]))
    return min(fits), min(preds), acc, m._fit_method


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mlwb", default=str(DEFAULT_BIN))
    args = ap.parse_args()
    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.datasets import make_classification

    binary = ensure_binary(args.mlwb, False)
    tmp = Path(tempfile.mkdtemp(prefix="mlwb-knn-"))
    sets = []
    for d in (20, 3):
        X, y = make_classification(n_samples=20_000, n_features=d, n_informative=min(d, 10),
                                   n_redundant=0 if d < 5 else 2, n_classes=3, random_state=0)
        labels = [f"c{int(v)}" for v in y]
        path = tmp / f"synth_{d}.csv"
        write_csv(path, X, labels)
        sets.append((f"synthetic 20000x{d}", path, X, labels))
    df = pd.read_csv(ROOT / "datasets" / "digits.csv")
    sets.append(("digits 1797x64", ROOT / "datasets" / "digits.csv",
                 df.iloc[:, :-1].to_numpy(dtype=np.float64), df["target"].astype(str).tolist()))

    print(f"# sklearn {sklearn.__version__}, Python {sys.version.split()[0]}; best of {args.repeats}")
    head = ["set", "sk search", "sk fit s", "sk pred s", "mlwb fit s", "mlwb pred s",
            "pred mlwb/sk", "sk acc", "mlwb acc"]
    print(" | ".join(head))
    for name, path, X, labels in sets:
        sk_fit, sk_pred, sk_acc, method = sklearn_time(X, labels, args.repeats)
        runs = [run_mlwb_once(binary, "knn", path, 1800) for _ in range(args.repeats)]
        ml_fit = min(r["fit_s"] for r in runs)
        ml_pred = min(r["predict_s"] for r in runs)
        print(" | ".join([name, method, f"{sk_fit:.4f}", f"{sk_pred:.4f}", f"{ml_fit:.4f}",
                          f"{ml_pred:.4f}", f"{ml_pred / sk_pred:.2f}", f"{sk_acc:.4f}",
                          f"{runs[0]['metric']:.4f}"]))


if __name__ == "__main__":
    main()
