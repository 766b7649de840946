//! Lab `residual-depth`: plain against residual networks at several depths
//! (He et al. 2016, "Deep residual learning"). The blocks are MLP blocks,
//! `Linear → [BN] → ReLU → Linear → [BN] (+ shortcut) → ReLU`, on the 64
//! digits pixels; a net of depth `D` has `D` weight layers on its main path:
//! the stem, `(D − 2)/2` blocks of two, and the output layer (projection
//! shortcuts are not counted, as in the paper).
//!
//! Both kinds get the same initialisation (`init`: Glorot normal, the
//! default, which halves the signal at every ReLU and so shows vanishing
//! gradients; or He normal, which keeps it), except that in a
//! residual net the last layer of each block's branch starts scaled by
//! `1/√blocks`, so that the sum of many branches neither blows up nor
//! starts far from the identity (the idea of Fixup and of torchvision's
//! `zero_init_residual`). A plain net cannot be made to start as the
//! identity this way: scaling its layers down only shrinks the signal.
//!
//! What the run measures, per net: the training loss of every epoch, the
//! training and test error after each epoch (eval mode, whole sets) and the
//! norm of the loss gradient with respect to each weight layer, averaged over
//! the steps of the first epoch.

use std::time::Instant;

use super::nndata::{self, Split};
use super::{bi, Cell, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::nn::{
    evaluate, BatchNorm, ClassData, Graph, Layer, Linear, NnError, ParamStore, Var, WeightInit,
};

/// Depths to compare (weight layers on the main path: stem + 2 per block +
/// output, so even).
pub const DEPTHS: ParamSpec = choice(
    "depths",
    &[
        "4,20,56",
        "4,20",
        "4,56",
        "4,12,20",
        "2,8,32",
        "8,32,56",
        "4,20,56,110",
        "20",
        "56",
    ],
    "4,20,56",
    "the depths to train, in weight layers (stem + 2 per block + output)",
);
pub const SHORTCUT: ParamSpec = choice(
    "shortcut",
    &["both", "none", "identity", "projection", "all"],
    "both",
    "none = plain nets, identity / projection = residual nets, both = plain and identity side by side, all = the three",
);
pub const WIDTH: ParamSpec = int("width", 4, 256, "32", "units of every hidden layer");
pub const EPOCHS: ParamSpec = int("epochs", 1, 500, "12", "passes over the training rows");
pub const LEARNING_RATE: ParamSpec = float(
    "learning_rate",
    0.0,
    10.0,
    true,
    "0.001",
    "step size of the optimiser",
);
pub const BATCH_SIZE: ParamSpec = int("batch_size", 1, 4096, "32", "rows per mini-batch");
pub const OPTIMIZER: ParamSpec = choice(
    "optimizer",
    &["adam", "momentum", "sgd"],
    "adam",
    "sgd, momentum (SGD with momentum 0.9) or adam",
);
pub const INIT: ParamSpec = choice(
    "init",
    &["glorot", "he"],
    "glorot",
    "he: N(0, 2/fan_in), made for ReLU; glorot: N(0, 2/(fan_in + fan_out)), which halves the signal at every ReLU layer",
);

/// The `residual-depth` lab.
pub struct ResidualDepth;

/// Which kind of net.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Identity,
    Projection,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Plain => "plain",
            Kind::Identity => "residual",
            Kind::Projection => "projection",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Kind::Plain => "普通网络",
            Kind::Identity => "残差网络",
            Kind::Projection => "投影捷径残差网络",
        }
    }
}

/// Typed settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthParams {
    pub depths: Vec<usize>,
    pub kinds: Vec<Kind>,
    pub width: usize,
    pub epochs: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub optimizer: &'static str,
    /// Batch-norm after every hidden weight layer (not a field; tests and
    /// callers of the library set it).
    pub batch_norm: bool,
    pub init: WeightInit,
    /// Train on the first rows only (tests; `None` = every training row).
    pub max_train_rows: Option<usize>,
}

impl Algorithm for ResidualDepth {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "residual-depth",
        title: "Plain vs residual nets at depth 4, 20, 56 (MLP blocks on digits)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "a lab on our neural engine: the same MLP blocks with and without shortcuts, trained side by side",
        topics: &["residual-learning", "shortcut-connections", "resnet"],
        // Batch-norm (`DepthParams::batch_norm`) is built in but not a
        // field: the setup fields must fit the experiment pane at 80x24.
        params: &[
            DEPTHS,
            SHORTCUT,
            EPOCHS,
            INIT,
            OPTIMIZER,
            BATCH_SIZE,
            WIDTH,
            LEARNING_RATE,
        ],
    };
    type Params = DepthParams;

    fn params(v: &ParamValues) -> Result<DepthParams, ParamError> {
        let mut depths = v
            .choice(&DEPTHS)?
            .split(',')
            .map(|d| {
                d.parse::<usize>()
                    .map_err(|_| ParamError::invalid("depths", format!("`{d}` is not a depth")))
            })
            .collect::<Result<Vec<usize>, ParamError>>()?;
        depths.sort_unstable();
        depths.dedup();
        let kinds = match v.choice(&SHORTCUT)? {
            "none" => vec![Kind::Plain],
            "identity" => vec![Kind::Identity],
            "projection" => vec![Kind::Projection],
            "all" => vec![Kind::Plain, Kind::Identity, Kind::Projection],
            _ => vec![Kind::Plain, Kind::Identity],
        };
        Ok(DepthParams {
            depths,
            kinds,
            width: v.usize(&WIDTH)?,
            epochs: v.usize(&EPOCHS)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            batch_size: v.usize(&BATCH_SIZE)?,
            optimizer: v.choice(&OPTIMIZER)?,
            batch_norm: false,
            init: match v.choice(&INIT)? {
                "he" => WeightInit::HeNormal,
                _ => WeightInit::GlorotNormal,
            },
            max_train_rows: None,
        })
    }
}

/// One block: `a → [bn] → relu → b → [bn]`, then the shortcut and a ReLU.
struct Block {
    a: Linear,
    na: Option<BatchNorm>,
    b: Linear,
    nb: Option<BatchNorm>,
    proj: Option<Linear>,
}

/// A plain or residual MLP of `depth` weight layers.
pub struct DeepNet {
    kind: Kind,
    stem: Linear,
    stem_norm: Option<BatchNorm>,
    blocks: Vec<Block>,
    out: Linear,
}

impl DeepNet {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ps: &mut ParamStore,
        kind: Kind,
        depth: usize,
        n_in: usize,
        width: usize,
        n_classes: usize,
        batch_norm: bool,
        init: WeightInit,
    ) -> Result<DeepNet, LabError> {
        check_depth(depth)?;
        let he = init;
        let norm = |ps: &mut ParamStore, name: &str| -> Result<Option<BatchNorm>, NnError> {
            if batch_norm {
                Ok(Some(BatchNorm::new(ps, name, width)?))
            } else {
                Ok(None)
            }
        };
        let stem = Linear::new(ps, "l01", n_in, width, he, true)?;
        let stem_norm = norm(ps, "l01.bn")?;
        let n_blocks = (depth - 2) / 2;
        let branch_scale = 1.0 / (n_blocks.max(1) as f32).sqrt();
        let mut blocks = Vec::with_capacity(n_blocks);
        for k in 0..n_blocks {
            let (la, lb) = (2 + 2 * k, 3 + 2 * k);
            let a = Linear::new(ps, &format!("l{la:02}"), width, width, he, true)?;
            let na = norm(ps, &format!("l{la:02}.bn"))?;
            let b = Linear::new(ps, &format!("l{lb:02}"), width, width, he, true)?;
            let nb = norm(ps, &format!("l{lb:02}.bn"))?;
            if kind != Kind::Plain {
                let w = &mut ps.param_mut(b.weight)?.value;
                w.mapv_inplace(|v| v * branch_scale);
                if let Some(bn) = &nb {
                    let g = &mut ps.param_mut(bn.gamma)?.value;
                    g.mapv_inplace(|v| v * branch_scale);
                }
            }
            let proj = if kind == Kind::Projection {
                Some(Linear::new(
                    ps,
                    &format!("p{lb:02}"),
                    width,
                    width,
                    WeightInit::GlorotNormal,
                    false,
                )?)
            } else {
                None
            };
            blocks.push(Block { a, na, b, nb, proj });
        }
        let out = Linear::new(
            ps,
            &format!("l{depth:02}"),
            width,
            n_classes,
            WeightInit::GlorotUniform,
            true,
        )?;
        Ok(DeepNet {
            kind,
            stem,
            stem_norm,
            blocks,
            out,
        })
    }

    /// The main path's weight layers, input to output (what the gradient
    /// chart shows).
    pub fn weight_layers(&self) -> Vec<&Linear> {
        let mut v = vec![&self.stem];
        for b in &self.blocks {
            v.push(&b.a);
            v.push(&b.b);
        }
        v.push(&self.out);
        v
    }
}

fn norm_opt(
    n: &Option<BatchNorm>,
    g: &mut Graph,
    ps: &mut ParamStore,
    x: Var,
) -> Result<Var, NnError> {
    match n {
        Some(bn) => bn.forward(g, ps, x),
        None => Ok(x),
    }
}

impl Layer for DeepNet {
    fn name(&self) -> &str {
        self.kind.label()
    }

    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let h = self.stem.forward(g, ps, x)?;
        g.tap("l01", h);
        let h = norm_opt(&self.stem_norm, g, ps, h)?;
        let mut h = g.relu(h)?;
        for b in &self.blocks {
            let z = b.a.forward(g, ps, h)?;
            g.tap("a", z);
            let z = norm_opt(&b.na, g, ps, z)?;
            let z = g.relu(z)?;
            let z = b.b.forward(g, ps, z)?;
            g.tap("b", z);
            let z = norm_opt(&b.nb, g, ps, z)?;
            let z = match (self.kind, &b.proj) {
                (Kind::Plain, _) => z,
                (_, Some(p)) => {
                    let s = p.forward(g, ps, h)?;
                    g.add(z, s)?
                }
                (_, None) => g.add(z, h)?,
            };
            h = g.relu(z)?;
        }
        let o = self.out.forward(g, ps, h)?;
        g.tap("out", o);
        Ok(o)
    }
}

fn check_depth(depth: usize) -> Result<(), LabError> {
    if depth < 2 {
        return Err(LabError::setup(format!(
            "depth must be at least 2 (a stem and an output layer), got {depth}"
        )));
    }
    if !depth.is_multiple_of(2) {
        return Err(LabError::setup(format!(
            "depth {depth} is odd: a net here has a stem, blocks of 2 layers and an output layer, so its depth is even (4, 20, 56)"
        )));
    }
    Ok(())
}

/// What one trained net ended with.
#[derive(Debug, Clone, PartialEq)]
pub struct NetResult {
    pub kind: Kind,
    pub depth: usize,
    pub train_error: f64,
    pub test_error: f64,
    pub final_loss: f64,
    /// Mean ‖∂L/∂W‖ per main-path weight layer over the first epoch.
    pub grad_norms: Vec<f64>,
    /// Mean ‖∂L/∂z‖ of each weight layer's output `z` over the first epoch
    /// (the backward signal).
    pub signal_norms: Vec<f64>,
    pub seconds: f64,
}

impl NetResult {
    pub fn name(&self) -> String {
        format!("{}-{}", self.kind.label(), self.depth)
    }

    /// First layer's gradient norm over the last layer's.
    pub fn grad_ratio(&self) -> f64 {
        match (self.grad_norms.first(), self.grad_norms.last()) {
            (Some(&f), Some(&l)) if l > 0.0 => f / l,
            _ => f64::NAN,
        }
    }
}

impl DepthParams {
    fn check(&self, rows: usize) -> Result<(), LabError> {
        if self.depths.is_empty() {
            return Err(LabError::setup("no depth to train"));
        }
        for &d in &self.depths {
            check_depth(d)?;
        }
        if self.kinds.is_empty() {
            return Err(LabError::setup("no kind of net to train"));
        }
        if self.width == 0 {
            return Err(LabError::setup("width must be at least 1, got 0"));
        }
        nndata::check_epochs(self.epochs)?;
        nndata::check_learning_rate(self.learning_rate)?;
        nndata::check_batch(self.batch_size, rows)
    }

    /// Train one net, recording its curves into `out` after every epoch.
    fn train_one(
        &self,
        kind: Kind,
        depth: usize,
        data: &Split,
        seed: u64,
        out: &mut LabOutcome,
        ctx: &mut LabContext<'_>,
    ) -> Result<NetResult, LabError> {
        let started = Instant::now();
        let mut ps = ParamStore::new(seed);
        let net = DeepNet::new(
            &mut ps,
            kind,
            depth,
            data.n_features,
            self.width,
            data.n_classes,
            self.batch_norm,
            self.init,
        )?;
        let layer_ids: Vec<_> = net.weight_layers().iter().map(|l| l.weight).collect();
        let mut opt = nndata::optimizer(self.optimizer, self.learning_rate)?;
        let mut rng = crate::algos::rng(seed ^ 0x5eed_0fba_7c00);
        let mut g = Graph::new(seed);
        let mut grad_sum = vec![0f64; layer_ids.len()];
        let mut signal_sum = vec![0f64; layer_ids.len()];
        let mut grad_steps = 0usize;
        let name = format!("{}-{depth}", kind.label());
        let (mut train_error, mut test_error, mut final_loss) = (1.0, 1.0, f64::NAN);
        for epoch in 1..=self.epochs {
            let first = epoch == 1;
            final_loss = nndata::train_epoch(
                &net,
                &mut ps,
                opt.as_mut(),
                &mut g,
                data,
                self.batch_size,
                &mut rng,
                &name,
                epoch,
                ctx,
                |g, ps| {
                    if !first {
                        return Ok(());
                    }
                    for (s, &id) in grad_sum.iter_mut().zip(&layer_ids) {
                        *s += norm2(ps.grad(id)?);
                    }
                    for (s, t) in signal_sum.iter_mut().zip(g.taps()) {
                        if let Some(d) = g.grad(t.var) {
                            *s += norm2(d);
                        }
                    }
                    grad_steps += 1;
                    Ok(())
                },
            )?;
            let train = ClassData {
                x: &data.x_train,
                y: &data.y_train,
            };
            let (_, train_acc) = evaluate(&net, &mut ps, train, 512)?;
            let (_, test_acc) = evaluate(&net, &mut ps, data.test(), 512)?;
            train_error = 1.0 - train_acc;
            test_error = 1.0 - test_acc;
            out.chart_mut(
                "train_loss",
                bi("Training loss per epoch", "每轮的训练损失"),
                "epoch",
                "cross-entropy",
            )
            .push(&name, epoch as f64, final_loss);
            out.chart_mut(
                "train_error",
                bi(
                    "Training error per epoch (eval mode, whole training set)",
                    "每轮的训练误差（评估模式，整个训练集）",
                ),
                "epoch",
                "training error %",
            )
            .push(&name, epoch as f64, 100.0 * train_error);
            out.done += 1;
            ctx.update(out)?;
        }
        let grad_norms = grad_sum
            .iter()
            .map(|s| s / grad_steps.max(1) as f64)
            .collect();
        let signal_norms = signal_sum
            .iter()
            .map(|s| s / grad_steps.max(1) as f64)
            .collect();
        Ok(NetResult {
            signal_norms,
            kind,
            depth,
            train_error,
            test_error,
            final_loss,
            grad_norms,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

fn norm2(t: &crate::nn::Tensor) -> f64 {
    t.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt()
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// Fill the table, the per-depth and gradient charts, the figures and the
/// notices from the finished nets.
fn summarise(p: &DepthParams, results: &[NetResult], out: &mut LabOutcome) {
    let mut rows = Vec::new();
    for r in results {
        rows.push(vec![
            Cell::from(r.name()),
            Cell::from(r.depth),
            Cell::from(r.kind.label()),
            Cell::Num(100.0 * r.train_error),
            Cell::Num(100.0 * r.test_error),
            Cell::Num(r.final_loss),
            Cell::Num(r.grad_ratio()),
            Cell::Num(r.seconds),
        ]);
    }
    out.tables.retain(|t| t.key != "errors");
    out.tables.push(Table {
        key: "errors".into(),
        title: bi(
            "Final training and test error per depth and kind",
            "各深度、各类网络最终的训练误差与测试误差",
        ),
        columns: [
            "net",
            "depth",
            "kind",
            "train error %",
            "test error %",
            "train loss",
            "∂L/∂W first/last",
            "seconds",
        ]
        .map(str::to_string)
        .to_vec(),
        rows,
    });
    out.charts.retain(|c| {
        !matches!(
            c.key.as_str(),
            "error_by_depth" | "grad_norms" | "signal_norms"
        )
    });
    let c = out.chart_mut(
        "error_by_depth",
        bi(
            "Final training error against depth",
            "最终训练误差随深度的变化",
        ),
        "depth (weight layers)",
        "training error %",
    );
    for r in results {
        c.push(r.kind.label(), r.depth as f64, 100.0 * r.train_error);
    }
    let deepest = p.depths.iter().copied().max().unwrap_or(0);
    let c = out.chart_mut(
        "grad_norms",
        bi(
            "Gradient norm ‖∂L/∂W‖ of each weight layer, deepest nets (mean over the first epoch)",
            "最深网络各层权重的梯度范数 ‖∂L/∂W‖（第一轮的平均）",
        ),
        "layer (1 = input side)",
        "‖∂L/∂W‖",
    );
    c.log_y = true;
    for r in results.iter().filter(|r| r.depth == deepest) {
        let name = r.name();
        for (i, &n) in r.grad_norms.iter().enumerate() {
            c.push(&name, (i + 1) as f64, n.max(1e-30));
        }
    }
    let c = out.chart_mut(
        "signal_norms",
        bi(
            "Backward signal ‖∂L/∂z‖ at each weight layer's output, deepest nets (mean over the first epoch)",
            "最深网络各层输出处的反向信号 ‖∂L/∂z‖（第一轮的平均）",
        ),
        "layer (1 = input side)",
        "‖∂L/∂z‖",
    );
    c.log_y = true;
    for r in results.iter().filter(|r| r.depth == deepest) {
        let name = r.name();
        for (i, &n) in r.signal_norms.iter().enumerate() {
            c.push(&name, (i + 1) as f64, n.max(1e-30));
        }
    }
    out.figures.clear();
    for r in results {
        let n = r.name();
        out.figure(
            &format!("{}_{}_train_error", r.kind.label(), r.depth),
            bi(
                format!("{n} training error"),
                format!("{}-{} 训练误差", r.kind.zh(), r.depth),
            ),
            100.0 * r.train_error,
            "%",
        );
    }
    for r in results.iter().filter(|r| r.depth == deepest) {
        out.figure(
            &format!("{}_{}_grad_ratio", r.kind.label(), r.depth),
            bi(
                format!("{} gradient norm, first layer / last layer", r.name()),
                format!("{}-{} 第一层与最后一层梯度范数之比", r.kind.zh(), r.depth),
            ),
            r.grad_ratio(),
            "",
        );
    }
    notices(p, results, out);
}

fn find(results: &[NetResult], kind: Kind, depth: usize) -> Option<&NetResult> {
    results.iter().find(|r| r.kind == kind && r.depth == depth)
}

fn notices(p: &DepthParams, results: &[NetResult], out: &mut LabOutcome) {
    out.notices.clear();
    let (Some(&shallow), Some(&deep)) = (p.depths.first(), p.depths.last()) else {
        return;
    };
    let topic = Some("residual-learning");
    let plain_s = find(results, Kind::Plain, shallow);
    let plain_d = find(results, Kind::Plain, deep);
    if let (Some(ps), Some(pd), true) = (plain_s, plain_d, deep > shallow) {
        let (a, b) = (pct(pd.train_error), pct(ps.train_error));
        let text = if pd.train_error > ps.train_error + 0.01 {
            bi(
                format!(
                    "plain-{deep} ends at {a} training error, plain-{shallow} at {b}: the deeper plain net is worse on the training set itself, so this is not overfitting but a failure to optimise (the degradation problem)"
                ),
                format!(
                    "{deep} 层普通网络最终训练误差 {a}，{shallow} 层的只有 {b}：更深的普通网络连训练集都拟合得更差，所以这不是过拟合，而是优化困难（退化问题）"
                ),
            )
        } else {
            bi(
                format!(
                    "in this run plain-{deep} ({a} training error) is not worse than plain-{shallow} ({b}): the degradation needs more depth or fewer epochs to show"
                ),
                format!(
                    "本次运行中 {deep} 层普通网络（训练误差 {a}）并不比 {shallow} 层的（{b}）差：要看到退化，需要更深的网络或更少的训练轮数"
                ),
            )
        };
        out.notice(text, topic);
    }
    for kind in [Kind::Identity, Kind::Projection] {
        let Some(rd) = find(results, kind, deep) else {
            continue;
        };
        if let Some(pd) = plain_d {
            let (a, b) = (pct(rd.train_error), pct(pd.train_error));
            let text = if rd.train_error + 0.01 < pd.train_error {
                bi(
                    format!(
                        "{} reaches {a} training error where plain-{deep} stays at {b}: with a shortcut the extra layers only have to learn the residual F(x) = H(x) − x, and F = 0 (keeping the identity) is easy",
                        rd.name()
                    ),
                    format!(
                        "{deep} 层{}训练误差降到 {a}，同深度普通网络停在 {b}：有了捷径连接，多出来的层只需学习残差 F(x) = H(x) − x，而 F = 0（保持恒等映射）很容易学到",
                        kind.zh()
                    ),
                )
            } else {
                bi(
                    format!(
                        "{} ends at {a} training error, plain-{deep} at {b}: in this run the shortcuts did not help; try more epochs or a smaller learning rate",
                        rd.name()
                    ),
                    format!(
                        "{deep} 层{}训练误差 {a}，同深度普通网络 {b}：这次捷径连接没有带来改善，可以多训练几轮或调小学习率",
                        kind.zh()
                    ),
                )
            };
            out.notice(text, Some("shortcut-connections"));
        }
        if let (Some(rs), true) = (find(results, kind, shallow), deep > shallow) {
            let (a, b) = (pct(rd.train_error), pct(rs.train_error));
            let text = if rd.train_error <= rs.train_error + 0.01 {
                bi(
                    format!(
                        "{} ends at {a} training error and {} at {b}: with shortcuts, more depth does not make training worse",
                        rd.name(),
                        rs.name()
                    ),
                    format!(
                        "{deep} 层{}训练误差 {a}，{shallow} 层的为 {b}：有了捷径连接，加深网络不会让训练变差",
                        kind.zh()
                    ),
                )
            } else {
                bi(
                    format!(
                        "{} ends at {a} training error and {} at {b}: the shortcuts narrow the gap but the deep net has not caught up in {} epochs",
                        rd.name(),
                        rs.name(),
                        p.epochs
                    ),
                    format!(
                        "{deep} 层{}训练误差 {a}，{shallow} 层的为 {b}：捷径连接缩小了差距，但 {} 轮之内深层网络还没有追上",
                        kind.zh(),
                        p.epochs
                    ),
                )
            };
            out.notice(text, topic);
        }
    }
    if let Some(pd) = plain_d {
        let ratio = pd.grad_ratio();
        let res = find(results, Kind::Identity, deep).or(find(results, Kind::Projection, deep));
        let (en_res, zh_res) = match res {
            Some(r) => (
                format!(" (in {}: {})", r.name(), sci(r.grad_ratio())),
                format!("（{} 中为 {}）", r.name(), sci(r.grad_ratio())),
            ),
            None => (String::new(), String::new()),
        };
        let r = sci(ratio);
        let (en_inner, zh_inner) = match res {
            Some(x) => (
                format!("; {}: {}", x.name(), sci(x.grad_ratio())),
                format!("；{} 中为 {}", x.name(), sci(x.grad_ratio())),
            ),
            None => (String::new(), String::new()),
        };
        let text = if ratio < 0.1 {
            bi(
                format!(
                    "the first layer of plain-{deep} gets a gradient {r} times the last layer's{en_res}: without shortcuts the gradient shrinks layer by layer on its way back (vanishing gradients); a shortcut passes it on, since ∂(x + F(x))/∂x = I + ∂F/∂x"
                ),
                format!(
                    "{deep} 层普通网络第一层的梯度只有最后一层的 {r} 倍{zh_res}：没有捷径时，梯度反向传播时逐层衰减（梯度消失）；捷径把梯度直接传回，因为 ∂(x + F(x))/∂x = I + ∂F/∂x"
                ),
            )
        } else if ratio > 10.0 {
            bi(
                format!(
                    "the first layer of plain-{deep} gets a gradient {r} times the last layer's{en_res}: here the gradient grows on its way back (exploding gradients, which batch-norm produces in deep plain nets)"
                ),
                format!(
                    "{deep} 层普通网络第一层的梯度是最后一层的 {r} 倍{zh_res}：这里梯度在反向传播中越来越大（梯度爆炸，深层普通网络加批归一化时会出现）"
                ),
            )
        } else {
            bi(
                format!(
                    "the gradients of plain-{deep} do not vanish here (first layer / last layer = {r}{en_inner}), and still it trains worse: as He et al. observed, the degradation is not just vanishing gradients (try init=glorot to see them vanish)"
                ),
                format!(
                    "这里 {deep} 层普通网络的梯度并没有消失（第一层与最后一层之比 {r}{zh_inner}），却依然训练得更差：正如 He 等人所说，退化不只是梯度消失造成的（设 init=glorot 可以看到梯度消失）"
                ),
            )
        };
        out.notice(text, topic);
    }
}

/// `0.0003` as `3.0e-4`; ordinary numbers with two decimals.
fn sci(v: f64) -> String {
    if v.is_finite() && v != 0.0 && v.abs() < 0.01 {
        format!("{v:.1e}")
    } else {
        format!("{v:.2}")
    }
}

impl RunLab for DepthParams {
    fn datasets(&self) -> &'static [&'static str] {
        &["digits", "breast_cancer", "wine", "iris"]
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let started = Instant::now();
        let name = ctx.dataset.unwrap_or("digits").to_string();
        let mut data = nndata::load_split(&name, None, ctx.seed)?;
        if let Some(n) = self.max_train_rows {
            data.take_train(n);
        }
        self.check(data.y_train.len())?;
        let mut out = LabOutcome {
            total: self.depths.len() * self.kinds.len() * self.epochs,
            dataset: format!(
                "{} ({} training rows, {} test rows)",
                data.dataset,
                data.y_train.len(),
                data.y_test.len()
            ),
            ..LabOutcome::default()
        };
        ctx.update(&out)?;
        let mut results = Vec::new();
        for &depth in &self.depths {
            for &kind in &self.kinds {
                let r = self.train_one(kind, depth, &data, ctx.seed, &mut out, ctx)?;
                results.push(r);
                summarise(self, &results, &mut out);
                ctx.update(&out)?;
            }
        }
        out.figure(
            "seconds",
            bi("wall time of the whole lab", "整个实验的耗时"),
            started.elapsed().as_secs_f64(),
            "s",
        );
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn run(p: &DepthParams) -> Result<LabOutcome, LabError> {
        crate::labs::testing::run_quiet(p)
    }

    fn with(given: &[(&str, &str)]) -> Result<DepthParams, ParamError> {
        crate::labs::testing::params::<ResidualDepth>(given)
    }

    /// Small enough for a debug build (a second or two), deep enough to
    /// show both effects.
    fn small() -> DepthParams {
        let mut p = with(&[
            ("depths", "4,20"),
            ("width", "16"),
            ("epochs", "4"),
            ("learning_rate", "0.01"),
        ])
        .unwrap();
        p.max_train_rows = Some(400);
        p
    }

    #[test]
    fn defaults_are_the_papers_depths() {
        let p = with(&[]).unwrap();
        assert_eq!(p.depths, vec![4, 20, 56]);
        assert_eq!(p.kinds, vec![Kind::Plain, Kind::Identity]);
        assert_eq!(p.init, WeightInit::GlorotNormal);
    }

    #[test]
    fn a_net_of_depth_d_has_d_weight_layers() {
        for (kind, depth) in [
            (Kind::Plain, 2),
            (Kind::Identity, 20),
            (Kind::Projection, 8),
        ] {
            let mut ps = ParamStore::new(0);
            let net =
                DeepNet::new(&mut ps, kind, depth, 64, 8, 10, false, WeightInit::HeNormal).unwrap();
            assert_eq!(net.weight_layers().len(), depth);
            let proj = ps.iter().filter(|p| p.name.starts_with('p')).count();
            let blocks = (depth - 2) / 2;
            assert_eq!(proj, if kind == Kind::Projection { blocks } else { 0 });
        }
    }

    #[test]
    fn deep_plain_nets_degrade_and_residual_ones_do_not() {
        let o = run(&small()).unwrap();
        let f = |k: &str| o.find_figure(k).unwrap_or_else(|| panic!("no figure {k}"));
        let (p4, p20, r20) = (
            f("plain_4_train_error"),
            f("plain_20_train_error"),
            f("residual_20_train_error"),
        );
        assert!(p20 > p4 + 5.0, "plain-20 {p20}% vs plain-4 {p4}%");
        assert!(r20 + 5.0 < p20, "residual-20 {r20}% vs plain-20 {p20}%");
        let (gp, gr) = (f("plain_20_grad_ratio"), f("residual_20_grad_ratio"));
        assert!(gp < 0.1 && gp < gr / 10.0, "plain {gp} residual {gr}");
        // The notices say what the numbers say.
        let en: Vec<&str> = o.notices.iter().map(|n| n.text.en.as_str()).collect();
        assert!(
            en.iter().any(|t| t.contains("degradation problem")),
            "{en:?}"
        );
        assert!(
            en.iter().any(|t| t.contains("vanishing gradients")),
            "{en:?}"
        );
        assert!(o.notices.iter().all(|n| !n.text.zh.is_empty()));
        // One curve per net, one point per epoch; gradients on a log scale.
        let loss = o.charts.iter().find(|c| c.key == "train_loss").unwrap();
        assert_eq!(loss.series.len(), 4);
        assert!(loss.series.iter().all(|s| s.points.len() == 4));
        let g = o.charts.iter().find(|c| c.key == "grad_norms").unwrap();
        assert!(g.log_y);
        assert_eq!(g.series[0].points.len(), 20);
        assert_eq!(o.tables[0].rows.len(), 4);
        assert_eq!((o.done, o.total), (16, 16));
    }

    #[test]
    fn bad_settings_get_clear_messages() {
        // From the CLI or the TUI the spec refuses first.
        let e = with(&[("depths", "0")]).unwrap_err().to_string();
        assert!(
            e.contains("depths") && e.contains("expected one of 4,20,56"),
            "{e}"
        );
        let e = with(&[("learning_rate", "NaN")]).unwrap_err().to_string();
        assert!(e.contains("learning_rate"), "{e}");
        // The lab checks again for itself.
        let mut p = small();
        p.depths = vec![0, 20];
        let e = run(&p).unwrap_err().to_string();
        assert!(
            e.contains("depth must be at least 2, got 0") || e.contains("got 0"),
            "{e}"
        );
        p.depths = vec![21];
        let e = run(&p).unwrap_err().to_string();
        assert!(e.contains("depth 21 is odd"), "{e}");
        let mut p = small();
        p.batch_size = 401;
        let e = run(&p).unwrap_err().to_string();
        assert_eq!(e, "batch size 401 is larger than the 400 training rows");
        let mut p = small();
        p.learning_rate = f64::NAN;
        let e = run(&p).unwrap_err().to_string();
        assert!(
            e.contains("learning rate must be a positive number, got NaN"),
            "{e}"
        );
    }

    #[test]
    fn a_divergent_run_stops_with_a_message() {
        let mut p = small();
        p.depths = vec![4];
        p.kinds = vec![Kind::Plain];
        p.optimizer = "sgd";
        p.learning_rate = 1e4;
        let e = run(&p).unwrap_err();
        assert!(matches!(e, LabError::Nn(NnError::Diverged { .. })), "{e:?}");
        let m = e.to_string();
        assert!(
            m.starts_with("diverged at epoch") && m.contains("plain-4"),
            "{m}"
        );
        assert!(m.contains("try a smaller learning rate"), "{m}");
    }

    #[test]
    fn a_cancel_stops_the_run() {
        let flag = AtomicBool::new(false);
        let mut seen = 0;
        let mut sink = |_: &LabOutcome| {
            seen += 1;
            if seen == 2 {
                flag.store(true, Ordering::SeqCst);
            }
        };
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        assert_eq!(small().run(&mut ctx).unwrap_err(), LabError::Cancelled);
    }

    /// The default run (release builds only: a few seconds there) shows
    /// what the README and the notices claim.
    #[cfg(not(debug_assertions))]
    #[test]
    fn the_default_run_shows_degradation_and_vanishing_gradients() {
        let o = run(&with(&[]).unwrap()).unwrap();
        let f = |k: &str| o.find_figure(k).unwrap();
        assert!(f("plain_20_train_error") > f("plain_4_train_error") + 5.0);
        assert!(f("plain_56_train_error") > f("plain_20_train_error") + 5.0);
        assert!(f("residual_56_train_error") < 5.0);
        assert!(f("plain_56_grad_ratio") < 1e-4);
        assert!(f("residual_56_grad_ratio") > 0.1);
    }
}
