#!/usr/bin/env python3
"""Speed comparison: one training epoch of mlwb's nn engine against scikit-learn's
MLPClassifier, same network, same data, one core each, in one run.

    pip install -r tests/reference/requirements-mlp.txt
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/compare_mlp_sklearn.py
    python3 benches/compare_mlp_sklearn.py --epochs 50 --repeats 5

(On machines where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set for old OpenBLAS
builds, they slow a current numpy: unset both for this command only, as above; the
script prints which BLAS kernel numpy ran.)

Network: digits (pixels / 16), 64 -> 64 ReLU -> 10, softmax + cross-entropy, Adam
(lr 1e-3), batch 32, reshuffled every epoch; trained on the 1,347 training rows of
mlwb's stratified 75/25 split (tests/reference/mlp_split.json), tested on the other 450.

mlwb side, two ways:
- the engine: `MLWB_NN_TIMING=EPOCHS cargo bench --bench nn` (release build; built if
  needed), which trains the MLP and the VGG-style CNN for EPOCHS epochs on one thread
  and prints one JSON line with the median and minimum wall time per epoch;
- the labs as a user runs them: `target/release/mlwb run --algo mlp --json` with the
  same settings (layers=1 width=64 activation=relu optimizer=adam learning_rate=0.001
  batch_size=32 alpha=0 epochs=EPOCHS; the lab's own stratified split of digits with
  seed 0, which is the split above) and `mlwb run --algo cnn --json` (its defaults);
  the lab's `ms_per_epoch` figure is the median time of an epoch's mini-batches
  (forward, backward, update), its test pass excluded as in scikit-learn's `fit`.
Best of --repeats runs each.
scikit-learn side: MLPClassifier(hidden_layer_sizes=(64,), solver="adam",
batch_size=32, learning_rate_init=1e-3, alpha=0, max_iter=EPOCHS, tol=0,
n_iter_no_change=EPOCHS+1) with BLAS/OpenMP limited to one thread; time of `fit`
divided by EPOCHS, best of --repeats. Both sides report the final test accuracy as a
check that they trained the same kind of model (they differ by initialisation).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parents[1]


def load():
    lines = (ROOT / "datasets" / "digits.csv").read_text().splitlines()
    X = np.array([[float(v) for v in ln.split(",")[:-1]] for ln in lines[1:]]) / 16.0
    y = np.array([int(ln.split(",")[-1]) for ln in lines[1:]])
    split = json.loads((ROOT / "tests" / "reference" / "mlp_split.json").read_text())
    tr, te = split["train"], split["test"]
    return X[tr], y[tr], X[te], y[te]


def ours(epochs, repeats):
    env = dict(os.environ, MLWB_NN_TIMING=str(epochs), RAYON_NUM_THREADS="1")
    best = None
    for _ in range(repeats):
        out = subprocess.run(["cargo", "bench", "--quiet", "--bench", "nn"], cwd=ROOT, env=env,
                             check=True, capture_output=True, text=True).stdout
        line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
        r = json.loads(line)
        if best is None or r["mlp"]["ms_per_epoch_median"] < best["mlp"]["ms_per_epoch_median"]:
            best = {**(best or {}), "mlp": r["mlp"]}
        if "cnn" not in best or r["cnn"]["ms_per_epoch_median"] < best["cnn"]["ms_per_epoch_median"]:
            best["cnn"] = r["cnn"]
    return best


def lab(algo, params, repeats):
    """Best (lowest median ms/epoch) of `repeats` runs of `mlwb run --algo ALGO --json`."""
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = ROOT / "target" / "release" / "mlwb"
    args = [str(exe), "run", "--algo", algo, "--json"]
    for k, v in params.items():
        args += ["--param", f"{k}={v}"]
    best = None
    for _ in range(repeats):
        out = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        figs = {f["key"]: f["value"] for f in json.loads(out)["figures"]}
        if best is None or figs["ms_per_epoch"] < best["ms_per_epoch"]:
            best = figs
    return best


def sklearn_epoch(Xtr, ytr, Xte, yte, epochs, repeats):
    best, acc = float("inf"), None
    with threadpool_limits(1):
        for seed in range(repeats):
            clf = MLPClassifier(hidden_layer_sizes=(64,), activation="relu", solver="adam", alpha=0.0,
                                batch_size=32, learning_rate_init=1e-3, max_iter=epochs, shuffle=True,
                                tol=0.0, n_iter_no_change=epochs + 1, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                t0 = time.perf_counter()
                clf.fit(Xtr, ytr)
                dt = time.perf_counter() - t0
            if dt < best:
                best, acc = dt, float(np.mean(clf.predict(Xte) == yte))
    return best / epochs * 1e3, acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    Xtr, ytr, Xte, yte = load()
    blas = [f'{i.get("internal_api")} {i.get("version")} ({i.get("architecture")})' for i in threadpool_info()
            if i.get("user_api") == "blas"]
    print(f"numpy BLAS: {', '.join(blas) or 'unknown'}; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    sk_ms, sk_acc = sklearn_epoch(Xtr, ytr, Xte, yte, a.epochs, a.repeats)
    r = ours(a.epochs, a.repeats)
    m, c = r["mlp"], r["cnn"]
    ml = lab("mlp", {"layers": 1, "width": 64, "activation": "relu", "optimizer": "adam",
                     "learning_rate": 0.001, "batch_size": 32, "alpha": 0, "epochs": a.epochs}, a.repeats)
    cl = lab("cnn", {}, a.repeats)
    print(f"MLP 64-64-10 on digits, batch 32, Adam, {a.epochs} epochs, one thread (best of {a.repeats})")
    print(f"  {'engine':<26} {'ms/epoch':>9} {'test acc':>9}")
    print(f"  {'mlwb nn (median epoch)':<26} {m['ms_per_epoch_median']:>9.2f} {m['test_accuracy']:>9.4f}")
    print(f"  {'scikit-learn MLPClassifier':<26} {sk_ms:>9.2f} {sk_acc:>9.4f}")
    print(f"  {'mlwb run --algo mlp (lab)':<26} {ml['ms_per_epoch']:>9.2f} {ml['test_accuracy']:>9.4f}")
    print(f"  scikit-learn / mlwb engine: {sk_ms / m['ms_per_epoch_median']:.1f}x")
    print(f"  scikit-learn / mlwb mlp lab: {sk_ms / ml['ms_per_epoch']:.1f}x")
    print(f"VGG-style CNN (mlwb only): {c['ms_per_epoch_median']:.1f} ms/epoch, test accuracy {c['test_accuracy']:.4f}")
    print(f"mlwb run --algo cnn (lab defaults, {int(cl['parameters'])} parameters): "
          f"{cl['ms_per_epoch']:.1f} ms/epoch, test accuracy {cl['test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
