//! The `init` lab: initialisation and activations. One batch of inputs goes
//! forward through a deep MLP (`depth` hidden layers of `width` units) whose
//! weights are drawn by Xavier (Glorot normal, `N(0, 2/(n_in+n_out))`), He
//! (`N(0, 2/n_in)`) or plain `N(0, 1)`, then one backward pass of the
//! cross-entropy loss of a 10-way head. Per hidden layer it reports the
//! activations' standard deviation, their histogram, the share saturated
//! (tanh, sigmoid) or exactly zero (ReLU), and the norm of the loss gradient
//! with respect to the activations. Every init sees the same input batch and
//! the same underlying random draws (the engine seeds each parameter from its
//! name), so the only difference between the runs is the scale of the
//! weights.
//!
//! The note this demonstrates: `representation-learning` ("Initialisation:
//! keeping the signal alive through depth"): the per-layer variance factor
//! `n_in · Var(w) · E[x²]/Var(x)` must be near 1, or activations grow or
//! shrink geometrically with depth.

use rand::seq::SliceRandom;
use rand::Rng as _;

use super::{bi, Cell, Histogram, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::data::{self, CsvOptions, Dataset};
use crate::nn::{Activation, Graph, Layer, Linear, ParamStore, Tensor, WeightInit};

pub const DEPTH: ParamSpec = int(
    "depth",
    2,
    50,
    "10",
    "hidden layers the signal goes through",
);
pub const WIDTH: ParamSpec = int("width", 4, 1024, "256", "units per hidden layer");
pub const INIT: ParamSpec = choice(
    "init",
    &["all", "xavier", "he", "normal"],
    "all",
    "weight initialisation: all compares Xavier, He and N(0,1) side by side",
);
pub const ACTIVATION: ParamSpec = choice(
    "activation",
    &["tanh", "relu", "sigmoid"],
    "tanh",
    "activation function of every hidden layer",
);
pub const INPUT: ParamSpec = choice(
    "input",
    &["digits", "gaussian"],
    "digits",
    "the batch pushed through: standardised digits images or N(0,1) noise (64 features each)",
);
pub const BATCH: ParamSpec = int("batch", 2, 1797, "256", "rows in the batch");

/// Features of the input batch (the digits' 8x8 pixels).
const FEATURES: usize = 64;
const CLASSES: usize = 10;
const BINS: usize = 20;
/// |a| beyond which tanh counts as saturated (sigmoid: a < 0.01 or > 0.99).
const SATURATED: f32 = 0.99;

/// The lab in the registry.
pub struct InitLab;

/// One weight initialisation compared by the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitKind {
    Xavier,
    He,
    Normal,
}

impl InitKind {
    pub fn name(self) -> &'static str {
        match self {
            InitKind::Xavier => "xavier",
            InitKind::He => "he",
            InitKind::Normal => "normal",
        }
    }

    /// As people read it in a legend.
    pub fn label(self) -> &'static str {
        match self {
            InitKind::Xavier => "Xavier",
            InitKind::He => "He",
            InitKind::Normal => "N(0,1)",
        }
    }

    fn weights(self) -> WeightInit {
        match self {
            InitKind::Xavier => WeightInit::GlorotNormal,
            InitKind::He => WeightInit::HeNormal,
            InitKind::Normal => WeightInit::StdNormal,
        }
    }
}

/// Typed parameters of [`InitLab`].
#[derive(Debug, Clone, PartialEq)]
pub struct InitParams {
    pub depth: usize,
    pub width: usize,
    pub inits: Vec<InitKind>,
    pub activation: Activation,
    pub gaussian: bool,
    pub batch: usize,
}

impl Algorithm for InitLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "init",
        title: "Initialisation and activations (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "a forward and a backward pass on the own neural engine, per-layer statistics read from its tape",
        topics: &["representation-learning", "batch-normalization"],
        params: &[DEPTH, WIDTH, INIT, ACTIVATION, INPUT, BATCH],
    };
    type Params = InitParams;
    fn params(v: &ParamValues) -> Result<InitParams, ParamError> {
        let inits = match v.choice(&INIT)? {
            "xavier" => vec![InitKind::Xavier],
            "he" => vec![InitKind::He],
            "normal" => vec![InitKind::Normal],
            _ => vec![InitKind::Xavier, InitKind::He, InitKind::Normal],
        };
        let activation = match v.choice(&ACTIVATION)? {
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            _ => Activation::Tanh,
        };
        Ok(InitParams {
            depth: v.usize(&DEPTH)?,
            width: v.usize(&WIDTH)?,
            inits,
            activation,
            gaussian: v.choice(&INPUT)? == "gaussian",
            batch: v.usize(&BATCH)?,
        })
    }
}

fn act_name(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "ReLU",
        Activation::Tanh => "tanh",
        Activation::Sigmoid => "sigmoid",
        Activation::Identity => "identity",
    }
}

/// What one hidden layer's activations looked like.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStats {
    pub mean: f64,
    pub std: f64,
    /// Share saturated (tanh, sigmoid) or exactly zero (ReLU), in [0, 1].
    pub flat: f64,
    /// Norm of dLoss/d(activations).
    pub grad_norm: f64,
    /// Any value non-finite (the signal overflowed f32).
    pub overflow: bool,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// The input batch (rows × 64, f32) and its labels, and what it is.
fn input_batch(p: &InitParams, seed: u64) -> Result<(Tensor, Vec<usize>, String), LabError> {
    let mut rng = crate::rng::rng(seed);
    if p.gaussian {
        let mut v = Vec::with_capacity(p.batch * FEATURES);
        for _ in 0..p.batch * FEATURES {
            v.push(crate::nn::params::std_normal(&mut rng) as f32);
        }
        let y = (0..p.batch).map(|_| rng.gen_range(0..CLASSES)).collect();
        let x = Tensor::from_shape_vec(ndarray::IxDyn(&[p.batch, FEATURES]), v)
            .map_err(|e| LabError::setup(e.to_string()))?;
        return Ok((
            x,
            y,
            format!("generated: {} rows of N(0,1) noise, 64 features", p.batch),
        ));
    }
    let t = match data::load("digits", &CsvOptions::default())? {
        Dataset::Table(t) => t,
        Dataset::Text(_) => return Err(LabError::setup("digits is not a table in this build")),
    };
    let (n, d) = t.x.dim();
    if d != FEATURES {
        return Err(LabError::setup(format!(
            "digits has {d} features, expected 64"
        )));
    }
    if p.batch > n {
        return Err(LabError::setup(format!(
            "batch {} is larger than the {n} digits rows",
            p.batch
        )));
    }
    let mut rows: Vec<usize> = (0..n).collect();
    rows.shuffle(&mut rng);
    rows.truncate(p.batch);
    // Standardise each pixel over the whole dataset (constant pixels → 0).
    let mean = t.x.mean_axis(ndarray::Axis(0));
    let std = t.x.std_axis(ndarray::Axis(0), 0.0);
    let mut v = Vec::with_capacity(p.batch * FEATURES);
    for &r in &rows {
        for j in 0..FEATURES {
            let s = std[j];
            let m = mean.as_ref().map_or(0.0, |m| m[j]);
            v.push(if s > 0.0 {
                ((t.x[(r, j)] - m) / s) as f32
            } else {
                0.0
            });
        }
    }
    let y = rows.iter().map(|&r| t.y[r]).collect();
    let x = Tensor::from_shape_vec(ndarray::IxDyn(&[p.batch, FEATURES]), v)
        .map_err(|e| LabError::setup(e.to_string()))?;
    Ok((
        x,
        y,
        format!("digits: {} standardised 8x8 images (64 pixels)", p.batch),
    ))
}

fn layer_stats(a: &Tensor, grad_norm: f64, act: Activation) -> LayerStats {
    let n = a.len().max(1) as f64;
    let finite: Vec<f64> = a
        .iter()
        .filter(|x| x.is_finite())
        .map(|&x| x as f64)
        .collect();
    let overflow = finite.len() < a.len();
    let mean = finite.iter().sum::<f64>() / finite.len().max(1) as f64;
    let var = finite.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / finite.len().max(1) as f64;
    let flat = a
        .iter()
        .filter(|&&x| match act {
            Activation::Tanh => x.abs() > SATURATED,
            Activation::Sigmoid => !(1.0 - SATURATED..=SATURATED).contains(&x),
            _ => x == 0.0,
        })
        .count() as f64
        / n;
    let (lo, hi) = match act {
        Activation::Tanh => (-1.0, 1.0),
        Activation::Sigmoid => (0.0, 1.0),
        _ => {
            let hi = finite.iter().copied().fold(0.0f64, f64::max);
            (0.0, if hi > 0.0 { hi } else { 1.0 })
        }
    };
    let w = (hi - lo) / BINS as f64;
    let edges: Vec<f64> = (0..=BINS).map(|i| lo + w * i as f64).collect();
    let mut counts = vec![0u64; BINS];
    for &x in &finite {
        let b = ((x - lo) / w).floor();
        let b = if b.is_finite() && b > 0.0 {
            b as usize
        } else {
            0
        };
        counts[b.min(BINS - 1)] += 1;
    }
    LayerStats {
        mean,
        std: var.sqrt(),
        flat,
        grad_norm,
        overflow,
        edges,
        counts,
    }
}

/// Forward the batch through the net built with `init`, one backward pass;
/// the statistics of each hidden layer.
pub fn probe(
    p: &InitParams,
    init: InitKind,
    x: &Tensor,
    y: &[usize],
    seed: u64,
) -> Result<Vec<LayerStats>, LabError> {
    let mut ps = ParamStore::new(seed);
    let w = init.weights();
    let mut layers = Vec::with_capacity(p.depth);
    for i in 0..p.depth {
        let n_in = if i == 0 { FEATURES } else { p.width };
        layers.push(Linear::new(
            &mut ps,
            &format!("fc{}", i + 1),
            n_in,
            p.width,
            w,
            true,
        )?);
    }
    let head = Linear::new(&mut ps, "head", p.width, CLASSES, w, true)?;
    let mut g = Graph::new(seed);
    let mut h = g.input(x.clone());
    let mut taps = Vec::with_capacity(p.depth);
    for l in &layers {
        let z = l.forward(&mut g, &mut ps, h)?;
        h = p.activation.apply(&mut g, z)?;
        taps.push(h);
    }
    let logits = head.forward(&mut g, &mut ps, h)?;
    let loss = g.cross_entropy(logits, y, 0.0)?;
    // A NaN loss (an overflowed signal) still gives the forward statistics;
    // the gradients are then reported as not finite.
    let backward_ok =
        g.value(loss)?.iter().all(|v| v.is_finite()) && g.backward(loss, &mut ps).is_ok();
    let mut out = Vec::with_capacity(taps.len());
    for &t in &taps {
        let grad = if backward_ok {
            g.grad(t)
                .map(|gr| gr.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt())
                .unwrap_or(0.0)
        } else {
            f64::NAN
        };
        out.push(layer_stats(g.value(t)?, grad, p.activation));
    }
    Ok(out)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A number in 3 significant figures, scientific when far from 1.
fn num(x: f64) -> String {
    if !x.is_finite() {
        "overflow".into()
    } else if x != 0.0 && (x.abs() >= 1e4 || x.abs() < 1e-3) {
        format!("{x:.2e}")
    } else {
        format!("{x:.3}")
    }
}

const TOPIC: &str = "representation-learning";

impl RunLab for InitParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        if ctx.dataset.is_some() {
            return Err(LabError::setup(
                "init makes its own batch; choose it with the `input` parameter",
            ));
        }
        let (x, y, what) = input_batch(self, ctx.seed)?;
        let mut o = LabOutcome {
            total: self.inits.len(),
            dataset: what,
            ..LabOutcome::default()
        };
        let act = act_name(self.activation);
        let flat_word = if self.activation == Activation::Relu {
            "zero"
        } else {
            "saturated"
        };
        let mut all: Vec<(InitKind, Vec<LayerStats>)> = Vec::new();
        let mut rows = Vec::new();
        for (k, &init) in self.inits.iter().enumerate() {
            ctx.check()?;
            let stats = probe(self, init, &x, &y, ctx.seed)?;
            for (i, s) in stats.iter().enumerate() {
                let layer = (i + 1) as f64;
                let c = o.chart_mut(
                    "std",
                    bi(
                        format!("Std per layer ({act} activations)"),
                        format!("各层标准差（{act} 激活值）"),
                    ),
                    "layer",
                    "std",
                );
                c.log_y = true;
                c.push(init.label(), layer, s.std);
                let c = o.chart_mut(
                    "grad",
                    bi(
                        "Grad norm per layer (one backward pass)",
                        "各层梯度范数（一次反向传播）",
                    ),
                    "layer",
                    "‖∂L/∂a‖",
                );
                c.log_y = true;
                c.push(init.label(), layer, s.grad_norm);
                o.histograms.push(Histogram {
                    key: format!("{}-layer{}", init.name(), i + 1),
                    title: bi(
                        format!("{} layer {}", init.label(), i + 1),
                        format!("{} 第 {} 层", init.label(), i + 1),
                    ),
                    edges: s.edges.clone(),
                    counts: s.counts.clone(),
                    group: init.label().to_string(),
                });
                rows.push(vec![
                    Cell::from(init.label()),
                    Cell::from(i + 1),
                    Cell::from(s.std),
                    Cell::from(s.flat * 100.0),
                    Cell::from(s.grad_norm),
                    Cell::from(s.mean),
                ]);
            }
            let first = stats.first().map_or(0.0, |s| s.std);
            let last = stats.last().map_or(0.0, |s| s.std);
            o.figure(
                &format!("{}_std_last", init.name()),
                bi(
                    format!("{} std L{}", init.label(), self.depth),
                    format!("{} 第{}层标准差", init.label(), self.depth),
                ),
                last,
                "",
            );
            o.figure(
                &format!("{}_{flat_word}_last", init.name()),
                bi(
                    format!("{} {flat_word} L{}", init.label(), self.depth),
                    format!(
                        "{} 第{}层{}",
                        init.label(),
                        self.depth,
                        if flat_word == "zero" {
                            "零值"
                        } else {
                            "饱和"
                        }
                    ),
                ),
                stats.last().map_or(0.0, |s| s.flat * 100.0),
                "%",
            );
            let _ = first;
            all.push((init, stats));
            o.tables = vec![Table {
                key: "layers".into(),
                title: bi("Per layer", "逐层统计"),
                columns: vec![
                    "init".into(),
                    "layer".into(),
                    "std".into(),
                    format!("{flat_word} %"),
                    "grad norm".into(),
                    "mean".into(),
                ],
                rows: rows.clone(),
            }];
            o.done = k + 1;
            ctx.update(&o)?;
        }
        notices(&mut o, self, &all);
        Ok(o)
    }
}

/// Geometric mean factor per layer from the first to the last layer.
fn per_layer(first: f64, last: f64, layers: usize) -> f64 {
    if first > 0.0 && last > 0.0 && layers > 1 {
        (last / first).powf(1.0 / (layers - 1) as f64)
    } else {
        f64::NAN
    }
}

/// "What to notice", from this run's numbers.
fn notices(o: &mut LabOutcome, p: &InitParams, all: &[(InitKind, Vec<LayerStats>)]) {
    let act = act_name(p.activation);
    let l = p.depth;
    for (init, stats) in all {
        let (Some(f), Some(z)) = (stats.first(), stats.last()) else {
            continue;
        };
        if let Some(k) = stats.iter().position(|s| s.overflow) {
            o.notice(
                bi(
                    format!(
                        "{} + {act}: the signal overflows f32 at layer {}: each layer multiplies it, nothing brings it back",
                        init.label(),
                        k + 1
                    ),
                    format!(
                        "{} + {act}：信号在第 {} 层超出 f32 范围，每一层都把它放大，没有任何机制把它拉回来",
                        init.label(),
                        k + 1
                    ),
                ),
                Some(TOPIC),
            );
            continue;
        }
        let factor = per_layer(f.std, z.std, l);
        let ratio = z.std / f.std;
        let pinned = p.activation != Activation::Relu && z.flat >= 0.5;
        let (en, zh) = if pinned {
            (
                format!(
                    "{} + {act}: the std stays at {} only because {} of the units are pinned at the ends of {act}'s range",
                    init.label(),
                    num(z.std),
                    pct(z.flat)
                ),
                format!(
                    "{} + {act}：标准差维持在 {} 只是因为 {} 的单元被压在 {act} 值域的两端（饱和）",
                    init.label(),
                    num(z.std),
                    pct(z.flat)
                ),
            )
        } else if ratio.is_finite() && (0.5..=2.0).contains(&ratio) {
            (
                format!(
                    "{} keeps {act} activations' std within ×{:.2} of layer 1 across {l} layers ({} → {})",
                    init.label(),
                    if ratio >= 1.0 { ratio } else { 1.0 / ratio },
                    num(f.std),
                    num(z.std)
                ),
                format!(
                    "{} 初始化让 {act} 激活值的标准差在 {l} 层中保持在第 1 层的 ×{:.2} 以内（{} → {}）",
                    init.label(),
                    if ratio >= 1.0 { ratio } else { 1.0 / ratio },
                    num(f.std),
                    num(z.std)
                ),
            )
        } else if ratio < 1.0 {
            (
                format!(
                    "{} + {act}: activation std shrinks ×{:.2} per layer ({} at layer 1 → {} at layer {l})",
                    init.label(),
                    factor,
                    num(f.std),
                    num(z.std)
                ),
                format!(
                    "{} + {act}：激活值标准差每层缩小为 ×{:.2}（第 1 层 {} → 第 {l} 层 {}），信号逐层消失",
                    init.label(),
                    factor,
                    num(f.std),
                    num(z.std)
                ),
            )
        } else {
            (
                format!(
                    "{} + {act}: activation std grows ×{:.2} per layer ({} at layer 1 → {} at layer {l})",
                    init.label(),
                    factor,
                    num(f.std),
                    num(z.std)
                ),
                format!(
                    "{} + {act}：激活值标准差每层放大 ×{:.2}（第 1 层 {} → 第 {l} 层 {}），信号逐层爆炸",
                    init.label(),
                    factor,
                    num(f.std),
                    num(z.std)
                ),
            )
        };
        o.notice(bi(en, zh), Some(TOPIC));
    }
    // Saturation (tanh, sigmoid) or dead units (ReLU): the worst init.
    let worst = all
        .iter()
        .filter_map(|(i, s)| s.last().map(|z| (*i, z.flat)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((init, flat)) = worst {
        if p.activation == Activation::Relu {
            o.notice(
                bi(
                    format!(
                        "{}: {} of layer-{l} ReLU outputs are exactly 0 (about half is normal: ReLU zeroes the negative half)",
                        init.label(),
                        pct(flat)
                    ),
                    format!(
                        "{}：第 {l} 层有 {} 的 ReLU 输出恰好为 0（约一半属正常：ReLU 把负半部分置零）",
                        init.label(),
                        pct(flat)
                    ),
                ),
                Some(TOPIC),
            );
        } else if flat >= 0.05 {
            let band = if p.activation == Activation::Tanh {
                "beyond |0.99|"
            } else {
                "below 0.01 or above 0.99"
            };
            let band_zh = if p.activation == Activation::Tanh {
                "|a| > 0.99"
            } else {
                "小于 0.01 或大于 0.99"
            };
            o.notice(
                bi(
                    format!(
                        "with {} and {act}, {} of layer-{l} activations are saturated {band}: there the derivative of {act} is below 0.02, so those units pass almost no gradient back",
                        init.label(),
                        pct(flat)
                    ),
                    format!(
                        "{} 初始化配合 {act} 时，第 {l} 层有 {} 的激活值饱和（{band_zh}）：饱和区的导数小于 0.02，这些单元几乎不向回传梯度",
                        init.label(),
                        pct(flat)
                    ),
                ),
                Some(TOPIC),
            );
        } else {
            o.notice(
                bi(
                    format!(
                        "no initialisation saturates {act} here: at most {} of layer-{l} activations are saturated",
                        pct(flat)
                    ),
                    format!(
                        "这里没有哪种初始化让 {act} 饱和：第 {l} 层最多只有 {} 的激活值饱和",
                        pct(flat)
                    ),
                ),
                Some(TOPIC),
            );
        }
    }
    // Gradients: the first layer's against the last one's.
    for (init, stats) in all {
        let (Some(f), Some(z)) = (stats.first(), stats.last()) else {
            continue;
        };
        let r = f.grad_norm / z.grad_norm;
        if !r.is_finite() {
            continue;
        }
        if r < 0.01 {
            o.notice(
                bi(
                    format!(
                        "{}: the gradient reaching layer 1 is {} of the one at layer {l}: vanishing gradients, the early layers barely learn",
                        init.label(),
                        num(r)
                    ),
                    format!(
                        "{}：传到第 1 层的梯度只有第 {l} 层的 {}：梯度消失，前面几层几乎学不到东西",
                        init.label(),
                        num(r)
                    ),
                ),
                Some(TOPIC),
            );
        } else if r > 100.0 {
            o.notice(
                bi(
                    format!(
                        "{}: the gradient at layer 1 is {}× the one at layer {l}: exploding gradients",
                        init.label(),
                        num(r)
                    ),
                    format!(
                        "{}：第 1 层的梯度是第 {l} 层的 {} 倍：梯度爆炸",
                        init.label(),
                        num(r)
                    ),
                ),
                Some(TOPIC),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn params(act: Activation, gaussian: bool) -> InitParams {
        InitParams {
            depth: 10,
            width: 64,
            inits: vec![InitKind::Xavier, InitKind::He, InitKind::Normal],
            activation: act,
            gaussian,
            batch: 64,
        }
    }

    fn run(p: &InitParams) -> Result<LabOutcome, LabError> {
        crate::labs::testing::run_quiet(p)
    }

    fn stats(p: &InitParams, init: InitKind) -> Vec<LayerStats> {
        let (x, y, _) = input_batch(p, 0).expect("batch");
        probe(p, init, &x, &y, 0).expect("probe")
    }

    fn ratio(s: &[LayerStats]) -> f64 {
        s[s.len() - 1].std / s[0].std
    }

    #[test]
    fn he_keeps_relu_std_and_xavier_shrinks_it() {
        for gaussian in [false, true] {
            let p = params(Activation::Relu, gaussian);
            let he = ratio(&stats(&p, InitKind::He));
            assert!((0.5..=2.0).contains(&he), "He/ReLU ratio {he}");
            let xa = stats(&p, InitKind::Xavier);
            // Var halves per layer: std × 1/√2 ≈ 0.71 per layer.
            let f = per_layer(xa[0].std, xa[9].std, 10);
            assert!((0.6..0.8).contains(&f), "Xavier/ReLU per-layer {f}");
            let n = stats(&p, InitKind::Normal);
            assert!(ratio(&n) > 1e6, "N(0,1)/ReLU explodes: {}", ratio(&n));
        }
    }

    #[test]
    fn standard_normal_saturates_tanh_and_sigmoid_but_xavier_does_not() {
        let p = params(Activation::Tanh, false);
        let n = stats(&p, InitKind::Normal);
        // Pre-activations have std ≈ √(64 · E[tanh²]) ≈ 7, so |z| > atanh(0.99)
        // ≈ 2.65 for about 70% of them (85% at the default width 256).
        assert!(n[9].flat > 0.6, "N(0,1)/tanh saturated {}", n[9].flat);
        let x = stats(&p, InitKind::Xavier);
        assert!(x[9].flat < 0.05, "Xavier/tanh saturated {}", x[9].flat);
        let p = params(Activation::Sigmoid, false);
        let n = stats(&p, InitKind::Normal);
        // σ saturates beyond |z| > 4.6; pre-activations have std ≈ √(64 · 0.4)
        // ≈ 5, so about a third are there (two thirds at width 256).
        assert!(n[9].flat > 0.3, "N(0,1)/sigmoid saturated {}", n[9].flat);
        let x = stats(&p, InitKind::Xavier);
        assert!(x[9].flat < 0.01, "Xavier/sigmoid saturated {}", x[9].flat);
    }

    #[test]
    fn the_outcome_has_every_panel_and_notices_that_match_the_numbers() {
        let p = params(Activation::Tanh, false);
        let o = run(&p).expect("runs");
        assert_eq!((o.done, o.total), (3, 3));
        assert_eq!(o.charts.len(), 2);
        assert!(o.charts.iter().all(|c| c.log_y && c.series.len() == 3));
        assert_eq!(o.histograms.len(), 30);
        assert!(o.histograms.iter().all(
            |h| h.edges.len() == h.counts.len() + 1 && h.counts.iter().sum::<u64>() == 64 * 64
        ));
        assert_eq!(o.tables[0].rows.len(), 30);
        let sat = o.find_figure("normal_saturated_last").expect("figure");
        assert!(sat > 60.0, "{sat}");
        let text: Vec<&str> = o.notices.iter().map(|n| n.text.en.as_str()).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("with N(0,1) and tanh") && t.contains(&pct(sat / 100.0))),
            "{text:?}"
        );
        assert!(o.notices.iter().all(|n| !n.text.zh.is_empty()));
        // Same seed, same numbers.
        let again = run(&p).expect("runs");
        assert_eq!(o.charts, again.charts);
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        let mut p = params(Activation::Relu, false);
        p.batch = 5000;
        let e = run(&p).expect_err("too big").to_string();
        assert!(e.contains("larger than the 1797"), "{e}");
        let flag = AtomicBool::new(true);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        assert!(matches!(
            params(Activation::Relu, true).run(&mut ctx),
            Err(LabError::Cancelled)
        ));
        let flag = AtomicBool::new(false);
        let mut ctx = LabContext::new(0, Some("iris"), &mut sink, &flag);
        assert!(params(Activation::Relu, true).run(&mut ctx).is_err());
    }

    #[test]
    fn an_overflowing_signal_is_reported_not_a_panic() {
        let mut p = params(Activation::Relu, true);
        p.depth = 50;
        p.width = 256;
        p.batch = 4;
        p.inits = vec![InitKind::Normal];
        let o = run(&p).expect("runs");
        assert!(
            o.notices
                .iter()
                .any(|n| n.text.en.contains("overflows f32")),
            "{:?}",
            o.notices
        );
    }
}
