//! Mini-batch training of a classifier, evaluation, and two ready-made
//! networks (an MLP and a small VGG-style CNN).

use ndarray::{ArrayD, Axis, IxDyn};
use rand::seq::SliceRandom;

use super::graph::{ActivationStats, Graph};
use super::layers::{
    Act, Activation, Conv2d, Dropout, Flatten, Layer, Linear, MaxPool2d, Sequential,
};
use super::optim::Optimizer;
use super::params::{ParamStore, WeightInit};
use super::{NnError, Tensor};
use crate::algos::Progress;

/// Inputs `[n, …]` and their class labels.
#[derive(Debug, Clone, Copy)]
pub struct ClassData<'a> {
    pub x: &'a Tensor,
    pub y: &'a [usize],
}

impl ClassData<'_> {
    fn check(&self, what: &str, n_classes: usize) -> Result<(), NnError> {
        let n = self.x.shape().first().copied().unwrap_or(0);
        if n == 0 {
            return Err(NnError::Data(format!("the {what} set is empty")));
        }
        if n != self.y.len() {
            return Err(NnError::Data(format!(
                "the {what} set has {n} rows but {} labels",
                self.y.len()
            )));
        }
        if let Some(&c) = self.y.iter().find(|&&c| c >= n_classes) {
            return Err(NnError::Data(format!(
                "{what} label {c} is not below the number of classes {n_classes}"
            )));
        }
        if self.x.iter().any(|v| !v.is_finite()) {
            return Err(NnError::Data(format!(
                "the {what} inputs contain NaN or infinity"
            )));
        }
        Ok(())
    }

    fn rows(&self) -> usize {
        self.y.len()
    }
}

/// How to train.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    /// scikit-learn's `alpha`: adds `alpha/(2·batch)·Σ‖W‖²` to each batch's
    /// loss (weights only), so `alpha·W/batch` to their gradients.
    pub l2: f32,
    /// Cross-entropy label smoothing in [0, 1).
    pub label_smoothing: f32,
    /// Seeds the shuffle of each epoch and the dropout masks.
    pub seed: u64,
    pub shuffle: bool,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            epochs: 20,
            batch_size: 32,
            l2: 0.0,
            label_smoothing: 0.0,
            seed: 0,
            shuffle: true,
        }
    }
}

impl TrainConfig {
    /// Checks every setting against a training set of `n_rows` rows.
    pub fn validate(&self, n_rows: usize) -> Result<(), NnError> {
        if self.epochs == 0 {
            return Err(NnError::param("epochs", "must be at least 1, got 0"));
        }
        if self.batch_size == 0 {
            return Err(NnError::param("batch_size", "must be at least 1, got 0"));
        }
        if self.batch_size > n_rows {
            return Err(NnError::param(
                "batch_size",
                format!(
                    "{} is larger than the {n_rows} training rows",
                    self.batch_size
                ),
            ));
        }
        if !self.l2.is_finite() || self.l2 < 0.0 {
            return Err(NnError::param(
                "alpha",
                format!("L2 strength must be 0 or positive, got {}", self.l2),
            ));
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(NnError::param(
                "label_smoothing",
                format!("must be in [0, 1), got {}", self.label_smoothing),
            ));
        }
        Ok(())
    }
}

/// Figures of one epoch. Train loss and accuracy are averaged over the
/// epoch's mini-batches as they were trained (the loss includes the L2 term,
/// as scikit-learn's `loss_curve_`); test figures are from a full pass in
/// eval mode after the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// What training produced besides the parameters.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub epochs: Vec<EpochReport>,
    /// `(parameter, ‖grad‖)` after the last step.
    pub grad_norms: Vec<(String, f32)>,
    /// Per-layer activation statistics (with gradient norms) of the last step.
    pub activations: Vec<ActivationStats>,
}

fn batch_rows(x: &Tensor, idx: &[usize]) -> Tensor {
    x.select(Axis(0), idx)
}

fn correct(logits: &Tensor, y: &[usize]) -> usize {
    let c = logits.shape().get(1).copied().unwrap_or(1).max(1);
    logits
        .as_slice()
        .map(|s| {
            s.chunks(c)
                .zip(y)
                .filter(|(row, &t)| argmax(row) == t)
                .count()
        })
        .unwrap_or(0)
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

fn non_finite(loss: f64) -> Option<&'static str> {
    if loss.is_nan() {
        Some("NaN")
    } else if loss.is_infinite() {
        Some("infinite")
    } else {
        None
    }
}

/// Trains `model` (which maps a batch `[b, …]` to logits `[b, classes]`) by
/// mini-batch gradient descent with cross-entropy. Each epoch is reported
/// through `progress` as "train loss", "train accuracy" and, with a test set,
/// "test loss", "test accuracy"; a cancel (seen through
/// [`Progress::is_cancelled`] before every mini-batch, and at each report)
/// stops within one mini-batch with [`NnError::Cancelled`]. A non-finite loss stops with
/// [`NnError::Diverged`].
#[allow(clippy::too_many_arguments)]
pub fn train_classifier(
    model: &dyn Layer,
    ps: &mut ParamStore,
    opt: &mut dyn Optimizer,
    train: ClassData<'_>,
    test: Option<ClassData<'_>>,
    n_classes: usize,
    cfg: &TrainConfig,
    progress: &mut Progress<'_>,
) -> Result<History, NnError> {
    if n_classes < 2 {
        return Err(NnError::Data(format!(
            "classification needs at least 2 classes, got {n_classes}"
        )));
    }
    train.check("training", n_classes)?;
    if let Some(t) = &test {
        t.check("test", n_classes)?;
    }
    cfg.validate(train.rows())?;
    let mut rng = crate::algos::rng(cfg.seed);
    let mut g = Graph::new(cfg.seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut order: Vec<usize> = (0..train.rows()).collect();
    let mut history = History::default();
    for epoch in 1..=cfg.epochs {
        if cfg.shuffle {
            order.shuffle(&mut rng);
        }
        let (mut loss_sum, mut hits) = (0f64, 0usize);
        for idx in order.chunks(cfg.batch_size) {
            // A cancel during a long epoch stops within one mini-batch.
            if progress.is_cancelled() {
                return Err(NnError::Cancelled);
            }
            let xb = batch_rows(train.x, idx);
            let yb: Vec<usize> = idx.iter().map(|&i| train.y[i]).collect();
            g.reset();
            g.train = true;
            ps.zero_grad();
            let x = g.constant(xb);
            let logits = model.forward(&mut g, ps, x)?;
            let loss = g.cross_entropy(logits, &yb, cfg.label_smoothing)?;
            let mut l = g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN) as f64;
            let nb = idx.len() as f32;
            if cfg.l2 > 0.0 {
                l += 0.5 * cfg.l2 as f64 * ps.decayed_sq_norm() / nb as f64;
            }
            if let Some(what) = non_finite(l) {
                return Err(NnError::Diverged {
                    epoch,
                    loss: what.to_string(),
                });
            }
            hits += correct(g.value(logits)?, &yb);
            loss_sum += l * idx.len() as f64;
            g.backward(loss, ps)?;
            if cfg.l2 > 0.0 {
                let k = cfg.l2 / nb;
                for p in ps.params_mut() {
                    if p.trainable && p.decay {
                        p.grad.scaled_add(k, &p.value);
                    }
                }
            }
            opt.step(ps)?;
        }
        let n = train.rows() as f64;
        let mut report = EpochReport {
            epoch,
            train_loss: loss_sum / n,
            train_accuracy: hits as f64 / n,
            test_loss: None,
            test_accuracy: None,
        };
        if let Some(t) = &test {
            let (tl, ta) = evaluate(model, ps, *t, 256)?;
            report.test_loss = Some(tl);
            report.test_accuracy = Some(ta);
        }
        progress.report(epoch, cfg.epochs, "train loss", report.train_loss)?;
        progress.report(epoch, cfg.epochs, "train accuracy", report.train_accuracy)?;
        if let (Some(tl), Some(ta)) = (report.test_loss, report.test_accuracy) {
            progress.report(epoch, cfg.epochs, "test loss", tl)?;
            progress.report(epoch, cfg.epochs, "test accuracy", ta)?;
        }
        history.epochs.push(report);
    }
    history.grad_norms = ps.grad_norms();
    history.activations = g.activation_stats();
    Ok(history)
}

/// Mean cross-entropy and accuracy in eval mode, in batches of `batch`.
pub fn evaluate(
    model: &dyn Layer,
    ps: &mut ParamStore,
    data: ClassData<'_>,
    batch: usize,
) -> Result<(f64, f64), NnError> {
    let n = data.rows();
    if n == 0 {
        return Err(NnError::Data("nothing to evaluate".into()));
    }
    let mut g = Graph::new(0);
    g.train = false;
    let (mut loss, mut hits) = (0f64, 0usize);
    let idx: Vec<usize> = (0..n).collect();
    for chunk in idx.chunks(batch.max(1)) {
        g.reset();
        let x = g.constant(batch_rows(data.x, chunk));
        let logits = model.forward(&mut g, ps, x)?;
        let yb: Vec<usize> = chunk.iter().map(|&i| data.y[i]).collect();
        let l = g.cross_entropy(logits, &yb, 0.0)?;
        loss += g.value(l)?.iter().next().copied().unwrap_or(f32::NAN) as f64 * chunk.len() as f64;
        hits += correct(g.value(logits)?, &yb);
    }
    Ok((loss / n as f64, hits as f64 / n as f64))
}

/// Class probabilities `[n, classes]` in eval mode.
pub fn predict_proba(
    model: &dyn Layer,
    ps: &mut ParamStore,
    x: &Tensor,
) -> Result<Tensor, NnError> {
    let mut g = Graph::new(0);
    g.train = false;
    let v = g.constant(x.clone());
    let logits = model.forward(&mut g, ps, v)?;
    let p = g.softmax(logits)?;
    Ok(g.value(p)?.clone())
}

/// Most probable class per row.
pub fn predict(model: &dyn Layer, ps: &mut ParamStore, x: &Tensor) -> Result<Vec<usize>, NnError> {
    let p = predict_proba(model, ps, x)?;
    let c = p.shape().get(1).copied().unwrap_or(1).max(1);
    Ok(p.as_slice()
        .map(|s| s.chunks(c).map(argmax).collect())
        .unwrap_or_default())
}

/// A multi-layer perceptron's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpSpec {
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub init: WeightInit,
    /// Dropout after each hidden activation (0 = none).
    pub dropout: f32,
}

impl Default for MlpSpec {
    fn default() -> MlpSpec {
        MlpSpec {
            hidden: vec![64],
            activation: Activation::Relu,
            init: WeightInit::GlorotUniform,
            dropout: 0.0,
        }
    }
}

/// `fc1, act1, [drop1], …, out`: hidden layers then a linear output of
/// `n_classes` logits.
pub fn mlp(
    ps: &mut ParamStore,
    n_in: usize,
    n_classes: usize,
    spec: &MlpSpec,
) -> Result<Sequential, NnError> {
    if n_in == 0 {
        return Err(NnError::Data("the inputs have no features".into()));
    }
    if n_classes < 2 {
        return Err(NnError::Data(format!(
            "classification needs at least 2 classes, got {n_classes}"
        )));
    }
    if let Some(i) = spec.hidden.iter().position(|&h| h == 0) {
        return Err(NnError::param(
            "hidden_layer_sizes",
            format!(
                "hidden size 0 for layer {}: every layer needs at least 1 unit",
                i + 1
            ),
        ));
    }
    let mut net = Sequential::new();
    let mut width = n_in;
    for (i, &h) in spec.hidden.iter().enumerate() {
        let k = i + 1;
        net.push(Linear::new(
            ps,
            &format!("fc{k}"),
            width,
            h,
            spec.init,
            true,
        )?);
        net.push(Act::new(&format!("act{k}"), spec.activation));
        if spec.dropout > 0.0 {
            net.push(Dropout::new(&format!("drop{k}"), spec.dropout)?);
        }
        width = h;
    }
    net.push(Linear::new(ps, "out", width, n_classes, spec.init, true)?);
    Ok(net)
}

/// A small VGG-style CNN for `[n, c, h, w]` images: conv3×3×16, ReLU,
/// conv3×3×16, ReLU, max-pool, conv3×3×32, ReLU, max-pool, linear to the
/// classes (convolutions padded to keep the size).
pub fn vgg_small(
    ps: &mut ParamStore,
    channels: usize,
    height: usize,
    width: usize,
    n_classes: usize,
    init: WeightInit,
) -> Result<Sequential, NnError> {
    if height < 4 || width < 4 {
        return Err(NnError::Data(format!(
            "images of {height}×{width} are too small for two 2×2 poolings"
        )));
    }
    let mut net = Sequential::new();
    net.push(Conv2d::new(ps, "conv1", channels, 16, 3, 1, 1, init)?);
    net.push(Act::new("relu1", Activation::Relu));
    net.push(Conv2d::new(ps, "conv2", 16, 16, 3, 1, 1, init)?);
    net.push(Act::new("relu2", Activation::Relu));
    net.push(MaxPool2d::new("pool1"));
    net.push(Conv2d::new(ps, "conv3", 16, 32, 3, 1, 1, init)?);
    net.push(Act::new("relu3", Activation::Relu));
    net.push(MaxPool2d::new("pool2"));
    net.push(Flatten::new("flatten"));
    let feats = 32 * (height / 2 / 2) * (width / 2 / 2);
    net.push(Linear::new(ps, "fc", feats, n_classes, init, true)?);
    Ok(net)
}

/// Rows of an `f64` matrix as an f32 tensor with a new shape per row (e.g.
/// `[1, 8, 8]` for digits images), each value multiplied by `scale`.
pub fn to_tensor(
    x: ndarray::ArrayView2<'_, f64>,
    row_shape: &[usize],
    scale: f64,
) -> Result<Tensor, NnError> {
    let per: usize = row_shape.iter().product();
    if per != x.ncols() {
        return Err(NnError::Shape(format!(
            "rows of {} values cannot be shaped {row_shape:?}",
            x.ncols()
        )));
    }
    let mut shape = vec![x.nrows()];
    shape.extend_from_slice(row_shape);
    let v: Vec<f32> = x.iter().map(|&v| (v * scale) as f32).collect();
    ArrayD::from_shape_vec(IxDyn(&shape), v).map_err(|e| NnError::Shape(e.to_string()))
}
