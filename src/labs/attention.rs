//! The `attention` lab: a multi-head attention calculator. From a small
//! seeded example (inputs `X [seq, d_model]`, projections `W_Q, W_K, W_V,
//! W_O [d_model, d_model]`, d_model = heads · d_k) it computes scaled
//! dot-product attention step by step and shows every intermediate: the
//! projections, the split into heads, the scores `Q_h·K_hᵀ`, the scaling by
//! `1/√d_k`, the mask (none, padding, causal), the row-wise softmax, the
//! weighted sum `A_h·V_h`, the concatenation and the output projection, with
//! the shape at each step. A sweep over d_k draws random queries and keys
//! and measures the mean entropy of the attention weights with and without
//! the scaling: unscaled, `q·k` has variance d_k and the softmax saturates.
//!
//! Plain f64 ndarray, written as the formulas read; the engine's own
//! [`crate::nn::attention`] is checked against the same NumPy reference in
//! the tests (tests/reference/make_attention_reference.py).

use ndarray::{s, Array2};

use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::rng::Rng;

pub const SEQ: ParamSpec = int("seq", 2, 16, "6", "tokens in the example sequence");
pub const D_K: ParamSpec = int("d_k", 1, 64, "4", "size of each head's queries and keys");
pub const HEADS: ParamSpec = int(
    "heads",
    1,
    8,
    "2",
    "attention heads (d_model = heads · d_k)",
);
pub const MASK: ParamSpec = choice(
    "mask",
    &["none", "padding", "causal"],
    "none",
    "which keys each query may see: all, all but the padded last `pad` tokens, or only earlier ones",
);
pub const PAD: ParamSpec = int(
    "pad",
    0,
    15,
    "2",
    "padded tokens at the end of the sequence (mask=padding)",
);
pub const SCALE: ParamSpec = choice(
    "scale",
    &["yes", "no"],
    "yes",
    "divide the scores by √d_k (no: the unscaled dot product)",
);

/// The d_k values of the saturation sweep.
const SWEEP: [usize; 10] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
/// Query rows drawn per d_k in the sweep.
const SWEEP_ROWS: usize = 400;

pub struct AttentionLab;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskKind {
    None,
    /// The last `n` key positions are padding.
    Padding(usize),
    Causal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttentionParams {
    pub seq: usize,
    pub d_k: usize,
    pub heads: usize,
    pub mask: MaskKind,
    pub scale: bool,
}

impl Algorithm for AttentionLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "attention",
        title: "Attention calculator (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "scaled dot-product and multi-head attention computed step by step on a seeded example, checked against NumPy",
        topics: &["attention", "attention-mechanism", "transformer"],
        params: &[SEQ, D_K, HEADS, MASK, PAD, SCALE],
    };
    type Params = AttentionParams;
    fn params(v: &ParamValues) -> Result<AttentionParams, ParamError> {
        let mask = match v.choice(&MASK)? {
            "padding" => MaskKind::Padding(v.usize(&PAD)?),
            "causal" => MaskKind::Causal,
            _ => MaskKind::None,
        };
        Ok(AttentionParams {
            seq: v.usize(&SEQ)?,
            d_k: v.usize(&D_K)?,
            heads: v.usize(&HEADS)?,
            mask,
            scale: v.choice(&SCALE)? == "yes",
        })
    }
}

/// The example: inputs and the four projections.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub x: Array2<f64>,
    pub wq: Array2<f64>,
    pub wk: Array2<f64>,
    pub wv: Array2<f64>,
    pub wo: Array2<f64>,
}

/// What one head computed, `[seq, seq]` unless said.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadSteps {
    /// `Q_h·K_hᵀ`.
    pub scores: Array2<f64>,
    /// The scores after the scaling (equal to `scores` when unscaled).
    pub scaled: Array2<f64>,
    /// Softmax of each row of the masked scores (masked entries exactly 0).
    pub weights: Array2<f64>,
    /// `weights·V_h`, `[seq, d_k]`.
    pub out: Array2<f64>,
}

/// Every step of the multi-head computation.
#[derive(Debug, Clone, PartialEq)]
pub struct Calculation {
    pub q: Array2<f64>,
    pub k: Array2<f64>,
    pub v: Array2<f64>,
    /// 1 where query i may attend to key j, `[seq, seq]`.
    pub mask: Array2<f64>,
    pub heads: Vec<HeadSteps>,
    /// The heads' outputs side by side, `[seq, d_model]`.
    pub concat: Array2<f64>,
    /// `concat·W_O`.
    pub out: Array2<f64>,
}

fn normal(rng: &mut Rng) -> f64 {
    use rand::Rng as _;
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn random(rng: &mut Rng, rows: usize, cols: usize, std: f64) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || std * normal(rng))
}

/// A seeded example: `X ~ N(0, 1)`, weights `~ N(0, 1/d_model)` (so that
/// the projections keep unit variance).
pub fn example(seq: usize, d_model: usize, seed: u64) -> Example {
    let mut rng = crate::rng::rng(seed);
    let w = 1.0 / (d_model as f64).sqrt();
    Example {
        x: random(&mut rng, seq, d_model, 1.0),
        wq: random(&mut rng, d_model, d_model, w),
        wk: random(&mut rng, d_model, d_model, w),
        wv: random(&mut rng, d_model, d_model, w),
        wo: random(&mut rng, d_model, d_model, w),
    }
}

/// The mask `[seq, seq]`: 1 = may attend.
pub fn mask_matrix(seq: usize, mask: MaskKind) -> Array2<f64> {
    Array2::from_shape_fn((seq, seq), |(i, j)| match mask {
        MaskKind::None => 1.0,
        MaskKind::Padding(p) => f64::from(u8::from(j + p < seq)),
        MaskKind::Causal => f64::from(u8::from(j <= i)),
    })
}

/// Row-wise softmax over the allowed entries (the others are −∞ before it,
/// so exactly 0 after). Every row must allow at least one entry.
pub fn masked_softmax(scores: &Array2<f64>, mask: &Array2<f64>) -> Array2<f64> {
    let mut w = Array2::zeros(scores.raw_dim());
    for ((mut wr, sr), mr) in w.rows_mut().into_iter().zip(scores.rows()).zip(mask.rows()) {
        let m = sr
            .iter()
            .zip(mr)
            .filter(|(_, &a)| a > 0.5)
            .map(|(&s, _)| s)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut total = 0.0;
        for ((wv, &sv), &a) in wr.iter_mut().zip(sr).zip(mr) {
            if a > 0.5 {
                *wv = (sv - m).exp();
                total += *wv;
            }
        }
        if total > 0.0 {
            wr.mapv_inplace(|v| v / total);
        }
    }
    w
}

/// Entropy in nats of each row of `w`, averaged.
pub fn mean_entropy(w: &Array2<f64>) -> f64 {
    let rows = w.nrows().max(1) as f64;
    w.rows()
        .into_iter()
        .map(|r| {
            -r.iter()
                .filter(|&&p| p > 0.0)
                .map(|&p| p * p.ln())
                .sum::<f64>()
        })
        .sum::<f64>()
        / rows
}

/// Multi-head attention on `ex`, step by step.
pub fn calculate(
    ex: &Example,
    heads: usize,
    mask: MaskKind,
    scale: bool,
) -> Result<Calculation, LabError> {
    let (seq, d_model) = ex.x.dim();
    if heads == 0 || d_model % heads != 0 {
        return Err(LabError::setup(format!(
            "{heads} heads do not divide d_model = {d_model}"
        )));
    }
    for (name, w) in [
        ("W_Q", &ex.wq),
        ("W_K", &ex.wk),
        ("W_V", &ex.wv),
        ("W_O", &ex.wo),
    ] {
        if w.dim() != (d_model, d_model) {
            return Err(LabError::setup(format!(
                "{name} is {:?}, expected [{d_model}, {d_model}]",
                w.dim()
            )));
        }
    }
    if let MaskKind::Padding(p) = mask {
        if p >= seq {
            return Err(LabError::setup(format!(
                "pad = {p} would mask every one of the {seq} tokens (pad must be below seq)"
            )));
        }
    }
    let d_k = d_model / heads;
    let q = ex.x.dot(&ex.wq);
    let k = ex.x.dot(&ex.wk);
    let v = ex.x.dot(&ex.wv);
    let m = mask_matrix(seq, mask);
    let factor = if scale {
        1.0 / (d_k as f64).sqrt()
    } else {
        1.0
    };
    let mut steps = Vec::with_capacity(heads);
    let mut concat = Array2::zeros((seq, d_model));
    for h in 0..heads {
        let cols = s![.., h * d_k..(h + 1) * d_k];
        let (qh, kh, vh) = (q.slice(cols), k.slice(cols), v.slice(cols));
        let scores = qh.dot(&kh.t());
        let scaled = scores.mapv(|x| x * factor);
        let weights = masked_softmax(&scaled, &m);
        let out = weights.dot(&vh);
        concat.slice_mut(cols).assign(&out);
        steps.push(HeadSteps {
            scores,
            scaled,
            weights,
            out,
        });
    }
    let out = concat.dot(&ex.wo);
    Ok(Calculation {
        q,
        k,
        v,
        mask: m,
        heads: steps,
        concat,
        out,
    })
}

/// Saturation sweep: for each d_k, the mean entropy (nats) and the mean
/// largest weight of softmax rows over `seq` keys, queries and keys
/// `~ N(0, I)`, scaled and unscaled. `(d_k, scaled H, unscaled H, scaled
/// max, unscaled max)`.
pub fn saturation(seq: usize, rows: usize, seed: u64) -> Vec<(usize, f64, f64, f64, f64)> {
    let mut out = Vec::with_capacity(SWEEP.len());
    for (i, &d) in SWEEP.iter().enumerate() {
        let mut rng = crate::rng::rng(seed ^ (0x5a5a_0000 + i as u64));
        let q = random(&mut rng, rows, d, 1.0);
        let k = random(&mut rng, seq, d, 1.0);
        let scores = q.dot(&k.t());
        let all = Array2::ones((rows, seq));
        let ws = masked_softmax(&scores.mapv(|x| x / (d as f64).sqrt()), &all);
        let wu = masked_softmax(&scores, &all);
        let max_mean = |w: &Array2<f64>| {
            w.rows()
                .into_iter()
                .map(|r| r.fold(0.0f64, |a, &b| a.max(b)))
                .sum::<f64>()
                / rows as f64
        };
        out.push((
            d,
            mean_entropy(&ws),
            mean_entropy(&wu),
            max_mean(&ws),
            max_mean(&wu),
        ));
    }
    out
}

fn heatmap(
    key: &str,
    title: super::Bi,
    m: &Array2<f64>,
    rows: &str,
    cols: &str,
    group: &str,
) -> Heatmap {
    let (r, c) = m.dim();
    Heatmap {
        key: key.to_string(),
        title,
        rows: r,
        cols: c,
        values: m.iter().copied().collect(),
        row_labels: (1..=r).map(|i| format!("{rows}{i}")).collect(),
        col_labels: (1..=c).map(|j| format!("{cols}{j}")).collect(),
        group: group.to_string(),
    }
}

fn shape(dims: &[usize]) -> String {
    let d: Vec<String> = dims.iter().map(usize::to_string).collect();
    format!("[{}]", d.join(", "))
}

impl RunLab for AttentionParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let (seq, d_k, heads) = (self.seq, self.d_k, self.heads);
        let d_model = d_k * heads;
        let ex = example(seq, d_model, ctx.seed);
        let calc = calculate(&ex, heads, self.mask, self.scale)?;
        let mask_name = match self.mask {
            MaskKind::None => "no mask".to_string(),
            MaskKind::Padding(p) => format!("padding mask (last {p})"),
            MaskKind::Causal => "causal mask".to_string(),
        };
        let mut o = LabOutcome {
            total: 2,
            done: 0,
            dataset: format!(
                "generated: X {} ~ N(0,1), W_Q/W_K/W_V/W_O {} ~ N(0, 1/{d_model}); {mask_name}{}",
                shape(&[seq, d_model]),
                shape(&[d_model, d_model]),
                if self.scale { "" } else { ", unscaled" }
            ),
            ..Default::default()
        };

        // The shapes at each step.
        let fac = if self.scale {
            format!("÷√{d_k}")
        } else {
            "×1 (no scaling)".to_string()
        };
        let rows: Vec<(&str, String, String)> = vec![
            ("X", shape(&[seq, d_model]), "input".into()),
            (
                "Q, K, V",
                shape(&[seq, d_model]),
                "X·W_Q, X·W_K, X·W_V".into(),
            ),
            (
                "split heads",
                shape(&[heads, seq, d_k]),
                format!("columns h·{d_k}..(h+1)·{d_k}"),
            ),
            ("scores", shape(&[heads, seq, seq]), "Q_h·K_hᵀ".into()),
            ("scale", shape(&[heads, seq, seq]), fac.clone()),
            (
                "mask",
                shape(&[heads, seq, seq]),
                format!("{mask_name}: −∞ where 0"),
            ),
            (
                "softmax",
                shape(&[heads, seq, seq]),
                "each row sums to 1".into(),
            ),
            ("weighted sum", shape(&[heads, seq, d_k]), "A_h·V_h".into()),
            (
                "concat",
                shape(&[seq, d_model]),
                "heads side by side".into(),
            ),
            ("output", shape(&[seq, d_model]), "concat·W_O".into()),
        ];
        o.tables.push(Table {
            key: "shapes".into(),
            title: bi("Shapes at each step", "每一步的形状"),
            columns: vec!["step".into(), "shape".into(), "how".into()],
            rows: rows
                .into_iter()
                .map(|(a, b, c)| vec![Cell::from(a), Cell::from(b), Cell::from(c)])
                .collect(),
        });

        // Query 1 of head 1, each step as numbers.
        let h1 = &calc.heads[0];
        let mut qrows = Vec::with_capacity(seq);
        for j in 0..seq {
            let allowed = calc.mask[(0, j)] > 0.5;
            qrows.push(vec![
                Cell::from(format!("k{}", j + 1)),
                Cell::Num(h1.scores[(0, j)]),
                Cell::Num(h1.scaled[(0, j)]),
                if allowed {
                    Cell::Num(h1.scaled[(0, j)])
                } else {
                    Cell::from("−∞")
                },
                Cell::Num(h1.weights[(0, j)]),
            ]);
        }
        o.tables.push(Table {
            key: "query1".into(),
            title: bi(
                "Head 1, query 1: score, scaled, masked, softmax weight",
                "头 1、查询 1：得分、缩放、掩码、softmax 权重",
            ),
            columns: vec![
                "key".into(),
                "q·k".into(),
                if self.scale {
                    format!("÷√{d_k}")
                } else {
                    "unscaled".into()
                },
                "masked".into(),
                "weight".into(),
            ],
            rows: qrows,
        });

        // Head 1 step by step, then every head's weights, then the outputs.
        let g1 = "head1";
        o.heatmaps.push(heatmap(
            "h1_scores",
            bi("Head 1: Q·Kᵀ", "头 1：Q·Kᵀ"),
            &h1.scores,
            "q",
            "k",
            g1,
        ));
        o.heatmaps.push(heatmap(
            "h1_scaled",
            if self.scale {
                bi(format!("÷√{d_k}"), format!("÷√{d_k}"))
            } else {
                bi("not scaled", "未缩放")
            },
            &h1.scaled,
            "q",
            "k",
            g1,
        ));
        o.heatmaps.push(heatmap(
            "h1_mask",
            bi("mask (1 = see)", "掩码（1 = 可见）"),
            &calc.mask,
            "q",
            "k",
            g1,
        ));
        o.heatmaps.push(heatmap(
            "h1_weights",
            bi("softmax", "softmax"),
            &h1.weights,
            "q",
            "k",
            g1,
        ));
        for (h, st) in calc.heads.iter().enumerate() {
            o.heatmaps.push(heatmap(
                &format!("weights_h{}", h + 1),
                bi(
                    format!("Head {} weights", h + 1),
                    format!("头 {} 注意力权重", h + 1),
                ),
                &st.weights,
                "q",
                "k",
                "heads",
            ));
        }
        o.heatmaps.push(heatmap(
            "concat",
            bi("Concat of heads", "各头拼接"),
            &calc.concat,
            "t",
            "d",
            "output",
        ));
        o.heatmaps.push(heatmap(
            "output",
            bi("Output ·W_O", "输出 ·W_O"),
            &calc.out,
            "t",
            "d",
            "output",
        ));
        o.done = 1;
        ctx.update(&o)?;

        // Saturation sweep.
        let sweep = saturation(seq, SWEEP_ROWS, ctx.seed);
        let ln_n = (seq as f64).ln();
        let c = o.chart_mut(
            "saturation",
            bi(
                format!("Mean entropy of the weights over {seq} keys vs d_k"),
                format!("{seq} 个键上注意力权重的平均熵随 d_k 的变化"),
            ),
            "log2 d_k",
            "entropy (nats)",
        );
        for &(d, hs, hu, _, _) in &sweep {
            let x = (d as f64).log2();
            c.push("scaled ÷√d_k", x, hs);
            c.push("unscaled", x, hu);
            c.push("uniform ln n", x, ln_n);
        }
        o.done = 2;

        // Figures.
        let ent: Vec<f64> = calc
            .heads
            .iter()
            .map(|h| mean_entropy(&h.weights))
            .collect();
        let run_entropy = ent.iter().sum::<f64>() / ent.len().max(1) as f64;
        let run_max = calc
            .heads
            .iter()
            .flat_map(|h| {
                h.weights
                    .rows()
                    .into_iter()
                    .map(|r| r.fold(0.0f64, |a, &b| a.max(b)))
            })
            .sum::<f64>()
            / (heads * seq) as f64;
        o.figure("d_model", bi("d_model", "d_model"), d_model as f64, "");
        o.figure(
            "mean_entropy",
            bi("mean entropy of the weights", "权重的平均熵"),
            run_entropy,
            "nats",
        );
        o.figure(
            "max_entropy",
            bi("uniform entropy ln(seq)", "均匀分布的熵 ln(seq)"),
            ln_n,
            "nats",
        );
        o.figure(
            "mean_max_weight",
            bi("mean largest weight", "平均最大权重"),
            run_max,
            "",
        );
        let last = sweep.last().copied().unwrap_or((0, 0.0, 0.0, 0.0, 0.0));
        let (d_big, hs_big, hu_big, ms_big, mu_big) = last;
        o.figure(
            "entropy_scaled_512",
            bi(
                format!("entropy at d_k={d_big}, scaled"),
                format!("d_k={d_big} 时的熵（缩放）"),
            ),
            hs_big,
            "nats",
        );
        o.figure(
            "entropy_unscaled_512",
            bi(
                format!("entropy at d_k={d_big}, unscaled"),
                format!("d_k={d_big} 时的熵（未缩放）"),
            ),
            hu_big,
            "nats",
        );

        // Notices.
        let first = sweep.first().copied().unwrap_or((1, 0.0, 0.0, 0.0, 0.0));
        o.notice(
            bi(
                format!(
                    "Without the 1/√d_k factor q·k has variance d_k, so the softmax saturates as d_k grows: over {seq} keys the mean entropy of the weights falls from {:.2} nats at d_k={} to {hu_big:.3} at d_k={d_big} (largest weight {mu_big:.3} on average, nearly one-hot, and the softmax gradient vanishes with it). Scaled, it stays at {hs_big:.2} (largest weight {ms_big:.2}); uniform would be ln {seq} = {ln_n:.2}.",
                    first.2, first.0
                ),
                format!(
                    "不除以 √d_k 时 q·k 的方差是 d_k，d_k 越大 softmax 越饱和：在 {seq} 个键上，权重的平均熵从 d_k={} 时的 {:.2} 奈特降到 d_k={d_big} 时的 {hu_big:.3}（平均最大权重 {mu_big:.3}，几乎是 one-hot，softmax 的梯度随之消失）。缩放后熵保持在 {hs_big:.2}（最大权重 {ms_big:.2}）；均匀分布为 ln {seq} = {ln_n:.2}。",
                    first.0, first.2
                ),
            ),
            Some("attention"),
        );
        match self.mask {
            MaskKind::Causal => {
                let upper: f64 = calc
                    .heads
                    .iter()
                    .map(|h| {
                        h.weights
                            .indexed_iter()
                            .filter(|((i, j), _)| j > i)
                            .map(|(_, &w)| w)
                            .sum::<f64>()
                    })
                    .sum();
                let first_row = calc.heads[0].weights[(0, 0)];
                o.notice(
                    bi(
                        format!(
                            "Causal mask: the scores above the diagonal are set to −∞ before the softmax, so their weights are exactly {upper} (summed over all heads); query 1 can see only itself (weight {first_row:.2}) and query {seq} sees all {seq} tokens. This is how a decoder cannot look at the future."
                        ),
                        format!(
                            "因果掩码：对角线以上的得分在 softmax 之前被置为 −∞，所以这些权重恰好为 {upper}（所有头求和）；查询 1 只能看到自己（权重 {first_row:.2}），查询 {seq} 能看到全部 {seq} 个词元。解码器就是这样看不到未来的。"
                        ),
                    ),
                    Some("attention-mechanism"),
                );
            }
            MaskKind::Padding(p) if p > 0 => {
                let padded: f64 = calc
                    .heads
                    .iter()
                    .map(|h| h.weights.slice(s![.., seq - p..]).sum())
                    .sum();
                let row_sum = calc.heads[0].weights.row(0).sum();
                o.notice(
                    bi(
                        format!(
                            "Padding mask: the last {p} tokens are padding; their columns get weight exactly {padded} (all heads, all queries), while each row still sums to {row_sum:.3}: the real tokens share all of the attention."
                        ),
                        format!(
                            "填充掩码：最后 {p} 个词元是填充；它们所在列的权重恰好为 {padded}（所有头、所有查询），而每一行之和仍是 {row_sum:.3}：全部注意力都分给了真实的词元。"
                        ),
                    ),
                    Some("attention-mechanism"),
                );
            }
            _ => {}
        }
        if heads > 1 {
            let argmax =
                |h: &HeadSteps| {
                    h.weights.row(0).iter().enumerate().fold(
                        (0, f64::NEG_INFINITY),
                        |a, (j, &w)| if w > a.1 { (j, w) } else { a },
                    )
                };
            let picks: Vec<String> = calc
                .heads
                .iter()
                .enumerate()
                .map(|(h, st)| {
                    let (j, w) = argmax(st);
                    format!("head {} → k{} ({w:.2})", h + 1, j + 1)
                })
                .collect();
            let picks_zh: Vec<String> = calc
                .heads
                .iter()
                .enumerate()
                .map(|(h, st)| {
                    let (j, w) = argmax(st);
                    format!("头 {} → k{}（{w:.2}）", h + 1, j + 1)
                })
                .collect();
            o.notice(
                bi(
                    format!(
                        "Each of the {heads} heads works in its own {d_k}-dimensional slice of Q, K and V and so weighs the tokens differently; query 1's strongest key: {}. Concatenating the heads gives back [{seq}, {d_model}], and W_O mixes them.",
                        picks.join(", ")
                    ),
                    format!(
                        "{heads} 个头各自在 Q、K、V 的一个 {d_k} 维切片上计算，因此对词元的加权各不相同；查询 1 权重最大的键：{}。把各头拼接起来又得到 [{seq}, {d_model}]，再由 W_O 把它们混合。",
                        picks_zh.join("，")
                    ),
                ),
                Some("transformer"),
            );
        }
        if !self.scale {
            o.notice(
                bi(
                    format!(
                        "This run is unscaled: the mean entropy of its weights is {run_entropy:.2} nats (of at most {ln_n:.2}) and the largest weight averages {run_max:.2}. Set scale=yes to compare."
                    ),
                    format!(
                        "本次没有缩放：权重的平均熵为 {run_entropy:.2} 奈特（最大为 {ln_n:.2}），平均最大权重为 {run_max:.2}。设 scale=yes 对比。"
                    ),
                ),
                Some("attention"),
            );
        }
        Ok(o)
    }
}

/// The engine's f32 attention (always scaled) per head of a calculation's
/// Q, K, V and mask (the tests compare it with [`calculate`]).
#[cfg(test)]
pub(crate) fn engine_head_weights(
    calc: &Calculation,
    heads: usize,
) -> Result<Vec<Array2<f64>>, crate::nn::NnError> {
    use crate::nn::{attention, Graph, Tensor};
    let (seq, d_model) = calc.q.dim();
    let d_k = d_model / heads;
    let mut out = Vec::new();
    for h in 0..heads {
        let cols = s![.., h * d_k..(h + 1) * d_k];
        let t = |m: ndarray::ArrayView2<f64>| -> Result<Tensor, crate::nn::NnError> {
            let v: Vec<f32> = m.iter().map(|&x| x as f32).collect();
            Tensor::from_shape_vec(ndarray::IxDyn(&[1, seq, d_k]), v)
                .map_err(|e| crate::nn::NnError::Shape(e.to_string()))
        };
        let mut g = Graph::new(0);
        let q = g.constant(t(calc.q.slice(cols))?);
        let k = g.constant(t(calc.k.slice(cols))?);
        let v = g.constant(t(calc.v.slice(cols))?);
        let mask = calc.mask.mapv(|x| x as f32).into_dyn();
        let (_, w) = attention(&mut g, q, k, v, Some(&mask))?;
        let wv = g.value(w)?;
        out.push(
            Array2::from_shape_vec((seq, seq), wv.iter().map(|&x| f64::from(x)).collect())
                .map_err(|e| crate::nn::NnError::Shape(e.to_string()))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    #[test]
    fn weights_are_rows_of_a_softmax_and_respect_the_mask() -> Result<(), LabError> {
        let ex = example(5, 6, 3);
        for mask in [MaskKind::None, MaskKind::Padding(2), MaskKind::Causal] {
            let c = calculate(&ex, 3, mask, true)?;
            for h in &c.heads {
                for (i, r) in h.weights.rows().into_iter().enumerate() {
                    assert!(close(r.sum(), 1.0, 1e-12), "{mask:?}");
                    for (j, &w) in r.iter().enumerate() {
                        if c.mask[(i, j)] < 0.5 {
                            assert_eq!(w, 0.0, "{mask:?} ({i},{j})");
                        } else {
                            assert!(w > 0.0);
                        }
                    }
                }
            }
            assert_eq!(c.concat.dim(), (5, 6));
            assert_eq!(c.out.dim(), (5, 6));
        }
        Ok(())
    }

    #[test]
    fn the_engine_attention_gives_the_same_weights() -> Result<(), Box<dyn std::error::Error>> {
        let ex = example(6, 8, 1);
        for mask in [MaskKind::None, MaskKind::Causal] {
            let c = calculate(&ex, 2, mask, true)?;
            let e = engine_head_weights(&c, 2)?;
            for (a, b) in c.heads.iter().zip(&e) {
                for (x, y) in a.weights.iter().zip(b) {
                    assert!((x - y).abs() < 1e-5, "{x} vs {y}");
                }
            }
        }
        Ok(())
    }

    fn matrix(v: &serde_json::Value) -> Array2<f64> {
        let rows: Vec<Vec<f64>> = v
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|row| {
                        row.as_array()
                            .map(|c| c.iter().filter_map(serde_json::Value::as_f64).collect())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (n, m) = (rows.len(), rows.first().map_or(0, Vec::len));
        Array2::from_shape_fn((n, m), |(i, j)| rows[i][j])
    }

    fn assert_matrix(ours: &Array2<f64>, theirs: &serde_json::Value, tol: f64, what: &str) {
        let theirs = matrix(theirs);
        assert_eq!(ours.dim(), theirs.dim(), "{what}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert!((a - b).abs() <= tol, "{what}: {a} vs NumPy {b}");
        }
    }

    /// Every step against plain NumPy (tests/reference/make_attention_reference.py);
    /// the engine's f32 attention against the same weights where it applies.
    #[test]
    fn every_step_matches_numpy() -> Result<(), Box<dyn std::error::Error>> {
        let r: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/reference/attention_reference.json"
        ))?;
        let ex = Example {
            x: matrix(&r["x"]),
            wq: matrix(&r["wq"]),
            wk: matrix(&r["wk"]),
            wv: matrix(&r["wv"]),
            wo: matrix(&r["wo"]),
        };
        let heads = r["heads"].as_u64().ok_or("heads")? as usize;
        let cases = r["cases"].as_array().ok_or("cases")?;
        assert_eq!(cases.len(), 6);
        for case in cases {
            let mask = match case["mask"].as_str() {
                Some("padding") => MaskKind::Padding(case["pad"].as_u64().ok_or("pad")? as usize),
                Some("causal") => MaskKind::Causal,
                _ => MaskKind::None,
            };
            let scale = case["scale"].as_bool().ok_or("scale")?;
            let c = calculate(&ex, heads, mask, scale)?;
            let what = format!("{mask:?} scale={scale}");
            for (h, (ours, theirs)) in c
                .heads
                .iter()
                .zip(case["heads"].as_array().ok_or("h")?)
                .enumerate()
            {
                assert_matrix(
                    &ours.scores,
                    &theirs["scores"],
                    1e-12,
                    &format!("{what} head {h} scores"),
                );
                assert_matrix(
                    &ours.weights,
                    &theirs["weights"],
                    1e-12,
                    &format!("{what} head {h} weights"),
                );
                assert_matrix(
                    &ours.out,
                    &theirs["out"],
                    1e-12,
                    &format!("{what} head {h} out"),
                );
            }
            assert_matrix(&c.concat, &case["concat"], 1e-12, &what);
            assert_matrix(&c.out, &case["out"], 1e-12, &what);
            if scale {
                let e = engine_head_weights(&c, heads)?;
                for (h, (ours, theirs)) in e
                    .iter()
                    .zip(case["heads"].as_array().ok_or("h")?)
                    .enumerate()
                {
                    assert_matrix(
                        ours,
                        &theirs["weights"],
                        1e-5,
                        &format!("engine {what} head {h}"),
                    );
                }
            }
        }
        Ok(())
    }

    #[test]
    fn unscaled_softmax_saturates_and_scaled_does_not() {
        let s = saturation(6, 200, 0);
        let (d, hs, hu, _, mu) = s[s.len() - 1];
        assert_eq!(d, 512);
        assert!(hu < 0.2, "unscaled entropy {hu}");
        assert!(mu > 0.9, "unscaled max weight {mu}");
        assert!(hs > 1.0, "scaled entropy {hs}");
        // Scaled entropy barely moves across the sweep.
        let lo = s.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
        assert!(lo > 0.8 * (6f64).ln() - 0.5, "scaled min {lo}");
    }

    #[test]
    fn bad_settings_are_clear_errors() -> Result<(), ParamError> {
        let p = params::<AttentionLab>(&[("mask", "padding"), ("pad", "6"), ("seq", "6")])?;
        match run_quiet(&p) {
            Err(LabError::Setup(m)) => assert!(m.contains("pad = 6"), "{m}"),
            other => panic!("expected a setup error, got {other:?}"),
        }
        let ex = example(4, 6, 0);
        assert!(calculate(&ex, 4, MaskKind::None, true).is_err());
        Ok(())
    }

    #[test]
    fn a_run_has_its_panels_and_notices() -> Result<(), Box<dyn std::error::Error>> {
        let p = params::<AttentionLab>(&[("mask", "causal"), ("heads", "2"), ("d_k", "3")])?;
        let o = run_quiet(&p)?;
        assert_eq!(o.find_figure("d_model"), Some(6.0));
        assert_eq!(o.tables.len(), 2);
        assert_eq!(o.heatmaps.len(), 4 + 2 + 2);
        assert_eq!(o.notices.len(), 3);
        assert!(
            o.notices[1].text.en.contains("exactly 0"),
            "{}",
            o.notices[1].text.en
        );
        let again = run_quiet(&p)?;
        assert_eq!(o.figures, again.figures);
        Ok(())
    }
}
