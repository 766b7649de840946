//! Shared pieces of the neural labs `residual-depth` and `norm-layers`: a
//! bundled table split 75/25 (stratified, seeded) into f32 tensors, the
//! optimiser choice, the mini-batch order of an epoch and the checks every
//! run makes before training.

use ndarray::Axis;
use rand::seq::SliceRandom;

use super::{LabContext, LabError};
use crate::data::{self, split::stratified_split, CsvOptions, Dataset};
use crate::nn::{self, Adam, Graph, Layer, NnError, Optimizer, ParamStore, Sgd, Tensor};

/// Share of rows held out for testing (the CLI's default).
pub const TEST_SIZE: f64 = 0.25;

/// A training and a test set as tensors.
#[derive(Debug, Clone)]
pub struct Split {
    pub dataset: String,
    pub x_train: Tensor,
    pub y_train: Vec<usize>,
    pub x_test: Tensor,
    pub y_test: Vec<usize>,
    pub n_classes: usize,
    pub n_features: usize,
}

impl Split {
    pub fn test(&self) -> nn::ClassData<'_> {
        nn::ClassData {
            x: &self.x_test,
            y: &self.y_test,
        }
    }

    /// The first `n` training rows only (tests use a small slice).
    pub fn take_train(&mut self, n: usize) {
        let n = n.min(self.y_train.len());
        let idx: Vec<usize> = (0..n).collect();
        self.x_train = self.x_train.select(Axis(0), &idx);
        self.y_train.truncate(n);
    }

    /// The first `n` test rows only.
    pub fn take_test(&mut self, n: usize) {
        let n = n.min(self.y_test.len());
        let idx: Vec<usize> = (0..n).collect();
        self.x_test = self.x_test.select(Axis(0), &idx);
        self.y_test.truncate(n);
    }
}

/// Load a bundled table, split it (stratified, `seed`) and shape each row as
/// `row_shape` (`None`: a flat feature vector). Digits pixels are divided by
/// 16 (their range is 0–16); any other table is standardised with the mean
/// and standard deviation of its training rows.
pub fn load_split(name: &str, row_shape: Option<&[usize]>, seed: u64) -> Result<Split, LabError> {
    let Dataset::Table(t) = data::load(name, &CsvOptions::default())? else {
        return Err(LabError::setup(format!(
            "`{name}` is a text corpus; this lab needs a table of numbers"
        )));
    };
    let k = t.n_classes();
    let (train, test) = stratified_split(&t.y, k, TEST_SIZE, seed)
        .map_err(|e| LabError::setup(format!("{name}: {e}")))?;
    let mut x = t.x.clone();
    if name == "digits" {
        x.mapv_inplace(|v| v / 16.0);
    } else {
        for mut col in x.columns_mut() {
            let n = train.len().max(1) as f64;
            let mean = train.iter().map(|&i| col[i]).sum::<f64>() / n;
            let var = train.iter().map(|&i| (col[i] - mean).powi(2)).sum::<f64>() / n;
            let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
            col.mapv_inplace(|v| (v - mean) / sd);
        }
    }
    let shape: Vec<usize> = match row_shape {
        Some(s) => s.to_vec(),
        None => vec![t.n_features()],
    };
    let xt = nn::to_tensor(x.view(), &shape, 1.0)?;
    Ok(Split {
        dataset: t.name.clone(),
        x_train: xt.select(Axis(0), &train),
        y_train: train.iter().map(|&i| t.y[i]).collect(),
        x_test: xt.select(Axis(0), &test),
        y_test: test.iter().map(|&i| t.y[i]).collect(),
        n_classes: k,
        n_features: t.n_features(),
    })
}

/// `sgd`, `momentum` (0.9) or `adam` with this learning rate.
pub fn optimizer(name: &str, lr: f64) -> Result<Box<dyn Optimizer>, LabError> {
    check_learning_rate(lr)?;
    let lr = lr as f32;
    Ok(match name {
        "sgd" => Box::new(Sgd::new(lr, 0.0, false, 0.0)?),
        "momentum" => Box::new(Sgd::new(lr, 0.9, false, 0.0)?),
        "adam" => Box::new(Adam::new(lr)?),
        other => {
            return Err(LabError::setup(format!(
                "optimizer `{other}`: expected sgd, momentum or adam"
            )))
        }
    })
}

pub fn check_learning_rate(lr: f64) -> Result<(), LabError> {
    if !lr.is_finite() || lr <= 0.0 {
        return Err(LabError::setup(format!(
            "learning rate must be a positive number, got {lr}"
        )));
    }
    Ok(())
}

/// Batch size between 1 and the number of training rows.
pub fn check_batch(batch: usize, rows: usize) -> Result<(), LabError> {
    if batch == 0 {
        return Err(LabError::setup("batch size must be at least 1, got 0"));
    }
    if batch > rows {
        return Err(LabError::setup(format!(
            "batch size {batch} is larger than the {rows} training rows"
        )));
    }
    Ok(())
}

pub fn check_epochs(epochs: usize) -> Result<(), LabError> {
    if epochs == 0 {
        return Err(LabError::setup("epochs must be at least 1, got 0"));
    }
    Ok(())
}

/// The mini-batches of one epoch: the rows shuffled by `rng`, in chunks.
pub fn batches(
    rows: usize,
    batch: usize,
    rng: &mut impl rand::Rng,
) -> impl Iterator<Item = Vec<usize>> {
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(rng);
    chunks(&order, batch).into_iter()
}

/// `rows` in chunks of `batch`; a last chunk of a single row joins the one
/// before it (batch-norm cannot standardise one value per feature).
pub fn chunks(rows: &[usize], batch: usize) -> Vec<Vec<usize>> {
    let mut v: Vec<Vec<usize>> = rows.chunks(batch.max(1)).map(<[usize]>::to_vec).collect();
    if batch > 1 && v.len() > 1 && v.last().is_some_and(|c| c.len() == 1) {
        if let Some(last) = v.pop() {
            if let Some(prev) = v.last_mut() {
                prev.extend(last);
            }
        }
    }
    v
}

/// A NaN or infinite loss stops the run with a message naming the net.
pub fn check_loss(net: &str, epoch: usize, loss: f64) -> Result<(), LabError> {
    if loss.is_finite() {
        return Ok(());
    }
    let what = if loss.is_nan() { "NaN" } else { "infinite" };
    Err(LabError::Nn(NnError::Diverged {
        epoch,
        loss: format!("{what} in {net}"),
    }))
}

/// One epoch of mini-batch training with cross-entropy: shuffled batches
/// of `batch` rows, a step of `opt` after each. `after_backward` sees the
/// tape and the gradients of each step before the update (gradient
/// statistics). Returns the mean training loss; a non-finite loss stops with
/// [`check_loss`]'s message, a cancel with [`LabError::Cancelled`].
#[allow(clippy::too_many_arguments)]
pub fn train_epoch(
    net: &dyn Layer,
    ps: &mut ParamStore,
    opt: &mut dyn Optimizer,
    g: &mut Graph,
    data: &Split,
    batch: usize,
    rng: &mut impl rand::Rng,
    name: &str,
    epoch: usize,
    ctx: &LabContext<'_>,
    after_backward: impl FnMut(&Graph, &ParamStore) -> Result<(), LabError>,
) -> Result<f64, LabError> {
    let rows = data.y_train.len();
    let order: Vec<Vec<usize>> = batches(rows, batch, rng).collect();
    let (x, y) = (&data.x_train, &data.y_train[..]);
    train_batches(
        net,
        ps,
        opt,
        g,
        (x, y),
        &order,
        0.0,
        (name, epoch),
        ctx,
        after_backward,
    )
}

/// One pass over the rows of `(x, y)` in the given mini-batches, with
/// cross-entropy against targets smoothed by `smoothing` (0: one-hot), a
/// step of `opt` after each batch. `(name, epoch)` name a non-finite loss.
/// Returns the mean training loss. [`train_epoch`] draws the batches; a
/// lab training several nets on the same batches calls this for each.
#[allow(clippy::too_many_arguments)]
pub fn train_batches(
    net: &dyn Layer,
    ps: &mut ParamStore,
    opt: &mut dyn Optimizer,
    g: &mut Graph,
    (x, y): (&Tensor, &[usize]),
    order: &[Vec<usize>],
    smoothing: f32,
    (name, epoch): (&str, usize),
    ctx: &LabContext<'_>,
    mut after_backward: impl FnMut(&Graph, &ParamStore) -> Result<(), LabError>,
) -> Result<f64, LabError> {
    let mut loss_sum = 0f64;
    let mut rows = 0;
    for idx in order {
        g.reset();
        g.train = true;
        ps.zero_grad();
        let xb = g.constant(x.select(Axis(0), idx));
        let yb: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
        let logits = net.forward(g, ps, xb)?;
        let loss = g.cross_entropy(logits, &yb, smoothing)?;
        let l = g.value(loss)?.iter().next().copied().unwrap_or(f32::NAN) as f64;
        check_loss(name, epoch, l)?;
        loss_sum += l * idx.len() as f64;
        rows += idx.len();
        g.backward(loss, ps)?;
        after_backward(g, ps)?;
        opt.step(ps)?;
        ctx.check()?;
    }
    Ok(loss_sum / rows.max(1) as f64)
}
