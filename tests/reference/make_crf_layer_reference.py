"""Reference figures for the CRF layer of the BiLSTM-CRF (src/nn/crf.rs).

For a few random cases (emissions [T, L], transitions [L, L], start and end
scores [L], a gold path) this computes, by enumerating every tag path with
NumPy (no recursion shared with the Rust code):
  * log Z = logsumexp over all paths of score(path),
  * the gold path's score and the loss log Z - score(gold),
  * the gradient of the loss: token marginals minus the gold one-hot for the
    emissions, expected minus gold transition counts, likewise start/end,
  * the best path (Viterbi's answer; ties cannot happen with random reals).
score(y) = start[y0] + sum_t E[t, y_t] + sum_{t>=1} A[y_{t-1}, y_t] + end[y_{T-1}].

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install -r tests/reference/requirements-crf-layer.txt
     /tmp/v/bin/python tests/reference/make_crf_layer_reference.py
Writes tests/reference/crf_layer_reference.json.
"""

import itertools
import json
import pathlib

import numpy as np


def case(rng, t_len, n_tags):
    emit = rng.normal(scale=1.5, size=(t_len, n_tags))
    trans = rng.normal(size=(n_tags, n_tags))
    start = rng.normal(size=n_tags)
    end = rng.normal(size=n_tags)
    gold = rng.integers(0, n_tags, size=t_len)
    paths = np.array(list(itertools.product(range(n_tags), repeat=t_len)))
    scores = (
        start[paths[:, 0]]
        + end[paths[:, -1]]
        + emit[np.arange(t_len)[None, :], paths].sum(axis=1)
        + (trans[paths[:, :-1], paths[:, 1:]].sum(axis=1) if t_len > 1 else 0.0)
    )
    m = scores.max()
    log_z = m + np.log(np.exp(scores - m).sum())
    prob = np.exp(scores - log_z)
    gold_score = (
        start[gold[0]]
        + end[gold[-1]]
        + emit[np.arange(t_len), gold].sum()
        + (trans[gold[:-1], gold[1:]].sum() if t_len > 1 else 0.0)
    )
    d_emit = np.zeros((t_len, n_tags))
    d_trans = np.zeros((n_tags, n_tags))
    d_start = np.zeros(n_tags)
    d_end = np.zeros(n_tags)
    for p, w in zip(paths, prob):
        d_emit[np.arange(t_len), p] += w
        d_start[p[0]] += w
        d_end[p[-1]] += w
        for a, b in zip(p[:-1], p[1:]):
            d_trans[a, b] += w
    d_emit[np.arange(t_len), gold] -= 1.0
    d_start[gold[0]] -= 1.0
    d_end[gold[-1]] -= 1.0
    for a, b in zip(gold[:-1], gold[1:]):
        d_trans[a, b] -= 1.0
    best = paths[int(np.argmax(scores))]
    return {
        "emissions": emit.tolist(),
        "transitions": trans.tolist(),
        "start": start.tolist(),
        "end": end.tolist(),
        "gold": gold.tolist(),
        "log_z": float(log_z),
        "gold_score": float(gold_score),
        "nll": float(log_z - gold_score),
        "d_emissions": d_emit.tolist(),
        "d_transitions": d_trans.tolist(),
        "d_start": d_start.tolist(),
        "d_end": d_end.tolist(),
        "viterbi": best.tolist(),
        "best_score": float(scores.max()),
    }


def main():
    rng = np.random.default_rng(20261207)
    cases = [case(rng, t, l) for t, l in [(1, 3), (3, 2), (4, 3), (5, 4), (6, 5)]]
    out = {"numpy": np.__version__, "cases": cases}
    path = pathlib.Path(__file__).with_name("crf_layer_reference.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
