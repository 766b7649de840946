#!/usr/bin/env python3
"""Reference outputs from plain NumPy for mlwb's recurrent cells
(src/nn/layers.rs RecurrentCell, src/nn/probe.rs lstm_trace).

Run from the repository root:

    pip install -r tests/reference/requirements-attention.txt   # numpy only, the same pin
    python3 tests/reference/make_rnn_reference.py

Writes tests/reference/rnn_reference.json: for each cell (rnn, lstm, gru), fixed
weights drawn by NumPy (default_rng(11), N(0, 0.5^2)) in mlwb's layout (w_ih
[n_in, gates*H], w_hh [H, gates*H], b_ih [gates*H], GRU also b_hh; gate order
LSTM i, f, g, o and GRU r, z, n), an input sequence x [T, n_in] (batch 1),
and the hidden state after each step computed by the textbook formulas:

    RNN : h' = tanh(x W_ih + b_ih + h W_hh)
    LSTM: z = x W_ih + b_ih + h W_hh; i, f, o = sigmoid(.), g = tanh(.)
          c' = f c + i g;  h' = o tanh(c')      (gates recorded too)
    GRU : a = x W_ih + b_ih, b = h W_hh + b_hh; r = s(a_r + b_r), z = s(a_z + b_z)
          n = tanh(a_n + r * b_n);  h' = (1 - z) n + z h
"""
import json
from pathlib import Path

import numpy as np

N_IN, H, T = 3, 4, 6


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def main():
    rng = np.random.default_rng(11)
    cases = []
    for kind, gates in (("rnn", 1), ("lstm", 4), ("gru", 3)):
        w_ih = rng.normal(0, 0.5, (N_IN, gates * H))
        w_hh = rng.normal(0, 0.5, (H, gates * H))
        b_ih = rng.normal(0, 0.5, gates * H)
        b_hh = rng.normal(0, 0.5, gates * H) if kind == "gru" else None
        x = rng.normal(0, 1, (T, N_IN))
        h = np.zeros(H)
        c = np.zeros(H)
        hs, gi, gf, go = [], [], [], []
        for t in range(T):
            if kind == "rnn":
                h = np.tanh(x[t] @ w_ih + b_ih + h @ w_hh)
            elif kind == "lstm":
                z = x[t] @ w_ih + b_ih + h @ w_hh
                i, f, g, o = sigmoid(z[:H]), sigmoid(z[H:2 * H]), np.tanh(z[2 * H:3 * H]), sigmoid(z[3 * H:])
                c = f * c + i * g
                h = o * np.tanh(c)
                gi.append(i.tolist()); gf.append(f.tolist()); go.append(o.tolist())
            else:
                a = x[t] @ w_ih + b_ih
                b = h @ w_hh + b_hh
                r = sigmoid(a[:H] + b[:H])
                zz = sigmoid(a[H:2 * H] + b[H:2 * H])
                n = np.tanh(a[2 * H:] + r * b[2 * H:])
                h = (1 - zz) * n + zz * h
            hs.append(h.tolist())
        case = {"kind": kind, "w_ih": w_ih.tolist(), "w_hh": w_hh.tolist(), "b_ih": b_ih.tolist(),
                "x": x.tolist(), "h": hs}
        if b_hh is not None:
            case["b_hh"] = b_hh.tolist()
        if kind == "lstm":
            case.update({"input_gate": gi, "forget_gate": gf, "output_gate": go})
        cases.append(case)
    ref = {"generator": f"numpy {np.__version__}", "n_in": N_IN, "hidden": H, "steps": T, "cases": cases}
    out = Path(__file__).with_name("rnn_reference.json")
    out.write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
