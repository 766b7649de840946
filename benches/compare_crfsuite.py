#!/usr/bin/env python3
"""Speed comparison: mlwb's linear-chain CRF against CRFsuite on the bundled NER data.

    pip install -r tests/reference/requirements-crf.txt
    python3 benches/compare_crfsuite.py              # 7 rounds
    python3 benches/compare_crfsuite.py --rounds 15

Both sides train on datasets/ner_{synthetic,chatbot}_train.conll with the same
features (tests/reference/make_crf_reference.py's `token_attributes`, a mirror of
src/seq/crf.rs) and settings: L-BFGS, c1 = 0, c2 = 1, at most 100 iterations, CRFsuite's
stopping rules (both stop after the same number of iterations: 59 and 35).

mlwb side: the release build of tests/all/crf_parity.rs, test `training_time`
(`cargo test --release --test all crf_parity:: --no-run` first), run with CRF_REPEATS=1; it
times `crf::fit` in-process (attribute strings from the tokens, feature index,
L-BFGS) and prints one `CRF_TIMING {json}` line.

CRFsuite side (python-crfsuite, single-threaded C): three figures per fit
- `fit`: wall time around sklearn_crfsuite.CRF.fit on pre-built attribute lists
  (conversion into CRFsuite items, feature generation, L-BFGS, writing the model file);
- `fit+attrs`: the same plus building the attribute lists in Python;
- `lbfgs`: CRFsuite's own "Total seconds required for training" (CPU clock of the
  L-BFGS loop only, 1 ms resolution).

The machine is shared, so the two sides run interleaved, one fit each per round, and
the best of all rounds is kept. Ratios are ours / CRFsuite's (below 1 = we are faster);
the target is ours <= 2 x CRFsuite's `fit`.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ["ner_synthetic", "ner_chatbot"]


def load_reference_module():
    path = ROOT / "tests" / "reference" / "make_crf_reference.py"
    spec = importlib.util.spec_from_file_location("make_crf_reference", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_ours():
    """Builds the release test binary and returns its path."""
    out = subprocess.run(
        ["cargo", "test", "--release", "--test", "crf_parity", "--no-run",
         "--message-format=json"],
        cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    exe = None
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "crf_parity":
            exe = msg.get("executable") or exe
    if not exe:
        sys.exit("could not find the crf_parity test binary in cargo's output")
    return exe


def run_ours(exe):
    env = dict(os.environ, CRF_REPEATS="1")
    out = subprocess.run(
        [exe, "--ignored", "--exact", "training_time", "--nocapture", "--test-threads=1"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    for line in out.splitlines():
        # libtest may print "test training_time ... " before it on the same line.
        at = line.find("CRF_TIMING ")
        if at >= 0:
            return json.loads(line[at + len("CRF_TIMING "):])
    sys.exit(f"no CRF_TIMING line in the output of {exe}:\n{out}")


def run_crfsuite(ref, data):
    import sklearn_crfsuite

    res = {}
    for name in DATASETS:
        sents, tags = data[name]
        t0 = time.perf_counter()
        x = [ref.sent_attributes(s) for s in sents]
        t1 = time.perf_counter()
        crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs", c1=0.0, c2=ref.C2, max_iterations=ref.MAX_ITER,
            all_possible_transitions=False, all_possible_states=False, min_freq=0,
        )
        crf.fit(x, tags)
        t2 = time.perf_counter()
        log = crf.training_log_
        res[name] = {
            "fit": t2 - t1,
            "fit+attrs": t2 - t0,
            "lbfgs": log.training_seconds,
            "iterations": len(log.iterations),
            "objective": log.iterations[-1]["loss"],
        }
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds; the best is kept (default 7)")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be >= 1")
    ref = load_reference_module()
    data = {n: ref.read_conll(ROOT / "datasets" / f"{n}_train.conll") for n in DATASETS}
    exe = build_ours()
    best_ours = {n: None for n in DATASETS}
    best_theirs = {n: None for n in DATASETS}
    for _ in range(args.rounds):
        theirs = run_crfsuite(ref, data)
        ours = run_ours(exe)
        for n in DATASETS:
            o, t = ours[n], theirs[n]
            if best_ours[n] is None or o["fit_seconds"] < best_ours[n]["fit_seconds"]:
                best_ours[n] = o
            if best_theirs[n] is None:
                best_theirs[n] = dict(t)
            else:
                for k in ("fit", "fit+attrs", "lbfgs"):
                    best_theirs[n][k] = min(best_theirs[n][k], t[k])
    print(f"best of {args.rounds} interleaved rounds; times in ms; ratio = ours / CRFsuite")
    hdr = f"{'data set':<14}{'iters':>12}{'ours fit':>10}{'crfsuite fit':>14}{'fit+attrs':>11}{'lbfgs':>8}  ratio vs fit  vs fit+attrs  vs lbfgs"
    print(hdr)
    for n in DATASETS:
        o, t = best_ours[n], best_theirs[n]
        ms = o["fit_seconds"] * 1e3
        tf, tfa, tl = t["fit"] * 1e3, t["fit+attrs"] * 1e3, t["lbfgs"] * 1e3
        iters = f"{o['iterations']}/{t['iterations']}"
        print(f"{n:<14}{iters:>12}{ms:>10.1f}{tf:>14.1f}{tfa:>11.1f}{tl:>8.0f}"
              f"  {ms / tf:>12.2f}  {ms / tfa:>11.2f}  {ms / tl if tl else float('nan'):>8.2f}")
        print(f"{'':<14}objective ours {o['objective']:.6f}, CRFsuite {t['objective']:.6f}")
    worst = max(best_ours[n]["fit_seconds"] / best_theirs[n]["fit"] for n in DATASETS)
    print(f"target ours <= 2 x CRFsuite fit: {'met' if worst <= 2.0 else 'NOT met'} (worst ratio {worst:.2f})")


if __name__ == "__main__":
    main()
