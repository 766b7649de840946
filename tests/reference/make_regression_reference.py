#!/usr/bin/env python3
"""Reference figures from scikit-learn's regressors for mlwb's regression task.

Run from the repository root (pinned versions in requirements-regression.txt):

    python3 tests/reference/make_regression_reference.py

Reads datasets/diabetes.csv (all 10 features) and tests/fixtures/cpu_vendor.csv
twice: its 6 numeric columns (`cpu_vendor`), and all 7 with the 30-level `vendor`
column through a ColumnTransformer (`cpu_vendor_mixed`: OneHotEncoder with
handle_unknown='ignore' as `mlwb run --encode onehot`, or for the tree cases marked
"ordinal" an OrdinalEncoder with unknown_value=-1 as `--encode ordinal`; the
numeric columns pass through; plain OLS is left out there, since a full one-hot
block beside an intercept is rank deficient and mlwb refuses it). Splits each
with train_test_split(test_size=0.25, random_state=0), and for every (algorithm,
parameters, scaling) case stores the
test R², RMSE and MAE, the test predictions, and for linear models the intercept
and weights (and OLS standard errors from sigma^2 (X'X)^-1 with an intercept
column, by numpy). Also the lasso path on the standardised diabetes training rows
(lasso_path on centred data, 40 alphas, eps=1e-3). Writes
tests/reference/regression_reference.json, read by tests/all/regression_parity.rs.

StandardScaler is fitted on the training rows only, as `mlwb run --scale standard`.
Deterministic: one thread, fixed random_state.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import csv
import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge, lasso_path
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVR
from sklearn.tree import DecisionTreeRegressor

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "regression_reference.json"

SETS = {
    "diabetes": (ROOT / "datasets/diabetes.csv", None),
    "cpu_vendor": (
        ROOT / "tests/fixtures/cpu_vendor.csv",
        ["myct", "mmin", "mmax", "cach", "chmin", "chmax"],
    ),
    "cpu_vendor_mixed": (ROOT / "tests/fixtures/cpu_vendor.csv", "mixed"),
}
CATEGORICAL = ["vendor"]

# Extra cases on cpu_vendor_mixed with ordinal codes for the trees.
ORDINAL_CASES = [
    ("decision-tree", {"max_depth": "4"}, None,
     lambda: DecisionTreeRegressor(max_depth=4, random_state=0)),
    ("decision-tree", {"max_depth": "6", "min_samples_leaf": "5"}, None,
     lambda: DecisionTreeRegressor(max_depth=6, min_samples_leaf=5, random_state=0)),
    ("random-forest", {"n_trees": "100", "max_features": "all"}, None,
     lambda: RandomForestRegressor(n_estimators=100, max_features=1.0, random_state=0)),
]

# (our algorithm, our params, scale, scikit-learn estimator)
CASES = [
    ("linear-regression", {}, None, lambda: LinearRegression()),
    ("ridge", {"alpha": "1"}, None, lambda: Ridge(alpha=1.0)),
    ("ridge", {"alpha": "10"}, "standard", lambda: Ridge(alpha=10.0)),
    ("lasso", {"alpha": "1"}, None, lambda: Lasso(alpha=1.0)),
    ("lasso", {"alpha": "0.5"}, "standard", lambda: Lasso(alpha=0.5)),
    ("elastic-net", {"alpha": "0.5", "l1_ratio": "0.5"}, "standard",
     lambda: ElasticNet(alpha=0.5, l1_ratio=0.5)),
    ("decision-tree", {"max_depth": "4"}, None,
     lambda: DecisionTreeRegressor(max_depth=4, random_state=0)),
    ("decision-tree", {"max_depth": "6", "min_samples_leaf": "5"}, None,
     lambda: DecisionTreeRegressor(max_depth=6, min_samples_leaf=5, random_state=0)),
    ("random-forest", {"n_trees": "100", "max_features": "all"}, None,
     lambda: RandomForestRegressor(n_estimators=100, max_features=1.0, random_state=0)),
    ("knn", {"n_neighbors": "5"}, "standard", lambda: KNeighborsRegressor(n_neighbors=5)),
    ("knn", {"n_neighbors": "10", "weights": "distance"}, "standard",
     lambda: KNeighborsRegressor(n_neighbors=10, weights="distance")),
    ("svm", {"kernel": "rbf", "c": "100", "epsilon": "1"}, "standard",
     lambda: SVR(kernel="rbf", C=100.0, epsilon=1.0)),
    ("svm", {"kernel": "linear", "c": "10", "epsilon": "0.5"}, "standard",
     lambda: SVR(kernel="linear", C=10.0, epsilon=0.5)),
]


def load(path, columns):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if columns == "mixed":
        names = [c for c in rows[0].keys() if c != "target"]
        x = np.array(
            [[r[c] if c in CATEGORICAL else float(r[c]) for c in names] for r in rows],
            dtype=object,
        )
    else:
        names = columns or [c for c in rows[0].keys() if c != "target"]
        x = np.array([[float(r[c]) for c in names] for r in rows])
    y = np.array([float(r["target"]) for r in rows])
    return names, x, y


def encoder(names, encode):
    """The column pipeline of `mlwb run --encode ENCODE`: categories first in
    file order (vendor is the first column), numbers passed through."""
    cat = [i for i, n in enumerate(names) if n in CATEGORICAL]
    num = [i for i, n in enumerate(names) if n not in CATEGORICAL]
    if encode == "onehot":
        enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    else:
        enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    return ColumnTransformer([("cat", enc, cat), ("num", "passthrough", num)])


def ols_std_err(x, y, model):
    n, p = x.shape
    a = np.hstack([np.ones((n, 1)), x])
    resid = y - model.predict(x)
    s2 = resid @ resid / (n - p - 1)
    cov = s2 * np.linalg.inv(a.T @ a)
    return np.sqrt(np.diag(cov)).tolist()


def main():
    out = {
        "generator": "tests/reference/make_regression_reference.py",
        "versions": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "datasets": {},
        "cases": [],
    }
    for ds, (path, columns) in SETS.items():
        names, x, y = load(path, columns)
        idx = np.arange(len(y))
        tr, te = train_test_split(idx, test_size=0.25, random_state=0)
        out["datasets"][ds] = {
            "features": names,
            "train": tr.tolist(),
            "test": te.tolist(),
        }
        cases = [(c, None) for c in CASES]
        if columns == "mixed":
            cases = [(c, "onehot") for c in CASES if c[0] != "linear-regression"]
            cases += [(c, "ordinal") for c in ORDINAL_CASES]
        for (algo, params, scale, make), encode in cases:
            xtr, xte = x[tr], x[te]
            if encode is not None:
                ct = encoder(names, encode).fit(xtr)
                xtr = ct.transform(xtr).astype(float)
                xte = ct.transform(xte).astype(float)
                unseen = sorted(set(x[te, 0]) - set(x[tr, 0]))
                out["datasets"][ds]["unseen_test_vendors"] = unseen
            if scale == "standard":
                s = StandardScaler().fit(xtr)
                xtr, xte = s.transform(xtr), s.transform(xte)
            m = make().fit(xtr, y[tr])
            pred = m.predict(xte)
            case = {
                "dataset": ds,
                "algo": algo,
                "params": params,
                "scale": scale,
                "encode": encode,
                "r2": r2_score(y[te], pred),
                "rmse": root_mean_squared_error(y[te], pred),
                "mae": mean_absolute_error(y[te], pred),
                "pred": pred.tolist(),
            }
            if hasattr(m, "coef_") and algo != "svm":
                case["intercept"] = float(m.intercept_)
                case["coef"] = np.ravel(m.coef_).tolist()
                if algo == "linear-regression":
                    case["std_err"] = ols_std_err(xtr, y[tr], m)
            out["cases"].append(case)
        if ds == "diabetes":
            s = StandardScaler().fit(x[tr])
            xs = s.transform(x[tr])
            xc = xs - xs.mean(axis=0)
            yc = y[tr] - y[tr].mean()
            alphas, coefs, _ = lasso_path(xc, yc, n_alphas=40, eps=1e-3)
            out["lasso_path"] = {
                "dataset": ds,
                "scale": "standard",
                "alphas": alphas.tolist(),
                "coefs": coefs.tolist(),
            }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}: {len(out['cases'])} cases")


if __name__ == "__main__":
    main()
