#!/usr/bin/env python3
"""Reference figures from plain NumPy for mlwb's attention calculator
(src/labs/attention.rs) and the engine's scaled dot-product attention.

Run from the repository root:

    pip install -r tests/reference/requirements-attention.txt
    python3 tests/reference/make_attention_reference.py

It draws one example with NumPy's own generator (default_rng(7)): X [seq,
d_model] ~ N(0, 1) and W_Q, W_K, W_V, W_O [d_model, d_model] ~ N(0,
1/d_model), and writes the inputs together with, for each case (mask none,
padding of the last 2 tokens, causal; scaled by 1/sqrt(d_k) or not), every
step of multi-head attention computed as the textbook writes it:

    Q = X W_Q, K = X W_K, V = X W_V
    head h uses columns h*d_k:(h+1)*d_k
    S_h = Q_h K_h^T (/ sqrt(d_k)),  masked entries -> -inf
    A_h = softmax(S_h) row-wise,  O_h = A_h V_h
    concat = [O_1 ... O_H],  out = concat W_O

The Rust side (tests/attention_reference.rs) reads the inputs from the JSON,
so the two never share a random generator. Floats are written with Python's
repr, which reads back exactly.
"""
import json
import platform
from pathlib import Path

import numpy as np

SEQ, HEADS, D_K = 5, 2, 3
D_MODEL = HEADS * D_K
PAD = 2


def mask_matrix(kind):
    i, j = np.indices((SEQ, SEQ))
    if kind == "none":
        return np.ones((SEQ, SEQ))
    if kind == "padding":
        return (j < SEQ - PAD).astype(float)
    return (j <= i).astype(float)


def softmax_masked(s, m):
    s = np.where(m > 0.5, s, -np.inf)
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def main():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((SEQ, D_MODEL))
    w = {n: rng.standard_normal((D_MODEL, D_MODEL)) / np.sqrt(D_MODEL) for n in ("wq", "wk", "wv", "wo")}
    q, k, v = x @ w["wq"], x @ w["wk"], x @ w["wv"]
    cases = []
    for kind in ("none", "padding", "causal"):
        for scale in (True, False):
            m = mask_matrix(kind)
            heads = []
            outs = []
            for h in range(HEADS):
                c = slice(h * D_K, (h + 1) * D_K)
                s = q[:, c] @ k[:, c].T
                scaled = s / np.sqrt(D_K) if scale else s
                a = softmax_masked(scaled, m)
                o = a @ v[:, c]
                outs.append(o)
                heads.append({"scores": s.tolist(), "weights": a.tolist(), "out": o.tolist()})
            concat = np.concatenate(outs, axis=1)
            cases.append({
                "mask": kind,
                "pad": PAD if kind == "padding" else 0,
                "scale": scale,
                "heads": heads,
                "concat": concat.tolist(),
                "out": (concat @ w["wo"]).tolist(),
            })
    ref = {
        "generator": f"numpy {np.__version__}, python {platform.python_version()}",
        "seq": SEQ,
        "heads": HEADS,
        "d_k": D_K,
        "x": x.tolist(),
        **{n: m.tolist() for n, m in w.items()},
        "cases": cases,
    }
    out = Path(__file__).with_name("attention_reference.json")
    out.write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
