#!/usr/bin/env python3
"""Reference BLEU figures for mlwb's corpus BLEU (src/metrics/bleu.rs).

Run from the repository root:

    pip install -r tests/reference/requirements-bleu.txt
    python3 tests/reference/make_bleu_reference.py

Writes tests/reference/bleu_reference.json. For the cases where every
hypothesis has at least 4 tokens the figure is NLTK's corpus_bleu (default
weights 0.25 x 4, no smoothing); the script also checks that a plain pooled
count written here (Papineni et al. 2002) agrees with it. NLTK adds 1 to the
n-gram denominator for a hypothesis shorter than n, which the paper and
sacreBLEU do not; the "short" case (3-token hypotheses) therefore records the
plain pooled count and NLTK's figure beside it, for the record.
"""
import json
import math
from collections import Counter
from fractions import Fraction
from pathlib import Path

import nltk
from nltk.translate.bleu_score import corpus_bleu, modified_precision


def plain_bleu(refs, hyps):
    matched, total = [0] * 4, [0] * 4
    c = r = 0
    for ref, hyp in zip(refs, hyps):
        c += len(hyp)
        r += len(ref)
        for n in range(1, 5):
            hc = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            rc = Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            matched[n - 1] += sum(min(k, rc[g]) for g, k in hc.items())
            total[n - 1] += sum(hc.values())
    p = [m / t if t else 0.0 for m, t in zip(matched, total)]
    bp = 0.0 if c == 0 else (1.0 if c > r else math.exp(1 - r / c))
    score = 0.0 if min(p) <= 0 else bp * math.exp(sum(math.log(x) for x in p) / 4)
    return score, p


CASES = [
    ("reversal_outputs",
     ["9 8 7 6 5", "1 2 3 4 5 6", "0 0 1 2 3 4 7", "5 5 5 5"],
     ["9 8 7 6 5", "1 2 4 3 5 6", "0 0 1 2 3 4", "5 5 5 5 5"]),
    ("short_hypotheses_penalised",
     ["3 1 4 1 5 9 2 6", "2 7 1 8 2 8"],
     ["3 1 4 1 5", "2 7 1 8 2 8"]),
    ("longer_than_reference",
     ["a b c d e", "f g h i"],
     ["a b c d e e", "f g h i j k"]),
    ("repeated_tokens_clipped",
     ["the cat sat on the mat", "there is a cat on the mat"],
     ["the the the the the the", "there is a cat on a mat"]),
]

SHORT = ("short", ["1 2 3", "4 5 6 7 8"], ["1 2 3", "4 5 6 7 9"])


def main():
    out = []
    for name, refs, hyps in CASES:
        r = [s.split() for s in refs]
        h = [s.split() for s in hyps]
        assert all(len(x) >= 4 for x in h)
        nl = corpus_bleu([[x] for x in r], h)
        ours, p = plain_bleu(r, h)
        assert abs(nl - ours) < 1e-12, (name, nl, ours)
        out.append({"name": name, "refs": refs, "hyps": hyps, "bleu": nl, "precisions": p,
                    "source": "nltk corpus_bleu (plain pooled count agrees)"})
    name, refs, hyps = SHORT
    r = [s.split() for s in refs]
    h = [s.split() for s in hyps]
    ours, p = plain_bleu(r, h)
    out.append({"name": name, "refs": refs, "hyps": hyps, "bleu": ours, "precisions": p,
                "source": "plain pooled count",
                "nltk_bleu": corpus_bleu([[x] for x in r], h)})
    ref = {"generator": f"nltk {nltk.__version__}", "cases": out}
    path = Path(__file__).with_name("bleu_reference.json")
    path.write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
