#!/usr/bin/env python3
"""Sparse text classification: `mlwb run` against scikit-learn's sparse pipeline.

    python3 -m venv /tmp/venv-text && /tmp/venv-text/bin/pip install -r benches/requirements-text.txt
    cargo build --release
    /tmp/venv-text/bin/python benches/compare_text_sklearn.py [--quick]

Two generated corpora (seeded, written to a temporary directory as text,label CSVs):
- "zipf40k": 40,000 documents of 20-80 words drawn from an 80,000-word Zipf(1.0) law,
  4 classes each favouring 200 words of its own (6% of its tokens);
- "msg5k": 5,000 short messages (4-30 words) from a 12,000-word Zipf(1.05) law, two
  classes at 87/13 (an SMS-spam-like balance), the rarer one drawing 30% of its tokens from 150 words of its own.

Every run is a child process, one at a time, timed by wall clock around it; its peak
resident set size comes from os.wait4 (the child alone). Both sides do the same work:
read the CSV, TF-IDF (default TfidfVectorizer: token pattern, smooth idf, L2 rows)
fitted on the training rows, fit, predict the held-out rows; with --cv 5 also 5
stratified folds, vectoriser refitted per fold.
- mlwb: `mlwb run --algo A --dataset F --seed 0 --json [--cv 5]` (75/25 stratified split).
- scikit-learn: `python3 THIS --child ...` -> csv module, train_test_split(stratify,
  test_size=0.25, random_state=0), Pipeline(TfidfVectorizer, model), cross_val_score
  with StratifiedKFold(5, shuffle=True, random_state=0). MultinomialNB(alpha=1);
  LogisticRegression(C=1, solver="lbfgs", max_iter=1000, tol=1e-6 — the tolerance mlwb
  uses; scikit-learn's default 1e-4 is printed as a second row); LinearSVC(C=1);
  SVC(kernel="rbf", gamma="scale", C=1). One BLAS thread.
The scikit-learn process time includes starting Python and importing scikit-learn;
its "in-process" column excludes that (read + vectorise + fit + predict only).
Accuracies come from different (equally sized, stratified) splits, so they agree only
to within sampling noise.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BIN = ROOT / "target" / "release" / "mlwb"


def zipf_corpus(path, n_docs, vocab, s, n_classes, weights, own, own_share, lo, hi, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1) ** s
    p /= p.sum()
    labels = rng.choice(n_classes, size=n_docs, p=weights)
    lengths = rng.integers(lo, hi + 1, size=n_docs)
    total = int(lengths.sum())
    common = rng.choice(vocab, size=total, p=p)
    pick_own = rng.random(total) < own_share
    own_idx = rng.integers(0, own, size=total)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("text,label\n")
        pos = 0
        for d in range(n_docs):
            c = int(labels[d])
            ws = []
            for k in range(pos, pos + int(lengths[d])):
                if pick_own[k] and (n_classes > 2 or c == 1):
                    w = 1000 + c * own + int(own_idx[k])
                else:
                    w = int(common[k])
                ws.append(f"w{w}")
            pos += int(lengths[d])
            f.write(" ".join(ws) + f",c{c}\n")


def child(args):
    """One scikit-learn run (in its own process); prints a JSON line."""
    t_start = time.perf_counter()
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC, LinearSVC

    t0 = time.perf_counter()
    with open(args.child_csv, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    texts = [r[0] for r in rows]
    y = np.array([r[1] for r in rows])
    models = {
        "multinomial-nb": lambda: MultinomialNB(alpha=1.0),
        "logistic-regression": lambda: LogisticRegression(C=1.0, max_iter=1000, tol=1e-6),
        "logistic-regression-tol1e-4": lambda: LogisticRegression(C=1.0, max_iter=1000),
        "linear-svm": lambda: LinearSVC(C=1.0),
        "svm": lambda: SVC(C=1.0, kernel="rbf", gamma="scale"),
    }
    make = models[args.child]
    tr, te = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=0)
    pipe = make_pipeline(TfidfVectorizer(), make())
    pipe.fit([texts[i] for i in tr], y[tr])
    acc = float(np.mean(pipe.predict([texts[i] for i in te]) == y[te]))
    vocab = len(pipe[0].vocabulary_)
    cv = None
    if args.cv:
        folds = StratifiedKFold(args.cv, shuffle=True, random_state=0)
        cv = float(np.mean(cross_val_score(make_pipeline(TfidfVectorizer(), make()), texts, y,
                                           cv=folds)))
    t1 = time.perf_counter()
    print(json.dumps({"accuracy": acc, "cv": cv, "vocab": vocab, "work_s": t1 - t0,
                      "import_s": t0 - t_start}))


def measure(cmd):
    """Wall seconds, peak RSS (MB) of this child alone, stdout."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Read the pipes on threads so a large output cannot block the child,
    # then reap it ourselves to get its own rusage.
    import threading

    chunks = {"out": b"", "err": b""}

    def drain(name, stream):
        chunks[name] = stream.read()

    ts = [threading.Thread(target=drain, args=("out", p.stdout)),
          threading.Thread(target=drain, args=("err", p.stderr))]
    for t in ts:
        t.start()
    _, status, ru = os.wait4(p.pid, 0)
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss / 1024.0, code, chunks["out"].decode(), chunks["err"].decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(DEFAULT_BIN))
    ap.add_argument("--quick", action="store_true", help="a tenth of each corpus")
    ap.add_argument("--only", default="", help="comma-separated corpus names")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-csv", help=argparse.SUPPRESS)
    ap.add_argument("--cv", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    scale = 10 if args.quick else 1
    tmp = Path(tempfile.mkdtemp(prefix="mlwb-text-"))
    corpora = {
        "zipf40k": dict(n_docs=40_000 // scale, vocab=80_000, s=1.0, n_classes=4,
                        weights=[0.25] * 4, own=200, own_share=0.06, lo=20, hi=80, seed=1),
        "msg5k": dict(n_docs=5_000 // scale, vocab=12_000, s=1.05, n_classes=2,
                      weights=[0.87, 0.13], own=150, own_share=0.3, lo=4, hi=30, seed=2),
    }
    plan = {
        "zipf40k": (0, ["multinomial-nb", "logistic-regression", "linear-svm"]),
        "msg5k": (5, ["multinomial-nb", "logistic-regression", "linear-svm", "svm"]),
    }
    only = [o for o in args.only.split(",") if o]
    print(f"{'corpus':<9} {'algorithm':<28} {'mlwb s':>8} {'skl s':>8} {'skl in-proc':>11} "
          f"{'ratio':>6} {'mlwb MB':>8} {'skl MB':>7} {'mlwb acc':>9} {'skl acc':>8} {'vocab':>13}")
    for name, spec in corpora.items():
        if only and name not in only:
            continue
        path = tmp / f"{name}.csv"
        zipf_corpus(path, **spec)
        cv, algos = plan[name]
        rows = list(algos)
        if "logistic-regression" in rows:
            rows.insert(rows.index("logistic-regression") + 1, "logistic-regression-tol1e-4")
        for algo in rows:
            skl = [sys.executable, __file__, "--child", algo, "--child-csv", str(path)]
            if cv:
                skl += ["--cv", str(cv)]
            s_wall, s_mb, s_code, s_out, s_err = measure(skl)
            s = json.loads(s_out) if s_code == 0 else {}
            m = {}
            m_wall = m_mb = float("nan")
            if algo != "logistic-regression-tol1e-4":
                cmd = [args.bin, "run", "--algo", algo, "--dataset", str(path), "--seed", "0",
                       "--json"]
                if cv:
                    cmd += ["--cv", str(cv)]
                m_wall, m_mb, m_code, m_out, m_err = measure(cmd)
                if m_code == 0:
                    m = json.loads(m_out)
                else:
                    m = {"error": m_err.strip().splitlines()[-1] if m_err.strip() else "failed"}
            acc_m = (m.get("cv") or {}).get("mean") if cv else (m.get("metrics") or {}).get("accuracy")
            acc_s = s.get("cv") if cv else s.get("accuracy")
            vocab = f"{((m.get('text') or {}).get('vocabulary_size') or '-')}/{s.get('vocab', '-')}"
            fmt = lambda v, f: (f"{v:{f}}" if isinstance(v, float) and v == v else "-")
            print(f"{name:<9} {algo:<28} {fmt(m_wall, '8.2f'):>8} {fmt(s_wall, '8.2f'):>8} "
                  f"{fmt(s.get('work_s', float('nan')), '11.2f'):>11} "
                  f"{fmt(m_wall / s_wall if s_wall else float('nan'), '6.2f'):>6} "
                  f"{fmt(m_mb, '8.0f'):>8} {fmt(s_mb, '7.0f'):>7} "
                  f"{fmt(acc_m, '9.4f') if acc_m is not None else '-':>9} "
                  f"{fmt(acc_s, '8.4f') if acc_s is not None else '-':>8} {vocab:>13}",
                  flush=True)
            if "error" in m:
                print(f"          mlwb: {m['error']}")
            if s_code != 0:
                print(f"          scikit-learn failed: {s_err.strip().splitlines()[-1:]}")
    print("ratio = mlwb wall / scikit-learn wall (whole processes); accuracy: test split, or "
          "the 5-fold CV mean on msg5k")


if __name__ == "__main__":
    main()
