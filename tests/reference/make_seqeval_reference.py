#!/usr/bin/env python3
"""Reference entities and reports from seqeval for mlwb's entity-level metrics.

Run from the repository root:

    pip install -r tests/reference/requirements-seqeval.txt
    python3 tests/reference/make_seqeval_reference.py

It (re)writes tests/reference/seqeval_reference.json, which tests/all/seqeval_parity.rs
compares src/metrics/seqeval.rs against (no Python needed there). The output is
deterministic: the cases come from random.Random(SEED) and the file is written with
sorted keys, one case per line; a re-run rewrites it byte-identically.

Cases (`family` says which generator made one):
- bio:   random O / B-X / I-X sequences over 2-3 types, including I- after O, I- after
         another type and B-/I- type changes mid-entity (IOB1 and broken BIO2);
- bioes: random O / B / I / E / S sequences (E- without B-, S- inside an entity, ...);
- bilou: random O / B / I / L / U sequences;
- odd:   tags seqeval's default mode still reads but no scheme allows, mixed in with
         the above: bare prefixes ("B", "I", "E"), bare types ("PER"), "B_PER",
         unknown prefixes ("X-PER", ".-PER", "O-PER"), several dashes ("B-I-X",
         "B-X-", "I--X"), non-ASCII ("É-PER", "B-Été");
- oddtype_bio, oddtype_bioes: valid prefixes with odd types ("X-", "I-X", "-X",
         "X--", "Été", or none), which every strict scheme accepts;
- fixed: hand-written cases (seqeval's documentation examples, empty sentences,
         no entity anywhere, everything "O").
Predictions are either the truth with some tags changed or independent random tags.

Per case the JSON holds
- `true`, `pred`: the sentences (lists of tag lists, same lengths);
- `default`: seqeval's default (conlleval-compatible) mode:
  `entities_true` / `entities_pred` = `get_entities(y_true)` / `get_entities(y_pred)`
  on the nested lists, so positions are in seqeval's flattened sequence (sentences
  joined with one "O" after each; the end index is inclusive); `report` =
  `classification_report(y_true, y_pred, output_dict=True)`; `accuracy` =
  `accuracy_score` (null when there is no token);
- `strict`: for each scheme in `STRICT[family]`, seqeval's strict mode:
  `entities_true` / `entities_pred` = `Entities(y, scheme).entities`, one list per
  sentence of [type, start, end] with seqeval's EXCLUSIVE end; `report` =
  `classification_report(y_true, y_pred, mode="strict", scheme=..., output_dict=True)`;
  or `{"error": "...", "bad_tag": TAG}` when seqeval raises ValueError (a prefix the
  scheme does not allow), `{"error": "...", "bad_prefix": C}` when it raises KeyError
  (a first character that is no prefix at all).
Report numbers and accuracies are floats written as strings holding Python's repr
(round-trips exactly; serde_json as configured in this crate may misread a JSON
number by 1 ulp); a NaN (seqeval's macro average when there is no entity at all)
is written as null.
"""
import importlib.metadata
import json
import math
import random
import sys
import warnings
from pathlib import Path

import numpy
from seqeval.metrics import accuracy_score, classification_report
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import BILOU, IOB1, IOB2, IOBES, Entities

OUT = Path(__file__).resolve().parent / "seqeval_reference.json"
SEED = 20241125
N_RANDOM = {"bio": 120, "bioes": 90, "bilou": 40, "odd": 60, "oddtype_bio": 30, "oddtype_bioes": 30}
SCHEMES = {"IOB1": IOB1, "IOB2": IOB2, "IOBES": IOBES, "BILOU": BILOU}
STRICT = {
    "bio": ["IOB2", "IOB1", "IOBES"],
    "bioes": ["IOBES", "IOB2"],
    "bilou": ["BILOU", "IOBES"],
    "odd": ["IOB2", "IOBES"],
    "oddtype_bio": ["IOB2", "IOB1"],
    "oddtype_bioes": ["IOBES"],
    "fixed": ["IOB2", "IOB1", "IOBES", "BILOU"],
}
TYPES = ["PER", "LOC", "ORG"]
PREFIXES = {"bio": "BI", "bioes": "BIES", "bilou": "BILU", "odd": "BIES",
            "oddtype_bio": "BI", "oddtype_bioes": "BIES"}
# Types that seqeval's two modes read differently (default: text after the first "-";
# strict: text after the prefix with "-" stripped at both ends; "" = a bare prefix).
ODD_TYPES = ["X", "X-", "I-X", "-X", "Été", "X--", ""]
ODD_TAGS = ["B", "I", "E", "S", "PER", "B_PER", "X-PER", ".-PER", "O-PER", "B-I-X",
            "B-X-", "I--X", "É-PER", "B-Été", "I-Été", "U-LOC", "U", "L"]


def random_tag(rng, family, types):
    if family == "odd" and rng.random() < 0.2:
        return rng.choice(ODD_TAGS)
    if rng.random() < 0.4:
        return "O"
    t = rng.choice(types)
    return rng.choice(PREFIXES[family]) + ("-" + t if t else "")


def random_sentences(rng, family, types):
    n = rng.randint(1, 4)
    return [[random_tag(rng, family, types) for _ in range(rng.choice([0, 1, 2] + list(range(3, 11))))]
            for _ in range(n)]


def predict(rng, family, types, truth):
    if rng.random() < 0.25:
        return [[random_tag(rng, family, types) for _ in s] for s in truth]
    p = rng.choice([0.05, 0.15, 0.3])
    return [[random_tag(rng, family, types) if rng.random() < p else t for t in s] for s in truth]


FIXED = [
    # seqeval's README / docstrings
    ([["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]],
     [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]),
    ([["O", "O", "B-MISC", "I-MISC", "B-MISC", "O", "O"], ["B-PER", "I-PER", "O"]],
     [["O", "O", "B-MISC", "I-MISC", "B-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]),
    ([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-LOC"]]),
    # I- starting entities (IOB1, as the original CoNLL-2003 files)
    ([["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]], [["I-PER", "B-PER", "B-PER", "O", "I-LOC", "O"]]),
    # E-/S- oddities
    ([["E-PER", "S-PER", "I-PER", "E-PER", "B-LOC", "E-ORG"]], [["S-PER", "B-PER", "I-PER", "E-PER", "O", "E-ORG"]]),
    # empty sentences in between
    ([[], ["B-PER"], [], ["I-LOC", "O"]], [[], ["B-PER"], [], ["B-LOC", "O"]]),
    # no entity anywhere (seqeval's macro average is NaN)
    ([["O", "O"], ["O"]], [["O", "O"], ["O"]]),
    ([[], []], [[], []]),
    # entities only in the prediction / only in the truth
    ([["O", "O", "O"]], [["B-PER", "I-PER", "O"]]),
    ([["B-PER", "I-PER", "O"]], [["O", "O", "O"]]),
    # an entity at the end of one sentence and one at the start of the next
    ([["O", "B-PER"], ["I-PER", "O"]], [["O", "B-PER"], ["B-PER", "O"]]),
    # bare unknown prefixes (type "_") at sentence starts: no chunk ever ends there
    ([["U", "U", "O", "B-PER"], ["U", "O"]], [["X", "O", "O", "B-PER"], ["U", "U"]]),
    # one type per letter of the alphabet order check (sorting of names)
    ([["B-b", "B-B", "B-a", "B-A", "B-_"]], [["B-b", "I-B", "B-a", "O", "B-_"]]),
]


def clean(x):
    """JSON-safe: numpy integers to int; floats to their repr as a STRING (serde_json
    without its float_roundtrip feature may read a JSON number 1 ulp off; Rust's
    str::parse::<f64> is exact); NaN to None."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, (numpy.integer,)):
        return int(x)
    if isinstance(x, (float, numpy.floating)):
        x = float(x)
        return None if math.isnan(x) else repr(x)
    return x


def report_of(truth, pred, **kw):
    rep = classification_report(truth, pred, output_dict=True, **kw)
    return {name: {"precision": v["precision"], "recall": v["recall"],
                   "f1": v["f1-score"], "support": v["support"]} for name, v in rep.items()}


def one_case(family, truth, pred):
    n_tokens = sum(len(s) for s in truth)
    case = {
        "family": family,
        "true": truth,
        "pred": pred,
        "default": {
            "entities_true": [list(e) for e in get_entities(truth)],
            "entities_pred": [list(e) for e in get_entities(pred)],
            "report": report_of(truth, pred),
            "accuracy": accuracy_score(truth, pred) if n_tokens else None,
        },
        "strict": {},
    }
    for name in STRICT[family]:
        scheme = SCHEMES[name]
        try:
            ent_t = [[[e.tag, e.start, e.end] for e in s] for s in Entities(truth, scheme).entities]
            ent_p = [[[e.tag, e.start, e.end] for e in s] for s in Entities(pred, scheme).entities]
            rep = report_of(truth, pred, mode="strict", scheme=scheme)
            case["strict"][name] = {"entities_true": ent_t, "entities_pred": ent_p, "report": rep}
        except ValueError as e:
            # "Invalid token is found: TAG. Allowed prefixes are: ..."
            bad = str(e).split("Invalid token is found: ", 1)[1].rsplit(". Allowed", 1)[0]
            case["strict"][name] = {"error": f"ValueError: {e}", "bad_tag": bad}
        except KeyError as e:
            # an unknown prefix letter: the key is the tag's first character
            case["strict"][name] = {"error": f"KeyError: {e}", "bad_prefix": e.args[0]}
    return clean(case)


def main():
    warnings.simplefilter("ignore")
    rng = random.Random(SEED)
    cases = []
    for truth, pred in FIXED:
        cases.append(one_case("fixed", truth, pred))
    for family, n in N_RANDOM.items():
        for _ in range(n):
            pool = ODD_TYPES if family.startswith("oddtype") else TYPES
            types = rng.sample(pool, rng.choice([2, 3]))
            truth = random_sentences(rng, family, types)
            pred = predict(rng, family, types, truth)
            cases.append(one_case(family, truth, pred))
    header = {
        "generator": "tests/reference/make_seqeval_reference.py",
        "seed": SEED,
        "python": sys.version.split()[0],
        "seqeval": importlib.metadata.version("seqeval"),
        "numpy": numpy.__version__,
        "n_cases": len(cases),
    }
    lines = ["{", f'"meta": {json.dumps(header, sort_keys=True, ensure_ascii=False)},', '"cases": [']
    lines += [json.dumps(c, sort_keys=True, ensure_ascii=False) + ("," if i + 1 < len(cases) else "")
              for i, c in enumerate(cases)]
    lines += ["]", "}"]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n_err = sum(1 for c in cases for s in c["strict"].values() if "error" in s)
    print(f"wrote {OUT} ({len(cases)} cases, {n_err} strict-mode errors recorded)")


if __name__ == "__main__":
    main()
