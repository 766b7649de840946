#!/usr/bin/env python3
"""Time the neural labs of issue 11: each lab's default run (wall and CPU
seconds) and its time per epoch (or per 100 steps, for the labs that train
on fresh batches rather than epochs).

The time per unit is a difference of two short runs that differ only in the
number of epochs (steps), so loading, evaluation and pictures cancel out:
    per unit = (time(n2) - time(n1)) / (n2 - n1).
CPU time is the user + system time of the child process (what one core
spends; on a busy machine wall time is larger).

    cargo build --release
    python3 benches/lab_times.py [--bin target/release/mlwb] [--json]

Python's standard library only.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

# (lab, extra arguments, field counted, n1, n2, unit, fixed fields for the
# two short runs)
LABS = [
    ("rnn-memory", [], "steps", 50, 150, "100 steps", [], 100),
    ("seq2seq", [], "epochs", 1, 3, "epoch", [], 1),
    ("transformer", [], "epochs", 1, 3, "epoch", ["compare_steps=0"], 1),
    ("bert", [], "pretrain_steps", 100, 300, "100 pre-training steps",
     ["finetune_steps=1", "repeats=1"], 100),
    ("bilstm-crf", ["--dataset", "ner_synthetic"], "epochs", 1, 3, "epoch", [], 1),
]


def run(binary, lab, extra, params, save=None):
    cmd = [binary, "run", "--algo", lab, "--json", *extra]
    for p in params:
        cmd += ["--param", p]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if save:
        with open(save, "w") as f:
            f.write(out.stdout)
    return wall, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join("target", "release", "mlwb"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", help="comma-separated lab names")
    ap.add_argument("--save", help="directory to keep each default run's JSON in")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None
    rows = []
    for lab, extra, field, n1, n2, unit, fixed, per in LABS:
        if only and lab not in only:
            continue
        save = os.path.join(a.save, f"{lab}.json") if a.save else None
        w0, c0 = run(a.bin, lab, extra, [], save)
        w1, c1 = run(a.bin, lab, extra, fixed + [f"{field}={n1}"])
        w2, c2 = run(a.bin, lab, extra, fixed + [f"{field}={n2}"])
        k = (n2 - n1) / per
        rows.append({
            "lab": lab,
            "default_wall_s": round(w0, 2),
            "default_cpu_s": round(c0, 2),
            "unit": unit,
            "per_unit_wall_s": round((w2 - w1) / k, 3),
            "per_unit_cpu_s": round((c2 - c1) / k, 3),
        })
        if not a.json:
            r = rows[-1]
            print(f"{lab:12} default run {r['default_wall_s']:7.2f} s wall {r['default_cpu_s']:7.2f} s CPU"
                  f" | per {unit}: {r['per_unit_wall_s']:.3f} s wall {r['per_unit_cpu_s']:.3f} s CPU",
                  flush=True)
    if a.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
