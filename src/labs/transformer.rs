//! Lab `transformer`: a tiny Transformer encoder ([`crate::nn::transformer`])
//! trained as a tagger on a generated task that cannot be solved token by
//! token: `reverse` (the label of position i is the symbol at position
//! T−1−i: only attention plus positions can fetch it) or `count` (the label
//! of a position is how often its symbol occurs in the sequence: attention by
//! content). Shows the training curves, each head's attention map on one
//! held-out sequence, the position matrix, what removing the positions does,
//! and a comparison of post-LN and pre-LN blocks with and without learning
//! rate warm-up (four short runs of the same model at the same settings).

use rand::Rng as _;

use super::nndata;
use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::nn::{
    warmup_lr, Adam, EncoderConfig, Graph, Layer, Linear, NormPlacement, Optimizer, ParamStore,
    Positions, TransformerEncoder, WeightInit,
};

pub const TASK: ParamSpec = choice(
    "task",
    &["reverse", "count"],
    "reverse",
    "reverse: tag position i with the symbol at position T-1-i; count: tag each symbol with how often it occurs",
);
pub const LENGTH: ParamSpec = int("length", 2, 32, "8", "symbols per sequence");
pub const LAYERS: ParamSpec = int("layers", 1, 6, "2", "encoder blocks");
pub const HEADS: ParamSpec = int("heads", 1, 16, "4", "attention heads (must divide d_model)");
pub const D_MODEL: ParamSpec = int("d_model", 2, 256, "32", "width of the model");
pub const D_FF: ParamSpec = int(
    "d_ff",
    1,
    1024,
    "64",
    "hidden units of each feed-forward net",
);
pub const NORM: ParamSpec = choice(
    "norm",
    &["post", "pre"],
    "post",
    "post: LN(x + f(x)) as in the original Transformer; pre: x + f(LN(x))",
);
pub const POSITIONS: ParamSpec = choice(
    "positions",
    &["sinusoidal", "learned"],
    "sinusoidal",
    "fixed sines and cosines, or one trained vector per position",
);
pub const WARMUP: ParamSpec = int(
    "warmup",
    0,
    100_000,
    "100",
    "steps over which the learning rate grows linearly to its value (0 = none)",
);
pub const LEARNING_RATE: ParamSpec = float(
    "learning_rate",
    0.0,
    1.0,
    true,
    "0.003",
    "Adam's step size after the warm-up",
);
pub const EPOCHS: ParamSpec = int("epochs", 1, 500, "12", "passes over the training sequences");
pub const BATCH_SIZE: ParamSpec = int("batch_size", 1, 1024, "32", "sequences per step");
pub const SEQUENCES: ParamSpec = int(
    "sequences",
    10,
    100_000,
    "2000",
    "generated training sequences (a quarter as many more are held out)",
);
pub const COMPARE_STEPS: ParamSpec = int(
    "compare_steps",
    0,
    20_000,
    "400",
    "steps of each of the four post/pre-LN × warm-up runs (0 = skip the comparison)",
);
pub const COMPARE_LAYERS: ParamSpec = int(
    "compare_layers",
    1,
    8,
    "4",
    "encoder blocks of the four comparison runs (deeper stacks are where post-LN needs warm-up)",
);
pub const COMPARE_LEARNING_RATE: ParamSpec = float(
    "compare_learning_rate",
    0.0,
    1.0,
    true,
    "0.01",
    "Adam's step size of the four comparison runs (after their warm-up, if any)",
);

/// Symbols of the generated sequences.
const SYMBOLS: usize = 10;
/// Accuracy that counts as "converged" in the comparison.
const CONVERGED: f64 = 0.9;
/// Steps averaged for the comparison curves and the converged test.
const WINDOW: usize = 20;

pub struct TransformerLab;

#[derive(Debug, Clone, PartialEq)]
pub struct TransformerParams {
    pub task: &'static str,
    pub length: usize,
    pub layers: usize,
    pub heads: usize,
    pub d_model: usize,
    pub d_ff: usize,
    pub norm: &'static str,
    pub positions: &'static str,
    pub warmup: usize,
    pub learning_rate: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub sequences: usize,
    pub compare_steps: usize,
    pub compare_layers: usize,
    pub compare_learning_rate: f64,
}

impl Algorithm for TransformerLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "transformer",
        title: "Tiny Transformer encoder (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why:
            "on our neural engine (crate::nn): attention maps per head, positions, post- vs pre-LN",
        topics: &[
            "transformer-architecture",
            "transformer",
            "transformer-in-practice",
        ],
        params: &[
            TASK,
            LENGTH,
            LAYERS,
            HEADS,
            D_MODEL,
            D_FF,
            NORM,
            POSITIONS,
            WARMUP,
            LEARNING_RATE,
            EPOCHS,
            BATCH_SIZE,
            SEQUENCES,
            COMPARE_STEPS,
            COMPARE_LAYERS,
            COMPARE_LEARNING_RATE,
        ],
    };
    type Params = TransformerParams;

    fn params(v: &ParamValues) -> Result<TransformerParams, ParamError> {
        Ok(TransformerParams {
            task: v.choice(&TASK)?,
            length: v.usize(&LENGTH)?,
            layers: v.usize(&LAYERS)?,
            heads: v.usize(&HEADS)?,
            d_model: v.usize(&D_MODEL)?,
            d_ff: v.usize(&D_FF)?,
            norm: v.choice(&NORM)?,
            positions: v.choice(&POSITIONS)?,
            warmup: v.usize(&WARMUP)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            epochs: v.usize(&EPOCHS)?,
            batch_size: v.usize(&BATCH_SIZE)?,
            sequences: v.usize(&SEQUENCES)?,
            compare_steps: v.usize(&COMPARE_STEPS)?,
            compare_layers: v.usize(&COMPARE_LAYERS)?,
            compare_learning_rate: v.float(&COMPARE_LEARNING_RATE)?,
        })
    }
}

/// Generated sequences and their per-position labels, row-major `[n, t]`.
struct Seqs {
    x: Vec<usize>,
    y: Vec<usize>,
    n: usize,
}

impl Seqs {
    fn rows(&self, idx: &[usize], t: usize) -> (Vec<usize>, Vec<usize>) {
        let mut x = Vec::with_capacity(idx.len() * t);
        let mut y = Vec::with_capacity(idx.len() * t);
        for &i in idx {
            x.extend_from_slice(&self.x[i * t..(i + 1) * t]);
            y.extend_from_slice(&self.y[i * t..(i + 1) * t]);
        }
        (x, y)
    }
}

/// Labels of one sequence for the task.
fn labels(task: &str, s: &[usize]) -> Vec<usize> {
    match task {
        "count" => s
            .iter()
            .map(|a| s.iter().filter(|b| *b == a).count())
            .collect(),
        _ => s.iter().rev().copied().collect(),
    }
}

fn generate(task: &str, n: usize, t: usize, rng: &mut crate::rng::Rng) -> Seqs {
    let mut x = Vec::with_capacity(n * t);
    let mut y = Vec::with_capacity(n * t);
    for _ in 0..n {
        let s: Vec<usize> = (0..t).map(|_| rng.gen_range(0..SYMBOLS)).collect();
        y.extend(labels(task, &s));
        x.extend(s);
    }
    Seqs { x, y, n }
}

/// An encoder with a per-position classifier on top.
struct Tagger {
    enc: TransformerEncoder,
    head: Linear,
    classes: usize,
}

impl Tagger {
    fn new(
        seed: u64,
        p: &TransformerParams,
        norm: NormPlacement,
        classes: usize,
    ) -> Result<(Tagger, ParamStore), LabError> {
        let mut ps = ParamStore::new(seed);
        let enc = TransformerEncoder::new(
            &mut ps,
            "enc",
            EncoderConfig {
                vocab: SYMBOLS,
                max_len: p.length,
                d_model: p.d_model,
                heads: p.heads,
                d_ff: p.d_ff,
                layers: p.layers,
                norm,
                positions: if p.positions == "learned" {
                    Positions::Learned
                } else {
                    Positions::Sinusoidal
                },
                segments: 0,
            },
        )?;
        let head = Linear::new(
            &mut ps,
            "head",
            p.d_model,
            classes,
            WeightInit::GlorotUniform,
            true,
        )?;
        Ok((Tagger { enc, head, classes }, ps))
    }

    /// Logits `[b·t, classes]` and the attention weights of each block.
    fn forward(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        x: &[usize],
        batch: usize,
    ) -> Result<(crate::nn::Var, Vec<crate::nn::Var>), LabError> {
        let out = self.enc.forward(g, ps, x, batch, None, None)?;
        let logits = self.head.forward(g, ps, out.hidden)?;
        let logits = g.reshape(logits, &[x.len(), self.classes])?;
        Ok((logits, out.attention))
    }

    /// One step on the rows `x`/`y`: the loss and the share of tokens right.
    fn step(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        opt: &mut Adam,
        x: &[usize],
        y: &[usize],
        batch: usize,
    ) -> Result<(f64, f64), LabError> {
        g.reset();
        g.train = true;
        ps.zero_grad();
        let (logits, _) = self.forward(g, ps, x, batch)?;
        let right = argmax_rows(g.value(logits)?)
            .iter()
            .zip(y)
            .filter(|(a, b)| a == b)
            .count();
        let loss = g.cross_entropy(logits, y, 0.0)?;
        let l = g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN) as f64;
        g.backward(loss, ps)?;
        opt.step(ps)?;
        Ok((l, right as f64 / y.len().max(1) as f64))
    }

    /// Token accuracy and whole-sequence exact match on `data`.
    fn evaluate(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        data: &Seqs,
        t: usize,
    ) -> Result<(f64, f64), LabError> {
        let (mut right, mut exact) = (0usize, 0usize);
        let all: Vec<usize> = (0..data.n).collect();
        for idx in all.chunks(250) {
            g.reset();
            g.train = false;
            let (x, y) = data.rows(idx, t);
            let (logits, _) = self.forward(g, ps, &x, idx.len())?;
            let pred = argmax_rows(g.value(logits)?);
            for (p, l) in pred.chunks(t).zip(y.chunks(t)) {
                let r = p.iter().zip(l).filter(|(a, b)| a == b).count();
                right += r;
                exact += usize::from(r == t);
            }
        }
        let n = data.n.max(1) as f64;
        Ok((right as f64 / (n * t as f64), exact as f64 / n))
    }
}

fn argmax_rows(v: &crate::nn::Tensor) -> Vec<usize> {
    let c = v.shape().last().copied().unwrap_or(1).max(1);
    v.as_slice()
        .map(|s| {
            s.chunks(c)
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &x)| {
                            if x > bv {
                                (i, x)
                            } else {
                                (bi, bv)
                            }
                        })
                        .0
                })
                .collect()
        })
        .unwrap_or_default()
}

fn norm_of(s: &str) -> NormPlacement {
    if s == "pre" {
        NormPlacement::Pre
    } else {
        NormPlacement::Post
    }
}

/// One of the comparison runs: its windowed loss curve, the step its
/// windowed training accuracy first reached [`CONVERGED`], and its test
/// token accuracy at the end.
struct Compared {
    name: String,
    curve: Vec<[f64; 2]>,
    converged_at: Option<usize>,
    final_loss: f64,
    test_accuracy: f64,
}

impl RunLab for TransformerParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let p = self;
        if !p.d_model.is_multiple_of(p.heads) {
            return Err(LabError::setup(format!(
                "heads = {} does not divide d_model = {}: each head gets d_model / heads features",
                p.heads, p.d_model
            )));
        }
        if p.positions == "sinusoidal" && !p.d_model.is_multiple_of(2) {
            return Err(LabError::setup(format!(
                "sinusoidal positions need an even d_model (a sine and a cosine per frequency), got {}",
                p.d_model
            )));
        }
        nndata::check_batch(p.batch_size, p.sequences)?;
        let (n_train, n_test) = (p.sequences, (p.sequences / 4).max(1));
        let t = p.length;
        let classes = if p.task == "count" { t + 1 } else { SYMBOLS };
        let mut rng = crate::algos::rng(ctx.seed ^ 0x7472_616e);
        let train = generate(p.task, n_train, t, &mut rng);
        let test = generate(p.task, n_test, t, &mut rng);
        let compare = p.compare_steps > 0;
        let mut outcome = LabOutcome {
            total: p.epochs + if compare { 4 } else { 0 },
            dataset: format!(
                "generated: {n_train} training and {n_test} held-out sequences of {t} symbols from {SYMBOLS} ({} task)",
                p.task
            ),
            ..Default::default()
        };
        let (model, mut ps) = Tagger::new(ctx.seed, p, norm_of(p.norm), classes)?;
        let mut opt = Adam::new(p.learning_rate as f32)?;
        let mut g = Graph::new(ctx.seed);
        let mut step = 0usize;
        let (mut last_acc, mut last_exact, mut last_loss) = (0.0, 0.0, f64::NAN);
        for epoch in 1..=p.epochs {
            let mut sum = 0.0;
            let mut n = 0usize;
            for idx in nndata::batches(train.n, p.batch_size, &mut rng) {
                step += 1;
                opt.set_learning_rate(warmup_lr(p.learning_rate as f32, step, p.warmup));
                let (x, y) = train.rows(&idx, t);
                let (l, _) = model.step(&mut g, &mut ps, &mut opt, &x, &y, idx.len())?;
                nndata::check_loss("the encoder", epoch, l)?;
                sum += l * idx.len() as f64;
                n += idx.len();
                ctx.check()?;
            }
            last_loss = sum / n.max(1) as f64;
            (last_acc, last_exact) = model.evaluate(&mut g, &mut ps, &test, t)?;
            let c = outcome.chart_mut(
                "loss",
                bi("Training loss", "训练损失"),
                "epoch",
                "cross-entropy",
            );
            c.push("train loss", epoch as f64, last_loss);
            let c = outcome.chart_mut(
                "accuracy",
                bi("Held-out accuracy", "留出集准确率"),
                "epoch",
                "accuracy",
            );
            c.push("token accuracy", epoch as f64, last_acc);
            c.push("sequence exact match", epoch as f64, last_exact);
            outcome.done = epoch;
            ctx.update(&outcome)?;
        }
        outcome.figure(
            "test_token_accuracy",
            bi("held-out token accuracy", "留出集逐词准确率"),
            last_acc,
            "",
        );
        outcome.figure(
            "test_exact_match",
            bi("held-out sequences all right", "留出集整句全对比例"),
            last_exact,
            "",
        );
        outcome.figure(
            "final_train_loss",
            bi("training loss, last epoch", "最后一轮训练损失"),
            last_loss,
            "",
        );
        outcome.figure(
            "parameters",
            bi("trainable parameters", "可训练参数"),
            ps.n_trainable() as f64,
            "",
        );
        let chance = if p.task == "count" {
            // Always guessing the most common count.
            let mut counts = vec![0usize; classes];
            test.y.iter().for_each(|&c| counts[c] += 1);
            counts.iter().copied().max().unwrap_or(0) as f64 / test.y.len().max(1) as f64
        } else {
            1.0 / SYMBOLS as f64
        };
        outcome.notice(
            bi(
                format!(
                    "After {} epochs the encoder tags {:.1}% of held-out positions right and gets {:.1}% of whole sequences right; a per-token guess without looking at the others gets {:.1}%.",
                    p.epochs, 100.0 * last_acc, 100.0 * last_exact, 100.0 * chance
                ),
                format!(
                    "训练 {} 轮后，编码器在留出集上逐位置标注正确率 {:.1}%，整句全对 {:.1}%；不看其他位置的逐词猜测只有 {:.1}%。",
                    p.epochs, 100.0 * last_acc, 100.0 * last_exact, 100.0 * chance
                ),
            ),
            Some("transformer-architecture"),
        );

        // Attention of one held-out sequence, and where attention goes on
        // average over the first 100 held-out sequences.
        attention_pictures(&mut outcome, &model, &mut ps, &mut g, &test, p)?;

        // Positions: the matrix, and accuracy with them left out.
        let table = model.enc.position_table(&ps)?;
        let d = p.d_model;
        outcome.heatmaps.push(Heatmap {
            key: "positions".into(),
            title: bi(
                format!("{} position vectors (rows: positions)", p.positions),
                if p.positions == "learned" {
                    "学习得到的位置向量（行：位置）".to_string()
                } else {
                    "正弦位置编码（行：位置）".to_string()
                },
            ),
            rows: t,
            cols: d,
            values: table.iter().take(t * d).map(|&v| v as f64).collect(),
            row_labels: (0..t).map(|i| i.to_string()).collect(),
            col_labels: Vec::new(),
            group: "position encoding".into(),
        });
        let mut blind = Tagger {
            enc: model.enc.clone(),
            head: model.head.clone(),
            classes,
        };
        blind.enc.positions_off = true;
        let (blind_acc, _) = blind.evaluate(&mut g, &mut ps, &test, t)?;
        outcome.figure(
            "accuracy_without_positions",
            bi(
                "held-out token accuracy with positions removed",
                "去掉位置编码后的逐词准确率",
            ),
            blind_acc,
            "",
        );
        let why = if p.task == "count" {
            bi(
                "counting needs no order, so little should be lost",
                "计数与顺序无关，所以损失应当不大",
            )
        } else {
            bi(
                "without them self-attention treats the sequence as a bag of symbols and cannot tell which one is the mirror position",
                "没有位置信息时自注意力把序列当作一袋符号，无法找出镜像位置",
            )
        };
        outcome.notice(
            bi(
                format!(
                    "Leaving the position vectors out at test time changes token accuracy from {:.1}% to {:.1}%: {}.",
                    100.0 * last_acc, 100.0 * blind_acc, why.en
                ),
                format!(
                    "测试时去掉位置向量，逐词准确率从 {:.1}% 变为 {:.1}%：{}。",
                    100.0 * last_acc, 100.0 * blind_acc, why.zh
                ),
            ),
            Some("transformer"),
        );
        ctx.update(&outcome)?;

        if compare {
            compare_runs(&mut outcome, ctx, p, &train, &test, classes)?;
        }
        outcome.done = outcome.total;
        Ok(outcome)
    }
}

/// Per-head attention maps of held-out sequence 0 (one group per block),
/// and a notice on where the heads look on average.
fn attention_pictures(
    outcome: &mut LabOutcome,
    model: &Tagger,
    ps: &mut ParamStore,
    g: &mut Graph,
    test: &Seqs,
    p: &TransformerParams,
) -> Result<(), LabError> {
    let t = p.length;
    let n = test.n.min(100);
    let idx: Vec<usize> = (0..n).collect();
    let (x, _) = test.rows(&idx, t);
    g.reset();
    g.train = false;
    let (_, att) = model.forward(g, ps, &x, n)?;
    let tokens: Vec<String> = x[..t].iter().map(|s| s.to_string()).collect();
    // The share of attention a query gives to the key it needs: the mirror
    // position (reverse) or the keys holding its own symbol (count), per
    // block and head, averaged over queries and sequences.
    let mut best = (0usize, 0usize, 0f64);
    let mut baseline = 0f64;
    for (l, &w) in att.iter().enumerate() {
        let w = g.value(w)?;
        for h in 0..p.heads {
            let mut share = 0f64;
            let mut base = 0f64;
            for s in 0..n {
                let bh = s * p.heads + h;
                let seq = &x[s * t..(s + 1) * t];
                for q in 0..t {
                    let wanted: Vec<usize> = if p.task == "count" {
                        (0..t).filter(|&k| seq[k] == seq[q]).collect()
                    } else {
                        vec![t - 1 - q]
                    };
                    share += wanted.iter().map(|&k| w[[bh, q, k]] as f64).sum::<f64>();
                    base += wanted.len() as f64 / t as f64;
                }
            }
            let denom = (n * t).max(1) as f64;
            let (share, base) = (share / denom, base / denom);
            if share > best.2 {
                best = (l, h, share);
                baseline = base;
            }
            if true {
                let values: Vec<f64> = (0..t * t).map(|i| w[[h, i / t, i % t]] as f64).collect();
                outcome.heatmaps.push(Heatmap {
                    key: format!("attention_l{}_h{}", l + 1, h + 1),
                    title: bi(
                        format!("block {} head {}", l + 1, h + 1),
                        format!("第 {} 层 第 {} 个头", l + 1, h + 1),
                    ),
                    rows: t,
                    cols: t,
                    values,
                    row_labels: tokens.clone(),
                    col_labels: tokens.clone(),
                    group: format!("attention, block {} (rows: queries)", l + 1),
                });
            }
        }
    }
    let (l, h, share) = best;
    let what = if p.task == "count" {
        bi(
            "the positions holding the same symbol",
            "持有相同符号的位置",
        )
    } else {
        bi("the mirror position T−1−i", "镜像位置 T−1−i")
    };
    outcome.figure(
        "best_head_share",
        bi(
            "attention weight the best head puts where it is needed",
            "最佳注意力头放在所需位置上的权重",
        ),
        share,
        "",
    );
    outcome.notice(
        bi(
            format!(
                "Head {} of block {} puts on average {:.0}% of each query's attention weight on {} (spreading it evenly would put {:.0}% there): the maps show that pattern for sequence {}.",
                h + 1, l + 1, 100.0 * share, what.en, 100.0 * baseline, tokens.join(" ")
            ),
            format!(
                "第 {} 层第 {} 个头平均把每个查询 {:.0}% 的注意力权重放在{}上（均匀分配只有 {:.0}%）：热图中序列 {} 就呈现这一模式。",
                l + 1, h + 1, 100.0 * share, what.zh, 100.0 * baseline, tokens.join(" ")
            ),
        ),
        Some("transformer-architecture"),
    );
    Ok(())
}

/// Post-LN and pre-LN, each with the chosen warm-up and without any, for
/// `compare_steps` steps at the chosen learning rate.
fn compare_runs(
    outcome: &mut LabOutcome,
    ctx: &mut LabContext<'_>,
    p: &TransformerParams,
    train: &Seqs,
    test: &Seqs,
    classes: usize,
) -> Result<(), LabError> {
    let t = p.length;
    // The comparison's own depth and step size; all else as the main run.
    let p = &TransformerParams {
        layers: p.compare_layers,
        learning_rate: p.compare_learning_rate,
        ..p.clone()
    };
    let warm = p.warmup.max(1).min(p.compare_steps);
    let mut runs: Vec<Compared> = Vec::new();
    for (norm, warmup) in [("post", 0), ("post", warm), ("pre", 0), ("pre", warm)] {
        let name = if warmup == 0 {
            format!("{norm}-LN, no warm-up")
        } else {
            format!("{norm}-LN, warm-up {warmup}")
        };
        let (model, mut ps) = Tagger::new(ctx.seed, p, norm_of(norm), classes)?;
        let mut opt = Adam::new(p.learning_rate as f32)?;
        let mut g = Graph::new(ctx.seed);
        // Every run sees the same batches in the same order.
        let mut rng = crate::algos::rng(ctx.seed ^ 0x0063_6d70);
        let mut batches = Vec::new();
        let (mut window_loss, mut window_acc) = (Vec::new(), Vec::new());
        let mut run = Compared {
            name,
            curve: Vec::new(),
            converged_at: None,
            final_loss: f64::NAN,
            test_accuracy: 0.0,
        };
        let mut diverged = false;
        for step in 1..=p.compare_steps {
            if batches.is_empty() {
                batches = nndata::batches(train.n, p.batch_size, &mut rng).collect();
                batches.reverse();
            }
            let Some(idx) = batches.pop() else { break };
            opt.set_learning_rate(warmup_lr(p.learning_rate as f32, step, warmup));
            let (x, y) = train.rows(&idx, t);
            let (l, acc) = model.step(&mut g, &mut ps, &mut opt, &x, &y, idx.len())?;
            if !l.is_finite() {
                diverged = true;
                break;
            }
            window_loss.push(l);
            window_acc.push(acc);
            if step % WINDOW == 0 || step == p.compare_steps {
                let k = window_loss.len().max(1) as f64;
                let ml = window_loss.iter().sum::<f64>() / k;
                let ma = window_acc.iter().sum::<f64>() / k;
                run.curve.push([step as f64, ml]);
                run.final_loss = ml;
                if ma >= CONVERGED && run.converged_at.is_none() {
                    run.converged_at = Some(step);
                }
                window_loss.clear();
                window_acc.clear();
            }
            ctx.check()?;
        }
        if !diverged {
            run.test_accuracy = model.evaluate(&mut g, &mut ps, test, t)?.0;
        } else {
            run.final_loss = f64::NAN;
        }
        let c = outcome.chart_mut(
            "compare",
            bi(
                format!(
                    "Post-LN vs pre-LN, with and without warm-up (training loss, mean of {WINDOW} steps)"
                ),
                format!("后置 LN 与前置 LN、有无学习率预热（训练损失，每 {WINDOW} 步的均值）"),
            ),
            "step",
            "cross-entropy",
        );
        c.log_y = true;
        for &[x, y] in &run.curve {
            c.push(&run.name, x, y);
        }
        runs.push(run);
        outcome.done += 1;
        ctx.update(outcome)?;
    }
    let rows = runs
        .iter()
        .map(|r| {
            vec![
                Cell::from(r.name.as_str()),
                Cell::from(r.final_loss),
                Cell::from(r.test_accuracy),
                match r.converged_at {
                    Some(s) => Cell::from(s),
                    None => Cell::from("not reached"),
                },
            ]
        })
        .collect();
    outcome.tables.push(Table {
        key: "compare".into(),
        title: bi(
            format!(
                "{} steps each at learning rate {} ({} blocks, d_model {})",
                p.compare_steps, p.learning_rate, p.layers, p.d_model
            ),
            format!(
                "每组 {} 步，学习率 {}（{} 层，d_model {}）",
                p.compare_steps, p.learning_rate, p.layers, p.d_model
            ),
        ),
        columns: vec![
            "run".into(),
            "final loss".into(),
            "test token acc".into(),
            format!("step to {:.0}% train acc", 100.0 * CONVERGED),
        ],
        rows,
    });
    for (k, r) in [
        "post_no_warmup",
        "post_warmup",
        "pre_no_warmup",
        "pre_warmup",
    ]
    .iter()
    .zip(&runs)
    {
        outcome.figure(
            &format!("compare_{k}_test_accuracy"),
            bi(
                format!("{}: test token accuracy", r.name),
                format!("{}：测试逐词准确率", r.name),
            ),
            r.test_accuracy,
            "",
        );
    }
    let reached: Vec<String> = runs
        .iter()
        .filter_map(|r| r.converged_at.map(|s| format!("{} at step {s}", r.name)))
        .collect();
    let reached_zh: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            r.converged_at
                .map(|s| format!("{} 在第 {s} 步", zh_name(&r.name)))
        })
        .collect();
    let missed: Vec<String> = runs
        .iter()
        .filter(|r| r.converged_at.is_none())
        .map(|r| format!("{} (loss {:.3})", r.name, r.final_loss))
        .collect();
    let missed_zh: Vec<String> = runs
        .iter()
        .filter(|r| r.converged_at.is_none())
        .map(|r| format!("{}（损失 {:.3}）", zh_name(&r.name), r.final_loss))
        .collect();
    let pct = 100.0 * CONVERGED;
    let en = match (reached.is_empty(), missed.is_empty()) {
        (false, true) => format!(
            "All four runs reached {pct:.0}% training accuracy within {} steps: {}.",
            p.compare_steps,
            reached.join(", ")
        ),
        (true, _) => format!(
            "None of the four runs reached {pct:.0}% training accuracy within {} steps: {}.",
            p.compare_steps,
            missed.join(", ")
        ),
        (false, false) => format!(
            "Reached {pct:.0}% training accuracy: {}; not within {} steps: {}.",
            reached.join(", "),
            p.compare_steps,
            missed.join(", ")
        ),
    };
    let zh = match (reached_zh.is_empty(), missed_zh.is_empty()) {
        (false, true) => format!(
            "四组训练都在 {} 步内达到 {pct:.0}% 的训练准确率：{}。",
            p.compare_steps,
            reached_zh.join("，")
        ),
        (true, _) => format!(
            "四组训练在 {} 步内都没有达到 {pct:.0}% 的训练准确率：{}。",
            p.compare_steps,
            missed_zh.join("，")
        ),
        (false, false) => format!(
            "达到 {pct:.0}% 训练准确率的：{}；{} 步内没有达到的：{}。",
            reached_zh.join("，"),
            p.compare_steps,
            missed_zh.join("，")
        ),
    };
    outcome.notice(bi(en, zh), Some("transformer-in-practice"));
    // Warm-up's effect on each placement, from the numbers.
    for (a, b, place, place_zh) in [(0, 1, "post-LN", "后置 LN"), (2, 3, "pre-LN", "前置 LN")] {
        let (no, yes) = (&runs[a], &runs[b]);
        let (en, zh) = match worse(no, yes) {
            std::cmp::Ordering::Greater => (
                format!(
                    "For {place}, warm-up helped: final loss {:.3} with it against {:.3} without.",
                    yes.final_loss, no.final_loss
                ),
                format!(
                    "对{place_zh}来说，预热有帮助：最终损失 {:.3}，不预热为 {:.3}。",
                    yes.final_loss, no.final_loss
                ),
            ),
            std::cmp::Ordering::Less => (
                format!(
                    "For {place}, warm-up slowed the start here (the small steps at first cost time): final loss {:.3} with it against {:.3} without.",
                    yes.final_loss, no.final_loss
                ),
                format!(
                    "对{place_zh}来说，这里预热让起步变慢（开始的小步长要花时间）：最终损失 {:.3}，不预热为 {:.3}。",
                    yes.final_loss, no.final_loss
                ),
            ),
            std::cmp::Ordering::Equal => (
                format!(
                    "For {place}, warm-up made no difference to when {pct:.0}% was reached; final loss {:.3} with it, {:.3} without.",
                    yes.final_loss, no.final_loss
                ),
                format!(
                    "对{place_zh}来说，有无预热达到 {pct:.0}% 的时间相同；最终损失有预热 {:.3}，无预热 {:.3}。",
                    yes.final_loss, no.final_loss
                ),
            ),
        };
        outcome.notice(bi(en, zh), Some("transformer-in-practice"));
    }
    // Post-LN against pre-LN, both without warm-up: where deep post-LN
    // stacks need warm-up and pre-LN ones do not (Xiong et al. 2020).
    let (post, pre) = (&runs[0], &runs[2]);
    let chance = (classes.max(1) as f64).ln();
    let (en, zh) = match worse(post, pre) {
        std::cmp::Ordering::Greater => (
            format!(
                "Without warm-up, at learning rate {} and {} blocks, post-LN ended at loss {:.3} (guessing uniformly gives ln {classes} = {chance:.3}; test token accuracy {:.1}%) while pre-LN reached {:.3} ({:.1}%): with the normalisation after each residual sum, the gradients of the last blocks are large at the start and the first big steps derail training; pre-LN keeps an un-normalised residual path and trains without warm-up.",
                p.learning_rate, p.layers, post.final_loss, 100.0 * post.test_accuracy, pre.final_loss, 100.0 * pre.test_accuracy
            ),
            format!(
                "不预热时，学习率 {}、{} 层的后置 LN 最终损失为 {:.3}（均匀猜测为 ln {classes} = {chance:.3}；测试逐词准确率 {:.1}%），前置 LN 则降到 {:.3}（{:.1}%）：后置 LN 在残差相加之后再归一化，训练初期靠近输出的层梯度很大，开头的大步长会把训练带偏；前置 LN 保留了一条不经归一化的残差通路，不预热也能训练。",
                p.learning_rate, p.layers, post.final_loss, 100.0 * post.test_accuracy, pre.final_loss, 100.0 * pre.test_accuracy
            ),
        ),
        _ => (
            format!(
                "At learning rate {} and {} blocks, post-LN without warm-up did not do worse than pre-LN (final loss {:.3} against {:.3}): the instability of post-LN that warm-up cures shows with more blocks or a larger learning rate (compare_layers, compare_learning_rate).",
                p.learning_rate, p.layers, post.final_loss, pre.final_loss
            ),
            format!(
                "学习率 {}、{} 层时，不预热的后置 LN 并不比前置 LN 差（最终损失 {:.3} 对 {:.3}）：后置 LN 需要预热的不稳定性要在更多层或更大学习率下才会出现（compare_layers、compare_learning_rate）。",
                p.learning_rate, p.layers, post.final_loss, pre.final_loss
            ),
        ),
    };
    outcome.notice(bi(en, zh), Some("transformer-in-practice"));
    Ok(())
}

/// Whether run `a` did worse than run `b` (Greater): it reached the
/// accuracy threshold later, or neither reached it and its final loss is
/// higher by more than 10% (a run that diverged is the worst).
fn worse(a: &Compared, b: &Compared) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.converged_at, b.converged_at) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => {
            let (x, y) = (a.final_loss, b.final_loss);
            match (x.is_finite(), y.is_finite()) {
                (false, true) => Ordering::Greater,
                (true, false) => Ordering::Less,
                (false, false) => Ordering::Equal,
                (true, true) if (x - y).abs() <= 0.1 * x.abs().max(y.abs()) => Ordering::Equal,
                (true, true) => x.total_cmp(&y),
            }
        }
    }
}

fn zh_name(en: &str) -> String {
    en.replace("post-LN", "后置 LN")
        .replace("pre-LN", "前置 LN")
        .replace(", no warm-up", "，不预热")
        .replace(", warm-up ", "，预热 ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    fn tiny(extra: &[(&str, &str)]) -> TransformerParams {
        let mut given = vec![
            ("length", "4"),
            ("layers", "1"),
            ("heads", "2"),
            ("d_model", "8"),
            ("d_ff", "16"),
            ("epochs", "6"),
            ("batch_size", "16"),
            ("compare_steps", "0"),
            ("compare_layers", "1"),
            ("compare_learning_rate", "0.01"),
            ("learning_rate", "0.01"),
            ("warmup", "10"),
            ("sequences", "160"),
        ];
        given.extend_from_slice(extra);
        params::<TransformerLab>(&given).unwrap()
    }

    #[test]
    fn labels_of_both_tasks() {
        assert_eq!(labels("reverse", &[3, 1, 4, 1]), vec![1, 4, 1, 3]);
        assert_eq!(labels("count", &[3, 1, 4, 1]), vec![1, 2, 1, 2]);
    }

    #[test]
    fn a_tiny_encoder_learns_to_reverse_and_draws_its_heads() {
        let o = run_quiet(&tiny(&[])).unwrap();
        let acc = o.find_figure("test_token_accuracy").unwrap();
        // Twice the 10% of guessing a symbol after 60 steps of a 1-block model.
        assert!(acc > 0.2, "{acc}");
        let att: Vec<_> = o
            .heatmaps
            .iter()
            .filter(|h| h.key.starts_with("attention"))
            .collect();
        assert_eq!(att.len(), 2);
        for h in &att {
            assert_eq!((h.rows, h.cols, h.row_labels.len()), (4, 4, 4));
            for r in 0..4 {
                let s: f64 = h.values[r * 4..r * 4 + 4].iter().sum();
                assert!((s - 1.0).abs() < 1e-4, "rows of attention sum to 1");
            }
        }
        let pos = o.heatmaps.iter().find(|h| h.key == "positions").unwrap();
        assert_eq!((pos.rows, pos.cols), (4, 8));
        assert_eq!(pos.values[1], 1.0, "cos(0) of the sinusoidal table");
        assert!(o.find_figure("accuracy_without_positions").is_some());
        assert_eq!(
            o.charts.iter().find(|c| c.key == "loss").unwrap().series[0]
                .points
                .len(),
            6
        );
        assert!(o.notices.len() >= 3);
        assert_eq!(o.done, o.total);
    }

    #[test]
    fn the_comparison_trains_four_runs_on_the_same_batches() {
        let o = run_quiet(&tiny(&[
            ("compare_steps", "40"),
            ("task", "count"),
            ("positions", "learned"),
            ("norm", "pre"),
            ("epochs", "1"),
        ]))
        .unwrap();
        let c = o.charts.iter().find(|c| c.key == "compare").unwrap();
        assert_eq!(c.series.len(), 4);
        assert!(c.series.iter().all(|s| s.points.len() == 2));
        let t = o.tables.iter().find(|t| t.key == "compare").unwrap();
        assert_eq!(t.rows.len(), 4);
        // The summary notice, one on warm-up for each placement, and post-LN
        // against pre-LN without warm-up.
        let warm: Vec<_> = o
            .notices
            .iter()
            .filter(|n| n.topic.as_deref() == Some("transformer-in-practice"))
            .collect();
        assert_eq!(warm.len(), 4);
        assert!(warm[3].text.en.contains("post-LN"), "{:?}", warm[3].text);
        assert_eq!(o.total, 5);
        // Same seed, same numbers.
        let again = run_quiet(&tiny(&[
            ("compare_steps", "40"),
            ("task", "count"),
            ("positions", "learned"),
            ("norm", "pre"),
            ("epochs", "1"),
        ]))
        .unwrap();
        assert_eq!(o.figures, again.figures);
    }

    #[test]
    fn runs_that_miss_the_threshold_are_ranked_by_final_loss() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let r = |converged_at: Option<usize>, final_loss: f64| Compared {
            name: String::new(),
            curve: Vec::new(),
            converged_at,
            final_loss,
            test_accuracy: 0.0,
        };
        assert_eq!(worse(&r(None, 2.3), &r(None, 0.8)), Greater);
        assert_eq!(worse(&r(None, 1.0), &r(None, 0.95)), Equal);
        assert_eq!(worse(&r(Some(100), 0.1), &r(None, 0.0)), Less);
        assert_eq!(worse(&r(None, f64::NAN), &r(None, 5.0)), Greater);
        assert_eq!(worse(&r(Some(120), 0.0), &r(Some(300), 0.0)), Less);
    }

    #[test]
    fn bad_settings_are_refused_with_reasons() {
        let e = run_quiet(&tiny(&[("heads", "3")])).unwrap_err();
        assert!(
            e.to_string()
                .contains("heads = 3 does not divide d_model = 8"),
            "{e}"
        );
        let e = run_quiet(&tiny(&[("d_model", "9"), ("heads", "1")])).unwrap_err();
        assert!(e.to_string().contains("even d_model"), "{e}");
        let e = run_quiet(&tiny(&[("batch_size", "1000")])).unwrap_err();
        assert!(
            e.to_string()
                .contains("batch size 1000 is larger than the 160"),
            "{e}"
        );
    }
}
