//! Looking inside recurrent cells, for the sequence labs: an unroll that
//! keeps every step's state on the tape (so that after `backward`,
//! [`Graph::grad`] of each `h_t` is the gradient of the loss with respect to
//! that hidden state, ∂L/∂h_t, with every path through later steps summed),
//! and the LSTM's gate activations over one sequence, recomputed from the
//! cell's parameters outside the tape.

use ndarray::{Array2, ArrayView2, Axis};

use super::{CellKind, CellState, Graph, NnError, ParamStore, RecurrentCell, Tensor, Var};

/// Unroll `cell` over `xs`, one `[batch, n_in]` input per step, from zeros:
/// the state after each step (`states[t].h` is `h_{t+1}` in 1-based time).
pub fn unroll_states(
    cell: &RecurrentCell,
    g: &mut Graph,
    ps: &ParamStore,
    xs: &[Var],
) -> Result<Vec<CellState>, NnError> {
    let first = xs
        .first()
        .ok_or_else(|| NnError::Shape(format!("{}: no time steps", cell.name())))?;
    let batch = g.shape(*first)?.first().copied().unwrap_or(0);
    let mut s = cell.zero_state(g, batch);
    let mut states = Vec::with_capacity(xs.len());
    for &x in xs {
        s = cell.step(g, ps, x, s)?;
        states.push(s);
    }
    Ok(states)
}

/// The norm of ∂L/∂h_t for each state (0 where no gradient reached it),
/// after `g.backward`.
pub fn state_grad_norms(g: &Graph, states: &[CellState]) -> Vec<f64> {
    states
        .iter()
        .map(|s| {
            g.grad(s.h).map_or(0.0, |t| {
                t.iter()
                    .map(|&v| f64::from(v) * f64::from(v))
                    .sum::<f64>()
                    .sqrt()
            })
        })
        .collect()
}

/// An LSTM's gates over one sequence, `[time, hidden]` each.
#[derive(Debug, Clone, PartialEq)]
pub struct LstmTrace {
    pub input: Array2<f32>,
    pub forget: Array2<f32>,
    pub output: Array2<f32>,
    /// The cell state `c_t`.
    pub cell: Array2<f32>,
    /// The hidden state `h_t`.
    pub hidden: Array2<f32>,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn matrix<'a>(t: &'a Tensor, what: &str) -> Result<ArrayView2<'a, f32>, NnError> {
    t.view()
        .into_dimensionality()
        .map_err(|e| NnError::Shape(format!("{what}: {e}")))
}

/// Run an LSTM cell over `xs [time, n_in]` (one sequence, from zeros) and
/// record its gates: `i = σ(·)`, `f = σ(·)`, `o = σ(·)` in the cell's gate
/// order (i, f, g, o), the same formulas as [`RecurrentCell::step`].
pub fn lstm_trace(
    cell: &RecurrentCell,
    ps: &ParamStore,
    xs: ArrayView2<'_, f32>,
) -> Result<LstmTrace, NnError> {
    if cell.kind != CellKind::Lstm {
        return Err(NnError::Shape(format!("{}: not an LSTM", cell.name())));
    }
    let (t_len, n_in) = xs.dim();
    if n_in != cell.n_in {
        return Err(NnError::Shape(format!(
            "{}: inputs of {n_in} features for a cell of {}",
            cell.name(),
            cell.n_in
        )));
    }
    let hd = cell.hidden;
    let w_ih = matrix(ps.value(cell.w_ih)?, "w_ih")?;
    let w_hh = matrix(ps.value(cell.w_hh)?, "w_hh")?;
    let b = ps.value(cell.b_ih)?;
    let b: Vec<f32> = b.iter().copied().collect();
    let mut tr = LstmTrace {
        input: Array2::zeros((t_len, hd)),
        forget: Array2::zeros((t_len, hd)),
        output: Array2::zeros((t_len, hd)),
        cell: Array2::zeros((t_len, hd)),
        hidden: Array2::zeros((t_len, hd)),
    };
    let mut h = ndarray::Array1::<f32>::zeros(hd);
    let mut c = ndarray::Array1::<f32>::zeros(hd);
    for (t, x) in xs.axis_iter(Axis(0)).enumerate() {
        let z = x.dot(&w_ih) + h.dot(&w_hh);
        for u in 0..hd {
            let i = sigmoid(z[u] + b[u]);
            let f = sigmoid(z[hd + u] + b[hd + u]);
            let gg = (z[2 * hd + u] + b[2 * hd + u]).tanh();
            let o = sigmoid(z[3 * hd + u] + b[3 * hd + u]);
            c[u] = f * c[u] + i * gg;
            h[u] = o * c[u].tanh();
            tr.input[(t, u)] = i;
            tr.forget[(t, u)] = f;
            tr.output[(t, u)] = o;
            tr.cell[(t, u)] = c[u];
            tr.hidden[(t, u)] = h[u];
        }
    }
    Ok(tr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::WeightInit;

    fn inputs(t: usize, n: usize) -> Array2<f32> {
        Array2::from_shape_fn((t, n), |(i, j)| ((i * 7 + j * 3) % 5) as f32 / 4.0 - 0.5)
    }

    #[test]
    fn the_lstm_trace_follows_the_tape() -> Result<(), NnError> {
        let mut ps = ParamStore::new(4);
        let cell = RecurrentCell::new(
            &mut ps,
            "lstm",
            CellKind::Lstm,
            3,
            5,
            WeightInit::GlorotUniform,
        )?;
        let x = inputs(6, 3);
        let tr = lstm_trace(&cell, &ps, x.view())?;
        let mut g = Graph::new(0);
        let xs: Vec<Var> = x
            .axis_iter(Axis(0))
            .map(|r| g.constant(r.to_owned().insert_axis(Axis(0)).into_dyn()))
            .collect();
        let states = unroll_states(&cell, &mut g, &ps, &xs)?;
        for (t, s) in states.iter().enumerate() {
            let h = g.value(s.h)?;
            for u in 0..5 {
                assert!((h[[0, u]] - tr.hidden[(t, u)]).abs() < 1e-5);
            }
        }
        // Gates are probabilities; the forget bias of 1 keeps f above ½ at the start.
        assert!(tr.forget.iter().all(|&f| (0.0..=1.0).contains(&f)));
        assert!(tr.forget.row(0).iter().any(|&f| f > 0.5));
        Ok(())
    }

    fn json_tensor(v: &serde_json::Value) -> Tensor {
        fn flat(v: &serde_json::Value, out: &mut Vec<f32>, shape: &mut Vec<usize>, depth: usize) {
            match v.as_array() {
                Some(a) => {
                    if shape.len() == depth {
                        shape.push(a.len());
                    }
                    for x in a {
                        flat(x, out, shape, depth + 1);
                    }
                }
                None => out.push(v.as_f64().unwrap_or(f64::NAN) as f32),
            }
        }
        let (mut out, mut shape) = (Vec::new(), Vec::new());
        flat(v, &mut out, &mut shape, 0);
        Tensor::from_shape_vec(ndarray::IxDyn(&shape), out).unwrap_or_default()
    }

    /// The three cells (on the tape) and the LSTM trace against plain NumPy
    /// with the same weights (tests/reference/make_rnn_reference.py).
    #[test]
    fn cells_match_numpy() -> Result<(), Box<dyn std::error::Error>> {
        let r: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/reference/rnn_reference.json"))?;
        let (n_in, hd) = (3, 4);
        for case in r["cases"].as_array().ok_or("cases")? {
            let kind = match case["kind"].as_str() {
                Some("lstm") => CellKind::Lstm,
                Some("gru") => CellKind::Gru,
                _ => CellKind::Rnn,
            };
            let mut ps = ParamStore::new(0);
            let cell = RecurrentCell::new(&mut ps, "c", kind, n_in, hd, WeightInit::GlorotUniform)?;
            ps.param_mut(cell.w_ih)?.value = json_tensor(&case["w_ih"]);
            ps.param_mut(cell.w_hh)?.value = json_tensor(&case["w_hh"]);
            ps.param_mut(cell.b_ih)?.value = json_tensor(&case["b_ih"]);
            if let Some(b) = cell.b_hh {
                ps.param_mut(b)?.value = json_tensor(&case["b_hh"]);
            }
            let x = json_tensor(&case["x"]).into_dimensionality::<ndarray::Ix2>()?;
            let want = json_tensor(&case["h"]);
            let mut g = Graph::new(0);
            let xs: Vec<Var> = x
                .axis_iter(Axis(0))
                .map(|r| g.constant(r.to_owned().insert_axis(Axis(0)).into_dyn()))
                .collect();
            let states = unroll_states(&cell, &mut g, &ps, &xs)?;
            for (t, s) in states.iter().enumerate() {
                let h = g.value(s.h)?;
                for u in 0..hd {
                    let (a, b) = (h[[0, u]], want[[t, u]]);
                    assert!(
                        (a - b).abs() < 1e-5,
                        "{kind:?} t={t} u={u}: {a} vs NumPy {b}"
                    );
                }
            }
            if kind == CellKind::Lstm {
                let tr = lstm_trace(&cell, &ps, x.view())?;
                for (ours, key) in [
                    (&tr.input, "input_gate"),
                    (&tr.forget, "forget_gate"),
                    (&tr.output, "output_gate"),
                ] {
                    let theirs = json_tensor(&case[key]);
                    for ((t, u), &a) in ours.indexed_iter() {
                        assert!((a - theirs[[t, u]]).abs() < 1e-5, "{key} t={t} u={u}");
                    }
                }
            }
        }
        Ok(())
    }

    /// ∂L/∂h_t read from the tape equals a finite difference of the loss
    /// in the direction of a perturbation added to h_t.
    #[test]
    fn state_gradients_match_finite_differences() -> Result<(), NnError> {
        for kind in [CellKind::Rnn, CellKind::Gru, CellKind::Lstm] {
            let mut ps = ParamStore::new(9);
            let cell = RecurrentCell::new(&mut ps, "c", kind, 2, 4, WeightInit::GlorotUniform)?;
            let x = inputs(5, 2);
            // Loss = sum of the last hidden state times fixed weights.
            let wl: Vec<f32> = (0..4).map(|u| 0.3 * u as f32 - 0.4).collect();
            let fixed = ps.clone();
            let loss_with = |probe: Option<(usize, usize, f32)>| -> Result<f64, NnError> {
                let mut g = Graph::new(0);
                let mut s = cell.zero_state(&mut g, 1);
                for (t, r) in x.axis_iter(Axis(0)).enumerate() {
                    let xt = g.constant(r.to_owned().insert_axis(Axis(0)).into_dyn());
                    s = cell.step(&mut g, &fixed, xt, s)?;
                    if let Some((_, pu, eps)) = probe.filter(|p| p.0 == t) {
                        let mut d = Tensor::zeros(ndarray::IxDyn(&[1, 4]));
                        d[[0, pu]] = eps;
                        let d = g.constant(d);
                        s.h = g.add(s.h, d)?;
                    }
                }
                let h = g.value(s.h)?;
                Ok((0..4)
                    .map(|u| f64::from(h[[0, u]]) * f64::from(wl[u]))
                    .sum())
            };
            let mut g = Graph::new(0);
            let xs: Vec<Var> = x
                .axis_iter(Axis(0))
                .map(|r| g.constant(r.to_owned().insert_axis(Axis(0)).into_dyn()))
                .collect();
            let states = unroll_states(&cell, &mut g, &ps, &xs)?;
            let last = states[4].h;
            let seed = Tensor::from_shape_vec(ndarray::IxDyn(&[1, 4]), wl.clone())
                .map_err(|e| NnError::Shape(e.to_string()))?;
            g.backward_with(last, seed, &mut ps)?;
            for (t, st) in states.iter().enumerate() {
                let grad = g.grad(st.h).cloned().unwrap_or_default();
                for u in 0..4 {
                    let eps = 1e-2f32;
                    let fd = (loss_with(Some((t, u, eps)))? - loss_with(Some((t, u, -eps)))?)
                        / (2.0 * f64::from(eps));
                    let an = f64::from(grad[[0, u]]);
                    assert!(
                        (fd - an).abs() < 2e-3 * (1.0 + an.abs()),
                        "{kind:?} t={t} u={u}: {an} vs {fd}"
                    );
                }
            }
            let norms = state_grad_norms(&g, &states);
            assert_eq!(norms.len(), 5);
            assert!(norms.iter().all(|&n| n > 0.0));
        }
        Ok(())
    }
}
