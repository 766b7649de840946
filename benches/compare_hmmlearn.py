#!/usr/bin/env python3
"""Times hmmlearn and mlwb's HMM (src/seq/hmm.rs) on the same data, in one run.

Run from the repository root:

    pip install -r tests/reference/requirements-hmm.txt
    python3 benches/compare_hmmlearn.py [--repeats 5] [--keep DATA.json]

Data (numpy default_rng(20241125), written to a temporary JSON file that the
Rust side reads): a random model with 4 states and 10 symbols (Dirichlet(1)
rows), ONE sequence of 1,000,000 steps sampled from it, and 100 sequences x
1,000 steps for Baum-Welch, started from a second random model (Dirichlet(5)
rows) and run for exactly 10 iterations (tol = -inf on both sides).

Timed, best of --repeats wall-clock runs each:
- hmmlearn 0.3.3 CategoricalHMM, implementation "log" (its default) and
  "scaling": decode(algorithm="viterbi"), score, fit (init_params="",
  params="ste");
- ours: Hmm::viterbi, Hmm::log_likelihood, Hmm::baum_welch, timed inside the
  release build of the ignored test `speed_vs_hmmlearn` in tests/all/hmm_parity.rs
  (`cargo test --release`; built before anything is timed), so process start
  and data loading are not counted on either side.

It also checks that both give the same Viterbi path (sum and first steps),
log-probability and Baum-Welch history, and prints the ratios
hmmlearn time / our time (above 1 = we are faster).
"""
import argparse
import bisect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import hmmlearn  # noqa: E402
import numpy as np  # noqa: E402
from hmmlearn import hmm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N_STATES, N_SYMBOLS = 4, 10
LONG, N_SEQS, SEQ_LEN, N_ITER = 1_000_000, 100, 1_000, 10


def random_model(rng, conc):
    start = rng.dirichlet(np.full(N_STATES, conc))
    trans = np.vstack([rng.dirichlet(np.full(N_STATES, conc)) for _ in range(N_STATES)])
    emis = np.vstack([rng.dirichlet(np.full(N_SYMBOLS, conc)) for _ in range(N_STATES)])
    return start, trans, emis


def sample(model, length, rng):
    """Symbols of one sequence, by inverse-CDF draws (searchsorted)."""
    start, trans, emis = model
    u_z = rng.random(length)
    u_o = rng.random(length)
    ct = np.cumsum(trans, axis=1)
    ce = np.cumsum(emis, axis=1)
    z = np.empty(length, dtype=np.int64)
    state = min(int(np.searchsorted(np.cumsum(start), u_z[0], side="right")), N_STATES - 1)
    z[0] = state
    rows = [list(r) for r in ct]
    for t in range(1, length):
        state = min(bisect.bisect_right(rows[state], u_z[t]), N_STATES - 1)
        z[t] = state
    o = np.empty(length, dtype=np.int64)
    for k in range(N_STATES):
        idx = np.nonzero(z == k)[0]
        o[idx] = np.minimum(np.searchsorted(ce[k], u_o[idx], side="right"), N_SYMBOLS - 1)
    return o


def as_dict(model):
    start, trans, emis = model
    return {"startprob": start.tolist(), "transmat": trans.tolist(), "emissionprob": emis.tolist()}


def make(model, impl, **kw):
    start, trans, emis = model
    h = hmm.CategoricalHMM(n_components=N_STATES, n_features=N_SYMBOLS, init_params="",
                           implementation=impl, **kw)
    h.startprob_, h.transmat_, h.emissionprob_ = start, trans, emis
    return h


def best_of(repeats, f):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--keep", help="also write the data file here")
    args = ap.parse_args()

    rng = np.random.default_rng(20241125)
    model = random_model(rng, 1.0)
    init = random_model(rng, 5.0)
    long_seq = sample(model, LONG, rng)
    seqs = [sample(model, SEQ_LEN, rng) for _ in range(N_SEQS)]
    data = {
        "model": as_dict(model),
        "bw_init": as_dict(init),
        "viterbi_seq": long_seq.tolist(),
        "bw_seqs": [s.tolist() for s in seqs],
        "n_iter": N_ITER,
        "repeats": args.repeats,
    }
    tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(data, tmp)
    tmp.close()
    if args.keep:
        Path(args.keep).write_text(json.dumps(data))

    # Build first (not timed), then run the timing test.
    env = dict(os.environ, HMM_BENCH_DATA=tmp.name)
    cmd = ["cargo", "test", "--release", "--test", "hmm_parity", "--", "--ignored", "--exact",
           "speed_vs_hmmlearn", "--nocapture"]
    subprocess.run(["cargo", "test", "--release", "--test", "hmm_parity", "--no-run"], cwd=ROOT,
                   check=True, env=env)
    out = subprocess.run(cmd, cwd=ROOT, check=True, env=env, capture_output=True, text=True).stdout
    os.unlink(tmp.name)
    line = next(l for l in out.splitlines() if l.startswith("HMM_BENCH "))
    ours = json.loads(line[len("HMM_BENCH "):])

    x_long = long_seq[:, None]
    x_bw = np.concatenate(seqs)[:, None]
    lengths = [SEQ_LEN] * N_SEQS
    rows = []
    agree = []
    for impl in ("log", "scaling"):
        h = make(model, impl)
        t_vit, (logp, path) = best_of(args.repeats, lambda: h.decode(x_long, algorithm="viterbi"))
        t_ll, ll = best_of(args.repeats, lambda: h.score(x_long))

        def fit():
            f = make(init, impl, n_iter=N_ITER, tol=-np.inf, params="ste")
            f.fit(x_bw, lengths)
            return list(f.monitor_.history)

        t_bw, hist = best_of(args.repeats, fit)
        rows.append((impl, t_vit, t_ll, t_bw))
        same_path = (int(path.sum()) == ours["viterbi_path_sum"]
                     and path[:20].tolist() == ours["viterbi_path_head"])
        rel_lp = abs(logp - ours["viterbi_log_prob"]) / abs(logp)
        rel_ll = abs(ll - ours["log_likelihood"]) / abs(ll)
        rel_h = max(abs(a - b) / abs(a) for a, b in zip(hist, ours["history"]))
        agree.append((impl, same_path, rel_lp, rel_ll, rel_h, len(hist) == len(ours["history"])))

    print(f"hmmlearn {hmmlearn.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}; best of {args.repeats}")
    print(f"Viterbi / score: 1 sequence x {LONG:,} steps; Baum-Welch: {N_SEQS} x {SEQ_LEN:,} steps, "
          f"{N_ITER} iterations; {N_STATES} states, {N_SYMBOLS} symbols")
    print()
    print(f"{'operation':<22}{'hmmlearn log':>14}{'hmmlearn scaling':>18}{'mlwb':>10}"
          f"{'ratio (log)':>13}{'ratio (scaling)':>17}")
    ops = [("viterbi", 1, "viterbi_s"), ("score (forward)", 2, "score_s"), ("baum-welch x10", 3, "baum_welch_s")]
    for name, i, key in ops:
        log_t, sc_t, me = rows[0][i], rows[1][i], ours[key]
        print(f"{name:<22}{log_t * 1e3:>12.1f}ms{sc_t * 1e3:>16.1f}ms{me * 1e3:>8.1f}ms"
              f"{log_t / me:>12.1f}x{sc_t / me:>16.1f}x")
    print()
    for impl, same_path, rel_lp, rel_ll, rel_h, same_len in agree:
        print(f"check vs {impl}: same Viterbi path: {same_path}; relative differences: "
              f"Viterbi log-prob {rel_lp:.1e}, log-likelihood {rel_ll:.1e}, "
              f"Baum-Welch history {rel_h:.1e} (same length: {same_len})")
    ok = all(a[1] and a[2] < 1e-6 and a[3] < 1e-6 and a[4] < 1e-6 and a[5] for a in agree)
    if not ok:
        print("MISMATCH between hmmlearn and mlwb", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
