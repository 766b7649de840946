#!/usr/bin/env python3
"""Reference for the gen-vs-disc lab (`labs::gen_disc::errors`): test errors
of scikit-learn's GaussianNB / MultinomialNB and LogisticRegression on fixed
random draws of the bundled breast_cancer, wine and sentiment_amazon sets.
Tabular: GaussianNB on raw features; StandardScaler fitted on the draw, then
LogisticRegression(C=1, tol=1e-6, max_iter=1000). Text: CountVectorizer
fitted on the draw; MultinomialNB(alpha=1) and the same LogisticRegression
on the counts. Writes gen_disc_reference.json (indices are row numbers of
the CSV, 0-based, header excluded).

python3 -m venv /tmp/skl && /tmp/skl/bin/pip install -r tests/reference/requirements-relation.txt
/tmp/skl/bin/python tests/reference/make_gen_disc_reference.py
"""
import csv
import json
import os

import numpy as np
import sklearn
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "datasets")


def load(name):
    with open(os.path.join(DATA, name + ".csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    classes = sorted({r["target"] for r in rows})
    y = np.array([classes.index(r["target"]) for r in rows])
    if name == "sentiment_amazon":
        return [r["text"] for r in rows], y
    cols = [c for c in rows[0].keys() if c != "target"]
    return np.array([[float(r[c]) for c in cols] for r in rows]), y


def lr():
    return LogisticRegression(C=1.0, tol=1e-6, max_iter=1000)


rng = np.random.default_rng(20261207)
cases = []
for name, sizes in [("breast_cancer", [16, 64, 256]), ("wine", [12, 48]),
                    ("sentiment_amazon", [32, 128, 512])]:
    x, y = load(name)
    n = len(y)
    perm = rng.permutation(n)
    test = np.sort(perm[: int(0.3 * n)])
    pool = perm[int(0.3 * n):]
    for m in sizes:
        for _ in range(2):
            while True:
                train = np.sort(rng.choice(pool, size=m, replace=False))
                if len(set(y[train])) == len(set(y)):
                    break
            if name == "sentiment_amazon":
                cv = CountVectorizer()
                xtr = cv.fit_transform([x[i] for i in train])
                xte = cv.transform([x[i] for i in test])
                nb = MultinomialNB(alpha=1.0).fit(xtr, y[train])
                nb_err = float(np.mean(nb.predict(xte) != y[test]))
                model = lr().fit(xtr, y[train])
                lr_err = float(np.mean(model.predict(xte) != y[test]))
            else:
                nb = GaussianNB().fit(x[train], y[train])
                nb_err = float(np.mean(nb.predict(x[test]) != y[test]))
                sc = StandardScaler().fit(x[train])
                model = lr().fit(sc.transform(x[train]), y[train])
                lr_err = float(np.mean(model.predict(sc.transform(x[test])) != y[test]))
            cases.append({"dataset": name, "train": train.tolist(), "test": test.tolist(),
                          "nb_error": nb_err, "lr_error": lr_err})
out = {"generator": "make_gen_disc_reference.py", "sklearn": sklearn.__version__, "cases": cases}
with open(os.path.join(HERE, "gen_disc_reference.json"), "w") as f:
    json.dump(out, f)
for c in cases:
    print(c["dataset"], len(c["train"]), c["nb_error"], c["lr_error"])
