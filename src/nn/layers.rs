//! Layers: each owns the ids of its parameters (registered in a
//! [`ParamStore`] under `"<name>.<part>"`) and records its forward pass on a
//! [`Graph`].

use ndarray::{ArrayD, IxDyn};

use super::graph::{Graph, Var};
use super::norm::Groups;
use super::params::{Init, ParamId, ParamStore, WeightInit};
use super::{NnError, Tensor};

/// Anything with a forward pass on the tape.
pub trait Layer {
    /// A short name (used for taps and parameter names).
    fn name(&self) -> &str;
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError>;
}

fn positive(name: &str, what: &str, v: usize) -> Result<(), NnError> {
    if v == 0 {
        return Err(NnError::param(
            name,
            format!("{what} must be at least 1, got 0"),
        ));
    }
    Ok(())
}

/// `y = x·W + b`, `W [in, out]`.
#[derive(Debug, Clone)]
pub struct Linear {
    name: String,
    pub weight: ParamId,
    pub bias: Option<ParamId>,
    pub n_in: usize,
    pub n_out: usize,
}

impl Linear {
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        n_in: usize,
        n_out: usize,
        init: WeightInit,
        bias: bool,
    ) -> Result<Linear, NnError> {
        positive(name, "input size", n_in)?;
        positive(name, "output size", n_out)?;
        let weight = ps.add(
            &format!("{name}.weight"),
            &[n_in, n_out],
            init.init(n_in, n_out),
            true,
        )?;
        let bias = if bias {
            Some(ps.add(&format!("{name}.bias"), &[n_out], Init::Zeros, false)?)
        } else {
            None
        };
        Ok(Linear {
            name: name.to_string(),
            weight,
            bias,
            n_in,
            n_out,
        })
    }
}

impl Layer for Linear {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let w = g.param(ps, self.weight)?;
        let b = match self.bias {
            Some(b) => Some(g.param(ps, b)?),
            None => None,
        };
        g.linear(x, w, b)
    }
}

/// 2-D convolution, square kernel; weight `[out, in, k, k]`.
#[derive(Debug, Clone)]
pub struct Conv2d {
    name: String,
    pub weight: ParamId,
    pub bias: ParamId,
    pub stride: usize,
    pub padding: usize,
}

impl Conv2d {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        init: WeightInit,
    ) -> Result<Conv2d, NnError> {
        positive(name, "input channels", in_channels)?;
        positive(name, "output channels", out_channels)?;
        positive(name, "kernel size", kernel)?;
        positive(name, "stride", stride)?;
        let k2 = kernel * kernel;
        let weight = ps.add(
            &format!("{name}.weight"),
            &[out_channels, in_channels, kernel, kernel],
            init.init(in_channels * k2, out_channels * k2),
            true,
        )?;
        let bias = ps.add(&format!("{name}.bias"), &[out_channels], Init::Zeros, false)?;
        Ok(Conv2d {
            name: name.to_string(),
            weight,
            bias,
            stride,
            padding,
        })
    }
}

impl Layer for Conv2d {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let w = g.param(ps, self.weight)?;
        let b = g.param(ps, self.bias)?;
        g.conv2d(x, w, Some(b), self.stride, self.padding)
    }
}

/// 2×2 max-pool, stride 2.
#[derive(Debug, Clone)]
pub struct MaxPool2d {
    name: String,
}

impl MaxPool2d {
    pub fn new(name: &str) -> MaxPool2d {
        MaxPool2d {
            name: name.to_string(),
        }
    }
}

impl Layer for MaxPool2d {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, _ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        g.max_pool2(x)
    }
}

/// Element-wise activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    #[default]
    Relu,
    Tanh,
    Sigmoid,
    Identity,
}

impl Activation {
    pub fn apply(self, g: &mut Graph, x: Var) -> Result<Var, NnError> {
        match self {
            Activation::Relu => g.relu(x),
            Activation::Tanh => g.tanh(x),
            Activation::Sigmoid => g.sigmoid(x),
            Activation::Identity => Ok(x),
        }
    }

    /// Parses `relu`, `tanh`, `sigmoid` (or `logistic`), `identity`.
    pub fn parse(s: &str) -> Result<Activation, NnError> {
        Ok(match s {
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            "sigmoid" | "logistic" => Activation::Sigmoid,
            "identity" | "linear" => Activation::Identity,
            o => {
                return Err(NnError::param(
                    "activation",
                    format!("`{o}`: expected relu, tanh, sigmoid or identity"),
                ))
            }
        })
    }
}

/// An activation as a layer (so it gets a tap of its own).
#[derive(Debug, Clone)]
pub struct Act {
    name: String,
    pub f: Activation,
}

impl Act {
    pub fn new(name: &str, f: Activation) -> Act {
        Act {
            name: name.to_string(),
            f,
        }
    }
}

impl Layer for Act {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, _ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        self.f.apply(g, x)
    }
}

/// `[n, …] → [n, ∏…]`.
#[derive(Debug, Clone)]
pub struct Flatten {
    name: String,
}

impl Flatten {
    pub fn new(name: &str) -> Flatten {
        Flatten {
            name: name.to_string(),
        }
    }
}

impl Layer for Flatten {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, _ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let s = g.shape(x)?;
        let n = s.first().copied().unwrap_or(1);
        let rest: usize = s.iter().skip(1).product();
        g.reshape(x, &[n, rest])
    }
}

/// Inverted dropout (active only when `g.train`).
#[derive(Debug, Clone)]
pub struct Dropout {
    name: String,
    pub p: f32,
}

impl Dropout {
    pub fn new(name: &str, p: f32) -> Result<Dropout, NnError> {
        if !(0.0..1.0).contains(&p) {
            return Err(NnError::param(
                "dropout",
                format!("must be in [0, 1), got {p}"),
            ));
        }
        Ok(Dropout {
            name: name.to_string(),
            p,
        })
    }
}

impl Layer for Dropout {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, _ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        g.dropout(x, self.p)
    }
}

/// Learnable per-channel scale γ (ones) and shift β (zeros).
fn affine_params(ps: &mut ParamStore, name: &str, c: usize) -> Result<(ParamId, ParamId), NnError> {
    Ok((
        ps.add(&format!("{name}.gamma"), &[c], Init::Ones, false)?,
        ps.add(&format!("{name}.beta"), &[c], Init::Zeros, false)?,
    ))
}

/// Batch normalisation over `[n, f]` (per feature) or `[n, c, …]` (per
/// channel). Training: batch statistics, and running averages updated with
/// `momentum` (unbiased variance, as PyTorch). Eval: the running averages.
#[derive(Debug, Clone)]
pub struct BatchNorm {
    name: String,
    pub channels: usize,
    pub gamma: ParamId,
    pub beta: ParamId,
    pub running_mean: ParamId,
    pub running_var: ParamId,
    pub momentum: f32,
    pub eps: f32,
}

impl BatchNorm {
    pub fn new(ps: &mut ParamStore, name: &str, channels: usize) -> Result<BatchNorm, NnError> {
        positive(name, "channels", channels)?;
        let (gamma, beta) = affine_params(ps, name, channels)?;
        let running_mean = ps.add_buffer(
            &format!("{name}.running_mean"),
            ArrayD::zeros(IxDyn(&[channels])),
        )?;
        let running_var = ps.add_buffer(
            &format!("{name}.running_var"),
            ArrayD::ones(IxDyn(&[channels])),
        )?;
        Ok(BatchNorm {
            name: name.to_string(),
            channels,
            gamma,
            beta,
            running_mean,
            running_var,
            momentum: 0.1,
            eps: 1e-5,
        })
    }
}

impl Layer for BatchNorm {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let groups = Groups::channels(&g.shape(x)?)?;
        if groups.g != self.channels {
            return Err(NnError::Shape(format!(
                "{}: input has {} channels, layer has {}",
                self.name, groups.g, self.channels
            )));
        }
        let xhat = if g.train {
            let m = groups.members();
            if m < 2 {
                return Err(NnError::Data(format!(
                    "{}: batch-norm needs at least 2 values per channel in a batch, got {m}",
                    self.name
                )));
            }
            let (xhat, mean, var) = g.standardize(x, groups, self.eps)?;
            let unbias = m as f32 / (m - 1) as f32;
            let mom = self.momentum;
            let rm = &mut ps.param_mut(self.running_mean)?.value;
            rm.iter_mut()
                .zip(&mean)
                .for_each(|(r, &b)| *r = (1.0 - mom) * *r + mom * b);
            let rv = &mut ps.param_mut(self.running_var)?.value;
            rv.iter_mut()
                .zip(&var)
                .for_each(|(r, &b)| *r = (1.0 - mom) * *r + mom * b * unbias);
            xhat
        } else {
            let mean: Vec<f32> = ps.value(self.running_mean)?.iter().copied().collect();
            let var: Vec<f32> = ps.value(self.running_var)?.iter().copied().collect();
            g.standardize_fixed(x, groups, &mean, &var, self.eps)?
        };
        let gamma = g.param(ps, self.gamma)?;
        let beta = g.param(ps, self.beta)?;
        g.channel_affine(xhat, gamma, beta, groups)
    }
}

/// Layer normalisation over the last axis (same in training and eval).
#[derive(Debug, Clone)]
pub struct LayerNorm {
    name: String,
    pub features: usize,
    pub gamma: ParamId,
    pub beta: ParamId,
    pub eps: f32,
}

impl LayerNorm {
    pub fn new(ps: &mut ParamStore, name: &str, features: usize) -> Result<LayerNorm, NnError> {
        positive(name, "features", features)?;
        let (gamma, beta) = affine_params(ps, name, features)?;
        Ok(LayerNorm {
            name: name.to_string(),
            features,
            gamma,
            beta,
            eps: 1e-5,
        })
    }
}

impl Layer for LayerNorm {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let shape = g.shape(x)?;
        if shape.last() != Some(&self.features) {
            return Err(NnError::Shape(format!(
                "{}: input {shape:?} does not end in {}",
                self.name, self.features
            )));
        }
        let (xhat, _, _) = g.standardize(x, Groups::rows(&shape)?, self.eps)?;
        let gamma = g.param(ps, self.gamma)?;
        let beta = g.param(ps, self.beta)?;
        g.channel_affine(xhat, gamma, beta, Groups::last_axis(&shape)?)
    }
}

/// Group normalisation of `[n, c, …]`: channels split into `groups` groups,
/// each standardised per sample; `groups = c` is instance-norm, `groups = 1`
/// normalises each sample over all its channels. Per-channel γ, β.
#[derive(Debug, Clone)]
pub struct GroupNorm {
    name: String,
    pub groups: usize,
    pub channels: usize,
    pub gamma: ParamId,
    pub beta: ParamId,
    pub eps: f32,
}

impl GroupNorm {
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        groups: usize,
        channels: usize,
    ) -> Result<GroupNorm, NnError> {
        positive(name, "groups", groups)?;
        positive(name, "channels", channels)?;
        if !channels.is_multiple_of(groups) {
            return Err(NnError::param(
                "groups",
                format!("{groups} groups do not divide {channels} channels"),
            ));
        }
        let (gamma, beta) = affine_params(ps, name, channels)?;
        Ok(GroupNorm {
            name: name.to_string(),
            groups,
            channels,
            gamma,
            beta,
            eps: 1e-5,
        })
    }

    /// Instance normalisation: one group per channel.
    pub fn instance(
        ps: &mut ParamStore,
        name: &str,
        channels: usize,
    ) -> Result<GroupNorm, NnError> {
        GroupNorm::new(ps, name, channels, channels)
    }
}

impl Layer for GroupNorm {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let shape = g.shape(x)?;
        if shape.len() < 3 || shape[1] != self.channels {
            return Err(NnError::Shape(format!(
                "{}: input {shape:?} is not [n, {}, …]",
                self.name, self.channels
            )));
        }
        let (xhat, _, _) = g.standardize(x, Groups::per_sample(&shape, self.groups)?, self.eps)?;
        let gamma = g.param(ps, self.gamma)?;
        let beta = g.param(ps, self.beta)?;
        g.channel_affine(xhat, gamma, beta, Groups::channels(&shape)?)
    }
}

/// Instance normalisation is group-norm with one group per channel.
pub type InstanceNorm = GroupNorm;

/// A table of `vocab` vectors of size `dim`, initialised N(0, 1).
#[derive(Debug, Clone)]
pub struct Embedding {
    name: String,
    pub table: ParamId,
    pub vocab: usize,
    pub dim: usize,
}

impl Embedding {
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        vocab: usize,
        dim: usize,
    ) -> Result<Embedding, NnError> {
        positive(name, "vocabulary size", vocab)?;
        positive(name, "embedding size", dim)?;
        let table = ps.add(
            &format!("{name}.weight"),
            &[vocab, dim],
            Init::Normal {
                mean: 0.0,
                std: 1.0,
            },
            false,
        )?;
        Ok(Embedding {
            name: name.to_string(),
            table,
            vocab,
            dim,
        })
    }

    /// `[ids.len(), dim]`.
    pub fn lookup(&self, g: &mut Graph, ps: &ParamStore, ids: &[usize]) -> Result<Var, NnError> {
        let t = g.param(ps, self.table)?;
        g.gather(t, ids)
    }

    /// Ids `[b, t]` (row-major) → `[b, t, dim]`.
    pub fn lookup_batch(
        &self,
        g: &mut Graph,
        ps: &ParamStore,
        ids: &[usize],
        batch: usize,
    ) -> Result<Var, NnError> {
        if batch == 0 || !ids.len().is_multiple_of(batch) {
            return Err(NnError::Shape(format!(
                "{}: {} ids do not split into {batch} sequences",
                self.name,
                ids.len()
            )));
        }
        let e = self.lookup(g, ps, ids)?;
        g.reshape(e, &[batch, ids.len() / batch, self.dim])
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Which recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// `h' = tanh(x·W + h·U + b)`.
    Rnn,
    /// Long short-term memory (gates i, f, g, o; forget bias 1).
    Lstm,
    /// Gated recurrent unit (gates r, z, n; PyTorch's formulation).
    Gru,
}

/// One recurrent cell; unrolled on the tape by [`RecurrentCell::run`].
#[derive(Debug, Clone)]
pub struct RecurrentCell {
    name: String,
    pub kind: CellKind,
    pub n_in: usize,
    pub hidden: usize,
    pub w_ih: ParamId,
    pub w_hh: ParamId,
    pub b_ih: ParamId,
    /// GRU only (the hidden-side bias sits inside `r ⊙ (…)`).
    pub b_hh: Option<ParamId>,
}

/// A cell's state: `h`, plus `c` for an LSTM.
#[derive(Debug, Clone, Copy)]
pub struct CellState {
    pub h: Var,
    pub c: Option<Var>,
}

impl RecurrentCell {
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        kind: CellKind,
        n_in: usize,
        hidden: usize,
        init: WeightInit,
    ) -> Result<RecurrentCell, NnError> {
        positive(name, "input size", n_in)?;
        positive("hidden_size", "hidden size", hidden)?;
        let gates = match kind {
            CellKind::Rnn => 1,
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
        };
        let w_ih = ps.add(
            &format!("{name}.w_ih"),
            &[n_in, gates * hidden],
            init.init(n_in, hidden),
            true,
        )?;
        let w_hh = ps.add(
            &format!("{name}.w_hh"),
            &[hidden, gates * hidden],
            init.init(hidden, hidden),
            true,
        )?;
        let b_ih = ps.add(
            &format!("{name}.b_ih"),
            &[gates * hidden],
            Init::Zeros,
            false,
        )?;
        if kind == CellKind::Lstm {
            // Forget-gate bias 1: remember by default (Jozefowicz et al. 2015).
            let b = &mut ps.param_mut(b_ih)?.value;
            b.iter_mut()
                .skip(hidden)
                .take(hidden)
                .for_each(|v| *v = 1.0);
        }
        let b_hh = if kind == CellKind::Gru {
            Some(ps.add(
                &format!("{name}.b_hh"),
                &[gates * hidden],
                Init::Zeros,
                false,
            )?)
        } else {
            None
        };
        Ok(RecurrentCell {
            name: name.to_string(),
            kind,
            n_in,
            hidden,
            w_ih,
            w_hh,
            b_ih,
            b_hh,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Zero state for a batch.
    pub fn zero_state(&self, g: &mut Graph, batch: usize) -> CellState {
        let z = || ArrayD::zeros(IxDyn(&[batch, self.hidden]));
        CellState {
            h: g.constant(z()),
            c: (self.kind == CellKind::Lstm).then(|| g.constant(z())),
        }
    }

    /// One step: `x [b, in]`, state → new state.
    pub fn step(
        &self,
        g: &mut Graph,
        ps: &ParamStore,
        x: Var,
        s: CellState,
    ) -> Result<CellState, NnError> {
        let hd = self.hidden;
        let w_ih = g.param(ps, self.w_ih)?;
        let w_hh = g.param(ps, self.w_hh)?;
        let b_ih = g.param(ps, self.b_ih)?;
        let xi = g.linear(x, w_ih, Some(b_ih))?;
        match self.kind {
            CellKind::Rnn => {
                let hh = g.linear(s.h, w_hh, None)?;
                let z = g.add(xi, hh)?;
                Ok(CellState {
                    h: g.tanh(z)?,
                    c: None,
                })
            }
            CellKind::Lstm => {
                let c = s.c.ok_or_else(|| {
                    NnError::Shape(format!("{}: LSTM state without c", self.name))
                })?;
                let hh = g.linear(s.h, w_hh, None)?;
                let z = g.add(xi, hh)?;
                let zi = g.slice(z, 1, 0, hd)?;
                let i = g.sigmoid(zi)?;
                let zf = g.slice(z, 1, hd, 2 * hd)?;
                let f = g.sigmoid(zf)?;
                let zg = g.slice(z, 1, 2 * hd, 3 * hd)?;
                let gg = g.tanh(zg)?;
                let zo = g.slice(z, 1, 3 * hd, 4 * hd)?;
                let o = g.sigmoid(zo)?;
                let fc = g.mul(f, c)?;
                let ig = g.mul(i, gg)?;
                let c2 = g.add(fc, ig)?;
                let tc = g.tanh(c2)?;
                let h2 = g.mul(o, tc)?;
                Ok(CellState { h: h2, c: Some(c2) })
            }
            CellKind::Gru => {
                let b_hh = self
                    .b_hh
                    .ok_or_else(|| NnError::Shape(format!("{}: GRU without b_hh", self.name)))?;
                let b_hh = g.param(ps, b_hh)?;
                let hh = g.linear(s.h, w_hh, Some(b_hh))?;
                let xr = g.slice(xi, 1, 0, hd)?;
                let hr = g.slice(hh, 1, 0, hd)?;
                let r_in = g.add(xr, hr)?;
                let r = g.sigmoid(r_in)?;
                let xz = g.slice(xi, 1, hd, 2 * hd)?;
                let hz = g.slice(hh, 1, hd, 2 * hd)?;
                let z_in = g.add(xz, hz)?;
                let z = g.sigmoid(z_in)?;
                let xn = g.slice(xi, 1, 2 * hd, 3 * hd)?;
                let hn = g.slice(hh, 1, 2 * hd, 3 * hd)?;
                let rhn = g.mul(r, hn)?;
                let n_in = g.add(xn, rhn)?;
                let n = g.tanh(n_in)?;
                // h' = (1 − z)·n + z·h = n + z·(h − n)
                let hmn = g.sub(s.h, n)?;
                let zh = g.mul(z, hmn)?;
                let h2 = g.add(n, zh)?;
                Ok(CellState { h: h2, c: None })
            }
        }
    }

    /// Unroll over `xs [b, t, in]` from `state` (zeros if None): the hidden
    /// state after each step `[b, t, hidden]` and the final state.
    pub fn run(
        &self,
        g: &mut Graph,
        ps: &ParamStore,
        xs: Var,
        state: Option<CellState>,
    ) -> Result<(Var, CellState), NnError> {
        let shape = g.shape(xs)?;
        let [b, t, d] = shape[..] else {
            return Err(NnError::Shape(format!(
                "{}: input {shape:?} is not [batch, time, features]",
                self.name
            )));
        };
        if d != self.n_in || t == 0 {
            return Err(NnError::Shape(format!(
                "{}: input {shape:?}, cell expects [batch, time ≥ 1, {}]",
                self.name, self.n_in
            )));
        }
        let mut s = match state {
            Some(s) => s,
            None => self.zero_state(g, b),
        };
        let mut hs = Vec::with_capacity(t);
        for k in 0..t {
            let xk = g.slice(xs, 1, k, k + 1)?;
            let xk = g.reshape(xk, &[b, d])?;
            s = self.step(g, ps, xk, s)?;
            hs.push(g.reshape(s.h, &[b, 1, self.hidden])?);
        }
        let out = g.concat(&hs, 1)?;
        Ok((out, s))
    }
}

/// Scaled dot-product attention: `softmax(q·kᵀ/√d + mask)·v` for `q [b, tq,
/// d]`, `k [b, tk, d]`, `v [b, tk, dv]`. `mask` (`[tq, tk]` or `[b, tq,
/// tk]`) holds 1 where attention is allowed and 0 where it is not (causal or
/// padding masks). Returns the output `[b, tq, dv]` and the weights.
pub fn attention(
    g: &mut Graph,
    q: Var,
    k: Var,
    v: Var,
    mask: Option<&Tensor>,
) -> Result<(Var, Var), NnError> {
    let d = *g
        .shape(q)?
        .last()
        .ok_or_else(|| NnError::Shape("attention: scalar query".into()))?;
    let kt = g.transpose(k, 1, 2)?;
    let s = g.matmul(q, kt)?;
    let mut s = g.scale(s, 1.0 / (d.max(1) as f32).sqrt())?;
    if let Some(m) = mask {
        let shape = g.shape(s)?;
        let fits = m.shape() == &shape[1..] || m.shape() == shape.as_slice();
        if !fits {
            return Err(NnError::Shape(format!(
                "attention: mask {:?} for scores {shape:?}",
                m.shape()
            )));
        }
        let bias = m.mapv(|a| if a > 0.5 { 0.0 } else { -1e9 });
        let bias = g.constant(bias);
        s = g.add(s, bias)?;
    }
    let w = g.softmax(s)?;
    let out = g.matmul(w, v)?;
    Ok((out, w))
}

/// Causal mask `[t, t]`: position i attends to 0..=i.
pub fn causal_mask(t: usize) -> Tensor {
    ArrayD::from_shape_fn(IxDyn(&[t, t]), |ix| if ix[1] <= ix[0] { 1.0 } else { 0.0 })
}

/// Multi-head attention: project to `heads` heads of `d_model/heads`,
/// attend in each, concatenate, project back.
#[derive(Debug, Clone)]
pub struct MultiHeadAttention {
    name: String,
    pub d_model: usize,
    pub heads: usize,
    pub wq: Linear,
    pub wk: Linear,
    pub wv: Linear,
    pub wo: Linear,
}

impl MultiHeadAttention {
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        d_model: usize,
        heads: usize,
    ) -> Result<MultiHeadAttention, NnError> {
        positive(name, "model size", d_model)?;
        positive("heads", "heads", heads)?;
        if !d_model.is_multiple_of(heads) {
            return Err(NnError::param(
                "heads",
                format!("{heads} heads do not divide the model size {d_model}"),
            ));
        }
        let init = WeightInit::GlorotUniform;
        Ok(MultiHeadAttention {
            name: name.to_string(),
            d_model,
            heads,
            wq: Linear::new(ps, &format!("{name}.q"), d_model, d_model, init, true)?,
            wk: Linear::new(ps, &format!("{name}.k"), d_model, d_model, init, true)?,
            wv: Linear::new(ps, &format!("{name}.v"), d_model, d_model, init, true)?,
            wo: Linear::new(ps, &format!("{name}.o"), d_model, d_model, init, true)?,
        })
    }

    fn split(&self, g: &mut Graph, x: Var, b: usize, t: usize) -> Result<Var, NnError> {
        let dh = self.d_model / self.heads;
        let x = g.reshape(x, &[b, t, self.heads, dh])?;
        let x = g.permute(x, &[0, 2, 1, 3])?;
        g.reshape(x, &[b * self.heads, t, dh])
    }

    /// `xq [b, tq, d]` attends over `xkv [b, tk, d]` (self-attention: the
    /// same var). Returns `[b, tq, d]` and the weights `[b·heads, tq, tk]`.
    pub fn forward_qkv(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        xq: Var,
        xkv: Var,
        mask: Option<&Tensor>,
    ) -> Result<(Var, Var), NnError> {
        let sq = g.shape(xq)?;
        let sk = g.shape(xkv)?;
        let (&[b, tq, d], &[b2, tk, d2]) = (&sq[..], &sk[..]) else {
            return Err(NnError::Shape(format!(
                "{}: inputs {sq:?}, {sk:?} are not [batch, time, features]",
                self.name
            )));
        };
        if b != b2 || d != self.d_model || d2 != self.d_model {
            return Err(NnError::Shape(format!(
                "{}: inputs {sq:?}, {sk:?} for model size {}",
                self.name, self.d_model
            )));
        }
        let q = self.wq.forward(g, ps, xq)?;
        let k = self.wk.forward(g, ps, xkv)?;
        let v = self.wv.forward(g, ps, xkv)?;
        let q = self.split(g, q, b, tq)?;
        let k = self.split(g, k, b, tk)?;
        let v = self.split(g, v, b, tk)?;
        // A per-sequence mask [b, tq, tk] is repeated for each head.
        let expanded;
        let mask = match mask {
            Some(m) if m.ndim() == 3 => {
                if m.shape() != [b, tq, tk] {
                    return Err(NnError::Shape(format!(
                        "{}: mask {:?} for {b} sequences of {tq} queries and {tk} keys",
                        self.name,
                        m.shape()
                    )));
                }
                let mut parts = Vec::with_capacity(b * self.heads);
                for i in 0..b {
                    for _ in 0..self.heads {
                        parts.push(m.index_axis(ndarray::Axis(0), i));
                    }
                }
                expanded = ndarray::stack(ndarray::Axis(0), &parts)
                    .map_err(|e| NnError::Shape(format!("{}: mask: {e}", self.name)))?;
                Some(&expanded)
            }
            other => other,
        };
        let (o, w) = attention(g, q, k, v, mask)?;
        let dh = self.d_model / self.heads;
        let o = g.reshape(o, &[b, self.heads, tq, dh])?;
        let o = g.permute(o, &[0, 2, 1, 3])?;
        let o = g.reshape(o, &[b, tq, self.d_model])?;
        Ok((self.wo.forward(g, ps, o)?, w))
    }
}

impl Layer for MultiHeadAttention {
    fn name(&self) -> &str {
        &self.name
    }
    /// Self-attention without a mask.
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        Ok(self.forward_qkv(g, ps, x, x, None)?.0)
    }
}

/// Layers in a row; each output is tapped under the layer's name.
#[derive(Default)]
pub struct Sequential {
    pub layers: Vec<Box<dyn Layer + Send + Sync>>,
}

impl std::fmt::Debug for Sequential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.layers.iter().map(|l| l.name()))
            .finish()
    }
}

impl Sequential {
    pub fn new() -> Sequential {
        Sequential::default()
    }

    pub fn push(&mut self, l: impl Layer + Send + Sync + 'static) {
        self.layers.push(Box::new(l));
    }

    pub fn len(&self) -> usize {
        self.layers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Layer for Sequential {
    fn name(&self) -> &str {
        "sequential"
    }
    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let mut h = x;
        for l in &self.layers {
            h = l.forward(g, ps, h)?;
            g.tap(l.name(), h);
        }
        Ok(h)
    }
}
