//! The `cnn` lab: a VGG-style convolutional network on the 8×8 digits
//! (blocks of 3×3 same-padded convolutions with ReLU, then a 2×2
//! max-pool; channels double from block to block; a linear layer to the
//! ten classes). Live curves, the confusion matrix, the layer table (output
//! shape, parameters, multiply-adds and receptive field per layer, from the
//! same descriptors as `mlwb arch`), and the feature maps of one test digit
//! after every convolution and pooling.

use super::arch::{self, layer_table, Arch, Builder};
use super::classify::{self, load_split, train_live};
use super::{bi, Heatmap, LabContext, LabError, LabOutcome, RunLab};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::nn::{
    Act, Activation, Conv2d, Flatten, Graph, Layer, Linear, MaxPool2d, ParamStore, Sequential,
    TrainConfig, WeightInit,
};

pub const BLOCKS: ParamSpec = int(
    "blocks",
    1,
    2,
    "2",
    "conv blocks, each ending in a 2×2 max-pool (8×8 → 4×4 → 2×2)",
);
pub const CHANNELS: ParamSpec = int(
    "channels",
    1,
    64,
    "16",
    "channels of the first block (doubled in the second)",
);
pub const CONVS_PER_BLOCK: ParamSpec = int(
    "convs_per_block",
    1,
    3,
    "2",
    "3×3 convolutions in each block",
);
pub const EPOCHS: ParamSpec = int("epochs", 1, 200, "10", "passes over the training rows");
pub const LEARNING_RATE: ParamSpec = float("learning_rate", 0.0, 10.0, true, "0.001", "step size");
pub const BATCH_SIZE: ParamSpec = int("batch_size", 1, 100_000, "32", "rows per mini-batch");
pub const OPTIMIZER: ParamSpec = choice(
    "optimizer",
    &["adam", "sgd", "momentum"],
    "adam",
    "adam, plain SGD, or SGD with momentum 0.9",
);

pub struct Cnn;

#[derive(Debug, Clone, PartialEq)]
pub struct CnnParams {
    pub blocks: usize,
    pub channels: usize,
    pub convs_per_block: usize,
    pub epochs: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub optimizer: &'static str,
}

impl Algorithm for Cnn {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "cnn",
        title: "VGG-style CNN on 8×8 digits (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "on our neural engine (crate::nn); its layer table comes from labs::arch",
        topics: &["classic-models", "vgg16", "basics"],
        params: &[
            BLOCKS,
            CHANNELS,
            CONVS_PER_BLOCK,
            EPOCHS,
            LEARNING_RATE,
            BATCH_SIZE,
            OPTIMIZER,
        ],
    };
    type Params = CnnParams;

    fn params(v: &ParamValues) -> Result<CnnParams, ParamError> {
        Ok(CnnParams {
            blocks: v.usize(&BLOCKS)?,
            channels: v.usize(&CHANNELS)?,
            convs_per_block: v.usize(&CONVS_PER_BLOCK)?,
            epochs: v.usize(&EPOCHS)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            batch_size: v.usize(&BATCH_SIZE)?,
            optimizer: v.choice(&OPTIMIZER)?,
        })
    }
}

/// Digits images: one channel of 8×8.
const IMAGE: [usize; 3] = [1, 8, 8];
const CLASSES: usize = 10;
/// Feature maps drawn per layer.
const MAPS_SHOWN: usize = 8;

/// The network and its description, built together layer by layer so the
/// layer table is the network that trains.
pub fn build(ps: &mut ParamStore, p: &CnnParams) -> Result<(Sequential, Arch), LabError> {
    let mut net = Sequential::new();
    let mut b = Builder::new("cnn", &IMAGE);
    let init = WeightInit::HeNormal;
    let mut in_c = IMAGE[0];
    for block in 1..=p.blocks {
        let out_c = p.channels << (block - 1);
        let name = format!("block{block}");
        b.block(&name);
        for k in 1..=p.convs_per_block {
            let conv = format!("{name}.conv{k}");
            net.push(Conv2d::new(ps, &conv, in_c, out_c, 3, 1, 1, init)?);
            b.conv(&conv, out_c, 3, 1, 1, true)?;
            let relu = format!("{name}.relu{k}");
            net.push(Act::new(&relu, Activation::Relu));
            b.act(&relu, "ReLU");
            in_c = out_c;
        }
        let pool = format!("{name}.pool");
        net.push(MaxPool2d::new(&pool));
        b.max_pool(&pool, 2, 2, 0)?;
    }
    b.block("classifier");
    net.push(Flatten::new("flatten"));
    b.flatten("flatten");
    let features = b.shape().first().copied().unwrap_or(0);
    net.push(Linear::new(ps, "fc", features, CLASSES, init, true)?);
    b.linear("fc", CLASSES, true)?;
    Ok((net, b.finish()))
}

impl From<arch::ArchError> for LabError {
    fn from(e: arch::ArchError) -> LabError {
        LabError::Setup(e.0)
    }
}

impl RunLab for CnnParams {
    fn datasets(&self) -> &'static [&'static str] {
        &["digits"]
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        if let Some(d) = ctx.dataset.filter(|d| *d != "digits") {
            return Err(LabError::setup(format!(
                "the cnn lab trains on the 8×8 digits images only (got `{d}`)"
            )));
        }
        let split = load_split("digits", ctx.seed, Some(&IMAGE))?;
        let mut ps = ParamStore::new(ctx.seed);
        let (net, desc) = build(&mut ps, self)?;
        let mut opt = classify::optimizer(self.optimizer, self.learning_rate)?;
        let cfg = TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            seed: ctx.seed,
            ..Default::default()
        };
        let mut outcome = LabOutcome {
            total: self.epochs,
            dataset: format!(
                "digits as 1×8×8 images ({} train / {} test rows, pixels / 16)",
                split.y_train.len(),
                split.y_test.len()
            ),
            ..Default::default()
        };
        outcome.tables.push(layer_table(
            &desc,
            "layers",
            bi("Layers of this network", "网络各层"),
        ));
        ctx.update(&outcome)?;
        let t = train_live(ctx, &mut outcome, &net, &mut ps, opt.as_mut(), &split, &cfg)?;
        classify::training_figures(&mut outcome, &t, ps.n_trainable());
        outcome.figure(
            "macs",
            bi("multiply-adds per image", "每张图的乘加次数"),
            desc.macs() as f64,
            "",
        );
        outcome.heatmaps = feature_maps(&net, &mut ps, &split)?;
        if let Some(h) = outcome.heatmaps.first() {
            let title = h.title.clone();
            outcome.notice(
                bi(
                    format!("Feature maps of one test digit ({}): the first convolutions respond to strokes and edges at each position; after each 2×2 pool the maps are half as wide, so deeper layers see larger parts of the digit (receptive-field column).", title.en),
                    format!("一个测试数字（{}）的特征图：前几层卷积在每个位置上响应笔画和边缘；每经过一次 2×2 池化，特征图的边长减半，所以更深的层看到的是数字更大的一部分（见“感受野”一列）。", title.zh),
                ),
                Some("basics"),
            );
        }
        classify::fit_notices(&mut outcome, &t, "classic-models");
        table_notices(&mut outcome, &desc, self);
        Ok(outcome)
    }
}

/// Notices read off the layer table: weight sharing against the `mlp`
/// lab's default net, where parameters and multiply-adds sit, and what a
/// stack of 3×3 convolutions sees.
fn table_notices(outcome: &mut LabOutcome, a: &Arch, p: &CnnParams) {
    let (params, macs) = (a.params(), a.macs());
    let mut mlp = Builder::new("mlp", &[64]);
    let mlp = match mlp
        .linear("fc1", 64, true)
        .and_then(|b| b.linear("out", CLASSES, true))
    {
        Ok(b) => b.clone().finish(),
        Err(_) => return,
    };
    let ratio = macs as f64 / mlp.macs().max(1) as f64;
    outcome.notice(
        bi(
            format!("This CNN has {params} parameters and does {macs} multiply-adds per digit; the mlp lab's default 64-64-10 net has {} parameters and does {} ({ratio:.1}× fewer multiply-adds). A convolution reuses each 3×3 kernel at all 64 positions: its weights are shared, its work is not.", mlp.params(), mlp.macs()),
            format!("这个 CNN 有 {params} 个参数，每个数字要做 {macs} 次乘加；mlp 实验默认的 64-64-10 网络有 {} 个参数，只做 {} 次乘加（乘加次数少 {ratio:.1} 倍）。卷积在全部 64 个位置上重复使用同一个 3×3 卷积核：权重是共享的，计算量却不共享。", mlp.params(), mlp.macs()),
        ),
        Some("vgg16"),
    );
    let conv_macs: u64 = a
        .layers
        .iter()
        .filter(|l| l.kind.starts_with("conv"))
        .map(|l| l.macs)
        .sum();
    let fc_params: u64 = a
        .layers
        .iter()
        .filter(|l| l.kind.starts_with("linear"))
        .map(|l| l.params)
        .sum();
    let pct = |x: u64, of: u64| 100.0 * x as f64 / of.max(1) as f64;
    outcome.notice(
        bi(
            format!("The convolutions do {:.1}% of the multiply-adds; the final linear layer holds {:.1}% of the parameters. VGG16 shows the same split at full scale (mlwb arch vgg16).", pct(conv_macs, macs), pct(fc_params, params)),
            format!("卷积层承担了 {:.1}% 的乘加运算；最后的全连接层占了 {:.1}% 的参数。VGG16 在完整规模上也是这样分布的（mlwb arch vgg16）。", pct(conv_macs, macs), pct(fc_params, params)),
        ),
        Some("vgg16"),
    );
    if p.convs_per_block >= 2 {
        let second = a.layers.iter().find(|l| l.name == "block1.conv2");
        if let Some(rf) = second.and_then(|l| l.receptive_field) {
            let c = p.channels as u64;
            let (two, one) = (2 * 9 * c * c, 25 * c * c);
            outcome.notice(
                bi(
                    format!("block1.conv2 already sees {rf}×{rf} pixels (receptive field column). Two 3×3 convolutions of {c}→{c} channels hold 2·9·{c}² = {two} weights; one 5×5 convolution with the same view would hold 25·{c}² = {one}, {:.0}% more, and would have one ReLU less.", pct(one - two, two)),
                    format!("block1.conv2 已经能看到 {rf}×{rf} 个像素（见“感受野”一列）。两层 {c}→{c} 通道的 3×3 卷积共有 2·9·{c}² = {two} 个权重；视野相同的一层 5×5 卷积要 25·{c}² = {one} 个，多 {:.0}%，而且少一个 ReLU 非线性。", pct(one - two, two)),
                ),
                Some("vgg16"),
            );
        }
    }
}

/// The input digit and the feature maps after every convolution (after its
/// ReLU) and every pooling, for the first test row, `MAPS_SHOWN` channels
/// per layer; each layer is one group.
fn feature_maps(
    net: &Sequential,
    ps: &mut ParamStore,
    split: &classify::Split,
) -> Result<Vec<Heatmap>, LabError> {
    let x = split.x_test.select(ndarray::Axis(0), &[0]);
    let truth = split.y_test.first().copied().unwrap_or(0);
    let mut g = Graph::new(0);
    g.train = false;
    let input = g.constant(x.clone());
    let logits = net.forward(&mut g, ps, input)?;
    let pred = nn_argmax(g.value(logits)?.iter().copied());
    let label = |c: usize| split.classes.get(c).cloned().unwrap_or_default();
    let (t, pr) = (label(truth), label(pred));
    let mut maps = vec![Heatmap {
        key: "input".into(),
        title: bi(
            format!("digit {t}, predicted {pr}"),
            format!("数字 {t}，预测为 {pr}"),
        ),
        rows: 8,
        cols: 8,
        values: x.iter().map(|&v| v as f64).collect(),
        row_labels: Vec::new(),
        col_labels: Vec::new(),
        group: "input".into(),
    }];
    for tap in g.taps() {
        if !(tap.name.contains(".relu") || tap.name.ends_with(".pool")) {
            continue;
        }
        let v = g.value(tap.var)?;
        let [_, c, h, w] = v.shape() else { continue };
        let (c, h, w) = (*c, *h, *w);
        let layer = tap.name.replace(".relu", ".conv");
        for ch in 0..c.min(MAPS_SHOWN) {
            let values: Vec<f64> = (0..h * w)
                .map(|i| v[[0, ch, i / w, i % w]] as f64)
                .collect();
            maps.push(Heatmap {
                key: format!("{layer}.{}", ch + 1),
                title: bi(
                    format!("{layer} channel {}", ch + 1),
                    format!("{layer} 第 {} 通道", ch + 1),
                ),
                rows: h,
                cols: w,
                values,
                row_labels: Vec::new(),
                col_labels: Vec::new(),
                group: layer.clone(),
            });
        }
    }
    Ok(maps)
}

fn nn_argmax(v: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, x) in v.enumerate() {
        if x > best.1 {
            best = (i, x);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn params(given: &[(&str, &str)]) -> CnnParams {
        crate::labs::testing::params::<Cnn>(given).unwrap()
    }

    /// The layer table counts exactly the parameters the engine trains.
    #[test]
    fn descriptor_counts_equal_the_param_store() {
        for (b, c, k) in [(1, 4, 1), (2, 16, 2), (2, 8, 3), (1, 32, 2)] {
            let p = params(&[
                ("blocks", &b.to_string()),
                ("channels", &c.to_string()),
                ("convs_per_block", &k.to_string()),
            ]);
            let mut ps = ParamStore::new(0);
            let (net, desc) = build(&mut ps, &p).unwrap();
            assert_eq!(desc.params(), ps.n_trainable() as u64, "{b} {c} {k}");
            assert_eq!(net.len(), desc.layers.len());
        }
        // The default: conv 1→16, 16→16, pool, 16→32, 32→32, pool, fc 128→10.
        let mut ps = ParamStore::new(0);
        let (_, d) = build(&mut ps, &params(&[])).unwrap();
        let expect = (9 * 16 + 16)
            + (9 * 256 + 16)
            + (9 * 16 * 32 + 32)
            + (9 * 32 * 32 + 32)
            + (128 * 10 + 10);
        assert_eq!(d.params(), expect);
        // 64 positions × 144 + 64 × 2304 + 16 × 4608 + 16 × 9216 + 1280
        assert_eq!(
            d.macs(),
            64 * 144 + 64 * 2304 + 16 * 4608 + 16 * 9216 + 1280
        );
    }

    #[test]
    fn a_short_run_fills_table_maps_curves_and_notices() {
        let p = params(&[
            ("epochs", "1"),
            ("channels", "4"),
            ("learning_rate", "0.01"),
        ]);
        let flag = AtomicBool::new(false);
        let mut seen = 0;
        let mut sink = |_: &LabOutcome| seen += 1;
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        let o = p.run(&mut ctx).unwrap();
        assert_eq!(seen, 2, "the table first, then one snapshot per epoch");
        assert!(o.find_figure("test_accuracy").unwrap() > 0.3);
        let t = o.tables.iter().find(|t| t.key == "layers").unwrap();
        assert_eq!(t.rows.len(), 2 * (2 + 2 + 1) + 2 + 1);
        // input + (2 relu + pool) per block, 4 then 8 channels
        assert_eq!(o.heatmaps.len(), 1 + 3 * 4 + 3 * 8);
        let groups: std::collections::BTreeSet<&str> =
            o.heatmaps.iter().map(|h| h.group.as_str()).collect();
        assert!(groups.contains("block2.pool") && groups.contains("block1.conv2"));
        let pool2 = o
            .heatmaps
            .iter()
            .find(|h| h.group == "block2.pool")
            .unwrap();
        assert_eq!((pool2.rows, pool2.cols), (2, 2));
        assert!(o.notices.iter().any(|n| n.text.en.contains("5×5 pixels")));
        assert!(o.classification.is_some());
    }

    #[test]
    fn other_datasets_are_refused() {
        let p = params(&[("epochs", "1")]);
        let flag = AtomicBool::new(false);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, Some("iris"), &mut sink, &flag);
        let e = p.run(&mut ctx).unwrap_err().to_string();
        assert!(e.contains("8×8 digits"), "{e}");
    }
}
