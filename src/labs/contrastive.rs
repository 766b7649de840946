//! The `contrastive` lab: SimCLR-style self-supervised learning on the
//! digits. Each training image is augmented twice (a shift of up to one
//! pixel, a 3×3 patch masked out, Gaussian noise); an encoder (64 → 128 →
//! 32) and a projection head (32 → 32 → 16) are trained with the NT-Xent
//! loss ([`crate::nn::contrastive::nt_xent`]) to recognise which two views
//! come from the same image among all the views of a batch. No label is
//! used. Then the encoder is frozen and a logistic regression (our L-BFGS)
//! is fitted on its 32-d features with only `labels` labelled training
//! images: the linear probe. It is compared with the same logistic
//! regression on raw pixels and with the encoder plus a linear layer trained
//! from scratch, supervised, on the same few labels.
//!
//! `negatives=false` keeps only the positive-pair term: nothing then stops
//! every image from getting the same embedding, and the spread of the
//! embeddings (standard deviation, effective rank) falls towards 0: collapse.

use std::time::Instant;

use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use rand::Rng as _;

use super::classify::load_split;
use super::graphs::{self, effective_rank, mean_std, project_2d, scatter_by};
use super::{bi, Cell, LabContext, LabError, LabOutcome, RunLab, Scatter, Table};
use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::nn::contrastive::nt_xent;
use crate::nn::{Adam, Graph, Layer, Linear, Optimizer, ParamStore, Tensor, WeightInit};

pub const EPOCHS: ParamSpec = int(
    "epochs",
    1,
    500,
    "100",
    "passes over the unlabelled training images",
);
pub const BATCH: ParamSpec = int(
    "batch",
    4,
    1347,
    "256",
    "images per batch (each gives 2 views: 2·batch − 2 negatives per anchor)",
);
pub const TEMPERATURE: ParamSpec = float(
    "temperature",
    0.0,
    10.0,
    true,
    "0.3",
    "τ of NT-Xent: cosine similarities are divided by it before the softmax",
);
pub const NEGATIVES: ParamSpec = choice(
    "negatives",
    &["true", "false"],
    "true",
    "false: keep only the positive-pair term (shows collapse)",
);
pub const LABELS: ParamSpec = int(
    "labels",
    10,
    1347,
    "50",
    "labelled training images the probes and the supervised net may use (spread over the 10 classes)",
);
pub const LEARNING_RATE: ParamSpec =
    float("learning_rate", 0.0, 1.0, true, "0.003", "Adam step size");

pub struct Contrastive;

#[derive(Debug, Clone, PartialEq)]
pub struct ContrastiveParams {
    pub epochs: usize,
    pub batch: usize,
    pub temperature: f64,
    pub negatives: bool,
    pub labels: usize,
    pub learning_rate: f64,
    /// Training images used (tests use a few hundred); `None`: all.
    pub limit: Option<usize>,
}

impl Algorithm for Contrastive {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "contrastive",
        title: "Self-supervised contrastive learning on the digits (lab)",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "SimCLR's NT-Xent composed on the own neural engine (checked against NumPy), probes by our logistic regression",
        topics: &[
            "self-supervised-learning",
            "contrastive-learning",
            "learning-paradigms",
            "representation-learning",
        ],
        params: &[EPOCHS, BATCH, TEMPERATURE, NEGATIVES, LABELS, LEARNING_RATE],
    };
    type Params = ContrastiveParams;
    fn params(v: &ParamValues) -> Result<ContrastiveParams, ParamError> {
        Ok(ContrastiveParams {
            epochs: v.usize(&EPOCHS)?,
            batch: v.usize(&BATCH)?,
            temperature: v.float(&TEMPERATURE)?,
            negatives: v.choice(&NEGATIVES)? == "true",
            labels: v.usize(&LABELS)?,
            learning_rate: v.float(&LEARNING_RATE)?,
            limit: None,
        })
    }
}

const SIDE: usize = 8;
const PIXELS: usize = SIDE * SIDE;
pub const REP: usize = 32;
/// Size of the projection the loss compares.
pub const PROJ: usize = 16;

/// One random view of an 8×8 image (values in [0, 1]): shifted by up to one
/// pixel each way (zeros come in), a 3×3 patch masked out half the time,
/// Gaussian noise of σ 0.1 added.
pub fn augment(img: &[f32], rng: &mut crate::rng::Rng) -> Vec<f32> {
    let dx: i64 = rng.gen_range(-1..=1);
    let dy: i64 = rng.gen_range(-1..=1);
    let mut out = vec![0f32; PIXELS];
    for r in 0..SIDE as i64 {
        for c in 0..SIDE as i64 {
            let (sr, sc) = (r - dy, c - dx);
            if (0..SIDE as i64).contains(&sr) && (0..SIDE as i64).contains(&sc) {
                out[(r * SIDE as i64 + c) as usize] = img[(sr * SIDE as i64 + sc) as usize];
            }
        }
    }
    if rng.gen_bool(0.5) {
        let (r0, c0) = (rng.gen_range(0..=SIDE - 3), rng.gen_range(0..=SIDE - 3));
        for r in r0..r0 + 3 {
            for c in c0..c0 + 3 {
                out[r * SIDE + c] = 0.0;
            }
        }
    }
    for v in &mut out {
        *v += 0.1 * crate::nn::params::std_normal(rng) as f32;
    }
    out
}

/// The encoder (and, for training, the projection head).
struct Encoder {
    enc1: Linear,
    enc2: Linear,
}

impl Encoder {
    fn new(ps: &mut ParamStore) -> Result<Encoder, LabError> {
        Ok(Encoder {
            enc1: Linear::new(ps, "enc1", PIXELS, 128, WeightInit::HeNormal, true)?,
            enc2: Linear::new(ps, "enc2", 128, REP, WeightInit::GlorotUniform, true)?,
        })
    }

    fn forward(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        x: crate::nn::Var,
    ) -> Result<crate::nn::Var, LabError> {
        let h = self.enc1.forward(g, ps, x)?;
        let h = g.relu(h)?;
        Ok(self.enc2.forward(g, ps, h)?)
    }

    /// The frozen features of every row of `x`.
    fn embed(&self, ps: &mut ParamStore, x: &Tensor) -> Result<Array2<f64>, LabError> {
        let mut g = Graph::new(0);
        let xv = g.constant(x.clone());
        let h = self.forward(&mut g, ps, xv)?;
        let t = g.value(h)?;
        Ok(Array2::from_shape_fn(
            (t.shape()[0], t.shape()[1]),
            |(i, j)| f64::from(t[[i, j]]),
        ))
    }
}

fn rows(x: &Tensor, idx: &[usize]) -> Tensor {
    x.select(Axis(0), idx)
}

fn to_f64(x: &Tensor) -> Array2<f64> {
    Array2::from_shape_fn((x.shape()[0], x.shape()[1]), |(i, j)| f64::from(x[[i, j]]))
}

/// The first `k` rows of each class in turn (round robin over the classes),
/// `n` rows in all.
pub fn few_labels(y: &[usize], n_classes: usize, n: usize) -> Vec<usize> {
    let mut per: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in y.iter().enumerate() {
        if let Some(v) = per.get_mut(c) {
            v.push(i);
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut k = 0;
    while out.len() < n && per.iter().any(|v| k < v.len()) {
        for v in &per {
            if out.len() < n {
                if let Some(&i) = v.get(k) {
                    out.push(i);
                }
            }
        }
        k += 1;
    }
    out
}

impl RunLab for ContrastiveParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        let mut split = load_split("digits", ctx.seed, None)?;
        if let Some(n) = self.limit {
            let idx: Vec<usize> = (0..n.min(split.y_train.len())).collect();
            split.x_train = split.x_train.select(Axis(0), &idx);
            split.y_train.truncate(idx.len());
        }
        let n = split.y_train.len();
        let k = split.classes.len();
        if self.batch > n {
            return Err(LabError::setup(format!(
                "batch {} is larger than the {n} training images",
                self.batch
            )));
        }
        if self.labels > n {
            return Err(LabError::setup(format!(
                "labels {} is more than the {n} training images",
                self.labels
            )));
        }
        let tau = self.temperature as f32;
        let mut ps = ParamStore::new(ctx.seed);
        let enc = Encoder::new(&mut ps)?;
        let head1 = Linear::new(&mut ps, "head1", REP, REP, WeightInit::HeNormal, true)?;
        let head2 = Linear::new(&mut ps, "head2", REP, PROJ, WeightInit::GlorotUniform, true)?;
        let mut opt = Adam::new(self.learning_rate as f32)?;
        let mut rng = crate::rng::rng(ctx.seed ^ 0x5eed);
        let labelled = few_labels(&split.y_train, k, self.labels);
        let y_lab: Vec<usize> = labelled.iter().map(|&i| split.y_train[i]).collect();
        let y_test = split.y_test.clone();
        let mut o = LabOutcome {
            total: self.epochs,
            dataset: format!(
                "digits ({n} training images used without labels, {} with; {} test images)",
                labelled.len(),
                y_test.len()
            ),
            ..LabOutcome::default()
        };
        let xtr = split.x_train.clone();
        let mut g = Graph::new(ctx.seed);
        let started = Instant::now();
        let mut first_spread: Option<(f64, f64)> = None;
        let mut last = (0.0, 0.0, 0.0);
        let mut align = (0.0, 0.0);
        for epoch in 1..=self.epochs {
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut rng);
            let mut loss_sum = 0.0;
            let mut batches = 0;
            for idx in order.chunks(self.batch) {
                if idx.len() < 2 {
                    continue;
                }
                let b = idx.len();
                let mut v = Vec::with_capacity(2 * b * PIXELS);
                for _view in 0..2 {
                    for &i in idx {
                        let img: Vec<f32> = xtr.index_axis(Axis(0), i).iter().copied().collect();
                        v.extend(augment(&img, &mut rng));
                    }
                }
                let views = Tensor::from_shape_vec(ndarray::IxDyn(&[2 * b, PIXELS]), v)
                    .map_err(|e| LabError::setup(e.to_string()))?;
                g.reset();
                ps.zero_grad();
                let x = g.constant(views);
                let h = enc.forward(&mut g, &mut ps, x)?;
                let z = head1.forward(&mut g, &mut ps, h)?;
                let z = g.relu(z)?;
                let z = head2.forward(&mut g, &mut ps, z)?;
                let loss = nt_xent(&mut g, z, tau, self.negatives)?;
                let lv = f64::from(g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN));
                super::nndata::check_loss("the encoder", epoch, lv)?;
                // Alignment: cosine of the two views of an image vs of two images.
                if epoch == self.epochs && batches == 0 {
                    let zv = to_f64(g.value(z)?);
                    let cos = graphs::cosine_matrix(zv.view());
                    let pos: f64 = (0..b).map(|i| cos[[i, i + b]]).sum::<f64>() / b as f64;
                    let neg: f64 = (0..b).map(|i| cos[[i, (i + 1) % b]]).sum::<f64>() / b as f64;
                    align = (pos, neg);
                }
                g.backward(loss, &mut ps)?;
                opt.step(&mut ps)?;
                loss_sum += lv;
                batches += 1;
                ctx.check()?;
            }
            let h_train = enc.embed(&mut ps, &xtr)?;
            let h_test = enc.embed(&mut ps, &split.x_test)?;
            // Collapse is measured where the loss acts: the unit-length
            // projections of the (unaugmented) training images.
            let z = {
                g.reset();
                let xv = g.constant(xtr.clone());
                let h = enc.forward(&mut g, &mut ps, xv)?;
                let z = head1.forward(&mut g, &mut ps, h)?;
                let z = g.relu(z)?;
                let z = head2.forward(&mut g, &mut ps, z)?;
                let u = g.l2_normalize(z)?;
                to_f64(g.value(u)?)
            };
            let spread = (mean_std(z.view()), effective_rank(z.view()));
            first_spread.get_or_insert(spread);
            let h_lab = h_train.select(Axis(0), &labelled);
            let probe = probe_on(&h_lab, &y_lab, &h_test, &y_test, k)?;
            let x = epoch as f64;
            let loss = loss_sum / batches.max(1) as f64;
            o.chart_mut("loss", bi("NT-Xent loss", "NT-Xent 损失"), "epoch", "loss")
                .push(
                    if self.negatives {
                        "NT-Xent"
                    } else {
                        "positive term only"
                    },
                    x,
                    loss,
                );
            let c = o.chart_mut(
                "spread",
                bi(
                    "Spread of the projections (collapse → 0)",
                    "投影的分散程度（坍缩时趋于 0）",
                ),
                "epoch",
                "value",
            );
            c.push("effective rank", x, spread.1);
            c.push("mean std × 10", x, spread.0 * 10.0);
            o.chart_mut(
                "probe",
                bi(
                    format!("Linear probe test accuracy ({} labels)", labelled.len()),
                    format!("线性探针测试准确率（{} 个标签）", labelled.len()),
                ),
                "epoch",
                "accuracy",
            )
            .push("probe", x, probe);
            let (xy, _) = project_2d(h_test.view())?;
            o.set_scatter(scatter_by(
                Scatter::new(
                    "features",
                    bi(
                        format!("Encoder features of the test digits (PCA), epoch {epoch}"),
                        format!("测试集数字的编码器特征（PCA），第 {epoch} 轮"),
                    ),
                    "PC1",
                    "PC2",
                ),
                xy.view(),
                &y_test,
                &split.classes,
            ));
            o.done = epoch;
            ctx.update(&o)?;
            last = (probe, spread.0, spread.1);
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / self.epochs as f64;
        let (probe, std, erank) = last;
        let (std0, erank0) = first_spread.unwrap_or((0.0, 0.0));
        // Baselines on the same labelled images.
        let raw_lab = to_f64(&rows(&xtr, &labelled));
        let raw_test = to_f64(&split.x_test);
        let raw = probe_on(&raw_lab, &y_lab, &raw_test, &y_test, k)?;
        let supervised = supervised_net(
            ctx,
            &rows(&xtr, &labelled),
            &y_lab,
            &split.x_test,
            &y_test,
            k,
        )?;
        let h_train = enc.embed(&mut ps, &xtr)?;
        let h_test = enc.embed(&mut ps, &split.x_test)?;
        let probe_all = probe_on(&h_train, &split.y_train, &h_test, &y_test, k)?;
        let l = labelled.len();
        o.figure(
            "probe_accuracy",
            bi(
                format!("linear probe, {l} labels"),
                format!("线性探针（{l} 个标签）"),
            ),
            probe,
            "",
        );
        o.figure(
            "raw_accuracy",
            bi(
                format!("logistic on pixels, {l} labels"),
                format!("像素上的逻辑回归（{l} 个标签）"),
            ),
            raw,
            "",
        );
        o.figure(
            "supervised_accuracy",
            bi(
                format!("supervised net, {l} labels"),
                format!("有监督网络（{l} 个标签）"),
            ),
            supervised,
            "",
        );
        o.figure(
            "probe_all_accuracy",
            bi(
                format!("linear probe, all {n} labels"),
                format!("线性探针（全部 {n} 个标签）"),
            ),
            probe_all,
            "",
        );
        o.figure(
            "embedding_std",
            bi(
                "std of unit projections (mean over dims)",
                "单位化投影的标准差（各维平均）",
            ),
            std,
            "",
        );
        o.figure(
            "effective_rank",
            bi(
                format!("effective rank of projections (of {PROJ})"),
                format!("投影的有效秩（共 {PROJ} 维）"),
            ),
            erank,
            "",
        );
        o.figure(
            "positive_cosine",
            bi("cosine of two views of an image", "同一图像两个视图的余弦"),
            align.0,
            "",
        );
        o.figure(
            "other_cosine",
            bi("cosine of two different images", "不同图像之间的余弦"),
            align.1,
            "",
        );
        o.figure(
            "ms_per_epoch",
            bi("training time per epoch", "每轮训练时间"),
            ms,
            "ms",
        );
        o.tables.push(Table {
            key: "comparison".into(),
            title: bi("Test accuracy with few labels", "少量标签下的测试准确率"),
            columns: ["model", "labels used", "test accuracy"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                vec![
                    Cell::from("linear probe on contrastive features"),
                    Cell::from(l),
                    Cell::from(probe),
                ],
                vec![
                    Cell::from("logistic regression on pixels"),
                    Cell::from(l),
                    Cell::from(raw),
                ],
                vec![
                    Cell::from("same encoder + linear, supervised"),
                    Cell::from(l),
                    Cell::from(supervised),
                ],
                vec![
                    Cell::from("linear probe on contrastive features"),
                    Cell::from(n),
                    Cell::from(probe_all),
                ],
            ],
        });
        let (p, r, s) = (probe * 100.0, raw * 100.0, supervised * 100.0);
        let better = if probe > raw.max(supervised) {
            bi(
                "The features learned without labels make the few labels go further than the pixels do, and further than training the same network on those labels alone.",
                "不使用标签学到的特征让少量标签发挥了更大作用：比直接用像素好，也比只用这些标签从头训练同一个网络好。",
            )
        } else {
            bi(
                "In this run the contrastive features do not beat both baselines; more epochs, a larger batch (more negatives) or another temperature are the settings to try.",
                "这次对比学习得到的特征没有同时胜过两个基线；可以尝试增加训练轮数、增大批量（更多负样本）或调整温度。",
            )
        };
        o.notice(
            bi(
                format!("With {l} labels: linear probe on the frozen encoder {p:.1}%, logistic regression on raw pixels {r:.1}%, the same network trained supervised {s:.1}%. {}", better.en),
                format!("使用 {l} 个标签时：冻结编码器上的线性探针 {p:.1}%，原始像素上的逻辑回归 {r:.1}%，同一网络的有监督训练 {s:.1}%。{}", better.zh),
            ),
            Some("self-supervised-learning"),
        );
        if self.negatives {
            o.notice(
                bi(
                    format!("Two views of the same image end with cosine {:.2} in the projection space, two different images {:.2}: the positive term pulls views together, the negatives push images apart. The unit-length projections keep an effective rank of {erank:.1} of {PROJ} dimensions (std {std:.3}); run with negatives=false to see what the negatives prevent.", align.0, align.1),
                    format!("训练结束时，同一图像的两个视图在投影空间的余弦为 {:.2}，不同图像之间为 {:.2}：正样本项把视图拉近，负样本把不同图像推开。单位化投影的有效秩为 {erank:.1}（共 {PROJ} 维，标准差 {std:.3}）；设置 negatives=false 再运行，可以看到负样本防止了什么。", align.0, align.1),
                ),
                Some("contrastive-learning"),
            );
        } else {
            o.notice(
                bi(
                    format!("Without negatives the loss only asks the two views to agree, and mapping every image to the same point does that perfectly: the std of the unit-length projections went from {std0:.3} after the first epoch to {std:.3} and their effective rank from {erank0:.1} to {erank:.1} (collapse; the effective rank measures the shape of what is left, not its size). Two different images now have cosine {:.2}, as high as two views of one image ({:.2}). SimCLR's negatives, BYOL's predictor and stop-gradient, or Barlow Twins' decorrelation are what prevent this.", align.1, align.0),
                    format!("没有负样本时，损失只要求两个视图一致，而把所有图像映射到同一点就能完美做到：单位化投影的标准差从第一轮后的 {std0:.3} 降到 {std:.3}，有效秩从 {erank0:.1} 降到 {erank:.1}（表示坍缩；有效秩只度量剩余部分的形状，不度量其大小）。现在两张不同图像的余弦为 {:.2}，和同一图像两个视图的余弦（{:.2}）一样高。SimCLR 的负样本、BYOL 的预测器加停止梯度、Barlow Twins 的去相关约束，都是为了防止这种坍缩。", align.1, align.0),
                ),
                Some("contrastive-learning"),
            );
        }
        o.notice(
            bi(
                format!("Temperature τ = {}: similarities are divided by τ before the softmax, so a small τ concentrates the loss on the hardest negatives and a large one treats all negatives alike.", self.temperature),
                format!("温度 τ = {}：相似度先除以 τ 再做 softmax，τ 小时损失集中在最难的负样本上，τ 大时所有负样本被同等对待。", self.temperature),
            ),
            Some("contrastive-learning"),
        );
        o.notice(
            bi(
                format!("With all {n} training labels the same probe reaches {:.1}%: the gap to the few-label probe is what the missing labels cost once the features are fixed.", probe_all * 100.0),
                format!("使用全部 {n} 个训练标签时，同一探针达到 {:.1}%：它与少标签探针之间的差距，就是在特征固定后缺少标签的代价。", probe_all * 100.0),
            ),
            Some("learning-paradigms"),
        );
        Ok(o)
    }
}

/// Logistic regression fitted on `(x, y)`, accuracy on `(xt, yt)`.
fn probe_on(
    x: &Array2<f64>,
    y: &[usize],
    xt: &Array2<f64>,
    yt: &[usize],
    k: usize,
) -> Result<f64, LabError> {
    let both = ndarray::concatenate(Axis(0), &[x.view(), xt.view()])
        .map_err(|e| LabError::setup(e.to_string()))?;
    let mut yy = y.to_vec();
    yy.extend_from_slice(yt);
    let train: Vec<usize> = (0..y.len()).collect();
    let test: Vec<usize> = (y.len()..yy.len()).collect();
    graphs::probe_accuracy(both.view(), &yy, k, &train, &test)
}

/// The same encoder plus a linear layer, trained from scratch with
/// cross-entropy on the labelled images only (300 full-batch Adam steps).
fn supervised_net(
    ctx: &LabContext<'_>,
    x: &Tensor,
    y: &[usize],
    xt: &Tensor,
    yt: &[usize],
    k: usize,
) -> Result<f64, LabError> {
    let mut ps = ParamStore::new(ctx.seed ^ 0xabc);
    let enc = Encoder::new(&mut ps)?;
    let out = Linear::new(&mut ps, "out", REP, k, WeightInit::GlorotUniform, true)?;
    let mut opt = Adam::new(1e-3)?;
    let mut g = Graph::new(ctx.seed);
    for _ in 0..300 {
        g.reset();
        ps.zero_grad();
        let xv = g.constant(x.clone());
        let h = enc.forward(&mut g, &mut ps, xv)?;
        let logits = out.forward(&mut g, &mut ps, h)?;
        let loss = g.cross_entropy(logits, y, 0.0)?;
        g.backward(loss, &mut ps)?;
        opt.step(&mut ps)?;
        ctx.check()?;
    }
    g.reset();
    let xv = g.constant(xt.clone());
    let h = enc.forward(&mut g, &mut ps, xv)?;
    let logits = out.forward(&mut g, &mut ps, h)?;
    let l = to_f64(g.value(logits)?);
    let right = l
        .rows()
        .into_iter()
        .zip(yt)
        .filter(|(r, &c)| graphs::argmax(r.iter().copied()) == c)
        .count();
    Ok(right as f64 / yt.len().max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::testing::{params, run_quiet};

    fn small(extra: &[(&str, &str)]) -> ContrastiveParams {
        let mut given = vec![("epochs", "4"), ("batch", "32")];
        given.extend_from_slice(extra);
        let mut p = params::<Contrastive>(&given).unwrap();
        p.limit = Some(320);
        p
    }

    #[test]
    fn negatives_keep_the_features_spread_and_without_them_they_collapse() {
        let with = run_quiet(&small(&[])).unwrap();
        let without = run_quiet(&small(&[("negatives", "false")])).unwrap();
        let er = |o: &LabOutcome| o.find_figure("effective_rank").unwrap();
        let sd = |o: &LabOutcome| o.find_figure("embedding_std").unwrap();
        assert!(er(&without) > 0.0 && er(&with) > 0.0);
        assert!(
            sd(&without) < 0.5 * sd(&with),
            "{} vs {}",
            sd(&without),
            sd(&with)
        );
        assert!(with.find_figure("probe_accuracy").unwrap() > 0.5);
        assert!(
            with.find_figure("positive_cosine").unwrap()
                > with.find_figure("other_cosine").unwrap()
        );
        assert_eq!(with.tables[0].rows.len(), 4);
        assert_eq!(with.scatters[0].groups.len(), 10);
        assert!(with.notices.len() >= 3);
        // Deterministic per seed.
        let again = run_quiet(&small(&[])).unwrap();
        assert_eq!(again.charts, with.charts);
    }

    #[test]
    fn augment_keeps_the_shape_and_is_seeded() {
        let img: Vec<f32> = (0..64).map(|i| (i % 7) as f32 / 7.0).collect();
        let a = augment(&img, &mut crate::rng::rng(3));
        let b = augment(&img, &mut crate::rng::rng(3));
        assert_eq!(a.len(), 64);
        assert_eq!(a, b);
        assert_ne!(a, img);
        assert_eq!(few_labels(&[0, 1, 0, 1, 2, 2], 3, 4), vec![0, 1, 4, 2]);
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        let mut p = small(&[("batch", "400")]);
        p.limit = Some(320);
        let e = run_quiet(&p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "batch 400 is larger than the 320 training images"
        );
    }
}
