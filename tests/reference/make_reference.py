#!/usr/bin/env python3
"""Reference figures from scikit-learn for mlwb's correctness tests.

Run from the repository root:

    pip install -r tests/reference/requirements.txt
    python3 tests/reference/make_reference.py

It reads datasets/*.csv and (re)writes tests/reference/sklearn_reference.json.
The output is deterministic: a re-run on the same machine and package versions
rewrites the file byte-identically (fixed seeds, one BLAS/OpenMP thread, sorted
keys, floats rounded to 12 significant digits).

Conventions in the JSON
- Row indices are 0-based data rows of the CSV (the header is not a row).
- `classes` are the distinct values of the `target` column, sorted as strings;
  sklearn's `classes_` uses the same order, so `n_support` follows it too.
- `accuracy` and `macro_f1` are on the test rows of the split stored under
  `datasets.<name>`; `n_correct`/`n_test` give the exact accuracy fraction.
  macro F1 uses zero_division=0.
- Floats are rounded to 12 significant digits (compare with a tolerance).
"""
import os

# Single-threaded BLAS/OpenMP so that sums are reduced in a fixed order.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import sklearn
from scipy.special import logsumexp
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, adjusted_rand_score, f1_score
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, Normalizer, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.ensemble import RandomForestClassifier
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets"
OUT = Path(__file__).resolve().parent / "sklearn_reference.json"

SPLIT_DATASETS = ["iris", "wine", "breast_cancer", "digits", "moons", "circles", "sentiment_amazon"]
NUMERIC_DATASETS = ["iris", "wine", "breast_cancer", "digits", "moons", "circles"]
SIG_DIGITS = 12


def rnd(x):
    """Round a float to SIG_DIGITS significant digits (stable text across re-runs)."""
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"non-finite value {x}")
    return float(f"{x:.{SIG_DIGITS}g}")


def load(name):
    """Read datasets/<name>.csv: features as float64 (parsed exactly), target as strings."""
    path = DATA / f"{name}.csv"
    if name == "sentiment_amazon":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        return df["text"].to_numpy(dtype=object), df["target"].to_numpy(dtype=object)
    # Read every cell as text and parse with Python's float() (correctly rounded, like
    # Rust's str::parse::<f64>), independent of pandas' own float parser.
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert df.columns[-1] == "target", path
    X = np.array([[float(v) for v in row] for row in df.iloc[:, :-1].to_numpy()], dtype=np.float64)
    y = df["target"].to_numpy(dtype=object)
    return X, y


def split(y):
    n = len(y)
    train, test = train_test_split(range(n), test_size=0.25, stratify=y, random_state=0)
    return sorted(int(i) for i in train), sorted(int(i) for i in test)


def scores(y_true, y_pred):
    return {
        "accuracy": rnd(accuracy_score(y_true, y_pred)),
        "macro_f1": rnd(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "n_correct": int(np.sum(np.asarray(y_true) == np.asarray(y_pred))),
        "n_test": int(len(y_true)),
    }


def logistic_objective(clf, X, y):
    """sum_i NLL_i + ||W||^2 / (2C) at the fitted coef_/intercept_ (intercept not penalised).

    This is sklearn's lbfgs objective divided by C. Binary problems use one weight
    vector (coef_ has one row, positive class = classes_[1]); multiclass problems use
    the full softmax with one row per class.
    """
    W = np.asarray(clf.coef_, dtype=np.float64)
    b = np.asarray(clf.intercept_, dtype=np.float64)
    Z = np.asarray(X @ W.T, dtype=np.float64) + b
    classes = list(clf.classes_)
    yi = np.array([classes.index(v) for v in y])
    if W.shape[0] == 1:
        z = Z[:, 0]
        s = np.where(yi == 1, 1.0, -1.0)
        nll = np.sum(np.logaddexp(0.0, -s * z))
    else:
        nll = np.sum(logsumexp(Z, axis=1) - Z[np.arange(len(yi)), yi])
    return float(nll + np.sum(W * W) / (2.0 * clf.C))


SCALERS = {
    "standard": ("StandardScaler()", StandardScaler),
    "minmax": ("MinMaxScaler()", MinMaxScaler),
    "maxabs": ("MaxAbsScaler()", MaxAbsScaler),
    "normalize": ("Normalizer()", Normalizer),
}


def classifier_specs():
    """(our algo name, our params, sklearn call string, factory, extras kind)."""
    return [
        ("gaussian-nb", {}, "GaussianNB()", lambda: GaussianNB(), None),
        ("multinomial-nb", {"alpha": 1.0}, "MultinomialNB(alpha=1.0)",
         lambda: MultinomialNB(alpha=1.0), None),
        ("decision-tree", {"criterion": "gini"},
         'DecisionTreeClassifier(criterion="gini", random_state=0)',
         lambda: DecisionTreeClassifier(criterion="gini", random_state=0), "tree"),
        ("decision-tree", {"criterion": "entropy"},
         'DecisionTreeClassifier(criterion="entropy", random_state=0)',
         lambda: DecisionTreeClassifier(criterion="entropy", random_state=0), "tree"),
        ("random-forest", {"n_estimators": 100},
         "RandomForestClassifier(n_estimators=100, random_state=0)",
         lambda: RandomForestClassifier(n_estimators=100, random_state=0), None),
        ("logistic-regression", {"C": 1.0, "max_iter": 1000},
         "LogisticRegression(C=1.0, max_iter=1000)",
         lambda: LogisticRegression(C=1.0, max_iter=1000), "logistic"),
        ("svm", {"kernel": "rbf", "C": 1.0, "gamma": "scale"},
         'SVC(C=1.0, kernel="rbf", gamma="scale")',
         lambda: SVC(C=1.0, kernel="rbf", gamma="scale"), "svm"),
        ("svm", {"kernel": "linear", "C": 1.0},
         'SVC(kernel="linear", C=1.0)',
         lambda: SVC(kernel="linear", C=1.0), "svm"),
        ("svm", {"kernel": "poly", "degree": 3, "gamma": "scale", "coef0": 0.0},
         'SVC(kernel="poly", degree=3, gamma="scale", coef0=0.0)',
         lambda: SVC(kernel="poly", degree=3, gamma="scale", coef0=0.0), "svm"),
    ]


TIGHT_LOGISTIC = 'LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10, max_iter=1000)'


def extras(kind, clf, X_train, y_train, X_test=None, y_test=None):
    """Extra fitted quantities; X_train/X_test are already transformed (scaled/vectorised)."""
    if kind == "logistic":
        n_iter = int(np.max(clf.n_iter_))
        # lbfgs stops at tol=1e-4 (or at max_iter on unscaled data), so its objective is
        # only an upper bound on the optimum; a tight Newton solve gives the optimum itself.
        tight = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10, max_iter=1000)
        tight.fit(X_train, y_train)
        return {
            "objective": rnd(logistic_objective(clf, X_train, y_train)),
            "objective_formula": "sum_i NLL_i + ||W||^2/(2C), training rows, intercept unpenalised",
            "n_iter": n_iter,
            "converged": bool(n_iter < clf.max_iter),
            "optimum": {
                "sklearn": TIGHT_LOGISTIC,
                "objective": rnd(logistic_objective(tight, X_train, y_train)),
                "accuracy": rnd(accuracy_score(y_test, tight.predict(X_test))),
                "n_correct": int(np.sum(tight.predict(X_test) == y_test)),
            },
        }
    if kind == "svm":
        return {"n_support": [int(v) for v in clf.n_support_]}
    if kind == "tree":
        return {"depth": int(clf.get_depth()), "n_leaves": int(clf.get_n_leaves())}
    return {}


def fit_classifier(algo, params, call, make, kind, dataset, X, y, train, test, scale=None):
    clf = make()
    Xtr, Xte = X[train], X[test]
    ytr, yte = y[train], y[test]
    sk_call = call
    if scale is not None:
        sc_call, sc_cls = SCALERS[scale]
        sc = sc_cls()
        Xtr = sc.fit_transform(Xtr)
        Xte = sc.transform(Xte)
        sk_call = f"Pipeline([(\"scale\", {sc_call}), (\"clf\", {call})])"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    pred = clf.predict(Xte)
    entry = {
        "id": f"{algo}{params_tag(params)}{'+' + scale if scale else ''}@{dataset}",
        "algo": algo,
        "params": params,
        "scale": scale,
        "dataset": dataset,
        "sklearn": sk_call,
    }
    entry.update(scores(yte, pred))
    entry.update(extras(kind, clf, Xtr, ytr, Xte, yte))
    if "random_state=0" in call:
        # Trees break ties between equally good splits in a random feature order, and
        # forests are random by design: random_state=0 is one draw among many. Record
        # the spread over ten seeds so a test can compare with sklearn's typical result.
        accs = []
        for seed in range(10):
            other = make()
            other.set_params(random_state=seed)
            other.fit(Xtr, ytr)
            accs.append(float(accuracy_score(yte, other.predict(Xte))))
        entry["accuracy_over_seeds"] = {
            "random_states": "0..9",
            "mean": rnd(float(np.mean(accs))),
            "min": rnd(min(accs)),
            "max": rnd(max(accs)),
        }
    return entry


def params_tag(params):
    if not params:
        return ""
    return "[" + ",".join(f"{k}={v}" for k, v in params.items()) + "]"


def text_entries(texts, y, train, test):
    out = []
    vocab = {}
    specs = [
        ("tfidf", "TfidfVectorizer()", TfidfVectorizer,
         "multinomial-nb", {"alpha": 1.0}, "MultinomialNB(alpha=1.0)",
         lambda: MultinomialNB(alpha=1.0), None),
        ("tfidf", "TfidfVectorizer()", TfidfVectorizer,
         "logistic-regression", {"C": 1.0, "max_iter": 1000}, "LogisticRegression(C=1.0, max_iter=1000)",
         lambda: LogisticRegression(C=1.0, max_iter=1000), "logistic"),
        ("count", "CountVectorizer()", CountVectorizer,
         "multinomial-nb", {"alpha": 1.0}, "MultinomialNB(alpha=1.0)",
         lambda: MultinomialNB(alpha=1.0), None),
    ]
    for vec_name, vec_call, vec_cls, algo, params, call, make, kind in specs:
        vec = vec_cls()
        Xtr = vec.fit_transform(texts[train])
        Xte = vec.transform(texts[test])
        vocab[vec_name] = len(vec.vocabulary_)
        clf = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xtr, y[train])
        pred = clf.predict(Xte)
        entry = {
            "id": f"{algo}{params_tag(params)}+{vec_name}@sentiment_amazon",
            "algo": algo,
            "params": params,
            "vectorizer": vec_name,
            "dataset": "sentiment_amazon",
            "sklearn": f"Pipeline([(\"vec\", {vec_call}), (\"clf\", {call})])",
            "vocabulary_size": len(vec.vocabulary_),
        }
        entry.update(scores(y[test], pred))
        entry.update(extras(kind, clf, Xtr, y[train], Xte, y[test]))
        out.append(entry)
    # Vocabulary over all 1000 rows too (e.g. for a vectoriser test independent of the split).
    vocab_all = len(CountVectorizer().fit(texts).vocabulary_)
    return out, {
        "vectorizer_defaults": "lowercase=True, token_pattern=r\"(?u)\\b\\w\\w+\\b\", "
                               "TfidfVectorizer: smooth_idf=True, sublinear_tf=False, norm=\"l2\"",
        "vocabulary_size_train": vocab["count"],
        "vocabulary_size_all_rows": vocab_all,
        "note": "vectorisers are fitted on the train rows only; vocabulary_size is the train vocabulary",
    }


def clustering():
    out = []
    for name, standardise in [("iris", True), ("wine", True), ("blobs", False)]:
        X, y = load(name)
        if standardise:
            X = StandardScaler().fit_transform(X)
        k = len(np.unique(y))
        prep = "StandardScaler().fit_transform(X) on all rows" if standardise else "raw features"
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
        out.append({
            "id": f"kmeans@{name}",
            "algo": "kmeans",
            "params": {"k": k, "n_init": 10},
            "dataset": name,
            "preprocessing": prep,
            "sklearn": f"KMeans(n_clusters={k}, n_init=10, random_state=0)",
            "ari": rnd(adjusted_rand_score(y, km.labels_)),
            "inertia": rnd(km.inertia_),
        })
        for cov in ["full", "diag"]:
            gm = GaussianMixture(n_components=k, covariance_type=cov, random_state=0).fit(X)
            out.append({
                "id": f"gmm[covariance={cov}]@{name}",
                "algo": "gmm",
                "params": {"k": k, "covariance": cov},
                "dataset": name,
                "preprocessing": prep,
                "sklearn": f'GaussianMixture(n_components={k}, covariance_type="{cov}", random_state=0)',
                "ari": rnd(adjusted_rand_score(y, gm.predict(X))),
                "mean_log_likelihood": rnd(gm.score(X)),
                "converged": bool(gm.converged_),
                "n_iter": int(gm.n_iter_),
            })
    return out


def pca():
    out = []
    for name in ["iris", "digits"]:
        X, _ = load(name)
        p = PCA(svd_solver="full").fit(X)
        out.append({
            "id": f"pca@{name}",
            "algo": "pca",
            "dataset": name,
            "preprocessing": "raw features (centred by PCA, not scaled)",
            "sklearn": 'PCA(svd_solver="full").fit(X).explained_variance_ratio_[:3]',
            "explained_variance_ratio": [rnd(v) for v in p.explained_variance_ratio_[:3]],
        })
    return out


def blas_info():
    """numpy's BLAS and the kernel it runs (OPENBLAS_CORETYPE changes it, and with it the last
    digits of iterative fits such as unconverged logistic regressions)."""
    for lib in threadpool_info():
        if lib.get("user_api") == "blas" and "numpy" in lib.get("filepath", ""):
            return f"{lib.get('internal_api')} {lib.get('version')} {lib.get('architecture')}"
    return "unknown"


def build():
    datasets = {}
    loaded = {}
    for name in SPLIT_DATASETS:
        X, y = load(name)
        train, test = split(y)
        loaded[name] = (X, y, train, test)
        info = {
            "file": f"datasets/{name}.csv",
            "n_rows": int(len(y)),
            "classes": sorted(str(c) for c in np.unique(y)),
            "split": "train_test_split(range(n), test_size=0.25, stratify=y, random_state=0), indices sorted",
            "train": train,
            "test": test,
        }
        if name != "sentiment_amazon":
            info["n_features"] = int(X.shape[1])
        datasets[name] = info

    classifiers = []
    for name in NUMERIC_DATASETS:
        X, y, train, test = loaded[name]
        nonneg = bool(np.all(X >= 0))
        for algo, params, call, make, kind in classifier_specs():
            if algo == "multinomial-nb" and not nonneg:
                continue
            classifiers.append(fit_classifier(algo, params, call, make, kind, name, X, y, train, test))
    for name in NUMERIC_DATASETS:
        X, y, train, test = loaded[name]
        for scale in SCALERS:
            for algo, params, call, make, kind in classifier_specs():
                if algo == "logistic-regression" or (algo == "svm" and params["kernel"] == "rbf"):
                    classifiers.append(
                        fit_classifier(algo, params, call, make, kind, name, X, y, train, test, scale))

    texts, y, train, test = loaded["sentiment_amazon"]
    text_cls, text_info = text_entries(texts, y, np.array(train), np.array(test))
    classifiers.extend(text_cls)

    ids = [c["id"] for c in classifiers]
    assert len(ids) == len(set(ids)), "duplicate ids"

    return {
        "_header": "generated by tests/reference/make_reference.py; do not edit",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__,
            "blas": blas_info(),
        },
        "conventions": {
            "indices": "0-based data rows of the CSV (header excluded)",
            "classes": "distinct target strings, sorted; n_support follows this order",
            "metrics": "accuracy and macro F1 (zero_division=0) on the test rows; n_correct/n_test exact",
            "floats": f"rounded to {SIG_DIGITS} significant digits",
            "multinomial-nb": "skipped on moons and circles (negative features)",
            "scale": "null = raw features; otherwise the scaler is fitted on the train rows "
                     "inside a Pipeline: standard|minmax|maxabs|normalize "
                     "(StandardScaler, MinMaxScaler, MaxAbsScaler, Normalizer() = per-row l2)",
            "random_forest": "sklearn's forest depends on its RNG; compare accuracy loosely",
            "logistic_objective": "objective/n_iter are where lbfgs (tol=1e-4) stopped: an upper bound that "
                                  "moves with the BLAS kernel, and not converged on raw wine/breast_cancer; "
                                  "optimum.objective is the tight Newton solve, stable across machines: "
                                  "test a solver against it",
        },
        "datasets": datasets,
        "classifiers": classifiers,
        "text": text_info,
        "clustering": clustering(),
        "pca": pca(),
    }


def dump(obj, indent=0):
    """JSON with nested objects indented and lists of scalars kept on one line."""
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if all(not isinstance(v, (dict, list)) for v in obj.values()):
            flat = json.dumps(obj, ensure_ascii=False, allow_nan=False)
            if len(flat) <= 80:
                return flat
        items = [f'{pad}  {json.dumps(k)}: {dump(v, indent + 2)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ", ".join(json.dumps(v) for v in obj) + "]"
        items = [f"{pad}  {dump(v, indent + 2)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def main():
    with threadpool_limits(limits=1):
        ref = build()
    text = dump(ref) + "\n"
    json.loads(text)  # sanity: valid JSON
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(ref['classifiers'])} classifier entries)", file=sys.stderr)


if __name__ == "__main__":
    main()
