#!/usr/bin/env python3
"""Reference figures from CRFsuite (python-crfsuite via sklearn-crfsuite) for mlwb's
linear-chain CRF (src/seq/crf.rs). Run from the repository root:

    pip install -r tests/reference/requirements-crf.txt
    python3 tests/reference/make_crf_reference.py [--dump-weights DIR]

It reads datasets/ner_{synthetic,chatbot}_{train,test}.conll and (re)writes
tests/reference/crf_reference.json, which tests/all/crf_parity.rs checks against.

Setup (the same on both sides)
- CoNLL files: `token<TAB>tag` per line, a blank line between sentences, BIO2 tags.
- Attributes per token: exactly the templates of src/seq/crf.rs (`token_attributes`),
  re-implemented below in `token_attributes`. Every attribute is passed to CRFsuite as
  a plain string (python-crfsuite gives a string item the value 1.0); boolean templates
  are emitted only when true, so no zero-valued attribute ever reaches CRFsuite.
- CRFsuite: algorithm="lbfgs", c1=0, c2=1.0, max_iterations=100,
  all_possible_transitions=False, all_possible_states=False (CRFsuite's defaults
  feature.possible_{states,transitions}=0: only (attribute, label) pairs and label
  bigrams seen in the training data become features), min_freq=0, and CRFsuite's
  L-BFGS defaults (num_memories=6, epsilon=1e-5, period=10, delta=1e-5, MoreThuente
  line search with at most 20 trials).
- CRFsuite's objective (crfsuite/lib/crf/src/train_lbfgs.c, lbfgs_evaluate) is
  `-sum log p(y|x) + c2 * ||w||^2` (gradient `+ 2 c2 w`); the "Loss" of its training
  log is that value, printed with 6 decimals.

Recorded per data set
- sizes, labels (CRFsuite's order: first appearance in training), number of
  attributes and features, iterations run, the objective after every iteration and
  the final one, training time (wall clock around `fit`, and CRFsuite's own
  "Total seconds required for training"; informational, machine-dependent),
- on the test file: entity micro P/R/F1 from seqeval's default (conlleval-style)
  mode, token accuracy, and CRFsuite's predicted tags (so the Rust test can check its
  entity-F1 helper against seqeval on the same predictions; one string per sentence,
  tags separated by spaces),
- the attributes of every token of the first training sentence (an exact check of the
  feature templates on both sides; one string per token, attributes separated by tabs).

--dump-weights DIR additionally writes DIR/<dataset>_weights.json with every state and
transition weight of the trained CRFsuite model (for an optional, #[ignore]d Rust check
that our objective at CRFsuite's weights equals CRFsuite's final loss). Those files are
not committed (too big for what they add).

Everything but the timings is deterministic; floats are rounded to 12 significant digits.
"""
import argparse
import json
import platform
import sys
import time
from pathlib import Path

import pycrfsuite
import seqeval
import sklearn_crfsuite
from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score

try:
    from importlib.metadata import version as pkg_version
except ImportError:  # pragma: no cover
    pkg_version = None

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets"
OUT = Path(__file__).resolve().parent / "crf_reference.json"
DATASETS = ["ner_synthetic", "ner_chatbot"]
C2 = 1.0
MAX_ITER = 100
SIG_DIGITS = 12


def rnd(x):
    return float(f"{x:.{SIG_DIGITS}g}")


def read_conll(path):
    """Sentences and tags of a `token<TAB>tag` file with blank lines between sentences."""
    sents, tags, s, t = [], [], [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                if s:
                    sents.append(s)
                    tags.append(t)
                    s, t = [], []
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                sys.exit(f"{path}:{lineno}: expected token<TAB>tag, got {line!r}")
            s.append(parts[0])
            t.append(parts[1])
    if s:
        sents.append(s)
        tags.append(t)
    return sents, tags


# --------------------------------------------------------------------------- features
# Mirror of src/seq/crf.rs. Character classes: `c.isupper()` / `c.islower()` are
# Unicode's derived Uppercase / Lowercase properties, as Rust's char::is_uppercase /
# is_lowercase; digits are ASCII 0-9 only; lower-casing is str.lower() (Rust's
# str::to_lowercase; the same on these files).

def is_up(c):
    return c.isupper()


def is_low(c):
    return c.islower()


def is_ascii_digit(c):
    return "0" <= c <= "9"


def word_shape(w):
    """X for an upper-case letter, x for a lower-case one, d for an ASCII digit, any
    other character itself; a run of the same shape character is cut after 4."""
    out, last, run = [], None, 0
    for c in w:
        s = "X" if is_up(c) else "x" if is_low(c) else "d" if is_ascii_digit(c) else c
        if s == last:
            run += 1
        else:
            last, run = s, 1
        if run <= 4:
            out.append(s)
    return "".join(out)


def is_title(w):
    return len(w) > 0 and is_up(w[0]) and not any(is_up(c) for c in w[1:])


def is_upper(w):
    return any(is_up(c) for c in w) and not any(is_low(c) for c in w)


def is_digit(w):
    return len(w) > 0 and all(is_ascii_digit(c) for c in w)


def token_attributes(sent, i):
    w = sent[i]
    a = ["bias", "word=" + w, "lower=" + w.lower()]
    for k in (1, 2, 3):
        if len(w) >= k:
            a.append(f"prefix{k}=" + w[:k])
    for k in (1, 2, 3):
        if len(w) >= k:
            a.append(f"suffix{k}=" + w[-k:])
    a.append("shape=" + word_shape(w))
    if is_title(w):
        a.append("is_title")
    if is_upper(w):
        a.append("is_upper")
    if is_digit(w):
        a.append("is_digit")
    if "-" in w:
        a.append("has_hyphen")
    for off, tag, edge in ((-1, "-1", "BOS"), (1, "+1", "EOS")):
        j = i + off
        if 0 <= j < len(sent):
            v = sent[j]
            a.append(f"{tag}:word=" + v)
            a.append(f"{tag}:lower=" + v.lower())
            if is_title(v):
                a.append(f"{tag}:is_title")
            if is_upper(v):
                a.append(f"{tag}:is_upper")
        else:
            a.append(edge)
    return a


def sent_attributes(sent):
    return [token_attributes(sent, i) for i in range(len(sent))]


# --------------------------------------------------------------------------- run

def versions():
    out = {"python": platform.python_version()}
    for name in ("sklearn-crfsuite", "python-crfsuite", "seqeval"):
        out[name] = pkg_version(name) if pkg_version else "unknown"
    return out


def run(name, dump_dir):
    train_path = DATA / f"{name}_train.conll"
    test_path = DATA / f"{name}_test.conll"
    s_tr, y_tr = read_conll(train_path)
    s_te, y_te = read_conll(test_path)
    x_tr = [sent_attributes(s) for s in s_tr]
    x_te = [sent_attributes(s) for s in s_te]
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=0.0,
        c2=C2,
        max_iterations=MAX_ITER,
        all_possible_transitions=False,
        all_possible_states=False,
        min_freq=0,
        verbose=False,
    )
    t0 = time.perf_counter()
    crf.fit(x_tr, y_tr)
    wall = time.perf_counter() - t0
    log = crf.training_log_
    pred = [list(p) for p in crf.predict(x_te)]
    attrs = {a for s in x_tr for tok in s for a in tok}
    curve = [rnd(it["loss"]) for it in log.iterations]
    entry = {
        "train_file": f"datasets/{train_path.name}",
        "test_file": f"datasets/{test_path.name}",
        "n_train_sentences": len(s_tr),
        "n_train_tokens": sum(map(len, s_tr)),
        "n_test_sentences": len(s_te),
        "n_test_tokens": sum(map(len, s_te)),
        "labels": list(crf.classes_),
        "n_attributes": len(attrs),
        "n_features": log.featgen_num_features,
        "n_iterations": len(log.iterations),
        "objective_curve": curve,
        "final_objective": curve[-1],
        "train_seconds_wall": round(wall, 4),
        "train_seconds_crfsuite": log.training_seconds,
        "entity_micro_f1": rnd(f1_score(y_te, pred)),
        "entity_precision": rnd(precision_score(y_te, pred)),
        "entity_recall": rnd(recall_score(y_te, pred)),
        "token_accuracy": rnd(accuracy_score(y_te, pred)),
        # One string per sentence, tags separated by single spaces (compact JSON).
        "test_predictions": [" ".join(p) for p in pred],
        # One string per token, attributes separated by tabs.
        "first_train_sentence": {
            "tokens": s_tr[0],
            "attributes": ["\t".join(a) for a in x_tr[0]],
        },
    }
    if dump_dir is not None:
        dump_dir.mkdir(parents=True, exist_ok=True)
        weights = {
            "labels": list(crf.classes_),
            "state": [[a, lab, w] for (a, lab), w in sorted(crf.state_features_.items())],
            "transition": [
                [a, b, w] for (a, b), w in sorted(crf.transition_features_.items())
            ],
            "final_objective": curve[-1],
        }
        (dump_dir / f"{name}_weights.json").write_text(json.dumps(weights), encoding="utf-8")
    print(
        f"{name}: {entry['n_features']} features, {entry['n_iterations']} iterations, "
        f"objective {entry['final_objective']}, entity F1 {entry['entity_micro_f1']:.4f}, "
        f"token accuracy {entry['token_accuracy']:.4f}, fit {wall:.3f} s "
        f"(crfsuite {log.training_seconds} s)",
        file=sys.stderr,
    )
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump-weights", type=Path, help="also write CRFsuite's weights here")
    args = ap.parse_args()
    ref = {
        "generator": "tests/reference/make_crf_reference.py",
        "versions": versions(),
        "settings": {
            "algorithm": "lbfgs",
            "c1": 0.0,
            "c2": C2,
            "max_iterations": MAX_ITER,
            "all_possible_transitions": False,
            "all_possible_states": False,
            "min_freq": 0,
            "num_memories": 6,
            "epsilon": 1e-5,
            "period": 10,
            "delta": 1e-5,
            "objective": "-sum log p(y|x) + c2 * ||w||^2",
            "entity_f1": "seqeval default mode (conlleval-style chunks), micro average",
        },
        "datasets": {name: run(name, args.dump_weights) for name in DATASETS},
    }
    text = json.dumps(ref, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    json.loads(text)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
