//! The `rnn-memory` lab: plain RNN, LSTM and GRU on a long-range memory
//! task. Each sequence starts with one of 4 "class" symbols followed by
//! T − 1 distractors drawn from the same 4 symbols (a start flag marks the
//! first step); after reading all
//! T, the net must name the first symbol (chance: 1/4). The information has
//! to travel T steps, and so does the gradient that teaches it to.
//!
//! For each cell and each T of a small sweep (T/4, T/2, 3T/4, T) a fresh
//! net (one cell of `hidden` units, a linear read-out of the last state) is
//! trained with Adam on freshly drawn sequences and scored on 256 held-out
//! ones. At the longest T it also reports ‖∂L/∂h_t‖ for every t on held-out
//! sequences (before and after training), read off the tape
//! ([`crate::nn::probe::state_grad_norms`]), and the LSTM's input, forget
//! and output gates over one sequence ([`crate::nn::probe::lstm_trace`]).
//! The GRU starts with update-gate bias 1, as the LSTM with forget bias 1.

use rand::Rng as _;

use super::{bi, Heatmap, LabContext, LabError, LabOutcome, RunLab};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::nn::probe::{lstm_trace, state_grad_norms, unroll_states};
use crate::nn::{
    Adam, CellKind, Graph, Layer, Linear, Optimizer, ParamStore, RecurrentCell, Tensor, Var,
    WeightInit,
};

pub const LENGTH: ParamSpec = int(
    "length",
    4,
    200,
    "40",
    "T, the longest sequence: the sweep trains at T/4, T/2, 3T/4 and T",
);
pub const CELL: ParamSpec = choice(
    "cell",
    &["all", "rnn", "lstm", "gru"],
    "all",
    "which recurrent cell: all three side by side, or one",
);
pub const HIDDEN: ParamSpec = int("hidden", 2, 256, "32", "hidden units of the cell");
pub const STEPS: ParamSpec = int(
    "steps",
    1,
    20_000,
    "400",
    "training steps (mini-batches of fresh sequences) per net",
);
pub const BATCH: ParamSpec = int("batch", 1, 1024, "32", "sequences per training step");
pub const LEARNING_RATE: ParamSpec =
    float("learning_rate", 0.0, 1.0, true, "0.01", "Adam step size");

/// Symbols (the first is what must be remembered; the others are drawn
/// from the same 4) and the inputs: a one-hot symbol plus a start flag.
const CLASSES: usize = 4;
const INPUTS: usize = CLASSES + 1;
const TEST: usize = 256;
/// Gradient norm clip (global, per step): keeps the plain RNN from blowing up.
const CLIP: f64 = 5.0;
/// Units shown in the gate pictures.
const UNITS_SHOWN: usize = 12;
/// Progress snapshots per net.
const REPORTS: usize = 10;

pub struct RnnMemory;

#[derive(Debug, Clone, PartialEq)]
pub struct RnnParams {
    pub length: usize,
    pub cells: Vec<CellKind>,
    pub hidden: usize,
    pub steps: usize,
    pub batch: usize,
    pub learning_rate: f64,
}

impl Algorithm for RnnMemory {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "rnn-memory",
        title: "RNN vs LSTM vs GRU on a long-range memory task (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "recurrent cells of the own neural engine unrolled on its tape; ∂L/∂h_t read off the tape",
        topics: &["rnn", "lstm"],
        params: &[LENGTH, CELL, HIDDEN, STEPS, BATCH, LEARNING_RATE],
    };
    type Params = RnnParams;
    fn params(v: &ParamValues) -> Result<RnnParams, ParamError> {
        let cells = match v.choice(&CELL)? {
            "rnn" => vec![CellKind::Rnn],
            "lstm" => vec![CellKind::Lstm],
            "gru" => vec![CellKind::Gru],
            _ => vec![CellKind::Rnn, CellKind::Lstm, CellKind::Gru],
        };
        Ok(RnnParams {
            length: v.usize(&LENGTH)?,
            cells,
            hidden: v.usize(&HIDDEN)?,
            steps: v.usize(&STEPS)?,
            batch: v.usize(&BATCH)?,
            learning_rate: v.float(&LEARNING_RATE)?,
        })
    }
}

pub fn cell_name(k: CellKind) -> &'static str {
    match k {
        CellKind::Rnn => "RNN",
        CellKind::Lstm => "LSTM",
        CellKind::Gru => "GRU",
    }
}

/// The lengths trained: T/4, T/2, 3T/4, T (at least 2, no repeats).
pub fn sweep(t: usize) -> Vec<usize> {
    let mut v: Vec<usize> = [t / 4, t / 2, 3 * t / 4, t]
        .iter()
        .map(|&x| x.max(2))
        .collect();
    v.dedup();
    v
}

/// `n` sequences of length `t` (row-major symbols) and their labels.
pub fn sequences(rng: &mut crate::rng::Rng, n: usize, t: usize) -> (Vec<usize>, Vec<usize>) {
    let mut xs = Vec::with_capacity(n * t);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let y = rng.gen_range(0..CLASSES);
        ys.push(y);
        xs.push(y);
        for _ in 1..t {
            xs.push(rng.gen_range(0..CLASSES));
        }
    }
    (xs, ys)
}

/// Inputs of step `k`: `[n, INPUTS]`, the symbol one-hot and the start
/// flag set at k = 0.
fn step_input(xs: &[usize], n: usize, t: usize, k: usize) -> Tensor {
    let mut x = Tensor::zeros(ndarray::IxDyn(&[n, INPUTS]));
    for i in 0..n {
        x[[i, xs[i * t + k]]] = 1.0;
        if k == 0 {
            x[[i, CLASSES]] = 1.0;
        }
    }
    x
}

struct Net {
    cell: RecurrentCell,
    head: Linear,
    ps: ParamStore,
}

impl Net {
    fn new(kind: CellKind, hidden: usize, seed: u64) -> Result<Net, LabError> {
        let mut ps = ParamStore::new(seed);
        let cell = RecurrentCell::new(
            &mut ps,
            "cell",
            kind,
            INPUTS,
            hidden,
            WeightInit::GlorotUniform,
        )?;
        if kind == CellKind::Gru {
            // Update-gate bias 1 (z ≈ 0.73: keep most of h), the GRU's
            // counterpart of the LSTM's forget bias 1; with 0, z = ½ halves
            // the memory at every step.
            let b = &mut ps.param_mut(cell.b_ih)?.value;
            b.iter_mut()
                .skip(hidden)
                .take(hidden)
                .for_each(|v| *v = 1.0);
        }
        let head = Linear::new(
            &mut ps,
            "head",
            hidden,
            CLASSES,
            WeightInit::GlorotUniform,
            true,
        )?;
        Ok(Net { cell, head, ps })
    }

    /// Logits of the last state and every state, on a fresh tape.
    fn forward(
        &mut self,
        g: &mut Graph,
        xs: &[usize],
        n: usize,
        t: usize,
    ) -> Result<(Var, Vec<crate::nn::CellState>), LabError> {
        g.reset();
        let inputs: Vec<Var> = (0..t)
            .map(|k| g.constant(step_input(xs, n, t, k)))
            .collect();
        let states = unroll_states(&self.cell, g, &self.ps, &inputs)?;
        let last = states
            .last()
            .ok_or_else(|| LabError::setup("a sequence needs at least one step"))?
            .h;
        let logits = self.head.forward(g, &mut self.ps, last)?;
        Ok((logits, states))
    }

    fn accuracy(
        &mut self,
        g: &mut Graph,
        xs: &[usize],
        ys: &[usize],
        t: usize,
    ) -> Result<f64, LabError> {
        let (logits, _) = self.forward(g, xs, ys.len(), t)?;
        let l = g.value(logits)?;
        let right = ys
            .iter()
            .enumerate()
            .filter(|&(i, &y)| {
                let row = l.index_axis(ndarray::Axis(0), i);
                let best = row
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f32::NEG_INFINITY),
                        |a, (j, &v)| if v > a.1 { (j, v) } else { a },
                    );
                best.0 == y
            })
            .count();
        Ok(right as f64 / ys.len().max(1) as f64)
    }
}

impl Net {
    /// ‖∂L/∂h_t‖ for t = 1..T on (up to 64) held-out sequences.
    fn state_grads(
        &mut self,
        g: &mut Graph,
        test: &(Vec<usize>, Vec<usize>),
        t: usize,
    ) -> Result<Vec<f64>, LabError> {
        let n = test.1.len().min(64);
        let (logits, states) = self.forward(g, &test.0[..n * t], n, t)?;
        let loss = g.cross_entropy(logits, &test.1[..n], 0.0)?;
        self.ps.zero_grad();
        g.backward(loss, &mut self.ps)?;
        let norms = state_grad_norms(g, &states);
        self.ps.zero_grad();
        Ok(norms)
    }
}

/// What one trained net measured.
struct CellRun {
    accuracy: f64,
    /// ‖∂L/∂h_t‖ before training and after.
    grad_init: Vec<f64>,
    grad_norms: Vec<f64>,
    net: Net,
}

impl RnnParams {
    fn check(&self) -> Result<(), LabError> {
        if self.length < 4 {
            return Err(LabError::setup(format!(
                "length {} is below 4",
                self.length
            )));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn train(
        &self,
        ctx: &mut LabContext<'_>,
        o: &mut LabOutcome,
        kind: CellKind,
        t: usize,
        test: &(Vec<usize>, Vec<usize>),
        live: bool,
    ) -> Result<CellRun, LabError> {
        let seed = ctx.seed;
        let mut net = Net::new(kind, self.hidden, seed)?;
        let mut opt = Adam::new(self.learning_rate as f32)?;
        let mut rng = crate::rng::rng(seed ^ (0x7e57 + t as u64 * 31 + kind as u64));
        let mut g = Graph::new(seed);
        let every = (self.steps / REPORTS).max(1);
        let name = cell_name(kind);
        let mut window = 0.0;
        let mut count = 0;
        let grad_init = net.state_grads(&mut g, test, t)?;
        for step in 1..=self.steps {
            let (xs, ys) = sequences(&mut rng, self.batch, t);
            let (logits, _) = net.forward(&mut g, &xs, self.batch, t)?;
            let loss = g.cross_entropy(logits, &ys, 0.0)?;
            let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
            if !lv.is_finite() {
                return Err(LabError::setup(format!(
                    "{name} at T = {t} diverged at step {step} (loss {lv}); lower learning_rate"
                )));
            }
            net.ps.zero_grad();
            g.backward(loss, &mut net.ps)?;
            net.ps.clip_grad_norm(CLIP);
            opt.step(&mut net.ps)?;
            window += lv;
            count += 1;
            if step % every == 0 || step == self.steps {
                if live {
                    let c = o.chart_mut(
                        "loss",
                        bi(
                            format!("Training loss at T = {t}"),
                            format!("T = {t} 时的训练损失"),
                        ),
                        "step",
                        "cross-entropy",
                    );
                    c.push(name, step as f64, window / count as f64);
                }
                window = 0.0;
                count = 0;
                o.done = (o.done + 1).min(o.total);
                ctx.update(o)?;
            }
        }
        let accuracy = net.accuracy(&mut g, &test.0, &test.1, t)?;
        let grad_norms = net.state_grads(&mut g, test, t)?;
        Ok(CellRun {
            accuracy,
            grad_init,
            grad_norms,
            net,
        })
    }
}

fn fmt_sci(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e4).contains(&x.abs()) {
        format!("{x:.3}")
    } else {
        format!("{x:.1e}")
    }
}

impl RunLab for RnnParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        self.check()?;
        let lengths = sweep(self.length);
        let t_max = self.length;
        let mut o = LabOutcome {
            total: self.cells.len() * lengths.len() * REPORTS.min(self.steps),
            dataset: format!(
                "generated: recall the first of T symbols (4 symbols, a start flag on the first); {} fresh sequences per step, {TEST} held out per T",
                self.batch
            ),
            ..Default::default()
        };
        let mut at_max: Vec<(CellKind, CellRun)> = Vec::new();
        let mut acc: Vec<(CellKind, Vec<(usize, f64)>)> =
            self.cells.iter().map(|&k| (k, Vec::new())).collect();
        for &t in &lengths {
            let mut trng = crate::rng::rng(ctx.seed ^ (0xda7a + t as u64));
            let test = sequences(&mut trng, TEST, t);
            for (ci, &kind) in self.cells.iter().enumerate() {
                let run = self.train(ctx, &mut o, kind, t, &test, t == t_max)?;
                acc[ci].1.push((t, run.accuracy));
                let c = o.chart_mut(
                    "accuracy",
                    bi("Held-out accuracy vs T", "留出集准确率随 T 的变化"),
                    "T",
                    "accuracy",
                );
                c.push(cell_name(kind), t as f64, run.accuracy);
                c.push("chance", t as f64, 1.0 / CLASSES as f64);
                if t == t_max {
                    at_max.push((kind, run));
                }
            }
        }
        // Deduplicate the chance line (pushed once per cell).
        if let Some(c) = o.charts.iter_mut().find(|c| c.key == "accuracy") {
            if let Some(s) = c.series.iter_mut().find(|s| s.name == "chance") {
                s.points.dedup();
            }
        }
        // Gradient norms against t.
        {
            let c = o.chart_mut(
                "grad",
                bi(
                    format!("‖∂L/∂h_t‖ at T = {t_max}, before and after training"),
                    format!("T = {t_max} 时的 ‖∂L/∂h_t‖（训练前后）"),
                ),
                "t",
                "gradient norm",
            );
            c.log_y = true;
            for (kind, run) in &at_max {
                for (label, norms) in [("init", &run.grad_init), ("trained", &run.grad_norms)] {
                    let name = format!("{} {label}", cell_name(*kind));
                    for (t, &n) in norms.iter().enumerate() {
                        if n > 0.0 {
                            c.push(&name, (t + 1) as f64, n);
                        }
                    }
                }
            }
        }
        if !at_max.is_empty() {
            let mut values = Vec::new();
            let mut labels = Vec::new();
            for (kind, run) in &at_max {
                for (label, norms) in [("init", &run.grad_init), ("trained", &run.grad_norms)] {
                    values.extend(
                        norms
                            .iter()
                            .map(|&n| if n > 0.0 { n.log10() } else { -40.0 }),
                    );
                    labels.push(format!("{} {label}", cell_name(*kind)));
                }
            }
            o.heatmaps.push(Heatmap {
                key: "grad_heat".into(),
                title: bi(
                    "log10 ‖∂L/∂h_t‖ (row: cell before/after training, column: t)",
                    "log10 ‖∂L/∂h_t‖（行：训练前后的单元，列：t）",
                ),
                rows: labels.len(),
                cols: t_max,
                values,
                row_labels: labels,
                col_labels: (1..=t_max).map(|t| t.to_string()).collect(),
                group: "grad".into(),
            });
        }
        // LSTM gates over one held-out sequence.
        let mut gate_note = None;
        if let Some((_, run)) = at_max.iter().find(|(k, _)| *k == CellKind::Lstm) {
            let mut trng = crate::rng::rng(ctx.seed ^ (0xda7a + t_max as u64));
            let (xs, ys) = sequences(&mut trng, 1, t_max);
            let x = ndarray::Array2::from_shape_fn((t_max, INPUTS), |(k, v)| {
                f32::from(u8::from(xs[k] == v || (k == 0 && v == CLASSES)))
            });
            let tr = lstm_trace(&run.net.cell, &run.net.ps, x.view())?;
            let units = self.hidden.min(UNITS_SHOWN);
            for (key, title, m) in [
                ("gate_input", bi("input gate i_t", "输入门 i_t"), &tr.input),
                (
                    "gate_forget",
                    bi("forget gate f_t", "遗忘门 f_t"),
                    &tr.forget,
                ),
                (
                    "gate_output",
                    bi("output gate o_t", "输出门 o_t"),
                    &tr.output,
                ),
            ] {
                o.heatmaps.push(Heatmap {
                    key: key.into(),
                    title,
                    rows: units,
                    cols: t_max,
                    values: (0..units)
                        .flat_map(|u| (0..t_max).map(move |t| f64::from(m[(t, u)])))
                        .collect(),
                    row_labels: (1..=units).map(|u| format!("u{u}")).collect(),
                    col_labels: (1..=t_max).map(|t| t.to_string()).collect(),
                    group: "gates".into(),
                });
            }
            let mean = |m: &ndarray::Array2<f32>, rows: std::ops::Range<usize>| {
                let s = m.slice(ndarray::s![rows.clone(), ..]);
                f64::from(s.sum()) / s.len().max(1) as f64
            };
            let i1 = mean(&tr.input, 0..1);
            let i_rest = mean(&tr.input, 1..t_max);
            let f_rest = mean(&tr.forget, 1..t_max);
            gate_note = Some((i1, i_rest, f_rest, ys[0]));
        }

        // Figures.
        for (kind, points) in &acc {
            if let Some(&(_, a)) = points.iter().find(|(t, _)| *t == t_max) {
                let n = cell_name(*kind);
                o.figure(
                    &format!("{}_accuracy", n.to_lowercase()),
                    bi(
                        format!("{n} accuracy at T = {t_max}"),
                        format!("{n} 在 T = {t_max} 的准确率"),
                    ),
                    a,
                    "",
                );
            }
        }
        let ratio_of = |g: &[f64]| {
            let first = g.first().copied().unwrap_or(0.0);
            let last = g.last().copied().unwrap_or(0.0);
            if last > 0.0 {
                first / last
            } else {
                0.0
            }
        };
        let ratio = |run: &CellRun| ratio_of(&run.grad_init);
        for (kind, run) in &at_max {
            let n = cell_name(*kind);
            o.figure(
                &format!("{}_grad_ratio", n.to_lowercase()),
                bi(
                    format!("{n} ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ at init"),
                    format!("{n} 初始化时的 ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖"),
                ),
                ratio(run),
                "",
            );
            o.figure(
                &format!("{}_grad_ratio_trained", n.to_lowercase()),
                bi(
                    format!("{n} ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ trained"),
                    format!("{n} 训练后的 ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖"),
                ),
                ratio_of(&run.grad_norms),
                "",
            );
        }

        // Notices.
        let line = |lang_zh: bool| -> String {
            at_max
                .iter()
                .map(|(k, r)| {
                    let a = acc
                        .iter()
                        .find(|(kk, _)| kk == k)
                        .and_then(|(_, p)| p.last())
                        .map_or(0.0, |p| p.1);
                    if lang_zh {
                        format!(
                            "{} 准确率 {a:.2}、梯度比 {}",
                            cell_name(*k),
                            fmt_sci(ratio(r))
                        )
                    } else {
                        format!(
                            "{} accuracy {a:.2}, ratio {}",
                            cell_name(*k),
                            fmt_sci(ratio(r))
                        )
                    }
                })
                .collect::<Vec<_>>()
                .join(if lang_zh { "；" } else { "; " })
        };
        o.notice(
            bi(
                format!(
                    "At T = {t_max} (chance 0.25), with the ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ of the untrained net (how much of the loss's gradient reaches the first step): {}. The first symbol is the only one that matters, so a cell learns the task only if enough gradient flows back to h_1.",
                    line(false)
                ),
                format!(
                    "在 T = {t_max}（随机猜测 0.25）时，用未训练网络的 ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ 衡量损失的梯度有多少能传回第一步：{}。只有第一个符号有用，所以只有足够的梯度传回 h_1，单元才能学会这个任务。",
                    line(true)
                ),
            ),
            Some("rnn"),
        );
        if let Some((_, rnn)) = at_max.iter().find(|(k, _)| *k == CellKind::Rnn) {
            // After training: the gradient the trained (or stuck) net gets.
            let g = &rnn.grad_norms;
            let before = ratio_of(&rnn.grad_init);
            // Steps needed for a tenfold drop, going back from T.
            let last = g.last().copied().unwrap_or(0.0);
            let tenfold = g.iter().rev().position(|&n| n < last / 10.0);
            let first = g.first().copied().unwrap_or(0.0);
            let (en, zh) = match tenfold {
                Some(k) => (
                    format!("it falls tenfold within {k} steps back from T"),
                    format!("从 T 往回 {k} 步之内就衰减为十分之一"),
                ),
                None => (
                    "it never falls tenfold".to_string(),
                    "它始终没有衰减到十分之一".to_string(),
                ),
            };
            o.notice(
                bi(
                    format!(
                        "Plain RNN after training: ‖∂L/∂h_t‖ is {} at t = {t_max} and {} at t = 1 (ratio {}; {} before training); {en}. Each step back multiplies by Uᵀ·diag(tanh′), and where that product shrinks the gradient vanishes before it reaches the first symbol.",
                        fmt_sci(last),
                        fmt_sci(first),
                        fmt_sci(ratio_of(g)),
                        fmt_sci(before)
                    ),
                    format!(
                        "训练后的普通 RNN：‖∂L/∂h_t‖ 在 t = {t_max} 时为 {}，在 t = 1 时为 {}（比值 {}；训练前为 {}）；{zh}。每往回一步都要乘以 Uᵀ·diag(tanh′)，这个连乘一旦收缩，梯度还没传到第一个符号就消失了。",
                        fmt_sci(last),
                        fmt_sci(first),
                        fmt_sci(ratio_of(g)),
                        fmt_sci(before)
                    ),
                ),
                Some("rnn"),
            );
        }
        if let Some((i1, i_rest, f_rest, y)) = gate_note {
            let kept = f_rest.powi(t_max as i32 - 1);
            let (en, zh) = if i1 > i_rest + 0.1 && f_rest > 0.9 {
                (
                    "it writes at t = 1 and then mostly keeps the distractors out and the cell state in",
                    "它在 t = 1 写入，之后基本把干扰符号挡在外面、把细胞状态保留下来",
                )
            } else {
                (
                    "the gates have not learned to single out t = 1 and hold the cell state at this T",
                    "在这个 T 下门控还没有学会单独对待 t = 1 并保住细胞状态",
                )
            };
            o.notice(
                bi(
                    format!(
                        "LSTM gates on one held-out sequence (first symbol {y}): input gate {i1:.2} at t = 1 and {i_rest:.2} on average afterwards, forget gate {f_rest:.2} on average, so about {} of c_1 survives to t = {t_max}: {en}. The additive update c_t = f_t·c_(t−1) + i_t·g_t is the path the gradient takes back to t = 1, and it is only as open as the forget gates.",
                        fmt_sci(kept)
                    ),
                    format!(
                        "LSTM 在一条留出序列上的门控（第一个符号为 {y}）：输入门在 t = 1 时为 {i1:.2}，之后平均为 {i_rest:.2}；遗忘门平均为 {f_rest:.2}，所以 c_1 大约只有 {} 能保留到 t = {t_max}：{zh}。加法式的更新 c_t = f_t·c_(t−1) + i_t·g_t 是梯度传回 t = 1 的通路，它的通畅程度取决于遗忘门。",
                        fmt_sci(kept)
                    ),
                ),
                Some("lstm"),
            );
        }
        o.done = o.total;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    #[test]
    fn sweep_and_sequences() {
        assert_eq!(sweep(40), vec![10, 20, 30, 40]);
        assert_eq!(sweep(4), vec![2, 3, 4]);
        let mut rng = crate::rng::rng(1);
        let (xs, ys) = sequences(&mut rng, 5, 6);
        assert_eq!(xs.len(), 30);
        for (i, &y) in ys.iter().enumerate() {
            assert_eq!(xs[i * 6], y);
            assert!(xs[i * 6 + 1..(i + 1) * 6].iter().all(|&s| s < CLASSES));
        }
    }

    /// Short sequences: every cell learns; the RNN's gradient still decays
    /// going back in time more than the LSTM's.
    #[test]
    fn a_tiny_run_learns_and_reports() -> Result<(), Box<dyn std::error::Error>> {
        let p = params::<RnnMemory>(&[
            ("length", "8"),
            ("hidden", "8"),
            ("steps", "60"),
            ("batch", "16"),
        ])?;
        let o = run_quiet(&p)?;
        for k in ["rnn", "lstm", "gru"] {
            let a = o.find_figure(&format!("{k}_accuracy")).ok_or("figure")?;
            assert!((0.0..=1.0).contains(&a));
            assert!(o.find_figure(&format!("{k}_grad_ratio")).ok_or("ratio")? > 0.0);
        }
        assert_eq!(o.heatmaps.len(), 1 + 3);
        assert_eq!(o.heatmaps[0].values.len(), 2 * 3 * 8);
        assert_eq!(o.notices.len(), 3);
        assert_eq!(o.done, o.total);
        let again = run_quiet(&p)?;
        assert_eq!(o.figures, again.figures, "determinism per seed");
        Ok(())
    }

    #[test]
    fn one_cell_and_bad_settings() -> Result<(), Box<dyn std::error::Error>> {
        let p = params::<RnnMemory>(&[
            ("length", "4"),
            ("cell", "gru"),
            ("hidden", "4"),
            ("steps", "5"),
        ])?;
        let o = run_quiet(&p)?;
        assert!(o.find_figure("gru_accuracy").is_some());
        assert!(o.find_figure("rnn_accuracy").is_none());
        assert!(o.heatmaps.iter().all(|h| h.group != "gates"));
        assert!(params::<RnnMemory>(&[("length", "3")]).is_err());
        Ok(())
    }
}
