#!/usr/bin/env python3
"""Reference figures from scikit-learn's MLPClassifier for mlwb's nn engine.

Run from the repository root:

    pip install -r tests/reference/requirements-mlp.txt
    cargo test --lib nn::tests::write_mlp_split -- --ignored   # (re)writes mlp_split.json
    python3 tests/reference/make_mlp_reference.py

It reads datasets/digits.csv and tests/reference/mlp_split.json (mlwb's own
stratified 75/25 split, `crate::data::split::stratified_split(y, 10, 0.25, 0)`, written
by the ignored Rust test above, so both sides train and test on exactly the same
rows) and writes tests/reference/mlp_reference.json, which the test
`nn::tests::mlp_on_digits_matches_scikit_learn` reads (CI needs no Python).

Setup, identical on both sides: inputs = pixels / 16 (exact in binary floating
point); one hidden layer of 64 ReLU units; softmax output with cross-entropy;
Adam (lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8); mini-batches of 32, reshuffled
every epoch; L2 alpha = 1e-4 on the weights (not the biases), added to each batch's
loss as alpha / (2 * batch) * sum ||W||^2; EPOCHS full epochs (no early stopping:
tol = 0 and n_iter_no_change > max_iter). Initialisation and shuffling differ by
construction (their RNG, ours), so the reference is the mean, min and max over
random_state 0..9 of the final test accuracy and final training loss
(`loss_curve_[-1]`, which includes the L2 term as ours does).

Deterministic: one BLAS/OpenMP thread, fixed seeds, sorted keys, floats rounded to
12 significant digits.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EPOCHS = 10
PARAMS = {
    "hidden_layer_sizes": [64],
    "activation": "relu",
    "solver": "adam",
    "alpha": 1e-4,
    "batch_size": 32,
    "learning_rate_init": 1e-3,
    "max_iter": EPOCHS,
    "shuffle": True,
    "tol": 0.0,
    "n_iter_no_change": EPOCHS + 1,
}
SEEDS = range(10)


def rnd(x):
    return float(f"{float(x):.12g}")


def load_digits_csv():
    """Pixels parsed with float() (correctly rounded, like Rust's parse::<f64>); int labels."""
    lines = (ROOT / "datasets" / "digits.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert header[-1] == "target", header[-1]
    X = np.array([[float(v) for v in ln.split(",")[:-1]] for ln in lines[1:]], dtype=np.float64)
    y = np.array([int(ln.split(",")[-1]) for ln in lines[1:]])
    return X, y


def summary(values):
    return {"mean": rnd(np.mean(values)), "min": rnd(np.min(values)), "max": rnd(np.max(values)),
            "per_seed": [rnd(v) for v in values]}


def main():
    X, y = load_digits_csv()
    X = X / 16.0
    split = json.loads((HERE / "mlp_split.json").read_text())
    train, test = split["train"], split["test"]
    assert sorted(set(train) | set(test)) == list(range(len(y))), "split must cover every row once"
    accs, losses = [], []
    for seed in SEEDS:
        clf = MLPClassifier(random_state=seed, **{**PARAMS, "hidden_layer_sizes": tuple(PARAMS["hidden_layer_sizes"])})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X[train], y[train])
        assert clf.n_iter_ == EPOCHS, clf.n_iter_
        accs.append(float(np.mean(clf.predict(X[test]) == y[test])))
        losses.append(float(clf.loss_curve_[-1]))
    out = {
        "_header": "Written by tests/reference/make_mlp_reference.py; read by nn::tests::mlp_on_digits_matches_scikit_learn.",
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scikit-learn": sklearn.__version__},
        "dataset": "digits (pixels / 16)",
        "params": PARAMS,
        "random_states": list(SEEDS),
        "split": {"seed": split["seed"], "test_size": split["test_size"], "train": train, "test": test},
        "test_accuracy": summary(accs),
        "final_train_loss": summary(losses),
    }
    (HERE / "mlp_reference.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"test accuracy over random_state 0..9: mean {np.mean(accs):.4f} "
          f"(min {np.min(accs):.4f}, max {np.max(accs):.4f}); final loss mean {np.mean(losses):.4f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
