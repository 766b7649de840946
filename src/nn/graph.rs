//! The tape: a Wengert list of operations on f32 tensors, recorded as the
//! forward pass runs, and replayed backwards by [`Graph::backward`].
//!
//! Every operation is one variant of `Op` holding the indices of its inputs
//! and whatever the backward pass needs (a mask, an argmax, the im2col matrix,
//! the normalised input). Backward walks the list from the end, so each node's
//! gradient is complete before it is pushed to its inputs; gradients that
//! reach the same node from several uses are added.

use ndarray::{Array2, ArrayD, ArrayView2, Axis, Ix2, Ix3, IxDyn, Zip};
use rand::Rng as _;

use super::norm::{self, Groups};
use super::params::{ParamId, ParamStore};
use super::{conv, NnError, Tensor};
use crate::algos::Rng;

/// A node of the tape (an index into it). Only valid for the graph that made
/// it, until that graph is [`Graph::reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Var(pub(crate) usize);

/// One recorded operation: its inputs (node indices) and what its backward
/// pass needs.
#[derive(Debug)]
pub(crate) enum Op {
    /// An input or a constant: no inputs.
    Leaf,
    /// A copy of a parameter; its gradient goes to the store.
    Param(ParamId),
    /// `x · w + b`, x of any rank (flattened to rows), w `[in, out]`, b `[out]`.
    Linear {
        x: usize,
        w: usize,
        b: Option<usize>,
    },
    /// 2-D `[m,k]·[k,n]`, batched 3-D `[b,m,k]·[b,k,n]`, or `[b,m,k]·[k,n]`.
    MatMul {
        a: usize,
        b: usize,
    },
    Add {
        a: usize,
        b: usize,
    },
    Sub {
        a: usize,
        b: usize,
    },
    Mul {
        a: usize,
        b: usize,
    },
    Div {
        a: usize,
        b: usize,
    },
    Scale {
        x: usize,
        c: f32,
    },
    SumAxis {
        x: usize,
        axis: usize,
    },
    MeanAxis {
        x: usize,
        axis: usize,
    },
    SumAll {
        x: usize,
    },
    MeanAll {
        x: usize,
    },
    Exp {
        x: usize,
    },
    Log {
        x: usize,
    },
    Relu {
        x: usize,
    },
    Tanh {
        x: usize,
    },
    Sigmoid {
        x: usize,
    },
    /// Softmax over the last axis (the output is kept in the node).
    Softmax {
        x: usize,
    },
    /// Log-softmax over the last axis; keeps the softmax.
    LogSoftmax {
        x: usize,
        soft: Tensor,
    },
    /// Mean cross-entropy of logits `[n, c]`; keeps `(softmax − target)/n`.
    CrossEntropy {
        x: usize,
        dlogits: Array2<f32>,
    },
    /// Each row of `[n, d]` divided by its length (the output is kept in
    /// the node); keeps `1/‖row‖`.
    L2Normalize {
        x: usize,
        inv_norm: Vec<f32>,
    },
    /// Mean squared error against a constant; keeps `2(x − t)/n`.
    Mse {
        x: usize,
        dx: Tensor,
    },
    Reshape {
        x: usize,
    },
    Permute {
        x: usize,
        axes: Vec<usize>,
    },
    Concat {
        xs: Vec<usize>,
        axis: usize,
        sizes: Vec<usize>,
    },
    Slice {
        x: usize,
        axis: usize,
        start: usize,
    },
    /// Rows of a table `[v, d]` picked by `ids` (embedding lookup).
    Gather {
        table: usize,
        ids: Vec<usize>,
    },
    /// Inverted dropout: the mask holds 0 or 1/(1−p).
    Dropout {
        x: usize,
        mask: Tensor,
    },
    Conv2d {
        x: usize,
        w: usize,
        b: Option<usize>,
        /// im2col of the input, `[c·kh·kw, n·ho·wo]`.
        cols: Array2<f32>,
        geom: conv::Geometry,
    },
    /// 2×2 max-pool, stride 2; `argmax[i]` is the flat input index of output i.
    MaxPool2 {
        x: usize,
        argmax: Vec<usize>,
    },
    /// Mean over every axis after the first two: `[n, c, …] → [n, c]`.
    SpatialMean {
        x: usize,
    },
    /// Standardise each group with batch statistics (the output is x̂).
    Standardize {
        x: usize,
        groups: Groups,
        inv_std: Vec<f32>,
    },
    /// `(x − mean)·inv_std` with fixed statistics (batch-norm in eval mode).
    StandardizeFixed {
        x: usize,
        groups: Groups,
        inv_std: Vec<f32>,
    },
    /// `x·γ[g] + β[g]` per group (channel) `g`.
    ChannelAffine {
        x: usize,
        gamma: usize,
        beta: usize,
        groups: Groups,
    },
    /// A scalar whose gradient with respect to each input was computed in
    /// the forward pass (structured losses such as the CRF layer's, where
    /// forward–backward yields the gradient anyway): `d[k]` is ∂y/∂inputs[k].
    Fused {
        inputs: Vec<usize>,
        d: Vec<Tensor>,
    },
}

#[derive(Debug)]
struct Node {
    value: Tensor,
    op: Op,
    requires_grad: bool,
}

/// A recorded activation, named by the layer that produced it, so that a
/// lab can read its statistics after the forward pass and its gradient after
/// the backward pass.
#[derive(Debug, Clone)]
pub struct Tap {
    pub name: String,
    pub var: Var,
}

/// Summary of one tapped activation (or of its gradient).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivationStats {
    pub name: String,
    pub mean: f32,
    pub std: f32,
    pub min: f32,
    pub max: f32,
    /// Share of exact zeros (dead ReLUs).
    pub frac_zero: f32,
    /// Norm of the loss gradient with respect to this activation (after
    /// `backward`; 0 before).
    pub grad_norm: f32,
    /// Counts in `HIST_BINS` equal bins over `[min, max]`.
    pub histogram: Vec<usize>,
}

/// Bins of [`ActivationStats::histogram`].
pub const HIST_BINS: usize = 20;

/// The tape. Build one per model, then for each step: [`Graph::reset`],
/// forward (ops push nodes), [`Graph::backward`] (gradients go to the
/// [`ParamStore`]), optimiser step.
#[derive(Debug)]
pub struct Graph {
    nodes: Vec<Node>,
    grads: Vec<Option<Tensor>>,
    taps: Vec<Tap>,
    /// Training mode: dropout drops, batch-norm uses batch statistics and
    /// updates its running ones.
    pub train: bool,
    rng: Rng,
}

fn shape_err(op: &str, msg: String) -> NnError {
    NnError::Shape(format!("{op}: {msg}"))
}

/// Sum `g` down to `shape` (undo broadcasting).
fn reduce_to(g: Tensor, shape: &[usize]) -> Tensor {
    if g.shape() == shape {
        return g;
    }
    let mut out = g;
    while out.ndim() > shape.len() {
        out = out.sum_axis(Axis(0));
    }
    for (ax, &d) in shape.iter().enumerate() {
        if d == 1 && out.shape()[ax] != 1 {
            out = out.sum_axis(Axis(ax)).insert_axis(Axis(ax));
        }
    }
    out
}

/// Numpy-style broadcast shape of two shapes, if compatible.
fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return None;
        };
    }
    Some(out)
}

fn to2(t: &Tensor) -> Result<ArrayView2<'_, f32>, NnError> {
    t.view()
        .into_dimensionality::<Ix2>()
        .map_err(|e| NnError::Shape(format!("expected a matrix: {e}")))
}

/// A tensor as rows of its last axis: `[…, n] → [rows, n]` (copies only if
/// not in standard layout).
fn rows_of(t: &Tensor) -> Array2<f32> {
    let n = t.shape().last().copied().unwrap_or(1);
    let rows = t.len().checked_div(n).unwrap_or(0);
    let flat: Vec<f32> = if t.is_standard_layout() {
        t.as_slice().map(<[f32]>::to_vec).unwrap_or_default()
    } else {
        t.iter().copied().collect()
    };
    Array2::from_shape_vec((rows, n), flat).unwrap_or_else(|_| Array2::zeros((0, 0)))
}

fn to3(t: &Tensor) -> Result<ndarray::ArrayView3<'_, f32>, NnError> {
    t.view()
        .into_dimensionality::<Ix3>()
        .map_err(|e| NnError::Shape(format!("expected a rank-3 tensor: {e}")))
}

fn from_vec(shape: &[usize], v: Vec<f32>) -> Result<Tensor, NnError> {
    ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| NnError::Shape(e.to_string()))
}

fn reshape_owned(t: Tensor, shape: &[usize]) -> Result<Tensor, NnError> {
    let t = if t.is_standard_layout() {
        t
    } else {
        t.as_standard_layout().into_owned()
    };
    t.into_shape_with_order(IxDyn(shape))
        .map_err(|e| NnError::Shape(e.to_string()))
}

impl Graph {
    /// An empty tape in training mode; `seed` drives dropout masks.
    pub fn new(seed: u64) -> Graph {
        Graph {
            nodes: Vec::with_capacity(64),
            grads: Vec::new(),
            taps: Vec::new(),
            train: true,
            rng: crate::algos::rng(seed),
        }
    }

    /// Forget every node (keeps the allocations and the dropout stream).
    pub fn reset(&mut self) {
        for node in self.nodes.drain(..) {
            if let Op::Conv2d { cols, .. } = node.op {
                conv::give_array(cols);
            }
        }
        self.grads.clear();
        self.taps.clear();
    }

    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn push(&mut self, value: Tensor, op: Op, requires_grad: bool) -> Var {
        self.nodes.push(Node {
            value,
            op,
            requires_grad,
        });
        Var(self.nodes.len() - 1)
    }

    fn node(&self, v: Var) -> Result<&Node, NnError> {
        self.nodes
            .get(v.0)
            .ok_or_else(|| NnError::Shape(format!("variable {} is not on this tape", v.0)))
    }

    fn rg(&self, i: usize) -> bool {
        self.nodes.get(i).is_some_and(|n| n.requires_grad)
    }

    /// The value of a node.
    pub fn value(&self, v: Var) -> Result<&Tensor, NnError> {
        Ok(&self.node(v)?.value)
    }

    /// Shape of a node's value.
    pub fn shape(&self, v: Var) -> Result<Vec<usize>, NnError> {
        Ok(self.node(v)?.value.shape().to_vec())
    }

    /// The gradient of the last `backward` with respect to a node, if any
    /// reached it.
    pub fn grad(&self, v: Var) -> Option<&Tensor> {
        self.grads.get(v.0).and_then(Option::as_ref)
    }

    /// A constant (no gradient).
    pub fn constant(&mut self, t: Tensor) -> Var {
        self.push(t, Op::Leaf, false)
    }

    /// An input whose gradient is wanted (gradient checks, saliency).
    pub fn input(&mut self, t: Tensor) -> Var {
        self.push(t, Op::Leaf, true)
    }

    /// Put a parameter on the tape (its value is copied; `backward` adds its
    /// gradient to the store).
    pub fn param(&mut self, ps: &ParamStore, id: ParamId) -> Result<Var, NnError> {
        let p = ps.param(id)?;
        let v = p.value.clone();
        let trainable = p.trainable;
        Ok(self.push(v, Op::Param(id), trainable))
    }

    /// Name an activation so that [`Graph::activation_stats`] reports it.
    pub fn tap(&mut self, name: &str, v: Var) {
        self.taps.push(Tap {
            name: name.to_string(),
            var: v,
        });
    }

    pub fn taps(&self) -> &[Tap] {
        &self.taps
    }

    /// Statistics of each tapped activation, in tap order; `grad_norm` is
    /// filled after `backward`.
    pub fn activation_stats(&self) -> Vec<ActivationStats> {
        let mut out = Vec::with_capacity(self.taps.len());
        for tap in &self.taps {
            let Some(node) = self.nodes.get(tap.var.0) else {
                continue;
            };
            let v = &node.value;
            let n = v.len().max(1) as f64;
            let (mut lo, mut hi, mut s, mut zeros) = (f32::INFINITY, f32::NEG_INFINITY, 0f64, 0);
            for &x in v {
                lo = lo.min(x);
                hi = hi.max(x);
                s += x as f64;
                if x == 0.0 {
                    zeros += 1;
                }
            }
            let mean = s / n;
            let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
            let mut histogram = vec![0usize; HIST_BINS];
            let width = (hi - lo) as f64;
            for &x in v {
                let b = if width > 0.0 {
                    (((x - lo) as f64 / width) * HIST_BINS as f64) as usize
                } else {
                    0
                };
                histogram[b.min(HIST_BINS - 1)] += 1;
            }
            let grad_norm = self
                .grad(tap.var)
                .map(|g| g.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt() as f32)
                .unwrap_or(0.0);
            out.push(ActivationStats {
                name: tap.name.clone(),
                mean: mean as f32,
                std: var.sqrt() as f32,
                min: if v.is_empty() { 0.0 } else { lo },
                max: if v.is_empty() { 0.0 } else { hi },
                frac_zero: zeros as f32 / n as f32,
                grad_norm,
                histogram,
            });
        }
        out
    }

    // ----- operations -------------------------------------------------------

    /// `x · w + b` for `x [.., in]`, `w [in, out]`, `b [out]`.
    pub fn linear(&mut self, x: Var, w: Var, b: Option<Var>) -> Result<Var, NnError> {
        let xs = self.shape(x)?;
        let wv = to2(self.value(w)?)?;
        let (k, n) = wv.dim();
        if xs.last() != Some(&k) {
            return Err(shape_err(
                "linear",
                format!("input {xs:?} does not end in {k} (weight is {k}×{n})"),
            ));
        }
        let x2 = rows_of(self.value(x)?);
        let mut y = x2.dot(&wv);
        if let Some(b) = b {
            let bv = self.value(b)?;
            if bv.shape() != [n] {
                return Err(shape_err(
                    "linear",
                    format!("bias {:?} is not [{n}]", bv.shape()),
                ));
            }
            let bv = bv
                .view()
                .into_dimensionality::<ndarray::Ix1>()
                .map_err(|e| NnError::Shape(e.to_string()))?;
            y += &bv;
        }
        let mut shape = xs;
        if let Some(l) = shape.last_mut() {
            *l = n;
        }
        let y = reshape_owned(y.into_dyn(), &shape)?;
        let rg = self.rg(x.0) || self.rg(w.0) || b.is_some_and(|b| self.rg(b.0));
        Ok(self.push(
            y,
            Op::Linear {
                x: x.0,
                w: w.0,
                b: b.map(|b| b.0),
            },
            rg,
        ))
    }

    /// Matrix product: `[m,k]·[k,n]`, batched `[b,m,k]·[b,k,n]`, or
    /// `[b,m,k]·[k,n]` (the same matrix for every batch item).
    pub fn matmul(&mut self, a: Var, b: Var) -> Result<Var, NnError> {
        let av = self.value(a)?;
        let bv = self.value(b)?;
        let y = match (av.ndim(), bv.ndim()) {
            (2, 2) => {
                let (a2, b2) = (to2(av)?, to2(bv)?);
                if a2.ncols() != b2.nrows() {
                    return Err(shape_err(
                        "matmul",
                        format!("{:?} · {:?}", av.shape(), bv.shape()),
                    ));
                }
                a2.dot(&b2).into_dyn()
            }
            (3, 3) => {
                let a3 = av
                    .view()
                    .into_dimensionality::<Ix3>()
                    .map_err(|e| NnError::Shape(e.to_string()))?;
                let b3 = bv
                    .view()
                    .into_dimensionality::<Ix3>()
                    .map_err(|e| NnError::Shape(e.to_string()))?;
                let (bs, m, k) = a3.dim();
                let (bs2, k2, n) = b3.dim();
                if bs != bs2 || k != k2 {
                    return Err(shape_err(
                        "matmul",
                        format!("{:?} · {:?}", av.shape(), bv.shape()),
                    ));
                }
                let mut out = ndarray::Array3::<f32>::zeros((bs, m, n));
                for i in 0..bs {
                    out.index_axis_mut(Axis(0), i)
                        .assign(&a3.index_axis(Axis(0), i).dot(&b3.index_axis(Axis(0), i)));
                }
                out.into_dyn()
            }
            (3, 2) => {
                let s = av.shape().to_vec();
                let b2 = to2(bv)?;
                if s[2] != b2.nrows() {
                    return Err(shape_err(
                        "matmul",
                        format!("{:?} · {:?}", av.shape(), bv.shape()),
                    ));
                }
                let y = rows_of(av).dot(&b2);
                reshape_owned(y.into_dyn(), &[s[0], s[1], b2.ncols()])?
            }
            _ => {
                return Err(shape_err(
                    "matmul",
                    format!("unsupported ranks {:?} · {:?}", av.shape(), bv.shape()),
                ))
            }
        };
        let rg = self.rg(a.0) || self.rg(b.0);
        Ok(self.push(y, Op::MatMul { a: a.0, b: b.0 }, rg))
    }

    fn binary(&mut self, a: Var, b: Var, kind: u8) -> Result<Var, NnError> {
        let av = self.value(a)?;
        let bv = self.value(b)?;
        if broadcast_shape(av.shape(), bv.shape()).is_none() {
            let name = ["add", "sub", "mul", "div"][kind as usize];
            return Err(shape_err(
                name,
                format!(
                    "shapes {:?} and {:?} do not broadcast",
                    av.shape(),
                    bv.shape()
                ),
            ));
        }
        let y = match kind {
            0 => av + bv,
            1 => av - bv,
            2 => av * bv,
            _ => av / bv,
        };
        let (a, b) = (a.0, b.0);
        let op = match kind {
            0 => Op::Add { a, b },
            1 => Op::Sub { a, b },
            2 => Op::Mul { a, b },
            _ => Op::Div { a, b },
        };
        let rg = self.rg(a) || self.rg(b);
        Ok(self.push(y, op, rg))
    }

    /// `a + b` with numpy broadcasting (e.g. a row vector over a matrix).
    pub fn add(&mut self, a: Var, b: Var) -> Result<Var, NnError> {
        self.binary(a, b, 0)
    }
    /// `a − b` with broadcasting.
    pub fn sub(&mut self, a: Var, b: Var) -> Result<Var, NnError> {
        self.binary(a, b, 1)
    }
    /// `a ⊙ b` with broadcasting.
    pub fn mul(&mut self, a: Var, b: Var) -> Result<Var, NnError> {
        self.binary(a, b, 2)
    }
    /// `a ⊘ b` with broadcasting.
    pub fn div(&mut self, a: Var, b: Var) -> Result<Var, NnError> {
        self.binary(a, b, 3)
    }

    /// `c · x`.
    pub fn scale(&mut self, x: Var, c: f32) -> Result<Var, NnError> {
        let y = self.value(x)? * c;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::Scale { x: x.0, c }, rg))
    }

    fn check_axis(&self, op: &str, x: Var, axis: usize) -> Result<(), NnError> {
        let nd = self.node(x)?.value.ndim();
        if axis >= nd {
            return Err(shape_err(op, format!("axis {axis} of a rank-{nd} tensor")));
        }
        Ok(())
    }

    /// Sum over one axis (the axis is removed).
    pub fn sum_axis(&mut self, x: Var, axis: usize) -> Result<Var, NnError> {
        self.check_axis("sum_axis", x, axis)?;
        let y = self.value(x)?.sum_axis(Axis(axis));
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::SumAxis { x: x.0, axis }, rg))
    }

    /// Mean over one axis (the axis is removed).
    pub fn mean_axis(&mut self, x: Var, axis: usize) -> Result<Var, NnError> {
        self.check_axis("mean_axis", x, axis)?;
        let xv = self.value(x)?;
        let n = xv.shape()[axis].max(1) as f32;
        let y = xv.sum_axis(Axis(axis)) / n;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::MeanAxis { x: x.0, axis }, rg))
    }

    /// Sum of every element (a rank-0 tensor).
    pub fn sum(&mut self, x: Var) -> Result<Var, NnError> {
        let s = self.value(x)?.sum();
        let rg = self.rg(x.0);
        Ok(self.push(ArrayD::from_elem(IxDyn(&[]), s), Op::SumAll { x: x.0 }, rg))
    }

    /// Mean of every element (a rank-0 tensor).
    pub fn mean(&mut self, x: Var) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        let s = xv.sum() / xv.len().max(1) as f32;
        let rg = self.rg(x.0);
        Ok(self.push(ArrayD::from_elem(IxDyn(&[]), s), Op::MeanAll { x: x.0 }, rg))
    }

    fn unary(&mut self, x: Var, f: impl Fn(f32) -> f32, op: Op) -> Result<Var, NnError> {
        let y = self.value(x)?.mapv(f);
        let rg = self.rg(x.0);
        Ok(self.push(y, op, rg))
    }

    pub fn exp(&mut self, x: Var) -> Result<Var, NnError> {
        self.unary(x, f32::exp, Op::Exp { x: x.0 })
    }
    /// Natural log (−inf at 0: the caller keeps inputs positive).
    pub fn log(&mut self, x: Var) -> Result<Var, NnError> {
        self.unary(x, f32::ln, Op::Log { x: x.0 })
    }
    pub fn relu(&mut self, x: Var) -> Result<Var, NnError> {
        self.unary(x, |v| v.max(0.0), Op::Relu { x: x.0 })
    }
    pub fn tanh(&mut self, x: Var) -> Result<Var, NnError> {
        self.unary(x, f32::tanh, Op::Tanh { x: x.0 })
    }
    pub fn sigmoid(&mut self, x: Var) -> Result<Var, NnError> {
        self.unary(x, sigmoid, Op::Sigmoid { x: x.0 })
    }

    /// Softmax over the last axis, shifted by the row maximum (stable).
    pub fn softmax(&mut self, x: Var) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        let shape = xv.shape().to_vec();
        let mut y = rows_of(xv);
        softmax_rows(&mut y);
        let y = reshape_owned(y.into_dyn(), &shape)?;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::Softmax { x: x.0 }, rg))
    }

    /// Log-softmax over the last axis: `x − max − log Σ exp(x − max)`.
    pub fn log_softmax(&mut self, x: Var) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        let shape = xv.shape().to_vec();
        let mut y = rows_of(xv);
        let mut soft = y.clone();
        softmax_rows(&mut soft);
        for mut row in y.rows_mut() {
            let m = row.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let lse = row.iter().map(|&v| (v - m).exp()).sum::<f32>().ln() + m;
            row.mapv_inplace(|v| v - lse);
        }
        let y = reshape_owned(y.into_dyn(), &shape)?;
        let soft = reshape_owned(soft.into_dyn(), &shape)?;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::LogSoftmax { x: x.0, soft }, rg))
    }

    /// Mean cross-entropy of logits `[n, c]` against class indices, with
    /// label smoothing `eps` (target `(1−eps)·onehot + eps/c`). Fused and
    /// stable: the gradient is `(softmax − target)/n`.
    pub fn cross_entropy(
        &mut self,
        logits: Var,
        targets: &[usize],
        smoothing: f32,
    ) -> Result<Var, NnError> {
        let xv = self.value(logits)?;
        if xv.ndim() != 2 || xv.shape()[0] != targets.len() || xv.shape()[0] == 0 {
            return Err(shape_err(
                "cross_entropy",
                format!(
                    "logits {:?} for {} targets (expected [n, classes], n ≥ 1)",
                    xv.shape(),
                    targets.len()
                ),
            ));
        }
        if !(0.0..1.0).contains(&smoothing) {
            return Err(NnError::param(
                "label_smoothing",
                format!("must be in [0, 1), got {smoothing}"),
            ));
        }
        let c = xv.shape()[1];
        if let Some(&t) = targets.iter().find(|&&t| t >= c) {
            return Err(NnError::Data(format!(
                "class index {t} with only {c} outputs"
            )));
        }
        let n = targets.len();
        let mut p = rows_of(xv);
        let mut loss = 0f64;
        let off = smoothing / c as f32;
        for (mut row, &t) in p.rows_mut().into_iter().zip(targets) {
            let m = row.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let lse = row.iter().map(|&v| (v - m).exp()).sum::<f32>().ln() + m;
            // −Σ q log p = lse − Σ q x
            let mut qx = (1.0 - smoothing) * row[t];
            if smoothing > 0.0 {
                qx += off * row.sum();
            }
            loss += (lse - qx) as f64;
            row.mapv_inplace(|v| (v - lse).exp());
            row.mapv_inplace(|v| v - off);
            row[t] -= 1.0 - smoothing;
        }
        p.mapv_inplace(|v| v / n as f32);
        let y = ArrayD::from_elem(IxDyn(&[]), (loss / n as f64) as f32);
        let rg = self.rg(logits.0);
        Ok(self.push(
            y,
            Op::CrossEntropy {
                x: logits.0,
                dlogits: p,
            },
            rg,
        ))
    }

    /// Each row of a `[n, d]` matrix scaled to unit length,
    /// `x / sqrt(‖x‖² + 1e-12)` (cosine similarity is then a dot product:
    /// SimCLR's and CLIP's embeddings). A row of zeros stays zero.
    pub fn l2_normalize(&mut self, x: Var) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        if xv.ndim() != 2 {
            return Err(shape_err(
                "l2_normalize",
                format!("expected [n, d], got {:?}", xv.shape()),
            ));
        }
        let mut y = rows_of(xv);
        let mut inv_norm = Vec::with_capacity(y.nrows());
        for mut row in y.rows_mut() {
            let sq: f64 = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
            let inv = (1.0 / (sq + 1e-12).sqrt()) as f32;
            row.mapv_inplace(|v| v * inv);
            inv_norm.push(inv);
        }
        let rg = self.rg(x.0);
        Ok(self.push(y.into_dyn(), Op::L2Normalize { x: x.0, inv_norm }, rg))
    }

    /// Mean squared error `mean((x − t)²)` against a constant target.
    pub fn mse(&mut self, x: Var, target: &Tensor) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        if xv.shape() != target.shape() {
            return Err(shape_err(
                "mse",
                format!("prediction {:?} vs target {:?}", xv.shape(), target.shape()),
            ));
        }
        let d = xv - target;
        let n = d.len().max(1) as f32;
        let loss = d.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n as f64;
        let dx = d * (2.0 / n);
        let rg = self.rg(x.0);
        Ok(self.push(
            ArrayD::from_elem(IxDyn(&[]), loss as f32),
            Op::Mse { x: x.0, dx },
            rg,
        ))
    }

    /// Same elements, new shape (row-major order).
    pub fn reshape(&mut self, x: Var, shape: &[usize]) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        if xv.len() != shape.iter().product::<usize>() {
            return Err(shape_err(
                "reshape",
                format!(
                    "{:?} has {} elements, {shape:?} needs {}",
                    xv.shape(),
                    xv.len(),
                    shape.iter().product::<usize>()
                ),
            ));
        }
        let y = reshape_owned(xv.clone(), shape)?;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::Reshape { x: x.0 }, rg))
    }

    /// Reorder axes: output axis i is input axis `axes[i]`.
    pub fn permute(&mut self, x: Var, axes: &[usize]) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        let mut seen = vec![false; xv.ndim()];
        if axes.len() != xv.ndim()
            || axes
                .iter()
                .any(|&a| a >= seen.len() || std::mem::replace(&mut seen[a], true))
        {
            return Err(shape_err(
                "permute",
                format!(
                    "{axes:?} is not a permutation of the axes of {:?}",
                    xv.shape()
                ),
            ));
        }
        let y = xv
            .view()
            .permuted_axes(IxDyn(axes))
            .as_standard_layout()
            .into_owned();
        let rg = self.rg(x.0);
        Ok(self.push(
            y,
            Op::Permute {
                x: x.0,
                axes: axes.to_vec(),
            },
            rg,
        ))
    }

    /// Swap two axes.
    pub fn transpose(&mut self, x: Var, a1: usize, a2: usize) -> Result<Var, NnError> {
        let nd = self.node(x)?.value.ndim();
        if a1 >= nd || a2 >= nd {
            return Err(shape_err(
                "transpose",
                format!("axes {a1}, {a2} of rank {nd}"),
            ));
        }
        let mut axes: Vec<usize> = (0..nd).collect();
        axes.swap(a1, a2);
        self.permute(x, &axes)
    }

    /// Join tensors along an axis (other axes must agree).
    pub fn concat(&mut self, xs: &[Var], axis: usize) -> Result<Var, NnError> {
        if xs.is_empty() {
            return Err(shape_err("concat", "nothing to join".into()));
        }
        let mut views = Vec::with_capacity(xs.len());
        let mut sizes = Vec::with_capacity(xs.len());
        for &x in xs {
            let v = self.value(x)?;
            if axis >= v.ndim() {
                return Err(shape_err(
                    "concat",
                    format!("axis {axis} of {:?}", v.shape()),
                ));
            }
            sizes.push(v.shape()[axis]);
            views.push(v.view());
        }
        let y = ndarray::concatenate(Axis(axis), &views)
            .map_err(|e| shape_err("concat", e.to_string()))?;
        let rg = xs.iter().any(|x| self.rg(x.0));
        Ok(self.push(
            y,
            Op::Concat {
                xs: xs.iter().map(|x| x.0).collect(),
                axis,
                sizes,
            },
            rg,
        ))
    }

    /// `x[.., start..end, ..]` along `axis`.
    pub fn slice(&mut self, x: Var, axis: usize, start: usize, end: usize) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        if axis >= xv.ndim() || start >= end || end > xv.shape()[axis] {
            return Err(shape_err(
                "slice",
                format!("{start}..{end} on axis {axis} of {:?}", xv.shape()),
            ));
        }
        let y = xv
            .slice_axis(Axis(axis), ndarray::Slice::from(start..end))
            .to_owned();
        let rg = self.rg(x.0);
        Ok(self.push(
            y,
            Op::Slice {
                x: x.0,
                axis,
                start,
            },
            rg,
        ))
    }

    /// Rows of `table [v, d]` for each id: `[ids.len(), d]` (embedding lookup).
    pub fn gather(&mut self, table: Var, ids: &[usize]) -> Result<Var, NnError> {
        let t = to2(self.value(table)?)?;
        let (v, d) = t.dim();
        if let Some(&bad) = ids.iter().find(|&&i| i >= v) {
            return Err(NnError::Data(format!(
                "token id {bad} outside the vocabulary of {v}"
            )));
        }
        let mut y = Array2::<f32>::zeros((ids.len(), d));
        for (mut row, &i) in y.rows_mut().into_iter().zip(ids) {
            row.assign(&t.row(i));
        }
        let rg = self.rg(table.0);
        Ok(self.push(
            y.into_dyn(),
            Op::Gather {
                table: table.0,
                ids: ids.to_vec(),
            },
            rg,
        ))
    }

    /// Inverted dropout: in training mode each element is zeroed with
    /// probability `p` and the rest scaled by 1/(1−p); identity in eval mode.
    pub fn dropout(&mut self, x: Var, p: f32) -> Result<Var, NnError> {
        if !(0.0..1.0).contains(&p) {
            return Err(NnError::param(
                "dropout",
                format!("must be in [0, 1), got {p}"),
            ));
        }
        if !self.train || p == 0.0 {
            return Ok(x);
        }
        let keep = 1.0 / (1.0 - p);
        let shape = self.shape(x)?;
        let n: usize = shape.iter().product();
        let mask: Vec<f32> = (0..n)
            .map(|_| if self.rng.gen::<f32>() < p { 0.0 } else { keep })
            .collect();
        let mask = from_vec(&shape, mask)?;
        let y = self.value(x)? * &mask;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::Dropout { x: x.0, mask }, rg))
    }

    /// 2-D convolution (cross-correlation) of `x [n, c, h, w]` with
    /// `w [o, c, kh, kw]` and bias `[o]`: im2col, then one GEMM.
    pub fn conv2d(
        &mut self,
        x: Var,
        w: Var,
        b: Option<Var>,
        stride: usize,
        padding: usize,
    ) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        let wv = self.value(w)?;
        let geom = conv::Geometry::new(xv.shape(), wv.shape(), stride, padding)?;
        let cols = conv::im2col(xv, &geom)?;
        let w2 = wv
            .view()
            .into_shape_with_order((geom.o, geom.c * geom.kh * geom.kw))
            .map_err(|e| NnError::Shape(e.to_string()))?;
        // [o, n·ho·wo]
        let mut y2 = w2.dot(&cols);
        if let Some(b) = b {
            let bv = self.value(b)?;
            if bv.shape() != [geom.o] {
                return Err(shape_err(
                    "conv2d",
                    format!("bias {:?} is not [{}]", bv.shape(), geom.o),
                ));
            }
            for (mut row, &bo) in y2.rows_mut().into_iter().zip(bv.iter()) {
                row += bo;
            }
        }
        let y = conv::ocols_to_nchw(&y2, &geom);
        let rg = self.rg(x.0) || self.rg(w.0) || b.is_some_and(|b| self.rg(b.0));
        Ok(self.push(
            y,
            Op::Conv2d {
                x: x.0,
                w: w.0,
                b: b.map(|b| b.0),
                cols,
                geom,
            },
            rg,
        ))
    }

    /// 2×2 max-pool with stride 2 over `[n, c, h, w]` (odd edges dropped).
    pub fn max_pool2(&mut self, x: Var) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        let (y, argmax) = conv::max_pool2(xv)?;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::MaxPool2 { x: x.0, argmax }, rg))
    }

    /// Mean over the spatial axes: `[n, c, …] → [n, c]` (global average pool).
    pub fn spatial_mean(&mut self, x: Var) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        if xv.ndim() < 3 {
            return Err(shape_err(
                "spatial_mean",
                format!("{:?} has no spatial axes", xv.shape()),
            ));
        }
        let (n, c) = (xv.shape()[0], xv.shape()[1]);
        let s = xv.len() / (n * c).max(1);
        let flat = reshape_owned(xv.clone(), &[n, c, s])?;
        let y = flat.sum_axis(Axis(2)) / s.max(1) as f32;
        let rg = self.rg(x.0);
        Ok(self.push(y, Op::SpatialMean { x: x.0 }, rg))
    }

    /// Standardise every group of `x` to mean 0, variance 1 with its own
    /// statistics (biased variance, `eps` added). Returns the output and each
    /// group's mean and biased variance (for batch-norm's running stats).
    pub fn standardize(
        &mut self,
        x: Var,
        groups: Groups,
        eps: f32,
    ) -> Result<(Var, Vec<f32>, Vec<f32>), NnError> {
        let xv = self.value(x)?;
        groups.check(xv.len())?;
        let (y, mean, var, inv_std) = norm::standardize(xv, &groups, eps)?;
        let rg = self.rg(x.0);
        let v = self.push(
            y,
            Op::Standardize {
                x: x.0,
                groups,
                inv_std,
            },
            rg,
        );
        Ok((v, mean, var))
    }

    /// `(x − mean[g]) / sqrt(var[g] + eps)` with given statistics.
    pub fn standardize_fixed(
        &mut self,
        x: Var,
        groups: Groups,
        mean: &[f32],
        var: &[f32],
        eps: f32,
    ) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        groups.check(xv.len())?;
        if mean.len() != groups.g || var.len() != groups.g {
            return Err(shape_err(
                "standardize_fixed",
                format!("{} groups, {} statistics", groups.g, mean.len()),
            ));
        }
        let inv_std: Vec<f32> = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
        let mut y = xv.as_standard_layout().into_owned();
        if let Some(s) = y.as_slice_mut() {
            groups.for_each_mut(s, |g, v| *v = (*v - mean[g]) * inv_std[g]);
        }
        let rg = self.rg(x.0);
        Ok(self.push(
            y,
            Op::StandardizeFixed {
                x: x.0,
                groups,
                inv_std,
            },
            rg,
        ))
    }

    /// `x·γ[g] + β[g]` for each group `g` (γ, β of shape `[groups.g]`).
    pub fn channel_affine(
        &mut self,
        x: Var,
        gamma: Var,
        beta: Var,
        groups: Groups,
    ) -> Result<Var, NnError> {
        let xv = self.value(x)?;
        groups.check(xv.len())?;
        let gv = self.value(gamma)?;
        let bv = self.value(beta)?;
        if gv.len() != groups.g || bv.len() != groups.g {
            return Err(shape_err(
                "channel_affine",
                format!(
                    "γ {:?}, β {:?} for {} channels",
                    gv.shape(),
                    bv.shape(),
                    groups.g
                ),
            ));
        }
        let gs: Vec<f32> = gv.iter().copied().collect();
        let bs: Vec<f32> = bv.iter().copied().collect();
        let mut y = xv.as_standard_layout().into_owned();
        if let Some(s) = y.as_slice_mut() {
            groups.for_each_mut(s, |g, v| *v = *v * gs[g] + bs[g]);
        }
        let rg = self.rg(x.0) || self.rg(gamma.0) || self.rg(beta.0);
        Ok(self.push(
            y,
            Op::ChannelAffine {
                x: x.0,
                gamma: gamma.0,
                beta: beta.0,
                groups,
            },
            rg,
        ))
    }

    /// A scalar `value` with its gradient with respect to each input given
    /// (`parts[k] = (input, ∂value/∂input)`, each of the input's shape).
    /// For losses whose forward pass computes the gradient anyway.
    pub(crate) fn fused_scalar(
        &mut self,
        value: f32,
        parts: Vec<(Var, Tensor)>,
    ) -> Result<Var, NnError> {
        for (v, d) in &parts {
            let shape = self.shape(*v)?;
            if d.shape() != shape.as_slice() {
                return Err(shape_err(
                    "fused",
                    format!("gradient {:?} for input {shape:?}", d.shape()),
                ));
            }
        }
        let rg = parts.iter().any(|(v, _)| self.rg(v.0));
        let (inputs, d) = parts.into_iter().map(|(v, d)| (v.0, d)).unzip();
        Ok(self.push(
            ArrayD::from_elem(IxDyn(&[]), value),
            Op::Fused { inputs, d },
            rg,
        ))
    }

    // ----- backward ---------------------------------------------------------

    /// Backpropagate from a scalar `loss` (gradient 1), then add every
    /// parameter's gradient to the store (gradients accumulate until
    /// [`ParamStore::zero_grad`]).
    pub fn backward(&mut self, loss: Var, ps: &mut ParamStore) -> Result<(), NnError> {
        let lv = self.value(loss)?;
        if lv.len() != 1 {
            return Err(shape_err(
                "backward",
                format!("loss must be a scalar, got {:?}", lv.shape()),
            ));
        }
        let seed = ArrayD::from_elem(lv.raw_dim(), 1.0f32);
        self.backward_with(loss, seed, ps)
    }

    /// Backpropagate a given output gradient `seed` (same shape as `out`).
    pub fn backward_with(
        &mut self,
        out: Var,
        seed: Tensor,
        ps: &mut ParamStore,
    ) -> Result<(), NnError> {
        let ov = self.value(out)?;
        if ov.shape() != seed.shape() {
            return Err(shape_err(
                "backward",
                format!("seed {:?} for output {:?}", seed.shape(), ov.shape()),
            ));
        }
        let mut grads: Vec<Option<Tensor>> = Vec::new();
        std::mem::swap(&mut grads, &mut self.grads);
        grads.clear();
        grads.resize_with(self.nodes.len(), || None);
        grads[out.0] = Some(seed);
        for i in (0..=out.0).rev() {
            if !self.nodes[i].requires_grad {
                continue;
            }
            let Some(g) = grads[i].take() else { continue };
            self.backward_node(i, &g, &mut grads, ps)?;
            grads[i] = Some(g);
        }
        self.grads = grads;
        Ok(())
    }

    fn backward_node(
        &self,
        i: usize,
        g: &Tensor,
        grads: &mut [Option<Tensor>],
        ps: &mut ParamStore,
    ) -> Result<(), NnError> {
        let nodes = &self.nodes;
        let val = |j: usize| &nodes[j].value;
        let mut acc = |j: usize, d: Tensor| {
            if !nodes[j].requires_grad {
                return;
            }
            if let Some(e) = &mut grads[j] {
                *e += &d;
            } else {
                grads[j] = Some(d);
            }
        };
        let y = &nodes[i].value;
        match &nodes[i].op {
            Op::Leaf => {}
            Op::Param(id) => ps.add_grad(*id, g)?,
            &Op::Linear { x, w, b } => {
                let g2 = rows_of(g);
                let wv = to2(val(w))?;
                if nodes[x].requires_grad {
                    let dx = g2.dot(&wv.t());
                    acc(x, reshape_owned(dx.into_dyn(), val(x).shape())?);
                }
                if nodes[w].requires_grad {
                    let x2 = rows_of(val(x));
                    acc(w, x2.t().dot(&g2).into_dyn());
                }
                if let Some(b) = b {
                    acc(b, g2.sum_axis(Axis(0)).into_dyn());
                }
            }
            &Op::MatMul { a, b } => {
                let (av, bv) = (val(a), val(b));
                match (av.ndim(), bv.ndim()) {
                    (2, 2) => {
                        let (a2, b2, g2) = (to2(av)?, to2(bv)?, to2(g)?);
                        if nodes[a].requires_grad {
                            acc(a, g2.dot(&b2.t()).into_dyn());
                        }
                        if nodes[b].requires_grad {
                            acc(b, a2.t().dot(&g2).into_dyn());
                        }
                    }
                    (3, 3) => {
                        let (a3, b3, g3) = (to3(av)?, to3(bv)?, to3(g)?);
                        let mut da = ndarray::Array3::<f32>::zeros(a3.raw_dim());
                        let mut db = ndarray::Array3::<f32>::zeros(b3.raw_dim());
                        for k in 0..a3.shape()[0] {
                            let gk = g3.index_axis(Axis(0), k);
                            da.index_axis_mut(Axis(0), k)
                                .assign(&gk.dot(&b3.index_axis(Axis(0), k).t()));
                            db.index_axis_mut(Axis(0), k)
                                .assign(&a3.index_axis(Axis(0), k).t().dot(&gk));
                        }
                        acc(a, da.into_dyn());
                        acc(b, db.into_dyn());
                    }
                    _ => {
                        let (a2, b2, g2) = (rows_of(av), to2(bv)?, rows_of(g));
                        if nodes[a].requires_grad {
                            acc(a, reshape_owned(g2.dot(&b2.t()).into_dyn(), av.shape())?);
                        }
                        if nodes[b].requires_grad {
                            acc(b, a2.t().dot(&g2).into_dyn());
                        }
                    }
                }
            }
            &Op::Add { a, b } => {
                if nodes[a].requires_grad {
                    acc(a, reduce_to(g.clone(), val(a).shape()));
                }
                if nodes[b].requires_grad {
                    acc(b, reduce_to(g.clone(), val(b).shape()));
                }
            }
            &Op::Sub { a, b } => {
                if nodes[a].requires_grad {
                    acc(a, reduce_to(g.clone(), val(a).shape()));
                }
                if nodes[b].requires_grad {
                    acc(b, -reduce_to(g.clone(), val(b).shape()));
                }
            }
            &Op::Mul { a, b } => {
                if nodes[a].requires_grad {
                    acc(a, reduce_to(g * val(b), val(a).shape()));
                }
                if nodes[b].requires_grad {
                    acc(b, reduce_to(g * val(a), val(b).shape()));
                }
            }
            &Op::Div { a, b } => {
                let bv = val(b);
                if nodes[a].requires_grad {
                    acc(a, reduce_to(g / bv, val(a).shape()));
                }
                if nodes[b].requires_grad {
                    // d(a/b)/db = −y/b
                    let d = -(g * y) / bv;
                    acc(b, reduce_to(d, bv.shape()));
                }
            }
            &Op::Scale { x, c } => acc(x, g * c),
            &Op::SumAxis { x, axis } => {
                let d = g.clone().insert_axis(Axis(axis));
                acc(
                    x,
                    d.broadcast(val(x).raw_dim())
                        .map(|v| v.to_owned())
                        .ok_or_else(|| NnError::Shape("sum_axis backward".into()))?,
                );
            }
            &Op::MeanAxis { x, axis } => {
                let n = val(x).shape()[axis].max(1) as f32;
                let d = (g / n).insert_axis(Axis(axis));
                acc(
                    x,
                    d.broadcast(val(x).raw_dim())
                        .map(|v| v.to_owned())
                        .ok_or_else(|| NnError::Shape("mean_axis backward".into()))?,
                );
            }
            &Op::SumAll { x } => {
                let s = g.iter().next().copied().unwrap_or(0.0);
                acc(x, ArrayD::from_elem(val(x).raw_dim(), s));
            }
            &Op::MeanAll { x } => {
                let n = val(x).len().max(1) as f32;
                let s = g.iter().next().copied().unwrap_or(0.0) / n;
                acc(x, ArrayD::from_elem(val(x).raw_dim(), s));
            }
            &Op::Exp { x } => acc(x, g * y),
            &Op::Log { x } => acc(x, g / val(x)),
            &Op::Relu { x } => {
                let mut d = g.clone();
                Zip::from(&mut d).and(val(x)).for_each(|d, &x| {
                    if x <= 0.0 {
                        *d = 0.0;
                    }
                });
                acc(x, d);
            }
            &Op::Tanh { x } => {
                let mut d = g.clone();
                Zip::from(&mut d).and(y).for_each(|d, &t| *d *= 1.0 - t * t);
                acc(x, d);
            }
            &Op::Sigmoid { x } => {
                let mut d = g.clone();
                Zip::from(&mut d)
                    .and(y)
                    .for_each(|d, &s| *d *= s * (1.0 - s));
                acc(x, d);
            }
            &Op::Softmax { x } => {
                // dx = y ⊙ (g − Σ g⊙y)
                let (mut d, y2) = (rows_of(g), rows_of(y));
                for (mut dr, yr) in d.rows_mut().into_iter().zip(y2.rows()) {
                    let s: f32 = dr.iter().zip(yr).map(|(a, b)| a * b).sum();
                    Zip::from(&mut dr)
                        .and(&yr)
                        .for_each(|d, &y| *d = y * (*d - s));
                }
                acc(x, reshape_owned(d.into_dyn(), val(x).shape())?);
            }
            Op::L2Normalize { x, inv_norm } => {
                // dx = (g − y (y·g)) / ‖x‖
                let (mut d, y2) = (rows_of(g), rows_of(y));
                for ((mut dr, yr), &inv) in d.rows_mut().into_iter().zip(y2.rows()).zip(inv_norm) {
                    let s: f32 = dr.iter().zip(yr).map(|(a, b)| a * b).sum();
                    Zip::from(&mut dr)
                        .and(&yr)
                        .for_each(|d, &y| *d = (*d - y * s) * inv);
                }
                acc(*x, d.into_dyn());
            }
            Op::LogSoftmax { x, soft } => {
                // dx = g − softmax · Σ g
                let (mut d, s2) = (rows_of(g), rows_of(soft));
                for (mut dr, sr) in d.rows_mut().into_iter().zip(s2.rows()) {
                    let s: f32 = dr.sum();
                    Zip::from(&mut dr).and(&sr).for_each(|d, &p| *d -= p * s);
                }
                acc(*x, reshape_owned(d.into_dyn(), val(*x).shape())?);
            }
            Op::CrossEntropy { x, dlogits } => {
                let s = g.iter().next().copied().unwrap_or(0.0);
                acc(*x, (dlogits * s).into_dyn());
            }
            Op::Mse { x, dx } => {
                let s = g.iter().next().copied().unwrap_or(0.0);
                acc(*x, dx * s);
            }
            &Op::Reshape { x } => acc(x, reshape_owned(g.clone(), val(x).shape())?),
            Op::Permute { x, axes } => {
                let mut inv = vec![0; axes.len()];
                for (i, &a) in axes.iter().enumerate() {
                    inv[a] = i;
                }
                acc(
                    *x,
                    g.view()
                        .permuted_axes(IxDyn(&inv))
                        .as_standard_layout()
                        .into_owned(),
                );
            }
            Op::Concat { xs, axis, sizes } => {
                let mut start = 0;
                for (&x, &s) in xs.iter().zip(sizes) {
                    let part = g
                        .slice_axis(Axis(*axis), ndarray::Slice::from(start..start + s))
                        .to_owned();
                    acc(x, part);
                    start += s;
                }
            }
            &Op::Slice { x, axis, start } => {
                let mut d = ArrayD::<f32>::zeros(val(x).raw_dim());
                let end = start + g.shape()[axis];
                d.slice_axis_mut(Axis(axis), ndarray::Slice::from(start..end))
                    .assign(g);
                acc(x, d);
            }
            Op::Gather { table, ids } => {
                let mut d = Array2::<f32>::zeros(to2(val(*table))?.raw_dim());
                let g2 = to2(g)?;
                for (row, &i) in g2.rows().into_iter().zip(ids) {
                    let mut dr = d.row_mut(i);
                    dr += &row;
                }
                acc(*table, d.into_dyn());
            }
            Op::Dropout { x, mask } => acc(*x, g * mask),
            Op::Conv2d {
                x,
                w,
                b,
                cols,
                geom,
            } => {
                let g2 = conv::nchw_to_ocols(g, geom)?; // [o, n·ho·wo]
                let wv = val(*w);
                let ckk = geom.c * geom.kh * geom.kw;
                let w2 = wv
                    .view()
                    .into_shape_with_order((geom.o, ckk))
                    .map_err(|e| NnError::Shape(e.to_string()))?;
                if nodes[*w].requires_grad {
                    let dw = g2.dot(&cols.t());
                    acc(*w, reshape_owned(dw.into_dyn(), wv.shape())?);
                }
                if let Some(b) = b {
                    acc(*b, g2.sum_axis(Axis(1)).into_dyn());
                }
                if nodes[*x].requires_grad {
                    let n_cols = geom.n * geom.ho * geom.wo;
                    let mut dcols =
                        Array2::from_shape_vec((ckk, n_cols), conv::take_zeroed(ckk * n_cols))
                            .map_err(|e| NnError::Shape(e.to_string()))?;
                    ndarray::linalg::general_mat_mul(1.0, &w2.t(), &g2, 0.0, &mut dcols);
                    acc(*x, conv::col2im(&dcols, geom));
                    conv::give_array(dcols);
                }
            }
            Op::MaxPool2 { x, argmax } => {
                let mut d = ArrayD::<f32>::zeros(val(*x).raw_dim());
                if let (Some(ds), Some(gs)) = (d.as_slice_mut(), g.as_slice()) {
                    for (&src, &gv) in argmax.iter().zip(gs) {
                        ds[src] += gv;
                    }
                }
                acc(*x, d);
            }
            &Op::SpatialMean { x } => {
                let shape = val(x).shape().to_vec();
                let (n, c) = (shape[0], shape[1]);
                let s = val(x).len() / (n * c).max(1);
                let g2 = to2(g)?;
                let mut d = Vec::with_capacity(n * c * s);
                for &gv in g2.iter() {
                    d.extend(std::iter::repeat_n(gv / s as f32, s));
                }
                acc(x, from_vec(&shape, d)?);
            }
            Op::Standardize { x, groups, inv_std } => {
                acc(*x, norm::standardize_backward(g, y, groups, inv_std)?);
            }
            Op::StandardizeFixed { x, groups, inv_std } => {
                let mut d = g.as_standard_layout().into_owned();
                if let Some(s) = d.as_slice_mut() {
                    groups.for_each_mut(s, |gi, v| *v *= inv_std[gi]);
                }
                acc(*x, d);
            }
            &Op::ChannelAffine {
                x,
                gamma,
                beta,
                ref groups,
            } => {
                let gs: Vec<f32> = val(gamma).iter().copied().collect();
                let xv = val(x).as_standard_layout();
                let gv = g.as_standard_layout();
                let (xs, gsl) = match (xv.as_slice(), gv.as_slice()) {
                    (Some(a), Some(b)) => (a, b),
                    _ => return Err(NnError::Shape("channel_affine backward".into())),
                };
                let mut dgamma = vec![0f32; groups.g];
                let mut dbeta = vec![0f32; groups.g];
                groups.for_each_index(|gi, k| {
                    dgamma[gi] += gsl[k] * xs[k];
                    dbeta[gi] += gsl[k];
                });
                if nodes[x].requires_grad {
                    let mut d = gv.into_owned();
                    if let Some(s) = d.as_slice_mut() {
                        groups.for_each_mut(s, |gi, v| *v *= gs[gi]);
                    }
                    acc(x, d);
                }
                let gshape = val(gamma).shape().to_vec();
                let bshape = val(beta).shape().to_vec();
                acc(gamma, from_vec(&gshape, dgamma)?);
                acc(beta, from_vec(&bshape, dbeta)?);
            }
            Op::Fused { inputs, d } => {
                let s = g.iter().next().copied().unwrap_or(0.0);
                for (&x, dx) in inputs.iter().zip(d) {
                    acc(x, dx * s);
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn sigmoid(v: f32) -> f32 {
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    }
}

/// Row-wise stable softmax in place.
pub(crate) fn softmax_rows(a: &mut Array2<f32>) {
    for mut row in a.rows_mut() {
        let m = row.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        row.mapv_inplace(|v| v / s);
    }
}
