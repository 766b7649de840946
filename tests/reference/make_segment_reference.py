#!/usr/bin/env python3
"""Reference cuts for mlwb's Chinese word segmentation (src/seq/segment.rs).

Run from the repository root:

    pip install -r tests/reference/requirements-segment.txt
    python3 tests/reference/make_segment_reference.py

For every sentence of datasets/segment_gold.txt (spaces removed) and a few
extra sentences, records jieba's pure-HMM cut (`jieba.finalseg.cut`, the same
B/M/E/S tables as datasets/jieba_hmm.json) and, for context only, jieba's
default cut (prefix dictionary + DAG, HMM for unknown words). It also scores,
with its own code, the HMM-only cut and a forward-maximum-matching baseline
(word list = the words of the training half) against the gold test half, so
the Rust figures are checked by an independent implementation.
Writes tests/reference/segment_reference.json.
"""
import json
from pathlib import Path

import jieba
import jieba.finalseg

ROOT = Path(__file__).resolve().parents[2]
EXTRA = [
    "我来到北京清华大学",
    "他来到了网易杭研大厦",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "2024年GPT-4的准确率是86.5%，比去年高",
    "结巴分词的隐马尔可夫模型能识别未登录词",
]
TRAIN = 60


def gold():
    lines = [l.strip() for l in (ROOT / "datasets" / "segment_gold.txt").read_text(encoding="utf-8").splitlines()]
    return [l.split(" ") for l in lines if l and not l.startswith("#")]


def spans(words):
    out, i = set(), 0
    for w in words:
        out.add((i, i + len(w)))
        i += len(w)
    return out


def prf(pred, gold_sents):
    tp = npred = ngold = 0
    for p, g in zip(pred, gold_sents):
        sp, sg = spans(p), spans(g)
        tp += len(sp & sg)
        npred += len(sp)
        ngold += len(sg)
    pr, rc = tp / npred, tp / ngold
    return {"precision": pr, "recall": rc, "f1": 2 * pr * rc / (pr + rc), "tp": tp,
            "predicted": npred, "gold": ngold}


def fmm(sentence, vocab, maxlen):
    out, i = [], 0
    while i < len(sentence):
        for n in range(min(maxlen, len(sentence) - i), 0, -1):
            if n == 1 or sentence[i:i + n] in vocab:
                out.append(sentence[i:i + n])
                i += n
                break
    return out


def main():
    jieba.setLogLevel(60)
    g = gold()
    sents = ["".join(ws) for ws in g]
    hmm = [list(jieba.finalseg.cut(s)) for s in sents]
    full = [jieba.lcut(s, HMM=True) for s in sents]
    vocab = {w for ws in g[:TRAIN] for w in ws}
    maxlen = max(len(w) for w in vocab)
    test_gold = g[TRAIN:]
    fm = [fmm(s, vocab, maxlen) for s in sents[TRAIN:]]
    out = {
        "jieba": jieba.__version__,
        "train": TRAIN,
        "sentences": [{"text": s, "hmm": h, "jieba_default": f} for s, h, f in zip(sents, hmm, full)],
        "extra": [{"text": s, "hmm": list(jieba.finalseg.cut(s)), "jieba_default": jieba.lcut(s)} for s in EXTRA],
        "test_scores": {
            "hmm": prf(hmm[TRAIN:], test_gold),
            "fmm": prf(fm, test_gold),
            "jieba_default": prf(full[TRAIN:], test_gold),
        },
        "vocab_size": len(vocab),
        "max_word_len": maxlen,
    }
    dest = ROOT / "tests" / "reference" / "segment_reference.json"
    dest.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for k, v in out["test_scores"].items():
        print(f"{k:14} P={v['precision']:.4f} R={v['recall']:.4f} F1={v['f1']:.4f}")
    for e in out["extra"]:
        print(" / ".join(e["hmm"]))


if __name__ == "__main__":
    main()
