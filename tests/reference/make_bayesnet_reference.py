#!/usr/bin/env python3
"""Reference posteriors for mlwb's Bayesian networks (src/bayesnet).

Run from the repository root:

    pip install -r tests/reference/requirements-bayesnet.txt
    python3 tests/reference/make_bayesnet_reference.py

Independent of the Rust code's method: it reads each network's YAML with
PyYAML, builds the FULL joint distribution as one NumPy array (the product
of every CPT broadcast over all variables), and answers each query by
slicing the evidence and summing the rest. Markov blankets are read off the
parent lists. Writes tests/reference/bayesnet_reference.json; the Rust
tests (src/bayesnet/tests.rs, tests/bayesnet_cli.rs) assert against it.
"""
import json
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
NETS = {
    "alarm": ROOT / "datasets" / "bayesnet_alarm.yaml",
    "student": ROOT / "tests" / "fixtures" / "bayesnet" / "student.yaml",
}
QUERIES = {
    "alarm": [
        ("Burglary", {"JohnCalls": "true", "MaryCalls": "true"}),
        ("Earthquake", {"JohnCalls": "true", "MaryCalls": "true"}),
        ("Alarm", {"JohnCalls": "true", "MaryCalls": "true"}),
        ("Burglary", {"JohnCalls": "true"}),
        ("Burglary", {"MaryCalls": "true"}),
        ("Alarm", {"Burglary": "true"}),
        ("JohnCalls", {}),
        ("MaryCalls", {"Burglary": "false", "Earthquake": "true"}),
        ("Burglary", {"Alarm": "true", "Earthquake": "true"}),
    ],
    "student": [
        ("Grade", {"Intelligence": "high", "Difficulty": "hard"}),
        ("Intelligence", {"Grade": "C"}),
        ("Intelligence", {"Grade": "C", "SAT": "high"}),
        ("Difficulty", {"Grade": "C", "SAT": "high"}),
        ("Letter", {}),
        ("Intelligence", {"Letter": "weak"}),
        ("Grade", {"Letter": "strong", "SAT": "low"}),
    ],
}


def state_name(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def joint(net):
    nodes = net["nodes"]
    names = [n["name"] for n in nodes]
    states = {n["name"]: [state_name(s) for s in n["states"]] for n in nodes}
    shape = [len(states[x]) for x in names]
    p = np.ones(shape)
    for n in nodes:
        parents = n.get("parents", [])
        cpt = np.array(n["cpt"], dtype=float)
        cpt = cpt.reshape([len(states[q]) for q in parents] + [len(states[n["name"]])])
        # Axes of cpt: parents..., node. Move them to their place in `names`.
        axes = [names.index(q) for q in parents] + [names.index(n["name"])]
        order = np.argsort(axes)
        t = np.transpose(cpt, order)
        full = [1] * len(names)
        for a in axes:
            full[a] = shape[a]
        p = p * t.reshape(full)
    return names, states, p


def query(names, states, p, q, evidence):
    idx = [slice(None)] * len(names)
    for k, v in evidence.items():
        idx[names.index(k)] = states[k].index(v)
    sub = p[tuple(idx)]
    kept = [x for x in names if x not in evidence]
    axis = tuple(i for i, x in enumerate(kept) if x != q)
    dist = sub.sum(axis=axis)
    return (dist / dist.sum()).tolist()


def blanket(net, x):
    parents = {n["name"]: n.get("parents", []) for n in net["nodes"]}
    out = set(parents[x])
    for c, ps in parents.items():
        if x in ps:
            out.add(c)
            out.update(q for q in ps if q != x)
    return sorted(out)


def main():
    out = {}
    for name, path in NETS.items():
        net = yaml.safe_load(path.read_text(encoding="utf-8"))
        names, states, p = joint(net)
        assert abs(p.sum() - 1.0) < 1e-12
        out[name] = {
            "queries": [
                {"query": q, "evidence": e, "distribution": query(names, states, p, q, e),
                 "states": states[q]}
                for q, e in QUERIES[name]
            ],
            "blankets": {x: blanket(net, x) for x in names},
        }
    dest = ROOT / "tests" / "reference" / "bayesnet_reference.json"
    dest.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    b = out["alarm"]["queries"][0]["distribution"][0]
    print(f"P(Burglary=true | JohnCalls, MaryCalls) = {b:.6f}")


if __name__ == "__main__":
    main()
