#!/usr/bin/env python3
"""Reference figures from hmmlearn for mlwb's HMM (src/seq/hmm.rs).

Run from the repository root:

    pip install -r tests/reference/requirements-hmm.txt
    python3 tests/reference/make_hmm_reference.py

It reads datasets/casino_model.json and datasets/casino.csv and (re)writes
tests/reference/hmm_reference.json; tests/all/hmm_parity.rs checks the Rust code
against it. The output is deterministic (fixed seeds, numpy's PCG64 via
default_rng; floats written with Python's repr, which reads back exactly).

Cases (all indices 0-based):
- casino: the dishonest-casino model and its 2000 rolls (roll 1..6 -> symbol 0..5).
- random_a: 3 states, 5 symbols, 3 sequences sampled from the model.
- random_b: 4 states, 10 symbols, 4 sequences.
- sparse: a left-to-right model with zeros in startprob, transmat and
  emissionprob (log(0) = -inf paths, zero-masked M-step); its Baum-Welch
  uses hmmlearn's default tol = 1e-2 and stops before n_iter.
- ties: states 0 and 2 identical, so Viterbi meets exact ties at every step
  (pins hmmlearn's tie rule: first maximum at the last step, last maximising
  predecessor when back-tracking). No Baum-Welch for this one.

For each case and each sequence: the Viterbi path and its log-probability
(`decode(algorithm="viterbi")`), the log-likelihood (`score`, hmmlearn's default
implementation "log", and "scaling"), the posteriors (`predict_proba`) at a few
steps. Baum-Welch: `CategoricalHMM(init_params="", params="ste")` started from
the stored initial model, run with both implementations ("log" is hmmlearn's
default), recording `monitor_.history` (the total log-likelihood of the model
before each iteration's update) and the final parameters. `tol` is stored as
given; -1e300 means "never stop early" (all n_iter iterations).
"""
import json
import platform
import re
import sys
import warnings
from pathlib import Path

import hmmlearn
import numpy as np
from hmmlearn import hmm

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets"
OUT = Path(__file__).resolve().parent / "hmm_reference.json"


def sample(startprob, transmat, emissionprob, length, rng):
    """States and symbols of one sequence (inverse-CDF draws)."""
    z = np.empty(length, dtype=int)
    o = np.empty(length, dtype=int)
    state = rng.choice(len(startprob), p=startprob)
    for t in range(length):
        if t > 0:
            state = rng.choice(len(startprob), p=transmat[state])
        z[t] = state
        o[t] = rng.choice(emissionprob.shape[1], p=emissionprob[state])
    return z, o


def random_model(n, m, rng, conc=1.0):
    start = rng.dirichlet(np.full(n, conc))
    trans = np.vstack([rng.dirichlet(np.full(n, conc)) for _ in range(n)])
    emis = np.vstack([rng.dirichlet(np.full(m, conc)) for _ in range(n)])
    return start, trans, emis


def model_dict(start, trans, emis):
    return {
        "startprob": [float(x) for x in start],
        "transmat": [[float(x) for x in r] for r in trans],
        "emissionprob": [[float(x) for x in r] for r in emis],
    }


def make_hmm(model, **kw):
    start = np.array(model["startprob"])
    trans = np.array(model["transmat"])
    emis = np.array(model["emissionprob"])
    h = hmm.CategoricalHMM(
        n_components=len(start), n_features=emis.shape[1], init_params="", **kw
    )
    h.startprob_ = start
    h.transmat_ = trans
    h.emissionprob_ = emis
    return h


def stack(seqs):
    x = np.concatenate([np.asarray(s, dtype=int) for s in seqs])[:, None]
    return x, [len(s) for s in seqs]


def case(name, model, seqs, init=None, n_iter=10, tol=1e-2, post_steps=None):
    out = {"name": name, "model": model, "sequences": [[int(v) for v in s] for s in seqs]}
    h_log = make_hmm(model, implementation="log")
    h_sc = make_hmm(model, implementation="scaling")
    vit = []
    for s in seqs:
        x = np.asarray(s, dtype=int)[:, None]
        logp, path = h_log.decode(x, algorithm="viterbi")
        logp2, path2 = h_sc.decode(x, algorithm="viterbi")
        assert logp == logp2 and (path == path2).all()
        vit.append({"path": [int(v) for v in path], "log_prob": float(logp)})
    out["viterbi"] = vit
    x, lengths = stack(seqs)
    out["log_likelihood"] = float(h_log.score(x, lengths))
    try:
        out["log_likelihood_scaling"] = float(h_sc.score(x, lengths))
    except Exception as e:  # underflow error of the scaling implementation
        out["log_likelihood_scaling"] = None
        out["scaling_error"] = str(e)
    out["log_likelihood_per_sequence"] = [
        float(h_log.score(np.asarray(s, dtype=int)[:, None])) for s in seqs
    ]
    posts = []
    for k, s in enumerate(seqs):
        p = h_log.predict_proba(np.asarray(s, dtype=int)[:, None])
        steps = post_steps or sorted({0, min(1, len(s) - 1), len(s) // 2, len(s) - 1})
        posts.append({
            "sequence": k,
            "steps": steps,
            "posteriors": [[float(v) for v in p[t]] for t in steps],
        })
    out["posteriors"] = posts
    if init is not None:
        bw = {"init": init, "n_iter": n_iter, "tol": tol}
        for impl in ("log", "scaling"):
            h = make_hmm(init, implementation=impl, n_iter=n_iter, tol=tol,
                         params="ste", random_state=0)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                h.fit(x, lengths)
            bw[impl] = {
                "history": [float(v) for v in h.monitor_.history],
                "iterations": int(h.monitor_.iter),
                "final": model_dict(h.startprob_, h.transmat_, h.emissionprob_),
                "warnings": [str(w.message) for w in caught],
            }
        out["baum_welch"] = bw
    return out


def main():
    cases = []

    # 1. Casino.
    cm = json.loads((DATA / "casino_model.json").read_text())
    casino_model = {k: cm[k] for k in ("startprob", "transmat", "emissionprob")}
    rolls = []
    with open(DATA / "casino.csv") as f:
        header = f.readline().strip().split(",")
        col = header.index("roll")
        for line in f:
            if line.strip():
                rolls.append(int(line.split(",")[col]) - 1)
    casino_init = model_dict(
        [0.6, 0.4],
        [[0.8, 0.2], [0.3, 0.7]],
        [[0.2, 0.15, 0.15, 0.15, 0.15, 0.2], [0.12, 0.12, 0.12, 0.12, 0.12, 0.4]],
    )
    cases.append(case("casino", casino_model, [rolls], init=casino_init, n_iter=10,
                      tol=-1e300, post_steps=[0, 1, 2, 100, 1000, 1999]))

    # 2-3. Random models and sequences sampled from them.
    for name, n, m, lengths, seed, tol in (
        ("random_a", 3, 5, (200, 300, 250), 1, -1e300),
        ("random_b", 4, 10, (150, 300, 220, 180), 2, 1e-2),
    ):
        rng = np.random.default_rng(seed)
        start, trans, emis = random_model(n, m, rng)
        seqs = [sample(start, trans, emis, L, rng)[1] for L in lengths]
        init = model_dict(*random_model(n, m, rng, conc=5.0))
        cases.append(case(name, model_dict(start, trans, emis), seqs, init=init, tol=tol))

    # 4. Left-to-right model with structural zeros.
    start = np.array([1.0, 0.0, 0.0])
    trans = np.array([[0.7, 0.3, 0.0], [0.0, 0.8, 0.2], [0.0, 0.0, 1.0]])
    emis = np.array([[0.6, 0.4, 0.0, 0.0], [0.0, 0.3, 0.5, 0.2], [0.1, 0.0, 0.2, 0.7]])
    rng = np.random.default_rng(4)
    seqs = [sample(start, trans, emis, L, rng)[1] for L in (60, 80, 100)]
    init = model_dict(
        start,
        [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]],
        [[0.4, 0.3, 0.2, 0.1], [0.1, 0.4, 0.3, 0.2], [0.25, 0.25, 0.25, 0.25]],
    )
    cases.append(case("sparse", model_dict(start, trans, emis), seqs, init=init, tol=1e-2))

    # 5. Exact ties.
    third = 1.0 / 3.0
    ties = model_dict([third] * 3, [[third] * 3] * 3, [[0.5, 0.5], [0.2, 0.8], [0.5, 0.5]])
    rng = np.random.default_rng(5)
    seqs = [list(rng.integers(0, 2, size=40)), [0, 0, 0, 0], [1, 1, 1], [0]]
    cases.append(case("ties", ties, seqs))

    doc = {
        "_generated_by": "tests/reference/make_hmm_reference.py",
        "versions": {
            "python": platform.python_version(),
            "hmmlearn": hmmlearn.__version__,
            "numpy": np.__version__,
        },
        "notes": "hmmlearn CategoricalHMM; implementation 'log' is hmmlearn's default. "
                 "tol -1e300 = run all n_iter iterations.",
        "cases": cases,
    }
    text = json.dumps(doc, indent=1, sort_keys=True)
    # Lists of numbers on one line.
    text = re.sub(
        r"\[\s+([-+0-9.eE,\s]+?)\s+\]",
        lambda mt: "[" + ", ".join(v.strip() for v in mt.group(1).split(",")) + "]",
        text,
    )
    OUT.write_text(text + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)", file=sys.stderr)
    for c in cases:
        bw = c.get("baum_welch")
        if bw:
            print(c["name"], "history", bw["log"]["history"], bw["log"]["warnings"], file=sys.stderr)


if __name__ == "__main__":
    main()
