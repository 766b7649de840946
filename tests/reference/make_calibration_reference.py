"""Reference figures for src/metrics/calibration.rs: log loss and multi-class
ROC AUC from scikit-learn, the Brier score, ECE and the fitted temperature
from NumPy/SciPy, on fixed predictions (5 classes, 300 samples, over-confident
logits). Writes tests/reference/calibration_reference.json.

    pip install -r tests/reference/requirements-calibration.txt
    python3 tests/reference/make_calibration_reference.py
"""
import json
import pathlib

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import log_loss, roc_auc_score

rng = np.random.default_rng(7)
n, k = 300, 5
truth = rng.integers(0, k, size=n)
# Noisy evidence for the true class, scaled up: an over-confident model.
evidence = rng.normal(0.0, 1.0, size=(n, k))
evidence[np.arange(n), truth] += 1.2
logits = np.round(3.0 * evidence, 6)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


probs = softmax(logits)
onehot = np.eye(k)[truth]
brier = float(np.mean(np.sum((probs - onehot) ** 2, axis=1)))

conf = probs.max(axis=1)
pred = probs.argmax(axis=1)
bins = np.minimum(np.floor(conf * 10).astype(int), 9)
ece = 0.0
for b in range(10):
    m = bins == b
    if m.any():
        ece += m.mean() * abs((pred[m] == truth[m]).mean() - conf[m].mean())


def nll(t):
    p = softmax(logits / t)
    return -np.mean(np.log(p[np.arange(n), truth]))


res = minimize_scalar(nll, bounds=(0.01, 100.0), method="bounded", options={"xatol": 1e-10})

out = {
    "truth": truth.tolist(),
    "probs": probs.tolist(),
    "logits": logits.tolist(),
    "log_loss": float(log_loss(truth, probs, labels=list(range(k)))),
    "brier": brier,
    "ece_10": float(ece),
    "auc_ovr_macro": float(roc_auc_score(truth, probs, multi_class="ovr", average="macro")),
    "auc_ovr_weighted": float(roc_auc_score(truth, probs, multi_class="ovr", average="weighted")),
    "auc_ovo_macro": float(roc_auc_score(truth, probs, multi_class="ovo", average="macro")),
    "temperature": float(res.x),
}
path = pathlib.Path(__file__).with_name("calibration_reference.json")
path.write_text(json.dumps(out) + "\n")
print({k: v for k, v in out.items() if not isinstance(v, list)})
