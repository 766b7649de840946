#!/usr/bin/env python3
"""Reference for the relation-extraction lab's scorer (`labs::relation::
score_labels`): scikit-learn's per-label precision/recall/F1 and its micro
and macro F1 over the relation labels (class 0 = no_relation left out), on
fixed random predictions. Writes relation_f1_reference.json.

python3 -m venv /tmp/skl && /tmp/skl/bin/pip install -r tests/reference/requirements-relation.txt
/tmp/skl/bin/python tests/reference/make_relation_f1_reference.py
"""
import json
import os

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

rng = np.random.default_rng(20261207)
cases = []
for n, k, noise in [(300, 6, 0.3), (120, 4, 0.6), (50, 6, 0.9)]:
    gold = rng.integers(0, k, size=n)
    # Mostly right, some random: every kind of error occurs.
    pred = np.where(rng.random(n) < noise, rng.integers(0, k, size=n), gold)
    labels = list(range(1, k))
    p, r, f, s = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0)
    cases.append({
        "gold": gold.tolist(),
        "pred": pred.tolist(),
        "labels": labels,
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": s.tolist(),
        "micro_f1": float(f1_score(gold, pred, labels=labels, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
    })
# A label never predicted and never true: F1 0 by zero_division, still in the macro mean.
gold = [0, 1, 1, 2, 0]
pred = [1, 1, 0, 2, 0]
labels = [1, 2, 3]
p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
cases.append({
    "gold": gold, "pred": pred, "labels": labels,
    "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
    "micro_f1": float(f1_score(gold, pred, labels=labels, average="micro", zero_division=0)),
    "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
})
import sklearn
out = {"generator": "make_relation_f1_reference.py", "sklearn": sklearn.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "relation_f1_reference.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", path)
