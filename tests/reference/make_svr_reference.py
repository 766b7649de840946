#!/usr/bin/env python3
"""Reference ε-SVR solutions from scikit-learn's SVR (libsvm) on one small problem.

Run from the repository root (pinned versions in requirements-regression.txt):

    python3 tests/reference/make_svr_reference.py

The data: 60 rows, 2 features, x0 = i/10, x1 = (7i mod 13)/13,
y = sin(x0) + 0.3 x1 + 0.05 ((31i mod 17)/17 - 0.5), stored in the JSON (as
decimal strings) so that both sides read the same bits. For each case (kernel, C, epsilon, tol; shrinking
on and off) stores libsvm's iteration count, the support indices, the dual
coefficients beta = alpha - alpha*, the bias rho (= -intercept_), the dual
objective 1/2 beta'K beta + eps sum|beta| - y'beta computed here in float64 from
beta, and the predictions on the training rows. Writes
tests/reference/svr_reference.json, read by the unit tests of
src/algos/svm/svr.rs (the ε-SVR on the shared SMO solver).
"""
import json
import math
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics.pairwise import linear_kernel, rbf_kernel
from sklearn.svm import SVR

OUT = Path(__file__).with_name("svr_reference.json")


def data():
    x, y = [], []
    for i in range(60):
        a = i / 10
        b = ((7 * i) % 13) / 13
        x.append([a, b])
        y.append(math.sin(a) + 0.3 * b + 0.05 * (((31 * i) % 17) / 17 - 0.5))
    return np.array(x), np.array(y)


CASES = [
    {"kernel": "rbf", "gamma": 0.5, "c": 10.0, "epsilon": 0.1, "tol": 1e-3},
    {"kernel": "rbf", "gamma": 2.0, "c": 100.0, "epsilon": 0.02, "tol": 1e-6},
    {"kernel": "linear", "gamma": 1.0, "c": 1.0, "epsilon": 0.05, "tol": 1e-3},
]


def main():
    x, y = data()
    out = {
        "generator": "tests/reference/make_svr_reference.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
        },
        # As strings (shortest round trip): serde_json's default float parser
        # can be one ulp off, and the SMO path is followed bit for bit.
        "x": [[repr(v) for v in row] for row in x.tolist()],
        "y": [repr(v) for v in y.tolist()],
        "cases": [],
    }
    for case in CASES:
        for shrinking in (True, False):
            m = SVR(
                kernel=case["kernel"],
                gamma=case["gamma"],
                C=case["c"],
                epsilon=case["epsilon"],
                tol=case["tol"],
                shrinking=shrinking,
            ).fit(x, y)
            k = rbf_kernel(x, gamma=case["gamma"]) if case["kernel"] == "rbf" else linear_kernel(x)
            beta = np.zeros(len(y))
            beta[m.support_] = m.dual_coef_[0]
            obj = 0.5 * beta @ k @ beta + case["epsilon"] * np.abs(beta).sum() - y @ beta
            out["cases"].append(
                {
                    **case,
                    "shrinking": shrinking,
                    "iterations": int(np.ravel(m.n_iter_)[0]),
                    "support": m.support_.tolist(),
                    "beta": m.dual_coef_[0].tolist(),
                    "rho": float(-m.intercept_[0]),
                    "objective": float(obj),
                    "predictions": m.predict(x).tolist(),
                }
            )
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
