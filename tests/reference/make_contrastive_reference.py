"""NT-Xent (SimCLR) and CLIP loss values on a fixed input, in plain NumPy,
for src/nn/tests.rs (which composes the same losses on our tape).

Run: python3 -m venv /tmp/venv-x && /tmp/venv-x/bin/pip install -r
tests/reference/requirements-contrastive.txt && /tmp/venv-x/bin/python
tests/reference/make_contrastive_reference.py
"""
import json
import os

import numpy as np


def fixed_z(m, d):
    i = np.arange(m)[:, None]
    j = np.arange(d)[None, :]
    return np.sin(0.7 * i + 1.3 * j) + 0.1 * j


def normalise(z):
    return z / np.sqrt((z * z).sum(axis=1, keepdims=True) + 1e-12)


def nt_xent(z, tau, negatives=True):
    m = z.shape[0]
    n = m // 2
    u = normalise(z)
    s = u @ u.T / tau
    twin = (np.arange(m) + n) % m
    pos = s[np.arange(m), twin]
    if not negatives:
        return float(-pos.mean())
    s = s.copy()
    np.fill_diagonal(s, -np.inf)
    mx = s.max(axis=1)
    lse = np.log(np.exp(s - mx[:, None]).sum(axis=1)) + mx
    return float((lse - pos).mean())


def clip(a, b, tau):
    s = normalise(a) @ normalise(b).T / tau
    n = s.shape[0]

    def ce(logits):
        mx = logits.max(axis=1)
        lse = np.log(np.exp(logits - mx[:, None]).sum(axis=1)) + mx
        return (lse - logits[np.arange(n), np.arange(n)]).mean()

    return float((ce(s) + ce(s.T)) / 2)


z = fixed_z(6, 4)
out = {
    "z": z.tolist(),
    "nt_xent_tau_0.5": nt_xent(z, 0.5),
    "nt_xent_tau_0.1": nt_xent(z, 0.1),
    "positive_only_tau_0.5": nt_xent(z, 0.5, negatives=False),
    "clip_tau_0.2": clip(z[:3], z[3:], 0.2),
    "numpy": np.__version__,
}
path = os.path.join(os.path.dirname(__file__), "contrastive_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out, indent=1))
