//! Lab `norm-layers`: the same small CNN on the 8×8 digits, trained with
//! each normalisation layer (Ioffe & Szegedy 2015; Ba et al. 2016; Ulyanov
//! et al. 2016; Wu & He 2018), side by side.
//!
//! The net: conv3×3×8 → norm → ReLU → max-pool → conv3×3×16 → norm → ReLU →
//! max-pool → conv3×3×32 → norm → ReLU → linear 128→64 → norm → ReLU →
//! linear to the 10 classes. On the hidden linear layer's `[N, 64]` output
//! batch-norm averages over N alone (at batch size 2: two values per
//! statistic), layer-norm over the 64 features, group-norm over 64/G of
//! them; instance-norm would standardise single numbers, so its net leaves
//! that layer unnormalised. For a
//! feature map `[N, C, H, W]` the norms differ only in the axes a mean and a
//! variance are taken over (the picture of Wu & He's figure 2):
//!
//! | norm | averaged over | one statistic per |
//! |---|---|---|
//! | batch | N, H, W | channel |
//! | layer | C, H, W | sample (group-norm with one group, as in the GN paper) |
//! | instance | H, W | sample and channel |
//! | group | C/G channels, H, W | sample and group of channels |
//!
//! Only batch-norm averages over N, so only it depends on the batch: it
//! trains with the statistics of each mini-batch and tests with running
//! averages of them. The lab measures both, and trains batch-, layer- and
//! group-norm again at a tiny batch size (2 by default) to show what that
//! does to batch-norm alone.

use std::time::Instant;

use super::nndata::{self, Split};
use super::{bi, Cell, Heatmap, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::nn::{
    evaluate, Activation, BatchNorm, ClassData, Conv2d, Flatten, Graph, GroupNorm, Layer,
    LayerNorm, Linear, MaxPool2d, NnError, ParamStore, Var, WeightInit,
};

pub const NORM: ParamSpec = choice(
    "norm",
    &["all", "none", "batch", "layer", "instance", "group"],
    "all",
    "which normalisation after each convolution; all = the five side by side",
);
pub const BATCH_SIZE: ParamSpec = int("batch_size", 1, 256, "32", "rows per mini-batch");
pub const SMALL_BATCH: ParamSpec = int(
    "small_batch",
    2,
    16,
    "2",
    "the tiny batch size batch-, layer- and group-norm are trained at again",
);
pub const GROUPS: ParamSpec = int(
    "groups",
    1,
    8,
    "4",
    "channel groups of group-norm (must divide 8, 16 and 32)",
);
pub const EPOCHS: ParamSpec = int("epochs", 1, 200, "6", "passes over the training rows");
pub const LEARNING_RATE: ParamSpec = float(
    "learning_rate",
    0.0,
    10.0,
    true,
    "0.003",
    "step size of the optimiser",
);
pub const OPTIMIZER: ParamSpec = choice(
    "optimizer",
    &["adam", "momentum", "sgd"],
    "adam",
    "adam, momentum (SGD with momentum 0.9) or sgd",
);

/// Channels of the three convolutions.
const CHANNELS: [usize; 3] = [8, 16, 32];
/// Units of the hidden linear layer.
const HIDDEN: usize = 64;
/// Side of the digits images.
const SIDE: usize = 8;

/// The `norm-layers` lab.
pub struct NormLayers;

/// Which normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormKind {
    None,
    Batch,
    Layer,
    Instance,
    Group,
}

/// How a norm treats one axis of `[N, C, H, W]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisUse {
    /// One statistic per index of this axis.
    Kept,
    /// Averaged over.
    Averaged,
    /// Averaged within groups of `C/G` channels (group-norm's C).
    Grouped,
}

impl NormKind {
    pub const ALL: [NormKind; 5] = [
        NormKind::None,
        NormKind::Batch,
        NormKind::Layer,
        NormKind::Instance,
        NormKind::Group,
    ];

    pub fn label(self) -> &'static str {
        match self {
            NormKind::None => "none",
            NormKind::Batch => "batch",
            NormKind::Layer => "layer",
            NormKind::Instance => "instance",
            NormKind::Group => "group",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            NormKind::None => "不归一化",
            NormKind::Batch => "批归一化",
            NormKind::Layer => "层归一化",
            NormKind::Instance => "实例归一化",
            NormKind::Group => "组归一化",
        }
    }

    /// What the norm does with N, C, H, W (the lab's picture; a test checks
    /// the layers against it).
    pub fn axes(self) -> Option<[AxisUse; 4]> {
        use AxisUse::*;
        match self {
            NormKind::None => None,
            NormKind::Batch => Some([Averaged, Kept, Averaged, Averaged]),
            NormKind::Layer => Some([Kept, Averaged, Averaged, Averaged]),
            NormKind::Instance => Some([Kept, Kept, Averaged, Averaged]),
            NormKind::Group => Some([Kept, Grouped, Averaged, Averaged]),
        }
    }

    /// Values one mean averages over, for a `[batch, c, h, w]` feature map.
    pub fn values_per_statistic(self, batch: usize, c: usize, hw: usize, groups: usize) -> usize {
        match self {
            NormKind::None => 0,
            NormKind::Batch => batch * hw,
            NormKind::Layer => c * hw,
            NormKind::Instance => hw,
            NormKind::Group => c / groups.max(1) * hw,
        }
    }
}

/// A normalisation layer of one kind (`None`: the identity).
pub enum Norm {
    None,
    Batch(BatchNorm),
    Group(GroupNorm),
}

impl Norm {
    pub fn new(
        ps: &mut ParamStore,
        kind: NormKind,
        name: &str,
        channels: usize,
        groups: usize,
    ) -> Result<Norm, NnError> {
        Ok(match kind {
            NormKind::None => Norm::None,
            NormKind::Batch => Norm::Batch(BatchNorm::new(ps, name, channels)?),
            NormKind::Layer => Norm::Group(GroupNorm::new(ps, name, 1, channels)?),
            NormKind::Instance => Norm::Group(GroupNorm::instance(ps, name, channels)?),
            NormKind::Group => Norm::Group(GroupNorm::new(ps, name, groups, channels)?),
        })
    }

    pub fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        match self {
            Norm::None => Ok(x),
            Norm::Batch(b) => b.forward(g, ps, x),
            Norm::Group(n) => n.forward(g, ps, x),
        }
    }
}

/// The normalisation of the hidden linear layer's `[N, F]` output.
pub enum VecNorm {
    None,
    Batch(BatchNorm),
    Layer(LayerNorm),
    /// Group-norm over `[N, F, 1]`.
    Group(GroupNorm),
}

impl VecNorm {
    pub fn new(
        ps: &mut ParamStore,
        kind: NormKind,
        name: &str,
        features: usize,
        groups: usize,
    ) -> Result<VecNorm, NnError> {
        Ok(match kind {
            NormKind::None | NormKind::Instance => VecNorm::None,
            NormKind::Batch => VecNorm::Batch(BatchNorm::new(ps, name, features)?),
            NormKind::Layer => VecNorm::Layer(LayerNorm::new(ps, name, features)?),
            NormKind::Group => VecNorm::Group(GroupNorm::new(ps, name, groups, features)?),
        })
    }

    pub fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        match self {
            VecNorm::None => Ok(x),
            VecNorm::Batch(b) => b.forward(g, ps, x),
            VecNorm::Layer(l) => l.forward(g, ps, x),
            VecNorm::Group(n) => {
                let shape = g.shape(x)?;
                let x3 = g.reshape(x, &[shape[0], shape[1], 1])?;
                let y = n.forward(g, ps, x3)?;
                g.reshape(y, &shape)
            }
        }
    }
}

/// The lab's CNN.
pub struct NormNet {
    convs: Vec<(Conv2d, Norm)>,
    pool1: MaxPool2d,
    pool2: MaxPool2d,
    flatten: Flatten,
    hidden: Linear,
    hidden_norm: VecNorm,
    fc: Linear,
}

impl NormNet {
    pub fn new(
        ps: &mut ParamStore,
        kind: NormKind,
        groups: usize,
        n_classes: usize,
    ) -> Result<NormNet, NnError> {
        let he = WeightInit::HeNormal;
        let mut convs = Vec::new();
        let mut c_in = 1;
        for (i, &c) in CHANNELS.iter().enumerate() {
            let conv = Conv2d::new(ps, &format!("conv{}", i + 1), c_in, c, 3, 1, 1, he)?;
            let norm = Norm::new(ps, kind, &format!("norm{}", i + 1), c, groups)?;
            convs.push((conv, norm));
            c_in = c;
        }
        let feats = c_in * (SIDE / 4) * (SIDE / 4);
        Ok(NormNet {
            convs,
            pool1: MaxPool2d::new("pool1"),
            pool2: MaxPool2d::new("pool2"),
            flatten: Flatten::new("flatten"),
            hidden: Linear::new(ps, "fc1", feats, HIDDEN, he, true)?,
            hidden_norm: VecNorm::new(ps, kind, "norm4", HIDDEN, groups)?,
            fc: Linear::new(
                ps,
                "fc2",
                HIDDEN,
                n_classes,
                WeightInit::GlorotUniform,
                true,
            )?,
        })
    }
}

impl Layer for NormNet {
    fn name(&self) -> &str {
        "norm-net"
    }

    fn forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let mut h = x;
        for (i, (conv, norm)) in self.convs.iter().enumerate() {
            h = conv.forward(g, ps, h)?;
            h = norm.forward(g, ps, h)?;
            h = Activation::Relu.apply(g, h)?;
            if i == 0 {
                h = self.pool1.forward(g, ps, h)?;
            } else if i == 1 {
                h = self.pool2.forward(g, ps, h)?;
            }
        }
        h = self.flatten.forward(g, ps, h)?;
        h = self.hidden.forward(g, ps, h)?;
        h = self.hidden_norm.forward(g, ps, h)?;
        h = Activation::Relu.apply(g, h)?;
        self.fc.forward(g, ps, h)
    }
}

/// Typed settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct NormParams {
    pub kinds: Vec<NormKind>,
    pub batch_size: usize,
    pub small_batch: usize,
    pub groups: usize,
    pub epochs: usize,
    pub learning_rate: f64,
    pub optimizer: &'static str,
    /// Train on the first rows only (tests; `None` = every training row).
    pub max_train_rows: Option<usize>,
    /// Test on the first rows only (tests; `None` = every test row).
    pub max_test_rows: Option<usize>,
}

impl Algorithm for NormLayers {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "norm-layers",
        title: "Batch, layer, instance and group norm on one small CNN (digits), and batch-norm at batch size 2",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "a lab on our neural engine: one CNN, five normalisations, the same seed and data",
        topics: &[
            "normalization",
            "batch-normalization",
            "normalization-layers",
            "bn-backward",
        ],
        params: &[
            NORM,
            BATCH_SIZE,
            SMALL_BATCH,
            GROUPS,
            EPOCHS,
            LEARNING_RATE,
            OPTIMIZER,
        ],
    };
    type Params = NormParams;

    fn params(v: &ParamValues) -> Result<NormParams, ParamError> {
        let kinds = match v.choice(&NORM)? {
            "none" => vec![NormKind::None],
            "batch" => vec![NormKind::Batch],
            "layer" => vec![NormKind::Layer],
            "instance" => vec![NormKind::Instance],
            "group" => vec![NormKind::Group],
            _ => NormKind::ALL.to_vec(),
        };
        Ok(NormParams {
            kinds,
            batch_size: v.usize(&BATCH_SIZE)?,
            small_batch: v.usize(&SMALL_BATCH)?,
            groups: v.usize(&GROUPS)?,
            epochs: v.usize(&EPOCHS)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            optimizer: v.choice(&OPTIMIZER)?,
            max_train_rows: None,
            max_test_rows: None,
        })
    }
}

/// One trained net.
#[derive(Debug, Clone, PartialEq)]
pub struct NormResult {
    pub kind: NormKind,
    pub batch: usize,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    pub test_loss: f64,
    /// Batch-norm only: test accuracy with the statistics of each test batch
    /// (of the training batch size) instead of the running averages.
    pub batch_stats_accuracy: Option<f64>,
    pub seconds: f64,
}

impl NormResult {
    pub fn name(&self) -> String {
        format!("{}@{}", self.kind.label(), self.batch)
    }
}

/// Test accuracy of a batch-norm net in training mode: each chunk of
/// `batch` test rows normalised with its own statistics. Runs on a copy of
/// the parameters, since training mode updates the running averages.
pub fn accuracy_with_batch_stats(
    net: &dyn Layer,
    ps: &ParamStore,
    data: ClassData<'_>,
    batch: usize,
) -> Result<f64, LabError> {
    let mut ps = ps.clone();
    let mut g = Graph::new(0);
    let n = data.y.len();
    let mut hits = 0usize;
    let idx: Vec<usize> = (0..n).collect();
    for chunk in nndata::chunks(&idx, batch) {
        let chunk = &chunk[..];
        g.reset();
        g.train = true;
        let x = g.constant(data.x.select(ndarray::Axis(0), chunk));
        let logits = net.forward(&mut g, &mut ps, x)?;
        let v = g.value(logits)?;
        for (row, &i) in v.outer_iter().zip(chunk) {
            let best = row
                .iter()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |b, (j, &x)| if x > b.1 { (j, x) } else { b },
                )
                .0;
            hits += usize::from(best == data.y[i]);
        }
    }
    Ok(hits as f64 / n.max(1) as f64)
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

impl NormParams {
    fn check(&self, rows: usize) -> Result<(), LabError> {
        if self.kinds.is_empty() {
            return Err(LabError::setup("no normalisation to train"));
        }
        nndata::check_epochs(self.epochs)?;
        nndata::check_learning_rate(self.learning_rate)?;
        nndata::check_batch(self.batch_size, rows)?;
        nndata::check_batch(self.small_batch, rows)?;
        if self.kinds.contains(&NormKind::Batch) && self.batch_size.min(self.small_batch) < 2 {
            return Err(LabError::setup(
                "batch-norm needs batches of at least 2 rows: with one row its hidden linear layer has a single value per feature, which cannot be standardised",
            ));
        }
        if let Some(&c) = CHANNELS
            .iter()
            .chain([&HIDDEN])
            .find(|&&c| self.groups == 0 || !c.is_multiple_of(self.groups))
        {
            return Err(LabError::setup(format!(
                "group-norm with {} groups: the groups must divide the {c} channels of a layer (try 1, 2, 4 or 8)",
                self.groups
            )));
        }
        Ok(())
    }

    /// The nets to train: every kind at the batch size, then batch-, layer-
    /// and group-norm again at the small batch size.
    fn plan(&self) -> Vec<(NormKind, usize)> {
        let mut v: Vec<(NormKind, usize)> =
            self.kinds.iter().map(|&k| (k, self.batch_size)).collect();
        if self.small_batch != self.batch_size {
            for &k in &self.kinds {
                if matches!(k, NormKind::Batch | NormKind::Layer | NormKind::Group) {
                    v.push((k, self.small_batch));
                }
            }
        }
        v
    }

    fn train_one(
        &self,
        kind: NormKind,
        batch: usize,
        data: &Split,
        seed: u64,
        out: &mut LabOutcome,
        ctx: &mut LabContext<'_>,
    ) -> Result<NormResult, LabError> {
        let started = Instant::now();
        let mut ps = ParamStore::new(seed);
        let net = NormNet::new(&mut ps, kind, self.groups, data.n_classes)?;
        let mut opt = nndata::optimizer(self.optimizer, self.learning_rate)?;
        let mut rng = crate::algos::rng(seed ^ 0x0b47_c400);
        let mut g = Graph::new(seed);
        let name = format!("{}@{batch}", kind.label());
        let small = batch != self.batch_size;
        let mut last = (0.0, 0.0, f64::NAN, None);
        for epoch in 1..=self.epochs {
            nndata::train_epoch(
                &net,
                &mut ps,
                opt.as_mut(),
                &mut g,
                data,
                batch,
                &mut rng,
                &name,
                epoch,
                ctx,
                |_, _| Ok(()),
            )?;
            let train = ClassData {
                x: &data.x_train,
                y: &data.y_train,
            };
            let (train_loss, train_acc) = evaluate(&net, &mut ps, train, 512)?;
            let test = ClassData {
                x: &data.x_test,
                y: &data.y_test,
            };
            let (test_loss, test_acc) = evaluate(&net, &mut ps, test, 512)?;
            let batch_stats = if kind == NormKind::Batch {
                Some(accuracy_with_batch_stats(&net, &ps, test, batch)?)
            } else {
                None
            };
            let x = epoch as f64;
            if small {
                let c = out.chart_mut(
                    "small_batch",
                    bi(
                        format!("Test accuracy per epoch, trained at batch size {batch}"),
                        format!("批大小 {batch} 训练时每轮的测试准确率"),
                    ),
                    "epoch",
                    "test accuracy %",
                );
                c.push(&name, x, 100.0 * test_acc);
                if let Some(b) = batch_stats {
                    c.push(&format!("{name} batch stats"), x, 100.0 * b);
                }
            } else {
                let c = out.chart_mut(
                    "loss",
                    bi(
                        format!("Training and test loss per epoch (batch size {batch})"),
                        format!("每轮的训练损失与测试损失（批大小 {batch}）"),
                    ),
                    "epoch",
                    "cross-entropy",
                );
                c.push(&format!("{} train", kind.label()), x, train_loss);
                c.push(&format!("{} test", kind.label()), x, test_loss);
                let c = out.chart_mut(
                    "accuracy",
                    bi(
                        format!("Training and test accuracy per epoch (batch size {batch})"),
                        format!("每轮的训练准确率与测试准确率（批大小 {batch}）"),
                    ),
                    "epoch",
                    "accuracy %",
                );
                c.push(&format!("{} train", kind.label()), x, 100.0 * train_acc);
                c.push(&format!("{} test", kind.label()), x, 100.0 * test_acc);
            }
            last = (train_acc, test_acc, test_loss, batch_stats);
            out.done += 1;
            ctx.update(out)?;
        }
        Ok(NormResult {
            kind,
            batch,
            train_accuracy: last.0,
            test_accuracy: last.1,
            test_loss: last.2,
            batch_stats_accuracy: last.3,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// The axes picture (a heat map: 1 averaged, ½ averaged within channel
/// groups, 0 kept) and the same as a table in words, with the number of
/// values behind each statistic in the first layer.
fn axes_picture(p: &NormParams, out: &mut LabOutcome) {
    let kinds: Vec<NormKind> = NormKind::ALL
        .into_iter()
        .filter(|k| *k != NormKind::None)
        .collect();
    let mut values = Vec::new();
    let mut rows = Vec::new();
    let (c, hw) = (CHANNELS[0], SIDE * SIDE);
    for k in &kinds {
        let Some(axes) = k.axes() else { continue };
        let mut row = vec![Cell::from(k.label())];
        for a in axes {
            values.push(match a {
                AxisUse::Kept => 0.0,
                AxisUse::Averaged => 1.0,
                AxisUse::Grouped => 0.5,
            });
            row.push(Cell::from(match a {
                AxisUse::Kept => "kept".to_string(),
                AxisUse::Averaged => "averaged".to_string(),
                AxisUse::Grouped => format!("{} channels", c / p.groups.max(1)),
            }));
        }
        row.push(Cell::from(k.values_per_statistic(
            p.batch_size,
            c,
            hw,
            p.groups,
        )));
        row.push(Cell::from(k.values_per_statistic(
            p.small_batch,
            c,
            hw,
            p.groups,
        )));
        row.push(Cell::from(if *k == NormKind::Batch { "yes" } else { "no" }));
        rows.push(row);
    }
    out.heatmaps.push(Heatmap {
        key: "axes".into(),
        title: bi(
            "Axes of [N, C, H, W] each norm averages over (1 = averaged, ½ = within a group of channels, 0 = one statistic per index)",
            "各归一化在 [N, C, H, W] 的哪些轴上求均值（1 = 求平均，½ = 在一组通道内求平均，0 = 每个下标各有一个统计量）",
        ),
        rows: kinds.len(),
        cols: 4,
        values,
        row_labels: kinds.iter().map(|k| k.label().to_string()).collect(),
        col_labels: ["N", "C", "H", "W"].map(str::to_string).to_vec(),
        group: String::new(),
    });
    out.tables.push(Table {
        key: "axes".into(),
        title: bi(
            format!(
                "What each norm averages over, and how many values one mean uses in the first layer ([N, {c}, {SIDE}, {SIDE}])"
            ),
            format!("各归一化求平均的轴，以及第一层（[N, {c}, {SIDE}, {SIDE}]）中一个均值用到多少个数"),
        ),
        columns: vec![
            "norm".into(),
            "N".into(),
            "C".into(),
            "H".into(),
            "W".into(),
            format!("values at batch {}", p.batch_size),
            format!("values at batch {}", p.small_batch),
            "depends on batch".into(),
        ],
        rows,
    });
}

fn summarise(p: &NormParams, results: &[NormResult], out: &mut LabOutcome) {
    out.tables.retain(|t| t.key != "results");
    out.tables.push(Table {
        key: "results".into(),
        title: bi(
            "Final accuracy per norm and batch size (test: eval mode, running statistics)",
            "各归一化、各批大小的最终准确率（测试：评估模式，使用滑动平均统计量）",
        ),
        columns: [
            "net",
            "norm",
            "batch",
            "train acc %",
            "test acc %",
            "test acc, batch stats %",
            "test loss",
            "seconds",
        ]
        .map(str::to_string)
        .to_vec(),
        rows: results
            .iter()
            .map(|r| {
                vec![
                    Cell::from(r.name()),
                    Cell::from(r.kind.label()),
                    Cell::from(r.batch),
                    Cell::Num(100.0 * r.train_accuracy),
                    Cell::Num(100.0 * r.test_accuracy),
                    r.batch_stats_accuracy
                        .map_or(Cell::from("—"), |b| Cell::Num(100.0 * b)),
                    Cell::Num(r.test_loss),
                    Cell::Num(r.seconds),
                ]
            })
            .collect(),
    });
    out.figures.clear();
    for r in results {
        let (k, b) = (r.kind.label(), r.batch);
        out.figure(
            &format!("{k}_{b}_test_accuracy"),
            bi(
                format!("{} test accuracy", r.name()),
                format!("{}（批大小 {b}）测试准确率", r.kind.zh()),
            ),
            100.0 * r.test_accuracy,
            "%",
        );
        if let Some(s) = r.batch_stats_accuracy {
            out.figure(
                &format!("{k}_{b}_batchstats_accuracy"),
                bi(
                    format!("{} test accuracy with batch statistics", r.name()),
                    format!("{}（批大小 {b}）用批统计量时的测试准确率", r.kind.zh()),
                ),
                100.0 * s,
                "%",
            );
        }
    }
    notices(p, results, out);
}

fn find(results: &[NormResult], kind: NormKind, batch: usize) -> Option<&NormResult> {
    results.iter().find(|r| r.kind == kind && r.batch == batch)
}

fn notices(p: &NormParams, results: &[NormResult], out: &mut LabOutcome) {
    out.notices.clear();
    let (b, s) = (p.batch_size, p.small_batch);
    let at_b: Vec<&NormResult> = results.iter().filter(|r| r.batch == b).collect();
    if at_b.len() > 1 {
        let mut sorted = at_b.clone();
        sorted.sort_by(|x, y| y.test_accuracy.total_cmp(&x.test_accuracy));
        let en: Vec<String> = sorted
            .iter()
            .map(|r| format!("{} {}", r.kind.label(), pct(r.test_accuracy)))
            .collect();
        let zh: Vec<String> = sorted
            .iter()
            .map(|r| format!("{} {}", r.kind.zh(), pct(r.test_accuracy)))
            .collect();
        out.notice(
            bi(
                format!(
                    "test accuracy after {} epochs at batch size {b}, best first: {}",
                    p.epochs,
                    en.join(", ")
                ),
                format!(
                    "批大小 {b}、训练 {} 轮后的测试准确率（从高到低）：{}",
                    p.epochs,
                    zh.join("，")
                ),
            ),
            Some("normalization-layers"),
        );
    }
    if let Some(bn) = find(results, NormKind::Batch, b) {
        if let Some(bs) = bn.batch_stats_accuracy {
            let (e, t) = (pct(bn.test_accuracy), pct(bs));
            let text = if (bn.test_accuracy - bs).abs() <= 0.02 {
                bi(
                    format!(
                        "batch-norm at batch size {b}: test accuracy {e} in eval mode (running averages) and {t} with each test batch's own statistics: with {b} samples per batch the two estimates agree"
                    ),
                    format!(
                        "批大小 {b} 的批归一化：评估模式（滑动平均统计量）测试准确率 {e}，改用每个测试批自己的统计量为 {t}：每批 {b} 个样本时两种估计基本一致"
                    ),
                )
            } else {
                bi(
                    format!(
                        "batch-norm at batch size {b}: test accuracy {e} in eval mode (running averages) but {t} with each test batch's own statistics: the estimates from {b} samples are still noisy"
                    ),
                    format!(
                        "批大小 {b} 的批归一化：评估模式（滑动平均统计量）测试准确率 {e}，改用每个测试批自己的统计量却是 {t}：{b} 个样本的估计仍然噪声很大"
                    ),
                )
            };
            out.notice(text, Some("batch-normalization"));
        }
    }
    if s != b {
        small_batch_notices(results, b, s, out);
    }
    if let (Some(inst), Some(none)) = (
        find(results, NormKind::Instance, b),
        find(results, NormKind::None, b),
    ) {
        if inst.test_accuracy + 0.01 < none.test_accuracy {
            out.notice(
                bi(
                    format!(
                        "instance-norm ends at {}, below no normalisation ({}): standardising every channel of every image on its own erases how strongly a feature fires in this image compared with others, which classification needs (it suits style transfer, where that contrast is the style)",
                        pct(inst.test_accuracy),
                        pct(none.test_accuracy)
                    ),
                    format!(
                        "实例归一化最终 {}，低于不归一化的 {}：对每张图的每个通道单独标准化，抹掉了某个特征在这张图里比在其他图里强多少这一信息，而分类恰恰需要它（风格迁移则正好要去掉这种对比，它就是风格）",
                        pct(inst.test_accuracy),
                        pct(none.test_accuracy)
                    ),
                ),
                Some("normalization-layers"),
            );
        }
    }
}

/// Batch-norm against layer- and group-norm at the small batch size (the
/// same number of steps), and what the batch size changed for each.
fn small_batch_notices(results: &[NormResult], b: usize, s: usize, out: &mut LabOutcome) {
    let Some(tiny) = find(results, NormKind::Batch, s) else {
        return;
    };
    let others: Vec<&NormResult> = [NormKind::Layer, NormKind::Group]
        .into_iter()
        .filter_map(|k| find(results, k, s))
        .collect();
    let stats = tiny
        .batch_stats_accuracy
        .map(|v| {
            (
                format!(" ({} with batch statistics)", pct(v)),
                format!("（用批统计量为 {}）", pct(v)),
            )
        })
        .unwrap_or_default();
    if let Some(best) = others
        .iter()
        .max_by(|x, y| x.test_accuracy.total_cmp(&y.test_accuracy))
    {
        let en: Vec<String> = others
            .iter()
            .map(|r| format!("{}-norm {}", r.kind.label(), pct(r.test_accuracy)))
            .collect();
        let zh: Vec<String> = others
            .iter()
            .map(|r| format!("{} {}", r.kind.zh(), pct(r.test_accuracy)))
            .collect();
        let text = if tiny.test_accuracy + 0.01 < best.test_accuracy {
            bi(
                format!(
                    "trained at batch size {s}, batch-norm reaches {} test accuracy{}, against {} with the same steps: each of its steps normalises with the mean and variance of only {s} samples, so the net it trains changes with every batch",
                    pct(tiny.test_accuracy),
                    stats.0,
                    en.join(", ")
                ),
                format!(
                    "批大小 {s} 训练时，批归一化测试准确率 {}{}，同样步数下{}：它每一步只用 {s} 个样本估计均值和方差，估计噪声很大，网络随每个批次而变",
                    pct(tiny.test_accuracy),
                    stats.1,
                    zh.join("，")
                ),
            )
        } else {
            bi(
                format!(
                    "trained at batch size {s}, batch-norm reaches {}{}, against {}: in this run the tiny batch did not hurt it more than the others",
                    pct(tiny.test_accuracy),
                    stats.0,
                    en.join(", ")
                ),
                format!(
                    "批大小 {s} 训练时，批归一化测试准确率 {}{}，{}：这次小批量对它的影响并不比对其他归一化更大",
                    pct(tiny.test_accuracy),
                    stats.1,
                    zh.join("，")
                ),
            )
        };
        out.notice(text, Some("batch-normalization"));
    }
    let Some(big) = find(results, NormKind::Batch, b) else {
        return;
    };
    let drop = big.test_accuracy - tiny.test_accuracy;
    let mut en = Vec::new();
    let mut zh = Vec::new();
    let mut worst = f64::NEG_INFINITY;
    for k in [NormKind::Layer, NormKind::Group] {
        if let (Some(x), Some(y)) = (find(results, k, b), find(results, k, s)) {
            en.push(format!(
                "{}-norm {} → {}",
                k.label(),
                pct(x.test_accuracy),
                pct(y.test_accuracy)
            ));
            zh.push(format!(
                "{} {} → {}",
                k.zh(),
                pct(x.test_accuracy),
                pct(y.test_accuracy)
            ));
            worst = worst.max(x.test_accuracy - y.test_accuracy);
        }
    }
    if !en.is_empty() && drop > 0.01 && worst < drop {
        out.notice(
            bi(
                format!(
                    "from batch size {b} to {s}: batch-norm {} → {}, but {}: layer- and group-norm take their statistics within one sample, so the batch size never enters them (and training and test compute the same thing)",
                    pct(big.test_accuracy),
                    pct(tiny.test_accuracy),
                    en.join(", ")
                ),
                format!(
                    "批大小从 {b} 降到 {s}：批归一化 {} → {}，而 {}：层归一化和组归一化在单个样本内部求统计量，与批大小无关（训练和测试的计算也完全一样）",
                    pct(big.test_accuracy),
                    pct(tiny.test_accuracy),
                    zh.join("，")
                ),
            ),
            Some("normalization-layers"),
        );
    }
}

impl RunLab for NormParams {
    fn datasets(&self) -> &'static [&'static str] {
        &["digits"]
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let started = Instant::now();
        let name = ctx.dataset.unwrap_or("digits");
        if name != "digits" {
            return Err(LabError::setup(format!(
                "norm-layers trains a CNN on 8×8 images: it runs on digits only (got `{name}`)"
            )));
        }
        let mut data = nndata::load_split(name, Some(&[1, SIDE, SIDE]), ctx.seed)?;
        if let Some(n) = self.max_train_rows {
            data.take_train(n);
        }
        if let Some(n) = self.max_test_rows {
            data.take_test(n);
        }
        self.check(data.y_train.len())?;
        let plan = self.plan();
        let mut out = LabOutcome {
            total: plan.len() * self.epochs,
            dataset: format!(
                "digits as 1×8×8 images ({} training rows, {} test rows)",
                data.y_train.len(),
                data.y_test.len()
            ),
            ..LabOutcome::default()
        };
        axes_picture(self, &mut out);
        ctx.update(&out)?;
        let mut results = Vec::new();
        for (kind, batch) in plan {
            results.push(self.train_one(kind, batch, &data, ctx.seed, &mut out, ctx)?);
            summarise(self, &results, &mut out);
            ctx.update(&out)?;
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

    fn run(p: &NormParams) -> Result<LabOutcome, LabError> {
        crate::labs::testing::run_quiet(p)
    }

    fn with(given: &[(&str, &str)]) -> Result<NormParams, ParamError> {
        crate::labs::testing::params::<NormLayers>(given)
    }

    #[test]
    fn defaults_train_five_norms_and_three_at_batch_two() {
        let p = with(&[]).unwrap();
        assert_eq!(p.kinds.len(), 5);
        let plan = p.plan();
        assert_eq!(plan.len(), 8);
        assert_eq!(plan[5], (NormKind::Batch, 2));
    }

    /// Each norm's layer standardises exactly the groups its row of the
    /// axes picture says: per group the output has mean 0 and variance 1,
    /// and one axis finer (splitting a group along an averaged axis) the
    /// means are no longer all 0.
    #[test]
    fn each_norm_averages_over_the_axes_it_claims() {
        let (n, c, h, w, groups) = (3, 8, 4, 4, 4);
        let len = n * c * h * w;
        // Inputs with a different offset per sample and per channel, so
        // that a wrong grouping shows.
        let x: Vec<f32> = (0..len)
            .map(|i| {
                let (ni, ci) = (i / (c * h * w), (i / (h * w)) % c);
                ((i * 7919) % 97) as f32 / 50.0 + ni as f32 * 1.5 + ci as f32 * 0.7
            })
            .collect();
        let x = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n, c, h, w]), x).unwrap();
        for kind in NormKind::ALL {
            let Some(axes) = kind.axes() else { continue };
            let mut ps = ParamStore::new(0);
            let norm = Norm::new(&mut ps, kind, "n", c, groups).unwrap();
            let mut g = Graph::new(0);
            let xv = g.constant(x.clone());
            let y = norm.forward(&mut g, &mut ps, xv).unwrap();
            let y = g.value(y).unwrap().clone();
            // The statistic group of element (ni, ci, hi, wi) by the picture.
            let key = |ni: usize, ci: usize, hi: usize, wi: usize, finer: Option<usize>| {
                let mut k = Vec::new();
                for (a, (axis, i)) in axes.iter().zip([(0, ni), (1, ci), (2, hi), (3, wi)]) {
                    match a {
                        AxisUse::Kept => k.push(i),
                        AxisUse::Grouped => k.push(i / (c / groups)),
                        AxisUse::Averaged if finer == Some(axis) => k.push(i),
                        AxisUse::Averaged => {}
                    }
                }
                k
            };
            let stats = |finer: Option<usize>| {
                let mut m: std::collections::BTreeMap<Vec<usize>, (f64, f64, f64)> =
                    Default::default();
                for ((ni, ci, hi, wi), &v) in y
                    .view()
                    .into_dimensionality::<ndarray::Ix4>()
                    .unwrap()
                    .indexed_iter()
                {
                    let e = m.entry(key(ni, ci, hi, wi, finer)).or_default();
                    e.0 += 1.0;
                    e.1 += v as f64;
                    e.2 += (v as f64).powi(2);
                }
                m.into_values()
                    .map(|(k, s, s2)| (s / k, s2 / k - (s / k).powi(2)))
                    .collect::<Vec<_>>()
            };
            for (mean, var) in stats(None) {
                assert!(mean.abs() < 1e-4, "{kind:?}: group mean {mean}");
                assert!((var - 1.0).abs() < 1e-2, "{kind:?}: group variance {var}");
            }
            // Splitting along the first averaged axis: some means move.
            let first_avg = axes.iter().position(|a| *a == AxisUse::Averaged).unwrap();
            let moved = stats(Some(first_avg)).iter().any(|(m, _)| m.abs() > 0.05);
            assert!(moved, "{kind:?}: means are 0 on finer groups too");
        }
        // The picture's counts: batch-norm is the only one with N averaged.
        let with_n: Vec<NormKind> = NormKind::ALL
            .into_iter()
            .filter(|k| k.axes().is_some_and(|a| a[0] == AxisUse::Averaged))
            .collect();
        assert_eq!(with_n, vec![NormKind::Batch]);
        assert_eq!(NormKind::Batch.values_per_statistic(2, 8, 64, 4), 128);
        assert_eq!(NormKind::Group.values_per_statistic(2, 8, 64, 4), 128);
        assert_eq!(NormKind::Layer.values_per_statistic(2, 8, 64, 4), 512);
        assert_eq!(NormKind::Instance.values_per_statistic(2, 8, 64, 4), 64);
    }

    /// Small enough for a debug build; shows the collapse the notice claims.
    fn small() -> NormParams {
        let mut p = with(&[("norm", "batch"), ("epochs", "2")]).unwrap();
        p.kinds = vec![NormKind::Batch, NormKind::Group];
        p.max_train_rows = Some(300);
        p.max_test_rows = Some(150);
        p
    }

    #[test]
    fn batch_norm_at_batch_two_falls_and_group_norm_does_not() {
        let o = run(&small()).unwrap();
        let f = |k: &str| o.find_figure(k).unwrap_or_else(|| panic!("no figure {k}"));
        let (bn32, bn2) = (f("batch_32_test_accuracy"), f("batch_2_test_accuracy"));
        let (gn32, gn2) = (f("group_32_test_accuracy"), f("group_2_test_accuracy"));
        assert!(
            bn2 + 5.0 < gn2,
            "at batch 2: batch-norm {bn2}, group-norm {gn2}"
        );
        assert!(bn32 - bn2 > 5.0, "batch-norm {bn32} → {bn2}");
        assert!(gn32 - gn2 < bn32 - bn2, "group-norm {gn32} → {gn2}");
        let en: Vec<&str> = o.notices.iter().map(|n| n.text.en.as_str()).collect();
        let changes = en.iter().any(|t| t.contains("the net it trains changes"));
        assert!(changes, "{en:?}");
        assert!(en.iter().any(|t| t.contains("never enter")), "{en:?}");
        assert!(f("batch_32_batchstats_accuracy") > 0.0);
        let ax = o.heatmaps.iter().find(|h| h.key == "axes").unwrap();
        assert_eq!((ax.rows, ax.cols), (4, 4));
    }

    #[test]
    fn bad_settings_get_clear_messages() {
        let e = with(&[("batch_size", "0")]).unwrap_err().to_string();
        assert!(
            e.contains("batch_size") && e.contains("between 1 and 256"),
            "{e}"
        );
        let e = with(&[("learning_rate", "nan")]).unwrap_err().to_string();
        assert!(e.contains("learning_rate"), "{e}");
        let mut p = small();
        p.batch_size = 256;
        p.max_train_rows = Some(100);
        let e = run(&p).unwrap_err().to_string();
        assert_eq!(e, "batch size 256 is larger than the 100 training rows");
        let mut p = small();
        p.groups = 3;
        let e = run(&p).unwrap_err().to_string();
        assert!(
            e.contains("3 groups") && e.contains("divide the 8 channels"),
            "{e}"
        );
        let mut p = small();
        p.learning_rate = f64::NAN;
        let e = run(&p).unwrap_err().to_string();
        assert!(e.contains("learning rate must be a positive number"), "{e}");
        let mut p = small();
        p.kinds = vec![NormKind::None];
        p.optimizer = "sgd";
        p.learning_rate = 1e4;
        let e = run(&p).unwrap_err().to_string();
        assert!(
            e.starts_with("diverged at epoch 1") && e.contains("none@32"),
            "{e}"
        );
        let flag = AtomicBool::new(false);
        let mut sink = |_: &LabOutcome| flag.store(true, Ordering::SeqCst);
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        assert_eq!(small().run(&mut ctx).unwrap_err(), LabError::Cancelled);
        let flag = AtomicBool::new(false);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, Some("iris"), &mut sink, &flag);
        let e = small().run(&mut ctx).unwrap_err().to_string();
        assert!(e.contains("digits only"), "{e}");
    }
}
