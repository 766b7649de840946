//! Finite-difference gradient checks for every op and layer, determinism,
//! validation and the training loop.
//!
//! A check builds the function on a fresh tape, seeds the backward pass with
//! a fixed random projection `r` of the output (so every output element
//! counts), and compares each input and parameter gradient with the central
//! difference `(f(x+h) − f(x−h)) / (x₊ − x₋)` of `Σ out·r`, where the sum is
//! taken in f64 and the denominator is the perturbation actually applied in
//! f32. Tolerance: `|analytic − numeric| ≤ 1e-3·max(|a|, |n|) + 2e-3·s`,
//! where `s` is the largest numeric gradient of that tensor (clamped to ≥ 0.05)
//! — a relative tolerance of 1e-3 with a floor for elements whose gradient is
//! tiny compared with the rest.

#![allow(clippy::cloned_ref_to_slice_refs)]

use ndarray::{ArrayD, IxDyn};
use rand::Rng as _;

use super::graph::{Graph, Var};
use super::layers::*;
use super::norm::Groups;
use super::params::{std_normal, Init, ParamStore, WeightInit};
use super::{NnError, Tensor};

fn randn(shape: &[usize], seed: u64) -> Tensor {
    let mut rng = crate::algos::rng(seed);
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n).map(|_| std_normal(&mut rng) as f32).collect(),
    )
    .unwrap()
}

/// Values away from 0 (for kinks at 0) and pairwise distinct.
fn away_from_zero(shape: &[usize], seed: u64) -> Tensor {
    randn(shape, seed).mapv(|v| if v >= 0.0 { v + 0.1 } else { v - 0.1 })
}

fn positive(shape: &[usize], seed: u64) -> Tensor {
    randn(shape, seed).mapv(|v| v.abs() + 0.5)
}

/// Σ out·r in f64.
fn project(out: &Tensor, r: &Tensor) -> f64 {
    out.iter().zip(r).map(|(&a, &b)| a as f64 * b as f64).sum()
}

type Build<'a> = dyn Fn(&mut Graph, &mut ParamStore, &[Var]) -> Result<Var, NnError> + 'a;

struct Report {
    worst: f64,
    checked: usize,
}

fn close(name: &str, analytic: &Tensor, numeric: &[f64], report: &mut Report) {
    let scale = numeric.iter().fold(5e-2f64, |m, v| m.max(v.abs()));
    for (k, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let a = a as f64;
        let tol = 1e-3 * a.abs().max(n.abs()) + 2e-3 * scale;
        let err = (a - n).abs();
        report.worst = report.worst.max(err / tol);
        report.checked += 1;
        assert!(
            err <= tol,
            "{name}[{k}]: analytic {a} vs numeric {n} (|diff| {err:.3e} > tol {tol:.3e})"
        );
    }
}

/// Checks the gradients of every input and every trainable parameter.
fn gradcheck(name: &str, inputs: &[Tensor], ps: &mut ParamStore, f: &Build<'_>) -> Report {
    gradcheck_h(name, inputs, ps, f, 1e-2)
}

fn eval(inputs: &[Tensor], ps: &mut ParamStore, f: &Build<'_>, r: &Tensor) -> f64 {
    let mut g = Graph::new(7);
    let vars: Vec<Var> = inputs.iter().map(|t| g.input(t.clone())).collect();
    let out = f(&mut g, ps, &vars).unwrap();
    project(g.value(out).unwrap(), r)
}

fn gradcheck_h(
    name: &str,
    inputs: &[Tensor],
    ps: &mut ParamStore,
    f: &Build<'_>,
    h: f32,
) -> Report {
    // Analytic.
    let mut g = Graph::new(7);
    let vars: Vec<Var> = inputs.iter().map(|t| g.input(t.clone())).collect();
    let out = f(&mut g, ps, &vars).unwrap();
    let oshape = g.shape(out).unwrap();
    let r = randn(&oshape, 99);
    ps.zero_grad();
    g.backward_with(out, r.clone(), ps).unwrap();
    let mut report = Report {
        worst: 0.0,
        checked: 0,
    };
    let zeros = |t: &Tensor| ArrayD::zeros(t.raw_dim());
    let analytic_inputs: Vec<Tensor> = vars
        .iter()
        .zip(inputs)
        .map(|(&v, t)| g.grad(v).cloned().unwrap_or_else(|| zeros(t)))
        .collect();
    let analytic_params: Vec<(super::ParamId, String, Tensor)> = ps
        .ids()
        .filter(|&id| ps.param(id).unwrap().trainable)
        .map(|id| {
            let p = ps.param(id).unwrap();
            (id, p.name.clone(), p.grad.clone())
        })
        .collect();
    // Numeric, inputs.
    for (i, a) in analytic_inputs.iter().enumerate() {
        let mut num = Vec::with_capacity(a.len());
        for k in 0..a.len() {
            let mut xs = inputs.to_vec();
            let x0 = xs[i].as_slice().unwrap()[k];
            let (xp, xm) = (x0 + h, x0 - h);
            xs[i].as_slice_mut().unwrap()[k] = xp;
            let fp = eval(&xs, ps, f, &r);
            xs[i].as_slice_mut().unwrap()[k] = xm;
            let fm = eval(&xs, ps, f, &r);
            num.push((fp - fm) / (xp as f64 - xm as f64));
        }
        close(&format!("{name}: input {i}"), a, &num, &mut report);
    }
    // Numeric, parameters.
    for (id, pname, a) in &analytic_params {
        let mut num = Vec::with_capacity(a.len());
        for k in 0..a.len() {
            let x0 = ps.value(*id).unwrap().as_slice().unwrap()[k];
            let (xp, xm) = (x0 + h, x0 - h);
            ps.param_mut(*id).unwrap().value.as_slice_mut().unwrap()[k] = xp;
            let fp = eval(inputs, ps, f, &r);
            ps.param_mut(*id).unwrap().value.as_slice_mut().unwrap()[k] = xm;
            let fm = eval(inputs, ps, f, &r);
            ps.param_mut(*id).unwrap().value.as_slice_mut().unwrap()[k] = x0;
            num.push((fp - fm) / (xp as f64 - xm as f64));
        }
        close(&format!("{name}: {pname}"), a, &num, &mut report);
    }
    assert!(report.checked > 0, "{name}: nothing checked");
    report
}

fn check_ops(name: &str, inputs: &[Tensor], f: &Build<'_>) {
    let mut ps = ParamStore::new(0);
    gradcheck(name, inputs, &mut ps, f);
}

// ----- ops --------------------------------------------------------------

#[test]
fn grad_linear_and_matmul() {
    check_ops(
        "linear",
        &[randn(&[4, 3], 1), randn(&[3, 5], 2), randn(&[5], 3)],
        &|g, _, v| g.linear(v[0], v[1], Some(v[2])),
    );
    check_ops(
        "linear 3-D, no bias",
        &[randn(&[2, 3, 4], 1), randn(&[4, 2], 2)],
        &|g, _, v| g.linear(v[0], v[1], None),
    );
    check_ops(
        "matmul 2-D",
        &[randn(&[3, 4], 4), randn(&[4, 2], 5)],
        &|g, _, v| g.matmul(v[0], v[1]),
    );
    check_ops(
        "matmul batched",
        &[randn(&[2, 3, 4], 6), randn(&[2, 4, 2], 7)],
        &|g, _, v| g.matmul(v[0], v[1]),
    );
    check_ops(
        "matmul 3-D · 2-D",
        &[randn(&[2, 3, 4], 8), randn(&[4, 2], 9)],
        &|g, _, v| g.matmul(v[0], v[1]),
    );
}

#[test]
fn grad_broadcast_arithmetic() {
    let mat = randn(&[3, 4], 1);
    let row = randn(&[4], 2);
    check_ops("add row", &[mat.clone(), row.clone()], &|g, _, v| {
        g.add(v[0], v[1])
    });
    check_ops("sub row", &[mat.clone(), row.clone()], &|g, _, v| {
        g.sub(v[0], v[1])
    });
    check_ops("mul row", &[mat.clone(), row.clone()], &|g, _, v| {
        g.mul(v[0], v[1])
    });
    check_ops("div row", &[mat.clone(), positive(&[4], 3)], &|g, _, v| {
        g.div(v[0], v[1])
    });
    check_ops(
        "div same shape",
        &[mat.clone(), positive(&[3, 4], 4)],
        &|g, _, v| g.div(v[0], v[1]),
    );
    check_ops(
        "row minus matrix",
        &[row.clone(), mat.clone()],
        &|g, _, v| g.sub(v[0], v[1]),
    );
    check_ops(
        "channel broadcast",
        &[randn(&[2, 3, 2, 2], 5), randn(&[3, 1, 1], 6)],
        &|g, _, v| g.mul(v[0], v[1]),
    );
    check_ops("scale", &[mat.clone()], &|g, _, v| g.scale(v[0], -2.5));
}

#[test]
fn grad_reductions() {
    let x = randn(&[2, 3, 4], 1);
    for axis in 0..3 {
        check_ops(&format!("sum axis {axis}"), &[x.clone()], &|g, _, v| {
            g.sum_axis(v[0], axis)
        });
        check_ops(&format!("mean axis {axis}"), &[x.clone()], &|g, _, v| {
            g.mean_axis(v[0], axis)
        });
    }
    check_ops("sum", &[x.clone()], &|g, _, v| g.sum(v[0]));
    check_ops("mean", &[x.clone()], &|g, _, v| g.mean(v[0]));
}

#[test]
fn grad_elementwise() {
    let x = randn(&[3, 4], 1);
    check_ops("exp", &[x.clone()], &|g, _, v| g.exp(v[0]));
    check_ops("log", &[positive(&[3, 4], 2)], &|g, _, v| g.log(v[0]));
    check_ops("relu", &[away_from_zero(&[3, 4], 3)], &|g, _, v| {
        g.relu(v[0])
    });
    check_ops("tanh", &[x.clone()], &|g, _, v| g.tanh(v[0]));
    check_ops("sigmoid", &[x.clone()], &|g, _, v| g.sigmoid(v[0]));
}

#[test]
fn grad_softmax_family_and_losses() {
    let x = randn(&[3, 5], 1);
    check_ops("softmax", &[x.clone()], &|g, _, v| g.softmax(v[0]));
    check_ops("softmax 3-D", &[randn(&[2, 2, 3], 2)], &|g, _, v| {
        g.softmax(v[0])
    });
    check_ops("log_softmax", &[x.clone()], &|g, _, v| g.log_softmax(v[0]));
    let y = [0usize, 4, 2];
    check_ops("cross_entropy", &[x.clone()], &|g, _, v| {
        g.cross_entropy(v[0], &y, 0.0)
    });
    check_ops("cross_entropy smoothed", &[x.clone()], &|g, _, v| {
        g.cross_entropy(v[0], &y, 0.1)
    });
    let t = randn(&[3, 5], 3);
    check_ops("mse", &[x.clone()], &|g, _, v| g.mse(v[0], &t));
}

#[test]
fn grad_shape_ops() {
    let x = randn(&[2, 3, 4], 1);
    check_ops("reshape", &[x.clone()], &|g, _, v| g.reshape(v[0], &[6, 4]));
    check_ops("permute", &[x.clone()], &|g, _, v| {
        g.permute(v[0], &[2, 0, 1])
    });
    check_ops("transpose", &[x.clone()], &|g, _, v| {
        g.transpose(v[0], 1, 2)
    });
    check_ops(
        "concat axis 1",
        &[x.clone(), randn(&[2, 2, 4], 2)],
        &|g, _, v| g.concat(&[v[0], v[1]], 1),
    );
    check_ops("concat reused input", &[x.clone()], &|g, _, v| {
        g.concat(&[v[0], v[0]], 2)
    });
    check_ops("slice", &[x.clone()], &|g, _, v| g.slice(v[0], 2, 1, 3));
    check_ops("gather (repeated ids)", &[randn(&[5, 3], 3)], &|g, _, v| {
        g.gather(v[0], &[4, 0, 4, 2])
    });
}

#[test]
fn grad_dropout() {
    // The same graph seed gives the same mask in every evaluation.
    check_ops("dropout", &[randn(&[4, 5], 1)], &|g, _, v| {
        g.dropout(v[0], 0.4)
    });
}

#[test]
fn grad_conv_pool() {
    check_ops(
        "conv2d pad 1",
        &[
            randn(&[2, 2, 5, 4], 1),
            randn(&[3, 2, 3, 3], 2),
            randn(&[3], 3),
        ],
        &|g, _, v| g.conv2d(v[0], v[1], Some(v[2]), 1, 1),
    );
    check_ops(
        "conv2d stride 2, 2×2 kernel, no bias",
        &[randn(&[1, 2, 5, 5], 4), randn(&[2, 2, 2, 2], 5)],
        &|g, _, v| g.conv2d(v[0], v[1], None, 2, 0),
    );
    check_ops(
        "conv2d stride 2, pad 1, 3×3 kernel",
        &[
            randn(&[2, 1, 6, 5], 6),
            randn(&[2, 1, 3, 3], 7),
            randn(&[2], 8),
        ],
        &|g, _, v| g.conv2d(v[0], v[1], Some(v[2]), 2, 1),
    );
    // Distinct values so no window has a near-tie.
    let mut vals: Vec<f32> = (0..2 * 2 * 4 * 5).map(|i| i as f32 * 0.1).collect();
    let mut rng = crate::algos::rng(3);
    for i in (1..vals.len()).rev() {
        vals.swap(i, rng.gen_range(0..=i));
    }
    let x = ArrayD::from_shape_vec(IxDyn(&[2, 2, 4, 5]), vals).unwrap();
    check_ops("max_pool2 (odd width)", &[x], &|g, _, v| g.max_pool2(v[0]));
    check_ops("spatial_mean", &[randn(&[2, 3, 2, 2], 6)], &|g, _, v| {
        g.spatial_mean(v[0])
    });
}

#[test]
fn grad_standardize_kernels() {
    let x = randn(&[3, 4, 2, 2], 1);
    for (what, groups) in [
        ("channels", Groups::channels(&[3, 4, 2, 2]).unwrap()),
        (
            "per sample, 2 groups",
            Groups::per_sample(&[3, 4, 2, 2], 2).unwrap(),
        ),
    ] {
        check_ops(&format!("standardize {what}"), &[x.clone()], &|g, _, v| {
            Ok(g.standardize(v[0], groups, 1e-5)?.0)
        });
    }
    // Rows of 6: with 2 or 3 members a group's σ can be tiny and x̂ steep.
    let rows = Groups::rows(&[4, 6]).unwrap();
    check_ops("standardize rows", &[randn(&[4, 6], 2)], &|g, _, v| {
        Ok(g.standardize(v[0], rows, 1e-5)?.0)
    });
    let groups = Groups::channels(&[3, 4, 2, 2]).unwrap();
    check_ops("standardize_fixed", &[x.clone()], &|g, _, v| {
        g.standardize_fixed(
            v[0],
            groups,
            &[0.1, -0.2, 0.3, 0.0],
            &[1.0, 2.0, 0.5, 1.5],
            1e-5,
        )
    });
    check_ops(
        "channel_affine",
        &[x.clone(), randn(&[4], 2), randn(&[4], 3)],
        &|g, _, v| g.channel_affine(v[0], v[1], v[2], groups),
    );
}

#[test]
fn grad_attention_op() {
    let q = randn(&[2, 3, 4], 1);
    let k = randn(&[2, 5, 4], 2);
    let v = randn(&[2, 5, 3], 3);
    check_ops(
        "attention",
        &[q.clone(), k.clone(), v.clone()],
        &|g, _, x| Ok(attention(g, x[0], x[1], x[2], None)?.0),
    );
    let mask = ArrayD::from_shape_fn(
        IxDyn(&[3, 5]),
        |ix| if ix[1] <= ix[0] + 1 { 1.0 } else { 0.0 },
    );
    check_ops("attention, masked", &[q, k, v], &|g, _, x| {
        Ok(attention(g, x[0], x[1], x[2], Some(&mask))?.0)
    });
}

// ----- layers -----------------------------------------------------------

/// Gradient check of a layer: its input and all its parameters. Parameters
/// get random values (not the zeros/ones of their initialisers), so that
/// every path is exercised.
fn check_layer(name: &str, ps: &mut ParamStore, x: Tensor, layer: &dyn Layer) -> Report {
    randomise(ps);
    gradcheck(name, &[x], ps, &|g, ps, v| layer.forward(g, ps, v[0]))
}

fn randomise(ps: &mut ParamStore) {
    let ids: Vec<_> = ps.ids().collect();
    for (k, id) in ids.into_iter().enumerate() {
        let p = ps.param_mut(id).unwrap();
        if p.trainable {
            let shape = p.value.shape().to_vec();
            p.value = randn(&shape, 1000 + k as u64).mapv(|v| 0.5 * v);
        }
    }
}

#[test]
fn grad_linear_conv_pool_layers() {
    let mut ps = ParamStore::new(1);
    let l = Linear::new(&mut ps, "fc", 3, 4, WeightInit::GlorotUniform, true).unwrap();
    check_layer("Linear", &mut ps, randn(&[5, 3], 1), &l);

    let mut ps = ParamStore::new(1);
    let c = Conv2d::new(&mut ps, "conv", 2, 3, 3, 1, 1, WeightInit::HeNormal).unwrap();
    check_layer("Conv2d", &mut ps, randn(&[2, 2, 4, 4], 2), &c);

    let mut ps = ParamStore::new(1);
    let c = Conv2d::new(&mut ps, "conv", 1, 2, 3, 2, 0, WeightInit::HeUniform).unwrap();
    check_layer("Conv2d stride 2", &mut ps, randn(&[1, 1, 7, 6], 3), &c);

    let mut ps = ParamStore::new(1);
    let vals: Vec<f32> = (0..32).map(|i| ((i * 13) % 32) as f32 * 0.1).collect();
    let x = ArrayD::from_shape_vec(IxDyn(&[2, 1, 4, 4]), vals).unwrap();
    let mut net = Sequential::new();
    net.push(Conv2d::new(&mut ps, "conv", 1, 2, 3, 1, 1, WeightInit::GlorotUniform).unwrap());
    net.push(MaxPool2d::new("pool"));
    net.push(Flatten::new("flat"));
    check_layer("Conv2d → MaxPool2d → Flatten", &mut ps, x, &net);
}

#[test]
fn grad_norm_layers() {
    let x4 = randn(&[3, 4, 2, 3], 1);
    let mut ps = ParamStore::new(1);
    let bn = BatchNorm::new(&mut ps, "bn", 4).unwrap();
    check_layer("BatchNorm 4-D train", &mut ps, x4.clone(), &bn);

    let mut ps = ParamStore::new(1);
    let bn = BatchNorm::new(&mut ps, "bn", 5).unwrap();
    check_layer("BatchNorm 2-D train", &mut ps, randn(&[6, 5], 2), &bn);

    let mut ps = ParamStore::new(1);
    let bn = BatchNorm::new(&mut ps, "bn", 4).unwrap();
    randomise(&mut ps);
    let mut g = Graph::new(0);
    let x = g.constant(x4.clone());
    bn.forward(&mut g, &mut ps, x).unwrap(); // moves the running stats off 0/1
    let f = |g: &mut Graph, ps: &mut ParamStore, v: &[Var]| {
        g.train = false;
        bn.forward(g, ps, v[0])
    };
    gradcheck("BatchNorm eval", &[x4.clone()], &mut ps, &f);

    let mut ps = ParamStore::new(1);
    let ln = LayerNorm::new(&mut ps, "ln", 6).unwrap();
    check_layer("LayerNorm", &mut ps, randn(&[2, 3, 6], 3), &ln);

    let mut ps = ParamStore::new(1);
    let inn = GroupNorm::instance(&mut ps, "in", 4).unwrap();
    check_layer("InstanceNorm", &mut ps, x4.clone(), &inn);

    let mut ps = ParamStore::new(1);
    let gn = GroupNorm::new(&mut ps, "gn", 2, 4).unwrap();
    check_layer("GroupNorm", &mut ps, x4, &gn);
}

#[test]
fn grad_dropout_embedding_layers() {
    let mut ps = ParamStore::new(1);
    let d = Dropout::new("drop", 0.3).unwrap();
    check_layer("Dropout", &mut ps, randn(&[3, 4], 1), &d);

    let mut ps = ParamStore::new(1);
    let e = Embedding::new(&mut ps, "emb", 6, 3).unwrap();
    let f = |g: &mut Graph, ps: &mut ParamStore, _: &[Var]| {
        e.lookup_batch(g, ps, &[1, 5, 1, 0, 2, 2], 2)
    };
    let r = gradcheck("Embedding", &[], &mut ps, &f);
    assert_eq!(r.checked, 18);
}

#[test]
fn grad_recurrent_cells() {
    for kind in [CellKind::Rnn, CellKind::Lstm, CellKind::Gru] {
        let mut ps = ParamStore::new(1);
        let cell =
            RecurrentCell::new(&mut ps, "cell", kind, 3, 4, WeightInit::GlorotUniform).unwrap();
        randomise(&mut ps);
        let f = |g: &mut Graph, ps: &mut ParamStore, v: &[Var]| Ok(cell.run(g, ps, v[0], None)?.0);
        gradcheck(
            &format!("{kind:?} unrolled 3 steps"),
            &[randn(&[2, 3, 3], 2)],
            &mut ps,
            &f,
        );
        // The final cell state of an LSTM too.
        if kind == CellKind::Lstm {
            let f = |g: &mut Graph, ps: &mut ParamStore, v: &[Var]| {
                let (_, s) = cell.run(g, ps, v[0], None)?;
                s.c.ok_or_else(|| NnError::Shape("no c".into()))
            };
            gradcheck("LSTM cell state", &[randn(&[2, 3, 3], 3)], &mut ps, &f);
        }
    }
}

#[test]
fn grad_multi_head_attention() {
    let mut ps = ParamStore::new(1);
    let mha = MultiHeadAttention::new(&mut ps, "mha", 4, 2).unwrap();
    check_layer(
        "MultiHeadAttention (self)",
        &mut ps,
        randn(&[2, 3, 4], 1),
        &mha,
    );

    let causal = causal_mask(3);
    let f = |g: &mut Graph, ps: &mut ParamStore, v: &[Var]| {
        Ok(mha.forward_qkv(g, ps, v[0], v[0], Some(&causal))?.0)
    };
    gradcheck(
        "MultiHeadAttention causal",
        &[randn(&[2, 3, 4], 2)],
        &mut ps,
        &f,
    );

    // Padding mask per sequence: the second sequence's last key is padding.
    let pad = ArrayD::from_shape_fn(IxDyn(&[2, 2, 3]), |ix| {
        if ix[0] == 1 && ix[2] == 2 {
            0.0
        } else {
            1.0
        }
    });
    let f = |g: &mut Graph, ps: &mut ParamStore, v: &[Var]| {
        Ok(mha.forward_qkv(g, ps, v[0], v[1], Some(&pad))?.0)
    };
    gradcheck(
        "MultiHeadAttention cross, padding mask",
        &[randn(&[2, 2, 4], 3), randn(&[2, 3, 4], 4)],
        &mut ps,
        &f,
    );
}

#[test]
fn grad_whole_models_through_the_loss() {
    let mut ps = ParamStore::new(3);
    let spec = super::MlpSpec {
        hidden: vec![5, 4],
        activation: Activation::Tanh,
        ..Default::default()
    };
    let net = super::mlp(&mut ps, 3, 3, &spec).unwrap();
    let y = [0usize, 2, 1, 2];
    let f = |g: &mut Graph, ps: &mut ParamStore, v: &[Var]| {
        let z = net.forward(g, ps, v[0])?;
        g.cross_entropy(z, &y, 0.05)
    };
    gradcheck("MLP + cross-entropy", &[randn(&[4, 3], 1)], &mut ps, &f);

    // The VGG-small stack with tanh in place of ReLU: ReLU's kinks inside a
    // deep stack make central differences unreliable (ReLU itself is checked
    // on its own above), and the check is about the composition.
    let mut ps = ParamStore::new(3);
    let init = WeightInit::HeNormal;
    let mut net = Sequential::new();
    net.push(Conv2d::new(&mut ps, "conv1", 1, 3, 3, 1, 1, init).unwrap());
    net.push(Act::new("t1", Activation::Tanh));
    net.push(Conv2d::new(&mut ps, "conv2", 3, 3, 3, 1, 1, init).unwrap());
    net.push(Act::new("t2", Activation::Tanh));
    net.push(MaxPool2d::new("pool1"));
    net.push(Conv2d::new(&mut ps, "conv3", 3, 4, 3, 1, 1, init).unwrap());
    net.push(Act::new("t3", Activation::Tanh));
    net.push(MaxPool2d::new("pool2"));
    net.push(Flatten::new("flatten"));
    net.push(Linear::new(&mut ps, "fc", 4, 3, init, true).unwrap());
    let f = |g: &mut Graph, ps: &mut ParamStore, v: &[Var]| {
        let z = net.forward(g, ps, v[0])?;
        g.cross_entropy(z, &[1, 0], 0.0)
    };
    // h = 1e-3: with 1e-2 a max-pool winner can change between x ± h.
    gradcheck_h(
        "VGG-shaped CNN + cross-entropy",
        &[randn(&[2, 1, 4, 4], 2)],
        &mut ps,
        &f,
        1e-3,
    );
}

// ----- behaviour --------------------------------------------------------

#[test]
fn gradients_accumulate_until_zeroed() {
    let mut ps = ParamStore::new(0);
    let id = ps
        .add(
            "w",
            &[3],
            Init::Normal {
                mean: 0.0,
                std: 1.0,
            },
            true,
        )
        .unwrap();
    let run = |ps: &mut ParamStore| {
        let mut g = Graph::new(0);
        let w = g.param(ps, id).unwrap();
        let s = g.sum(w).unwrap();
        g.backward(s, ps).unwrap();
    };
    run(&mut ps);
    run(&mut ps);
    assert_eq!(ps.grad(id).unwrap().as_slice().unwrap(), &[2.0, 2.0, 2.0]);
    ps.zero_grad();
    run(&mut ps);
    assert_eq!(ps.grad(id).unwrap().as_slice().unwrap(), &[1.0, 1.0, 1.0]);
}

#[test]
fn a_value_used_twice_gets_both_gradients() {
    let mut g = Graph::new(0);
    let mut ps = ParamStore::new(0);
    let x = g.input(ArrayD::from_elem(IxDyn(&[1]), 3.0));
    let y = g.mul(x, x).unwrap(); // x²
    let z = g.add(y, x).unwrap(); // x² + x
    let s = g.sum(z).unwrap();
    g.backward(s, &mut ps).unwrap();
    assert_eq!(g.grad(x).unwrap()[[0]], 7.0);
}

#[test]
fn softmax_and_cross_entropy_are_stable_for_huge_logits() {
    let mut g = Graph::new(0);
    let mut ps = ParamStore::new(0);
    let x = g.input(
        ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1000.0, 0.0, -1000.0, 5e4, 5e4, 0.0]).unwrap(),
    );
    let p = g.softmax(x).unwrap();
    assert!(g.value(p).unwrap().iter().all(|v| v.is_finite()));
    let lp = g.log_softmax(x).unwrap();
    assert!(g.value(lp).unwrap().iter().all(|v| v.is_finite()));
    let l = g.cross_entropy(x, &[2, 0], 0.1).unwrap();
    assert!(g.value(l).unwrap()[[]].is_finite());
    g.backward(l, &mut ps).unwrap();
    assert!(g.grad(x).unwrap().iter().all(|v| v.is_finite()));
}

#[test]
fn same_seed_same_parameters_whatever_the_build_order() {
    let build = |seed, reversed: bool| {
        let mut ps = ParamStore::new(seed);
        let mut names = vec!["a.weight", "b.weight", "c.weight"];
        if reversed {
            names.reverse();
        }
        for n in names {
            ps.add(n, &[4, 3], WeightInit::GlorotUniform.init(4, 3), true)
                .unwrap();
        }
        ps.iter().map(|p| p.value.clone()).collect::<Vec<_>>()
    };
    assert_eq!(build(5, false), build(5, true));
    assert_ne!(build(5, false), build(6, false));
    let mut ps = ParamStore::new(0);
    ps.add("w", &[1], Init::Zeros, true).unwrap();
    assert!(ps.add("w", &[1], Init::Zeros, true).is_err());
    assert!(ps.add("empty", &[0, 3], Init::Zeros, true).is_err());
}

#[test]
fn initialisers_have_the_documented_spread() {
    let mut ps = ParamStore::new(0);
    let std_of = |ps: &mut ParamStore, name: &str, init: WeightInit| {
        let id = ps
            .add(name, &[200, 100], init.init(200, 100), true)
            .unwrap();
        let v = ps.value(id).unwrap();
        let m = v.mean().unwrap();
        (v.mapv(|x| (x - m).powi(2)).mean().unwrap()).sqrt()
    };
    let close = |a: f32, b: f32| (a - b).abs() < 0.05 * b;
    assert!(close(
        std_of(&mut ps, "g", WeightInit::GlorotUniform),
        (2.0f32 / 300.0).sqrt()
    ));
    assert!(close(
        std_of(&mut ps, "gn", WeightInit::GlorotNormal),
        (2.0f32 / 300.0).sqrt()
    ));
    assert!(close(
        std_of(&mut ps, "h", WeightInit::HeNormal),
        (2.0f32 / 200.0).sqrt()
    ));
    assert!(close(
        std_of(&mut ps, "hu", WeightInit::HeUniform),
        (2.0f32 / 200.0).sqrt()
    ));
    assert!(close(std_of(&mut ps, "n", WeightInit::StdNormal), 1.0));
    assert_eq!(std_of(&mut ps, "z", WeightInit::Zeros), 0.0);
}

#[test]
fn batch_norm_running_stats_and_eval_mode() {
    let mut ps = ParamStore::new(0);
    let bn = BatchNorm::new(&mut ps, "bn", 2).unwrap();
    let x = ArrayD::from_shape_vec(
        IxDyn(&[4, 2]),
        vec![1.0, 10.0, 3.0, 10.0, 5.0, 14.0, 7.0, 14.0],
    )
    .unwrap();
    let mut g = Graph::new(0);
    let v = g.constant(x.clone());
    let y = bn.forward(&mut g, &mut ps, v).unwrap();
    // Train mode: each column standardised with its own batch statistics.
    let yv = g.value(y).unwrap();
    for c in 0..2 {
        let col: Vec<f32> = (0..4).map(|r| yv[[r, c]]).collect();
        assert!(col.iter().sum::<f32>().abs() < 1e-5);
    }
    // Running mean 0.9·0 + 0.1·[4, 12]; variance uses the unbiased estimate.
    let rm = ps.value(bn.running_mean).unwrap();
    assert!((rm[[0]] - 0.4).abs() < 1e-6 && (rm[[1]] - 1.2).abs() < 1e-6);
    let rv = ps.value(bn.running_var).unwrap();
    assert!((rv[[0]] - (0.9 + 0.1 * 20.0 / 3.0)).abs() < 1e-5);
    // Eval mode uses the running statistics: a single row works too.
    g.reset();
    g.train = false;
    let one = g.constant(ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![0.4, 1.2]).unwrap());
    let y = bn.forward(&mut g, &mut ps, one).unwrap();
    assert!(g.value(y).unwrap().iter().all(|v| v.abs() < 1e-6));
    // In training mode a batch of one row cannot be normalised.
    g.reset();
    g.train = true;
    let one = g.constant(ArrayD::zeros(IxDyn(&[1, 2])));
    assert!(matches!(
        bn.forward(&mut g, &mut ps, one),
        Err(NnError::Data(_))
    ));
}

#[test]
fn dropout_scales_kept_units_and_is_identity_in_eval() {
    let mut g = Graph::new(1);
    let x = g.constant(ArrayD::ones(IxDyn(&[100, 100])));
    let y = g.dropout(x, 0.25).unwrap();
    let v = g.value(y).unwrap();
    let kept = v.iter().filter(|&&a| a != 0.0).count() as f32 / 1e4;
    assert!((kept - 0.75).abs() < 0.02, "kept {kept}");
    assert!(v.iter().all(|&a| a == 0.0 || (a - 1.0 / 0.75).abs() < 1e-6));
    g.train = false;
    assert_eq!(g.dropout(x, 0.25).unwrap(), x);
    assert!(g.dropout(x, 1.0).is_err());
}

#[test]
fn shape_errors_are_errors_not_panics() {
    let mut g = Graph::new(0);
    let a = g.constant(ArrayD::zeros(IxDyn(&[2, 3])));
    let b = g.constant(ArrayD::zeros(IxDyn(&[4, 5])));
    assert!(matches!(g.matmul(a, b), Err(NnError::Shape(_))));
    assert!(matches!(g.add(a, b), Err(NnError::Shape(_))));
    assert!(g.reshape(a, &[7]).is_err());
    assert!(g.permute(a, &[0, 0]).is_err());
    assert!(g.slice(a, 1, 2, 2).is_err());
    assert!(g.sum_axis(a, 2).is_err());
    assert!(g.cross_entropy(a, &[0], 0.0).is_err());
    assert!(g.cross_entropy(a, &[0, 3], 0.0).is_err());
    assert!(g.gather(a, &[2]).is_err());
    assert!(g.conv2d(a, b, None, 1, 0).is_err());
    assert!(g.max_pool2(a).is_err());
    assert!(g.value(Var(99)).is_err());
    let mut ps = ParamStore::new(0);
    assert!(g.backward(a, &mut ps).is_err()); // not a scalar
    assert!(MultiHeadAttention::new(&mut ps, "m", 6, 4).is_err());
    let mha = MultiHeadAttention::new(&mut ps, "mha", 4, 2).unwrap();
    let x = g.constant(ArrayD::zeros(IxDyn(&[2, 3, 4])));
    let wrong_batch = ArrayD::ones(IxDyn(&[1, 3, 3]));
    assert!(matches!(
        mha.forward_qkv(&mut g, &mut ps, x, x, Some(&wrong_batch)),
        Err(NnError::Shape(_))
    ));
    let wrong_len = ArrayD::ones(IxDyn(&[3, 2]));
    assert!(matches!(
        mha.forward_qkv(&mut g, &mut ps, x, x, Some(&wrong_len)),
        Err(NnError::Shape(_))
    ));
    assert!(GroupNorm::new(&mut ps, "gn", 3, 4).is_err());
    assert!(RecurrentCell::new(
        &mut ps,
        "r",
        CellKind::Lstm,
        3,
        0,
        WeightInit::GlorotUniform
    )
    .unwrap_err()
    .to_string()
    .contains("hidden size must be at least 1"));
}

#[test]
fn taps_report_activation_statistics_and_gradients() {
    let mut ps = ParamStore::new(0);
    let net = super::mlp(&mut ps, 4, 3, &super::MlpSpec::default()).unwrap();
    let mut g = Graph::new(0);
    let x = g.constant(randn(&[8, 4], 1));
    let z = net.forward(&mut g, &mut ps, x).unwrap();
    let l = g.cross_entropy(z, &[0, 1, 2, 0, 1, 2, 0, 1], 0.0).unwrap();
    g.backward(l, &mut ps).unwrap();
    let stats = g.activation_stats();
    let names: Vec<&str> = stats.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fc1", "act1", "out"]);
    let relu = &stats[1];
    assert!(relu.min >= 0.0 && relu.frac_zero > 0.0 && relu.grad_norm > 0.0);
    assert_eq!(relu.histogram.iter().sum::<usize>(), 8 * 64);
    let norms = ps.grad_norms();
    let names: Vec<&str> = norms.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["fc1.bias", "fc1.weight", "out.bias", "out.weight"]);
    assert!(norms.iter().all(|(_, n)| *n > 0.0));
}

// ----- training ---------------------------------------------------------

use super::optim::{Adam, Optimizer, Sgd};
use super::train::{mlp, train_classifier, ClassData, History, MlpSpec, TrainConfig};
use crate::algos::{AlgoError, Progress};

/// Digits as f32 in [0, 1] (pixels / 16), labels, and the number of classes.
fn digits() -> (Tensor, Vec<usize>, usize) {
    let crate::data::Dataset::Table(t) = crate::data::load("digits", &Default::default()).unwrap()
    else {
        panic!("digits is tabular");
    };
    let x = super::to_tensor(t.x.view(), &[t.n_features()], 1.0 / 16.0).unwrap();
    (x, t.y.clone(), t.n_classes())
}

fn rows(x: &Tensor, idx: &[usize]) -> Tensor {
    x.select(ndarray::Axis(0), idx)
}

fn train_mlp(
    x: &Tensor,
    y: &[usize],
    n_classes: usize,
    seed: u64,
    cfg: &TrainConfig,
    opt: &mut dyn Optimizer,
) -> (History, ParamStore) {
    let mut ps = ParamStore::new(seed);
    let net = mlp(&mut ps, x.shape()[1], n_classes, &MlpSpec::default()).unwrap();
    let h = train_classifier(
        &net,
        &mut ps,
        opt,
        ClassData { x, y },
        None,
        n_classes,
        cfg,
        &mut Progress::none(),
    )
    .unwrap();
    (h, ps)
}

#[test]
fn same_seed_bit_identical_different_seed_different() {
    let (x, y, k) = digits();
    let idx: Vec<usize> = (0..300).collect();
    let (x, y) = (
        rows(&x, &idx),
        idx.iter().map(|&i| y[i]).collect::<Vec<_>>(),
    );
    let cfg = |seed| TrainConfig {
        epochs: 3,
        batch_size: 32,
        l2: 1e-4,
        seed,
        ..Default::default()
    };
    let run = |seed| {
        let mut opt = Adam::new(1e-3).unwrap();
        let (h, ps) = train_mlp(&x, &y, k, seed, &cfg(seed), &mut opt);
        let losses: Vec<u64> = h.epochs.iter().map(|e| e.train_loss.to_bits()).collect();
        let params: Vec<Vec<u32>> = ps
            .iter()
            .map(|p| p.value.iter().map(|v| v.to_bits()).collect())
            .collect();
        (losses, params)
    };
    let a = run(1);
    assert_eq!(a, run(1), "same seed, same bits");
    let b = run(2);
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    // The loss went down.
    let first = f64::from_bits(a.0[0]);
    let last = f64::from_bits(a.0[2]);
    assert!(last < first, "{first} → {last}");
}

#[test]
fn settings_are_validated_with_clear_messages() {
    let x = randn(&[10, 3], 1);
    let y = vec![0usize, 1, 0, 1, 0, 1, 0, 1, 0, 1];
    let mut ps = ParamStore::new(0);
    let net = mlp(&mut ps, 3, 2, &MlpSpec::default()).unwrap();
    let mut opt = Adam::new(1e-3).unwrap();
    let mut try_cfg = |cfg: TrainConfig| {
        train_classifier(
            &net,
            &mut ps,
            &mut opt,
            ClassData { x: &x, y: &y },
            None,
            2,
            &cfg,
            &mut Progress::none(),
        )
        .unwrap_err()
        .to_string()
    };
    let base = TrainConfig::default();
    assert_eq!(
        try_cfg(TrainConfig {
            batch_size: 0,
            ..base.clone()
        }),
        "invalid parameter `batch_size`: must be at least 1, got 0"
    );
    assert_eq!(
        try_cfg(TrainConfig {
            batch_size: 11,
            ..base.clone()
        }),
        "invalid parameter `batch_size`: 11 is larger than the 10 training rows"
    );
    assert_eq!(
        try_cfg(TrainConfig {
            epochs: 0,
            ..base.clone()
        }),
        "invalid parameter `epochs`: must be at least 1, got 0"
    );
    assert!(try_cfg(TrainConfig {
        l2: f32::NAN,
        batch_size: 5,
        ..base.clone()
    })
    .contains("`alpha`"));
    assert!(try_cfg(TrainConfig {
        label_smoothing: 1.0,
        batch_size: 5,
        ..base.clone()
    })
    .contains("`label_smoothing`"));

    for lr in [f32::NAN, -0.1, 0.0, f32::INFINITY] {
        let e = Adam::new(lr).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid parameter `learning_rate`: must be a positive number"),
            "{e}"
        );
        assert!(Sgd::new(lr, 0.0, false, 0.0).is_err());
    }
    assert!(Sgd::new(0.1, 1.0, false, 0.0)
        .unwrap_err()
        .to_string()
        .contains("`momentum`"));
    assert!(Sgd::new(0.1, 0.9, false, -1.0)
        .unwrap_err()
        .to_string()
        .contains("`weight_decay`"));
    assert!(Adam::with(0.1, 1.0, 0.999, 1e-8, 0.0, false)
        .unwrap_err()
        .to_string()
        .contains("`beta1`"));

    let mut ps = ParamStore::new(0);
    let spec = MlpSpec {
        hidden: vec![8, 0],
        ..Default::default()
    };
    assert_eq!(
        mlp(&mut ps, 3, 2, &spec).unwrap_err().to_string(),
        "invalid parameter `hidden_layer_sizes`: hidden size 0 for layer 2: every layer needs at least 1 unit"
    );
    let spec = MlpSpec {
        dropout: 1.0,
        ..Default::default()
    };
    assert!(mlp(&mut ps, 3, 2, &spec)
        .unwrap_err()
        .to_string()
        .contains("`dropout`"));

    // Data problems.
    let mut ps = ParamStore::new(0);
    let net = mlp(&mut ps, 3, 2, &MlpSpec::default()).unwrap();
    let cfg = TrainConfig {
        batch_size: 5,
        ..Default::default()
    };
    let bad_y = vec![0usize, 1, 2, 1, 0, 1, 0, 1, 0, 1];
    let e = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        ClassData { x: &x, y: &bad_y },
        None,
        2,
        &cfg,
        &mut Progress::none(),
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "training label 2 is not below the number of classes 2"
    );
    let short = vec![0usize, 1];
    let e = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        ClassData { x: &x, y: &short },
        None,
        2,
        &cfg,
        &mut Progress::none(),
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "the training set has 10 rows but 2 labels"
    );
    let mut xn = x.clone();
    xn[[3, 1]] = f32::NAN;
    let e = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        ClassData { x: &xn, y: &y },
        None,
        2,
        &cfg,
        &mut Progress::none(),
    );
    assert!(e.unwrap_err().to_string().contains("NaN"));
}

#[test]
fn divergence_stops_with_a_hint() {
    let (x, y, k) = digits();
    let mut ps = ParamStore::new(0);
    let spec = MlpSpec {
        init: WeightInit::StdNormal,
        ..Default::default()
    };
    let net = mlp(&mut ps, 64, k, &spec).unwrap();
    let mut opt = Sgd::new(1e30, 0.0, false, 0.0).unwrap();
    let cfg = TrainConfig {
        epochs: 3,
        batch_size: 64,
        ..Default::default()
    };
    let e = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        ClassData { x: &x, y: &y },
        None,
        k,
        &cfg,
        &mut Progress::none(),
    )
    .unwrap_err();
    assert!(matches!(e, NnError::Diverged { epoch: 1, .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg == "diverged at epoch 1 (loss is NaN): try a smaller learning rate"
            || msg == "diverged at epoch 1 (loss is infinite): try a smaller learning rate",
        "{msg}"
    );
    assert_eq!(AlgoError::from(e).to_string(), msg);
}

#[test]
fn each_epoch_is_reported_and_a_cancel_stops_at_once() {
    let x = randn(&[40, 3], 1);
    let y: Vec<usize> = (0..40).map(|i| i % 2).collect();
    let mut ps = ParamStore::new(0);
    let net = mlp(
        &mut ps,
        3,
        2,
        &MlpSpec {
            hidden: vec![4],
            ..Default::default()
        },
    )
    .unwrap();
    let mut opt = Adam::new(1e-2).unwrap();
    let cfg = TrainConfig {
        epochs: 3,
        batch_size: 8,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut sink = |s: crate::algos::Step| {
        seen.push((s.iter, s.total, s.metric));
        true
    };
    let data = ClassData { x: &x, y: &y };
    let h = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        data,
        Some(data),
        2,
        &cfg,
        &mut Progress::new(&mut sink),
    )
    .unwrap();
    assert_eq!(seen.len(), 12);
    assert_eq!(
        &seen[..4],
        &[
            (1, 3, "train loss"),
            (1, 3, "train accuracy"),
            (1, 3, "test loss"),
            (1, 3, "test accuracy")
        ]
    );
    assert_eq!(h.epochs.len(), 3);
    assert!(h.epochs.iter().all(|e| e.test_accuracy.is_some()));
    assert!(!h.grad_norms.is_empty() && !h.activations.is_empty());

    let mut calls = 0;
    let mut cancel = |_: crate::algos::Step| {
        calls += 1;
        false
    };
    let e = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        data,
        None,
        2,
        &cfg,
        &mut Progress::new(&mut cancel),
    );
    assert_eq!(e.unwrap_err(), NnError::Cancelled);
    assert_eq!(calls, 1);
}

#[test]
fn optimisers_reduce_a_quadratic() {
    // f(w) = ‖w − 3‖²: every optimiser moves w towards 3.
    let opts: Vec<Box<dyn Optimizer>> = vec![
        Box::new(Sgd::new(0.1, 0.0, false, 0.0).unwrap()),
        Box::new(Sgd::new(0.05, 0.9, false, 0.0).unwrap()),
        Box::new(Sgd::new(0.05, 0.9, true, 0.0).unwrap()),
        Box::new(Adam::new(0.1).unwrap()),
        Box::new(Adam::with(0.1, 0.9, 0.999, 1e-8, 0.01, true).unwrap()),
    ];
    for mut opt in opts {
        let mut ps = ParamStore::new(0);
        let id = ps.add("w", &[2], Init::Zeros, true).unwrap();
        let target = ArrayD::from_elem(IxDyn(&[2]), 3.0f32);
        for _ in 0..200 {
            ps.zero_grad();
            let mut g = Graph::new(0);
            let w = g.param(&ps, id).unwrap();
            let l = g.mse(w, &target).unwrap();
            g.backward(l, &mut ps).unwrap();
            opt.step(&mut ps).unwrap();
        }
        let w = ps.value(id).unwrap();
        assert!(w.iter().all(|&v| (v - 3.0).abs() < 0.1), "{w:?}");
    }
}

// ----- parity with scikit-learn's MLPClassifier ------------------------------

fn mlp_split_json(train: &[usize], test: &[usize]) -> String {
    format!(
        "{{\n  \"_header\": \"Written by `cargo test --lib nn::tests::write_mlp_split -- --ignored`: crate::metrics::stratified_split(digits y, 10 classes, test_size 0.25, seed 0); read by make_mlp_reference.py.\",\n  \"seed\": 0,\n  \"test_size\": 0.25,\n  \"train\": {train:?},\n  \"test\": {test:?}\n}}\n"
    )
}

/// Writes the split that the reference script trains scikit-learn on.
#[test]
#[ignore]
fn write_mlp_split() {
    let (_, y, k) = digits();
    let (train, test) = crate::data::split::stratified_split(&y, k, 0.25, 0).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/mlp_split.json"
    );
    std::fs::write(path, mlp_split_json(&train, &test)).unwrap();
}

fn usizes(v: &serde_json::Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect()
}

/// Test accuracy within 2 percentage points of scikit-learn's (mean over
/// its random_state 0..9) with the same hidden size, solver, epochs, batch
/// size, learning rate and L2, on the same stratified 75/25 split.
#[test]
fn mlp_on_digits_matches_scikit_learn() {
    let r: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/reference/mlp_reference.json")).unwrap();
    let (x, y, k) = digits();
    // The split is ours; the reference was trained on exactly these rows.
    let (train, test) = crate::data::split::stratified_split(&y, k, 0.25, 0).unwrap();
    assert_eq!(
        train,
        usizes(&r["split"]["train"]),
        "stratified_split changed: re-run the reference"
    );
    assert_eq!(test, usizes(&r["split"]["test"]));
    let p = &r["params"];
    let hidden = usizes(&p["hidden_layer_sizes"]);
    let epochs = p["max_iter"].as_u64().unwrap() as usize;
    let batch = p["batch_size"].as_u64().unwrap() as usize;
    let lr = p["learning_rate_init"].as_f64().unwrap() as f32;
    let alpha = p["alpha"].as_f64().unwrap() as f32;
    assert_eq!(p["solver"], "adam");
    assert_eq!(p["activation"], "relu");
    let theirs = r["test_accuracy"]["mean"].as_f64().unwrap();

    let seed = std::env::var("MLWB_NN_PARITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (xtr, xte) = (rows(&x, &train), rows(&x, &test));
    let ytr: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    let yte: Vec<usize> = test.iter().map(|&i| y[i]).collect();
    let mut ps = ParamStore::new(seed);
    let spec = MlpSpec {
        hidden,
        ..Default::default()
    };
    let net = mlp(&mut ps, 64, k, &spec).unwrap();
    let mut opt = Adam::new(lr).unwrap();
    let cfg = TrainConfig {
        epochs,
        batch_size: batch,
        l2: alpha,
        seed,
        ..Default::default()
    };
    let h = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        ClassData { x: &xtr, y: &ytr },
        Some(ClassData { x: &xte, y: &yte }),
        k,
        &cfg,
        &mut Progress::none(),
    )
    .unwrap();
    let ours = h.epochs.last().unwrap().test_accuracy.unwrap();
    let our_loss = h.epochs.last().unwrap().train_loss;
    eprintln!("MLP on digits after {epochs} epochs (seed {seed}): ours {ours:.4} (loss {our_loss:.4}), scikit-learn mean {theirs:.4}");
    assert!(
        (ours - theirs).abs() <= 0.02,
        "ours {ours:.4} vs scikit-learn {theirs:.4}"
    );
    // The final training loss is in the range of scikit-learn's too.
    let their_loss = r["final_train_loss"]["mean"].as_f64().unwrap();
    assert!(
        (our_loss - their_loss).abs() <= 0.25 * their_loss,
        "loss {our_loss} vs {their_loss}"
    );
}

#[test]
fn the_vgg_style_cnn_learns_digits() {
    let (x, y, k) = digits();
    let idx: Vec<usize> = (0..240).collect();
    let x = rows(&x, &idx)
        .into_shape_with_order(IxDyn(&[240, 1, 8, 8]))
        .unwrap();
    let y: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
    let mut ps = ParamStore::new(0);
    let net = super::vgg_small(&mut ps, 1, 8, 8, k, WeightInit::HeNormal).unwrap();
    let mut opt = Adam::new(3e-3).unwrap();
    let cfg = TrainConfig {
        epochs: 4,
        batch_size: 32,
        ..Default::default()
    };
    let h = train_classifier(
        &net,
        &mut ps,
        &mut opt,
        ClassData { x: &x, y: &y },
        None,
        k,
        &cfg,
        &mut Progress::none(),
    )
    .unwrap();
    let (first, last) = (&h.epochs[0], &h.epochs[3]);
    assert!(
        last.train_loss < 0.7 * first.train_loss,
        "{} → {}",
        first.train_loss,
        last.train_loss
    );
    assert!(last.train_accuracy > 0.6, "{}", last.train_accuracy);
    let names: Vec<&str> = h.activations.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["conv1", "relu1", "conv2", "relu2", "pool1", "conv3", "relu3", "pool2", "flatten", "fc"]
    );
}

#[test]
fn gradient_norms_show_vanishing_gradients_in_a_deep_sigmoid_net() {
    // What the vanishing-gradient lab will draw: with sigmoid units each layer
    // scales the backward signal by at most 1/4, so the first layer's weight
    // gradient is orders of magnitude smaller than the last's; ReLU with He
    // initialisation keeps it within the same order.
    let x = randn(&[64, 16], 1);
    let y: Vec<usize> = (0..64).map(|i| i % 4).collect();
    let ratio = |activation, init| {
        let mut ps = ParamStore::new(0);
        let spec = MlpSpec {
            hidden: vec![32; 8],
            activation,
            init,
            dropout: 0.0,
        };
        let net = mlp(&mut ps, 16, 4, &spec).unwrap();
        let mut g = Graph::new(0);
        let xv = g.constant(x.clone());
        let z = net.forward(&mut g, &mut ps, xv).unwrap();
        let l = g.cross_entropy(z, &y, 0.0).unwrap();
        g.backward(l, &mut ps).unwrap();
        let norms: std::collections::BTreeMap<String, f32> = ps.grad_norms().into_iter().collect();
        norms["fc1.weight"] / norms["fc8.weight"]
    };
    let sigmoid = ratio(Activation::Sigmoid, WeightInit::GlorotUniform);
    let relu = ratio(Activation::Relu, WeightInit::HeNormal);
    assert!(
        sigmoid < 1e-2,
        "sigmoid: first/last layer gradient norm {sigmoid}"
    );
    assert!(relu > 0.1 && relu < 10.0, "relu + He: {relu}");
}

/// Counts forward passes and raises the cancel flag after the `after`-th.
struct CancelAfter<'a> {
    inner: &'a Sequential,
    flag: &'a std::sync::atomic::AtomicBool,
    after: usize,
    calls: std::cell::Cell<usize>,
}

impl Layer for CancelAfter<'_> {
    fn name(&self) -> &str {
        "cancel-after"
    }
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        self.calls.set(self.calls.get() + 1);
        if self.calls.get() == self.after {
            self.flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        self.inner.forward(g, ps, x)
    }
}

/// A cancel in the middle of an epoch stops training before the next
/// mini-batch: no epoch is reported and no further batch runs.
#[test]
fn cancel_mid_epoch_stops_within_one_mini_batch() {
    let (x, y, k) = digits();
    let flag = std::sync::atomic::AtomicBool::new(false);
    let mut ps = ParamStore::new(0);
    let net = mlp(&mut ps, 64, k, &MlpSpec::default()).unwrap();
    let model = CancelAfter {
        inner: &net,
        flag: &flag,
        after: 3,
        calls: std::cell::Cell::new(0),
    };
    let steps = std::cell::Cell::new(0);
    let mut sink = |_: crate::algos::Step| {
        steps.set(steps.get() + 1);
        true
    };
    let mut progress = Progress::with_cancel(&mut sink, &flag);
    let cfg = TrainConfig {
        epochs: 1,
        batch_size: 32,
        ..Default::default()
    };
    let r = train_classifier(
        &model,
        &mut ps,
        &mut Adam::new(1e-3).unwrap(),
        ClassData { x: &x, y: &y },
        None,
        k,
        &cfg,
        &mut progress,
    );
    assert_eq!(r.unwrap_err(), NnError::Cancelled);
    // 1,797 rows make 57 batches of 32; the third raised the flag.
    assert_eq!(model.calls.get(), 3);
    assert_eq!(steps.get(), 0, "no epoch finished");
    flag.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(!progress.is_cancelled());
    assert!(progress.check().is_ok());
}

// ----- contrastive losses -------------------------------------------------

#[test]
fn grad_l2_normalize_and_contrastive_losses() {
    use super::contrastive::{clip_loss, nt_xent};
    let x = randn(&[4, 3], 41);
    check_ops("l2_normalize", &[x.clone()], &|g, _, v| {
        g.l2_normalize(v[0])
    });
    let z = randn(&[6, 4], 42);
    check_ops("nt_xent", &[z.clone()], &|g, _, v| {
        nt_xent(g, v[0], 0.5, true)
    });
    check_ops("nt_xent positive only", &[z.clone()], &|g, _, v| {
        nt_xent(g, v[0], 0.5, false)
    });
    let (a, b) = (randn(&[3, 4], 43), randn(&[3, 4], 44));
    check_ops("clip_loss", &[a, b], &|g, _, v| {
        clip_loss(g, v[0], v[1], 0.3)
    });
}

#[test]
fn contrastive_losses_match_numpy() {
    use super::contrastive::{clip_loss, nt_xent};
    let r: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/reference/contrastive_reference.json"
    ))
    .unwrap();
    let rows: Vec<Vec<f64>> = serde_json::from_value(r["z"].clone()).unwrap();
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    let z = ArrayD::from_shape_vec(IxDyn(&[6, 4]), flat).unwrap();
    let value = |f: &dyn Fn(&mut Graph, Var) -> Result<Var, NnError>| -> f64 {
        let mut g = Graph::new(0);
        let v = g.input(z.clone());
        let out = f(&mut g, v).unwrap();
        f64::from(g.value(out).unwrap().iter().next().copied().unwrap())
    };
    let want = |k: &str| r[k].as_f64().unwrap();
    let cases: [(&str, f64); 4] = [
        ("nt_xent_tau_0.5", value(&|g, v| nt_xent(g, v, 0.5, true))),
        ("nt_xent_tau_0.1", value(&|g, v| nt_xent(g, v, 0.1, true))),
        (
            "positive_only_tau_0.5",
            value(&|g, v| nt_xent(g, v, 0.5, false)),
        ),
        (
            "clip_tau_0.2",
            value(&|g, v| {
                let a = g.slice(v, 0, 0, 3)?;
                let b = g.slice(v, 0, 3, 6)?;
                clip_loss(g, a, b, 0.2)
            }),
        ),
    ];
    for (k, got) in cases {
        assert!(
            (got - want(k)).abs() < 1e-4 * want(k).abs().max(1.0),
            "{k}: {got} vs {}",
            want(k)
        );
    }
    // Bad settings are errors, not panics.
    let mut g = Graph::new(0);
    let v = g.input(randn(&[5, 2], 1));
    assert!(nt_xent(&mut g, v, 0.5, true).is_err());
    let v = g.input(randn(&[4, 2], 1));
    assert!(nt_xent(&mut g, v, 0.0, true).is_err());
}
