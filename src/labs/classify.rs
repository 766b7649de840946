//! What the `mlp` and `cnn` labs share: loading a table with the experiment
//! runner's stratified 75/25 split, scaling it, training a classifier epoch
//! by epoch with live curves, and the classification of the test rows.

use std::time::Instant;

use ndarray::{Array2, Axis};

use super::{bi, LabClassification, LabContext, LabError, LabOutcome};
use crate::algos::Step;
use crate::data::scale::{FittedScaler, Scale};
use crate::data::{self, CsvOptions, Dataset};
use crate::metrics;
use crate::nn::{self, ClassData, Layer, Optimizer, ParamStore, Tensor, TrainConfig};

/// Share of rows held out for testing, as `mlwb run` does by default.
pub const TEST_SIZE: f64 = 0.25;

/// A dataset split into training and test rows, scaled, as tensors.
pub struct Split {
    /// The dataset's name (bundled name or file stem).
    pub name: String,
    pub classes: Vec<String>,
    pub n_features: usize,
    pub x_train: Tensor,
    pub y_train: Vec<usize>,
    pub x_test: Tensor,
    pub y_test: Vec<usize>,
    /// How the inputs were scaled, for the notices ("pixels / 16").
    pub scaling: &'static str,
}

impl Split {
    pub fn train(&self) -> ClassData<'_> {
        ClassData {
            x: &self.x_train,
            y: &self.y_train,
        }
    }

    pub fn test(&self) -> ClassData<'_> {
        ClassData {
            x: &self.x_test,
            y: &self.y_test,
        }
    }
}

/// Loads `name` (a bundled table or a CSV path), splits it with
/// `crate::data::split::stratified_split` (seeded), and scales it: digits
/// pixels are divided by 16 (their range is 0–16), anything else is
/// standardised with a scaler fitted on the training rows only. Each row
/// becomes a tensor of `row_shape` (`None`: a flat vector).
pub fn load_split(name: &str, seed: u64, row_shape: Option<&[usize]>) -> Result<Split, LabError> {
    let ds = data::load(name, &CsvOptions::default())?;
    let t = match ds {
        Dataset::Table(t) => t,
        Dataset::Text(c) => {
            return Err(LabError::setup(format!(
                "`{}` is a text corpus; this lab needs a numeric table (digits, iris, wine, breast_cancer or a CSV of numbers)",
                c.name
            )))
        }
    };
    let n_classes = t.n_classes();
    if n_classes < 2 {
        return Err(LabError::setup(format!(
            "`{}` has {n_classes} class; a classifier needs at least 2",
            t.name
        )));
    }
    let (train, test) = data::split::stratified_split(&t.y, n_classes, TEST_SIZE, seed)
        .map_err(|e| LabError::setup(e.to_string()))?;
    let xtr = t.x.select(Axis(0), &train);
    let xte = t.x.select(Axis(0), &test);
    let digits = t.name == "digits";
    let (xtr, xte, scale, scaling): (Array2<f64>, Array2<f64>, f64, &'static str) = if digits {
        (xtr, xte, 1.0 / 16.0, "pixels / 16")
    } else {
        let f = FittedScaler::fit(Scale::Standard, xtr.view(), &t.feature_names)
            .map_err(|e| LabError::setup(e.to_string()))?;
        (
            f.transform(xtr.view()),
            f.transform(xte.view()),
            1.0,
            "standardised on the training rows",
        )
    };
    let n_features = t.n_features();
    let flat = [n_features];
    let shape = row_shape.unwrap_or(&flat);
    Ok(Split {
        name: t.name.clone(),
        classes: t.classes.clone(),
        n_features,
        x_train: nn::to_tensor(xtr.view(), shape, scale)?,
        y_train: train.iter().map(|&r| t.y[r]).collect(),
        x_test: nn::to_tensor(xte.view(), shape, scale)?,
        y_test: test.iter().map(|&r| t.y[r]).collect(),
        scaling,
    })
}

/// What [`train_live`] measured.
pub struct Trained {
    /// Milliseconds of training per epoch (forward, backward and update of
    /// every mini-batch; the test pass is not included).
    pub epoch_ms: Vec<f64>,
    pub train_loss: Vec<f64>,
    pub test_loss: Vec<f64>,
    /// Share of the most frequent training class (what always guessing it
    /// scores).
    pub chance: f64,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
}

/// The figures every training lab reports: test and train accuracy, the
/// median training time per epoch and the number of trainable parameters.
pub fn training_figures(outcome: &mut LabOutcome, t: &Trained, n_params: usize) {
    outcome.figure(
        "test_accuracy",
        bi("test accuracy", "测试集准确率"),
        t.test_accuracy,
        "",
    );
    outcome.figure(
        "train_accuracy",
        bi("train accuracy", "训练集准确率"),
        t.train_accuracy,
        "",
    );
    outcome.figure(
        "ms_per_epoch",
        bi("training time per epoch (median)", "每轮训练时间（中位数）"),
        median(&t.epoch_ms),
        "ms",
    );
    outcome.figure(
        "parameters",
        bi("trainable parameters", "可训练参数量"),
        n_params as f64,
        "",
    );
}

/// The median of `v` (0 when empty).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// Trains `model` for `cfg.epochs` epochs, one call of
/// [`nn::train_classifier`] per epoch (its shuffle seeded by
/// `cfg.seed + epoch`), so that after each epoch the loss and accuracy
/// curves (train: averaged over the epoch's mini-batches as they were
/// trained; test: a full pass in eval mode) go into `outcome` and out
/// through [`LabContext::update`]. A cancel is seen before every
/// mini-batch. A non-finite loss stops with "diverged at epoch k".
/// Afterwards: accuracy of both sets in eval mode and the test rows'
/// classification.
#[allow(clippy::too_many_arguments)]
pub fn train_live(
    ctx: &mut LabContext<'_>,
    outcome: &mut LabOutcome,
    model: &dyn Layer,
    ps: &mut ParamStore,
    opt: &mut dyn Optimizer,
    split: &Split,
    cfg: &TrainConfig,
) -> Result<Trained, LabError> {
    let n_classes = split.classes.len();
    cfg.validate(split.y_train.len())?;
    let mut trained = Trained {
        epoch_ms: Vec::new(),
        train_loss: Vec::new(),
        test_loss: Vec::new(),
        chance: majority_share(&split.y_train, n_classes),
        train_accuracy: 0.0,
        test_accuracy: 0.0,
    };
    for epoch in 1..=cfg.epochs {
        let one = TrainConfig {
            epochs: 1,
            seed: cfg.seed.wrapping_add(epoch as u64),
            ..cfg.clone()
        };
        let mut ignore = |_: Step| {};
        let started = Instant::now();
        let h = ctx
            .progress(&mut ignore)
            .run(|p| nn::train_classifier(model, ps, opt, split.train(), None, n_classes, &one, p))
            .map_err(|e| match e {
                nn::NnError::Diverged { loss, .. } => nn::NnError::Diverged { epoch, loss },
                other => other,
            })?;
        trained.epoch_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let (tl, ta) = nn::evaluate(model, ps, split.test(), 256)?;
        if !tl.is_finite() {
            return Err(nn::NnError::Diverged {
                epoch,
                loss: if tl.is_nan() { "NaN" } else { "infinite" }.into(),
            }
            .into());
        }
        trained.test_loss.push(tl);
        let Some(r) = h.epochs.first() else {
            return Err(LabError::setup("training reported no epoch"));
        };
        trained.train_loss.push(r.train_loss);
        let x = epoch as f64;
        let loss = outcome.chart_mut("loss", bi("Loss", "损失"), "epoch", "cross-entropy");
        loss.push("train", x, r.train_loss);
        loss.push("test", x, tl);
        let acc = outcome.chart_mut("accuracy", bi("Accuracy", "准确率"), "epoch", "accuracy");
        acc.push("train", x, r.train_accuracy);
        acc.push("test", x, ta);
        outcome.done = epoch;
        ctx.update(outcome)?;
    }
    trained.train_accuracy = nn::evaluate(model, ps, split.train(), 256)?.1;
    let pred = nn::predict(model, ps, &split.x_test)?;
    let report = metrics::report(&split.y_test, &pred, &split.classes)
        .map_err(|e| LabError::setup(e.to_string()))?;
    trained.test_accuracy = report.accuracy;
    outcome.classification = Some(LabClassification {
        classes: split.classes.clone(),
        confusion_matrix: report.confusion.clone(),
        metrics: report,
    });
    Ok(trained)
}

fn majority_share(y: &[usize], n_classes: usize) -> f64 {
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        if let Some(n) = counts.get_mut(c) {
            *n += 1;
        }
    }
    counts.iter().copied().max().unwrap_or(0) as f64 / y.len().max(1) as f64
}

/// The optimisers the labs offer: `sgd` (plain), `momentum` (0.9, as
/// scikit-learn's default `momentum`), `adam` (β₁ 0.9, β₂ 0.999).
pub fn optimizer(name: &str, lr: f64) -> Result<Box<dyn Optimizer>, LabError> {
    let lr = lr as f32;
    Ok(match name {
        "sgd" => Box::new(nn::Sgd::new(lr, 0.0, false, 0.0)?),
        "momentum" => Box::new(nn::Sgd::new(lr, 0.9, false, 0.0)?),
        "adam" => Box::new(nn::Adam::new(lr)?),
        other => {
            return Err(LabError::setup(format!(
                "optimizer `{other}`: expected sgd, momentum or adam"
            )))
        }
    })
}

/// Notices every classifier lab computes from its run: the train/test gap
/// (overfitting) and whether the test loss turned up (early stopping).
pub fn fit_notices(outcome: &mut LabOutcome, t: &Trained, topic: &str) {
    let gap = (t.train_accuracy - t.test_accuracy) * 100.0;
    let (tr, te) = (t.train_accuracy * 100.0, t.test_accuracy * 100.0);
    let chance = t.chance * 100.0;
    if t.train_accuracy <= t.chance + 0.05 {
        outcome.notice(
            bi(
                format!("Training accuracy {tr:.1}% is no better than always guessing the largest class ({chance:.1}%): the net has not learned. A learning rate that is too large throws the weights far away (ReLU units then die, sigmoid units saturate); try one ten times smaller."),
                format!("训练集准确率 {tr:.1}% 并不比总是猜最大的类别（{chance:.1}%）好：网络没有学到东西。学习率过大会把权重甩得很远（ReLU 单元因此“死亡”，sigmoid 单元进入饱和区）；把学习率调小到十分之一再试。"),
            ),
            Some(topic),
        );
        return;
    }
    if gap > 2.0 {
        outcome.notice(
            bi(
                format!("Training accuracy {tr:.1}% is {gap:.1} points above test accuracy {te:.1}%: the net fits its own training rows better than new ones (overfitting). Raise alpha (L2) or dropout, or stop earlier, and watch the gap shrink."),
                format!("训练集准确率 {tr:.1}% 比测试集准确率 {te:.1}% 高 {gap:.1} 个百分点：网络对训练样本的拟合好于对新样本的拟合（过拟合）。调大 alpha（L2 正则）或 dropout，或者提前停止训练，看差距如何缩小。"),
            ),
            Some(topic),
        );
    } else {
        outcome.notice(
            bi(
                format!("Training accuracy {tr:.1}% and test accuracy {te:.1}% differ by {gap:.1} points: no sign of overfitting at this size and number of epochs."),
                format!("训练集准确率 {tr:.1}% 与测试集准确率 {te:.1}% 只差 {gap:.1} 个百分点：在这个规模和训练轮数下看不出过拟合。"),
            ),
            Some(topic),
        );
    }
    let best = t
        .test_loss
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, &l)| (i + 1, l));
    if let (Some((k, lo)), Some(&last)) = (best, t.test_loss.last()) {
        let n = t.test_loss.len();
        let train_fell = t
            .train_loss
            .get(k - 1)
            .zip(t.train_loss.last())
            .is_some_and(|(a, b)| b < a);
        if k < n && last > lo * 1.05 && train_fell {
            outcome.notice(
                bi(
                    format!("Test loss was lowest at epoch {k} ({lo:.4}) and rose to {last:.4} by epoch {n} while the training loss kept falling: early stopping would have kept epoch {k}."),
                    format!("测试集损失在第 {k} 轮最低（{lo:.4}），到第 {n} 轮升到 {last:.4}，而训练损失仍在下降：早停（early stopping）会保留第 {k} 轮的模型。"),
                ),
                Some(topic),
            );
        }
    }
}
