#!/usr/bin/env python3
"""Speed comparison: mlwb's `run` against scikit-learn on a synthetic 3-class set.

    pip install -r tests/reference/requirements.txt
    python3 benches/compare_sklearn.py                 # 20,000 x 20, all algorithms
    python3 benches/compare_sklearn.py --quick         # 5,000 x 20
    python3 benches/compare_sklearn.py --rows 100000   # 100,000 x 20
    python3 benches/compare_sklearn.py --algos svm,kmeans --sklearn-only

Data: make_classification(n_samples=N, n_features=20, n_informative=10, n_classes=3,
random_state=0), written to a temporary CSV (header f0..f19,target; target "c0"/"c1"/"c2";
floats in shortest round-trip form, so both sides read identical numbers).

mlwb side (contract): for each algorithm, best of --repeats runs of
    target/release/mlwb run --algo NAME --dataset CSV --test-size 0.2 --seed 0 --json
(clustering algorithms also get `--param k=3`). stdout is one JSON object with
`fit_seconds` and `predict_seconds`; the metric is read from `accuracy` (classifiers) or
`ari` / `adjusted_rand_index` (clustering), at top level or under `metrics`, if present.
The binary is built with `cargo build --release` if it is missing.

sklearn side: fit time is best of --repeats, timed around `fit` alone, with BLAS and
OpenMP limited to one thread and n_jobs=1 (plus one extra RandomForest row with n_jobs=2).
mlwb's own 80/20 split cannot be known from here, so sklearn fits on the first 80% of
the rows after a seeded shuffle (numpy default_rng(0).permutation) and scores the other
20%. The two sides therefore train on different, equally sized row sets: TIMING is the
point of this script; the accuracies/ARIs are printed only as a sanity check that both
sides fitted something sensible (they should be close, not equal).
Clustering (k-means, GMM): `mlwb run` fits on every row and predicts every row (it has no
test split for clustering), so sklearn does the same here: fit on all N rows, predict all
N rows, ARI against the true classes of all rows.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BIN = ROOT / "target" / "release" / "mlwb"
ALGOS = ["gaussian-nb", "decision-tree", "random-forest", "logistic-regression", "svm", "knn", "kmeans", "gmm"]
CLUSTERING = {"kmeans", "gmm"}
N_FULL, N_QUICK, N_FEATURES, N_CLASSES = 20_000, 5_000, 20, 3


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring for the timing protocol.")
    ap.add_argument("--algos", default=",".join(ALGOS),
                    help=f"comma-separated subset of: {','.join(ALGOS)} (default: all)")
    ap.add_argument("--quick", action="store_true", help=f"{N_QUICK:,} rows instead of {N_FULL:,}")
    ap.add_argument("--rows", type=int, help=f"number of rows (default {N_FULL:,}; e.g. 100000)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per measurement; the best is kept (default 3)")
    ap.add_argument("--mlwb", default=str(DEFAULT_BIN), help=f"path of the mlwb binary (default {DEFAULT_BIN})")
    ap.add_argument("--no-build", action="store_true", help="do not run `cargo build --release` if the binary is missing")
    ap.add_argument("--sklearn-only", action="store_true", help="skip the mlwb half")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one mlwb run (default 1800)")
    ap.add_argument("--csv", help="write the synthetic CSV here and keep it (default: a temporary file)")
    ap.add_argument("--json-out", help="also write all measurements to this JSON file")
    args = ap.parse_args()
    algos = [a.strip() for a in args.algos.split(",") if a.strip()]
    bad = [a for a in algos if a not in ALGOS]
    if bad or not algos:
        ap.error(f"unknown algorithm(s) {bad}; choose from {','.join(ALGOS)}")
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")
    args.algos = algos
    return args


# ----------------------------------------------------------------------------- data

def make_data(n):
    from sklearn.datasets import make_classification
    X, y = make_classification(n_samples=n, n_features=N_FEATURES, n_informative=10,
                               n_classes=N_CLASSES, random_state=0)
    labels = [f"c{int(v)}" for v in y]
    return X, labels


def write_csv(path, X, labels):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join([f"f{j}" for j in range(X.shape[1])] + ["target"]) + "\n")
        for row, lab in zip(X.tolist(), labels):
            f.write(",".join(repr(v) for v in row) + "," + lab + "\n")


# ----------------------------------------------------------------------------- sklearn half

def sklearn_models(algo):
    """[(row label, call string, factory)] for one of our algorithm names."""
    from sklearn.cluster import KMeans
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.mixture import GaussianMixture
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier
    table = {
        "gaussian-nb": [("gaussian-nb", "GaussianNB()", lambda: GaussianNB())],
        "decision-tree": [("decision-tree", "DecisionTreeClassifier(random_state=0)",
                           lambda: DecisionTreeClassifier(random_state=0))],
        "random-forest": [
            ("random-forest", "RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1)",
             lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1)),
            ("random-forest (sk n_jobs=2)", "RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2)",
             lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2)),
        ],
        "logistic-regression": [("logistic-regression", "LogisticRegression(C=1.0, max_iter=1000)",
                                 lambda: LogisticRegression(C=1.0, max_iter=1000))],
        "svm": [("svm (rbf)", 'SVC(C=1.0, kernel="rbf", gamma="scale")',
                 lambda: SVC(C=1.0, kernel="rbf", gamma="scale"))],
        "knn": [("knn", "KNeighborsClassifier(n_neighbors=5)",
                 lambda: KNeighborsClassifier(n_neighbors=5))],
        "kmeans": [("kmeans", "KMeans(n_clusters=3, n_init=10, random_state=0)",
                    lambda: KMeans(n_clusters=3, n_init=10, random_state=0))],
        "gmm": [("gmm", 'GaussianMixture(n_components=3, covariance_type="full", random_state=0)',
                 lambda: GaussianMixture(n_components=3, covariance_type="full", random_state=0))],
    }
    return table[algo]


def time_sklearn(algo, X, y, repeats):
    import warnings
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, adjusted_rand_score
    from threadpoolctl import threadpool_limits

    n = len(y)
    n_test = math.ceil(0.2 * n)
    perm = np.random.default_rng(0).permutation(n)
    tr, te = perm[: n - n_test], perm[n - n_test:]
    if algo in CLUSTERING:
        # `mlwb run` fits a clustering on every row and assigns every row
        # (no test split): do the same work here.
        tr = te = perm
    y = np.asarray(y)
    Xtr, Xte, ytr, yte = X[tr], X[te], y[tr], y[te]
    rows = []
    for label, call, make in sklearn_models(algo):
        fit_times, pred_times, metric = [], [], None
        for _ in range(repeats):
            model = make()
            with threadpool_limits(limits=1), warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                t0 = time.perf_counter()
                if algo in CLUSTERING:
                    model.fit(Xtr)
                else:
                    model.fit(Xtr, ytr)
                t1 = time.perf_counter()
                pred = model.predict(Xte)
                t2 = time.perf_counter()
            fit_times.append(t1 - t0)
            pred_times.append(t2 - t1)
            if metric is None:
                metric = adjusted_rand_score(yte, pred) if algo in CLUSTERING else accuracy_score(yte, pred)
        rows.append({"algo": algo, "row": label, "sklearn_call": call,
                     "sklearn_fit_s": min(fit_times), "sklearn_predict_s": min(pred_times),
                     "sklearn_fit_all_s": fit_times,
                     "metric_name": "ARI" if algo in CLUSTERING else "accuracy",
                     "sklearn_metric": float(metric),
                     "n_train": int(len(tr)), "n_test": int(len(te))})
    return rows


# ----------------------------------------------------------------------------- mlwb half

class MlwbError(Exception):
    pass


def ensure_binary(path, no_build):
    p = Path(path)
    if p.is_file() and os.access(p, os.X_OK):
        return p
    if no_build or p != DEFAULT_BIN:
        raise MlwbError(f"mlwb binary not found or not executable: {p}"
                        + ("" if no_build else " (only the default path is built automatically)"))
    cargo = shutil.which("cargo")
    if cargo is None:
        raise MlwbError(f"mlwb binary {p} is missing and `cargo` is not on PATH to build it")
    print(f"[compare] {p} missing: running `cargo build --release` in {ROOT} ...", file=sys.stderr, flush=True)
    r = subprocess.run([cargo, "build", "--release"], cwd=ROOT)
    if r.returncode != 0:
        raise MlwbError(f"`cargo build --release` failed (exit {r.returncode}); see the compiler output above")
    if not (p.is_file() and os.access(p, os.X_OK)):
        raise MlwbError(f"`cargo build --release` succeeded but {p} still does not exist")
    return p


def find_key(obj, names):
    for src in (obj, obj.get("metrics") if isinstance(obj.get("metrics"), dict) else {}):
        for k in names:
            v = src.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return float(v)
    return None


def parse_json_output(text):
    text = text.strip()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        obj = None
        for line in reversed(text.splitlines()):  # tolerate log lines before the JSON
            line = line.strip()
            if line.startswith("{"):
                try:
                    obj = json.loads(line)
                    break
                except json.JSONDecodeError:
                    continue
    if not isinstance(obj, dict):
        raise MlwbError("stdout is not a JSON object" + (f": {text[:300]!r}" if text else " (empty)"))
    return obj


def run_mlwb_once(binary, algo, csv_path, timeout):
    cmd = [str(binary), "run", "--algo", algo, "--dataset", str(csv_path),
           "--test-size", "0.2", "--seed", "0", "--json"]
    if algo in CLUSTERING:
        cmd += ["--param", f"k={N_CLASSES}"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise MlwbError(f"timed out after {timeout:g} s: {' '.join(cmd)}")
    except OSError as e:
        raise MlwbError(f"could not start {binary}: {e}")
    if r.returncode != 0:
        err = [l for l in (r.stderr or r.stdout).strip().splitlines() if l.strip()]
        tail = "\n    ".join(err[-6:]) if err else "(no output)"
        raise MlwbError(f"exit {r.returncode}: {' '.join(cmd)}\n    {tail}")
    obj = parse_json_output(r.stdout)
    fit, pred = find_key(obj, ["fit_seconds"]), find_key(obj, ["predict_seconds"])
    if fit is None:
        raise MlwbError(f"JSON has no numeric `fit_seconds`: {' '.join(cmd)}\n    keys: {sorted(obj)}")
    names = ["ari", "adjusted_rand_index", "ARI"] if algo in CLUSTERING else ["accuracy"]
    return {"fit_s": fit, "predict_s": pred, "metric": find_key(obj, names), "cmd": " ".join(cmd)}


def time_mlwb(binary, algo, csv_path, repeats, timeout):
    runs = [run_mlwb_once(binary, algo, csv_path, timeout) for _ in range(repeats)]
    preds = [r["predict_s"] for r in runs if r["predict_s"] is not None]
    return {"mlwb_fit_s": min(r["fit_s"] for r in runs),
            "mlwb_predict_s": min(preds) if preds else None,
            "mlwb_fit_all_s": [r["fit_s"] for r in runs],
            "mlwb_metric": runs[0]["metric"], "mlwb_cmd": runs[0]["cmd"]}


# ----------------------------------------------------------------------------- report

def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def print_table(rows):
    head = ["algo", "sk fit s", "mlwb fit s", "mlwb/sk", "sk pred s", "mlwb pred s", "mlwb/sk", "metric",
            "sklearn", "mlwb"]
    body = []
    for r in rows:
        ratio = (r["mlwb_fit_s"] / r["sklearn_fit_s"]
                 if r.get("mlwb_fit_s") is not None and r["sklearn_fit_s"] > 0 else None)
        pratio = (r["mlwb_predict_s"] / r["sklearn_predict_s"]
                  if r.get("mlwb_predict_s") is not None and r["sklearn_predict_s"] > 0 else None)
        body.append([r["row"], fmt(r["sklearn_fit_s"], ".4f"), fmt(r.get("mlwb_fit_s"), ".4f"),
                     fmt(ratio, ".2f"), fmt(r["sklearn_predict_s"], ".4f"), fmt(r.get("mlwb_predict_s"), ".4f"),
                     fmt(pratio, ".2f"),
                     r["metric_name"], fmt(r["sklearn_metric"], ".4f"), fmt(r.get("mlwb_metric"), ".4f")])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(head))
    print(line(["-" * w for w in widths]))
    for b in body:
        print(line(b))


def blas_note():
    try:
        from threadpoolctl import threadpool_info
        import numpy  # noqa: F401  (load numpy's BLAS so threadpoolctl sees it)
        libs = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')})"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        return ", ".join(sorted(set(libs))) or "none found"
    except Exception as e:  # pragma: no cover
        return f"unknown ({e})"


def main():
    args = parse_args()
    try:
        import numpy as np  # noqa: F401
        import sklearn
    except ImportError as e:
        sys.exit(f"[compare] needs numpy and scikit-learn: pip install -r tests/reference/requirements.txt ({e})")

    n = args.rows or (N_QUICK if args.quick else N_FULL)
    tmpdir = None
    if args.csv:
        csv_path = Path(args.csv)
    else:
        tmpdir = tempfile.mkdtemp(prefix="mlwb-compare-")
        csv_path = Path(tmpdir) / ("synth_quick.csv" if args.quick else "synth.csv")
    try:
        X, labels = make_data(n)
        write_csv(csv_path, X, labels)
        print(f"# data: make_classification(n_samples={n}, n_features=20, n_informative=10, n_classes=3, "
              f"random_state=0) -> {csv_path}")
        print(f"# sklearn {sklearn.__version__}, Python {sys.version.split()[0]}, BLAS {blas_note()}, "
              f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
        print(f"# timings: best of {args.repeats}; sklearn single-threaded (BLAS/OpenMP 1 thread, n_jobs=1) "
              f"except the n_jobs=2 forest row; sklearn fits on a seeded 80% shuffle, not mlwb's split: "
              f"compare times, treat metrics as a sanity check only")

        binary, mlwb_error = None, None
        if not args.sklearn_only:
            try:
                binary = ensure_binary(args.mlwb, args.no_build)
            except MlwbError as e:
                mlwb_error = str(e)
                print(f"[compare] mlwb half skipped: {e}", file=sys.stderr, flush=True)

        rows, failures = [], []
        for algo in args.algos:
            print(f"[compare] {algo}: sklearn ...", file=sys.stderr, flush=True)
            sk_rows = time_sklearn(algo, X, labels, args.repeats)
            ml = {}
            if binary is not None:
                print(f"[compare] {algo}: mlwb ...", file=sys.stderr, flush=True)
                try:
                    ml = time_mlwb(binary, algo, csv_path, args.repeats, args.timeout)
                except MlwbError as e:
                    failures.append(f"{algo}: {e}")
                    print(f"[compare] mlwb run failed for {algo}: {e}", file=sys.stderr, flush=True)
            for r in sk_rows:
                r.update(ml)
                rows.append(r)

        print()
        print_table(rows)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps({"n_rows": n, "repeats": args.repeats, "rows": rows},
                                                      indent=1) + "\n", encoding="utf-8")
        if args.sklearn_only:
            return 0
        if mlwb_error or failures:
            print("\nmlwb results missing:", file=sys.stderr)
            for msg in ([mlwb_error] if mlwb_error else []) + failures:
                print(f"  - {msg}", file=sys.stderr)
            print("(the sklearn half above is complete; rerun with --sklearn-only to silence this)",
                  file=sys.stderr)
            return 1
        return 0
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
