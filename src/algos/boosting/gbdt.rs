//! Gradient-boosted decision trees for classification (Friedman, *Greedy
//! Function Approximation: A Gradient Boosting Machine*, 2001), following
//! scikit-learn 1.7's `GradientBoostingClassifier` with the log-loss:
//!
//! * initial raw score from the class priors: the log-odds `ln(p/(1−p))`
//!   (binary) or the centred log-priors (K classes; softmax ignores the shift);
//!   priors are clipped to `[ε, 1−ε]`, ε = f32 machine epsilon, as scikit-learn;
//! * each stage fits, on the (sub)sample, one regression tree per output to the
//!   pseudo-residuals `r = y − p` (binary: one tree; K classes: K trees on the
//!   softmax residuals, all computed from the probabilities at the start of
//!   the stage); split criterion `friedman_mse`, which here chooses the same
//!   splits as plain squared error (see [`super::tree`]);
//! * leaf values are one Newton step, `Σr / Σp(1−p)` (binary) or
//!   `(K−1)/K · Σr / Σ|r|(1−|r|)` (K classes; `|r|(1−|r|) = p(1−p)`), over the
//!   in-bag rows of the leaf (0 if the denominator is 0);
//! * `F ← F + learning_rate · tree(x)` on every training row;
//! * `subsample < 1`: each stage draws `max(1, ⌊subsample·n⌋)` rows without
//!   replacement (our seeded generator, so not scikit-learn's draw).
//!
//! Progress: the mean training log-loss after each stage.

use ndarray::{Array2, ArrayView2};

use super::tree::{grow, Limits, Sorted, Target, WeakTree};
use crate::algos::core::{rng, AlgoError, Classifier, Progress};

/// Hyper-parameters; defaults are scikit-learn's (`random_state` = `seed` 0).
#[derive(Debug, Clone, PartialEq)]
pub struct GbdtParams {
    /// Boosting stages (>= 1).
    pub n_estimators: usize,
    /// Shrinkage of every tree's contribution (> 0).
    pub learning_rate: f64,
    /// Depth of each regression tree (>= 1); `None` grows until leaves are pure.
    pub max_depth: Option<usize>,
    /// A node with fewer rows than this is a leaf (>= 2).
    pub min_samples_split: usize,
    /// Each leaf keeps at least this many rows (>= 1).
    pub min_samples_leaf: usize,
    /// Fraction of rows drawn (without replacement) for each stage, in (0, 1].
    pub subsample: f64,
    /// Seed of the subsampling.
    pub seed: u64,
}

impl Default for GbdtParams {
    fn default() -> Self {
        GbdtParams {
            n_estimators: 100,
            learning_rate: 0.1,
            max_depth: Some(3),
            min_samples_split: 2,
            min_samples_leaf: 1,
            subsample: 1.0,
            seed: 0,
        }
    }
}

impl GbdtParams {
    /// Validates every parameter.
    pub fn check(&self) -> Result<(), AlgoError> {
        if self.n_estimators == 0 {
            return Err(AlgoError::param("n_estimators", "must be >= 1, got 0"));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(AlgoError::param(
                "learning_rate",
                format!("must be a finite number > 0, got {}", self.learning_rate),
            ));
        }
        if self.max_depth == Some(0) {
            return Err(AlgoError::param(
                "max_depth",
                "must be >= 1 (or none), got 0",
            ));
        }
        if self.min_samples_split < 2 {
            return Err(AlgoError::param(
                "min_samples_split",
                format!("must be >= 2, got {}", self.min_samples_split),
            ));
        }
        if self.min_samples_leaf < 1 {
            return Err(AlgoError::param("min_samples_leaf", "must be >= 1, got 0"));
        }
        if !(self.subsample > 0.0 && self.subsample <= 1.0) {
            return Err(AlgoError::param(
                "subsample",
                format!("must be in (0, 1], got {}", self.subsample),
            ));
        }
        Ok(())
    }
}

/// A fitted gradient-boosting classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct GbdtModel {
    n_features: usize,
    n_classes: usize,
    learning_rate: f64,
    /// Initial raw score per output (1 output for two classes, else K).
    init: Vec<f64>,
    /// `stages[s][c]`: the tree of output `c` at stage `s`.
    stages: Vec<Vec<WeakTree>>,
}

impl GbdtModel {
    /// Number of stages fitted.
    pub fn n_stages(&self) -> usize {
        self.stages.len()
    }

    /// Raw scores (n_rows x outputs): the log-odds of class 1 for two
    /// classes, else one score per class (scikit-learn's `decision_function`).
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features {
            return None;
        }
        let m = self.init.len();
        let mut out = Array2::zeros((x.nrows(), m));
        for (row, mut o) in x.outer_iter().zip(out.outer_iter_mut()) {
            for c in 0..m {
                let mut f = self.init[c];
                for stage in &self.stages {
                    let t = &stage[c];
                    f += self.learning_rate * t.leaf_values(t.leaf_by(|j| row[j]))[0];
                }
                o[c] = f;
            }
        }
        Some(out)
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Softmax of `raw` into `out`; returns log Σ exp(raw).
fn softmax(raw: &[f64], out: &mut [f64]) -> f64 {
    let mx = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for (o, &r) in out.iter_mut().zip(raw) {
        *o = (r - mx).exp();
        s += *o;
    }
    out.iter_mut().for_each(|o| *o /= s);
    mx + s.ln()
}

impl Classifier for GbdtModel {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Most probable class (binary: raw score >= 0 is class 1, as
    /// scikit-learn; ties between classes go to the lowest). Empty if `x`
    /// does not have `n_features` columns.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        let Some(raw) = self.decision_function(x) else {
            return Vec::new();
        };
        raw.outer_iter()
            .map(|r| {
                if r.len() == 1 {
                    usize::from(r[0] >= 0.0)
                } else {
                    argmax(r.iter().copied())
                }
            })
            .collect()
    }

    /// Class probabilities (`predict_proba`).
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        let raw = self.decision_function(x)?;
        let mut out = Array2::zeros((raw.nrows(), self.n_classes));
        for (r, mut o) in raw.outer_iter().zip(out.outer_iter_mut()) {
            if r.len() == 1 {
                let p = sigmoid(r[0]);
                o[0] = 1.0 - p;
                o[1] = p;
            } else if let (Some(r), Some(o)) = (r.as_slice(), o.as_slice_mut()) {
                softmax(r, o);
            }
        }
        Some(out)
    }
}

pub(crate) fn argmax(v: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, x) in v.enumerate() {
        if x > best.1 {
            best = (i, x);
        }
    }
    best.0
}

/// Fits the classifier on rows `x` with labels `y` in `0..n_classes`
/// (at least two classes present).
pub fn fit(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    params: &GbdtParams,
    progress: &mut Progress,
) -> Result<GbdtModel, AlgoError> {
    params.check()?;
    crate::algos::tree::validate(x, y, n_classes)?;
    let (n, p) = x.dim();
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    if counts.iter().filter(|&&c| c > 0).count() < 2 {
        return Err(AlgoError::BadData(
            "gradient boosting needs at least two classes in the training rows".into(),
        ));
    }
    let eps = f64::from(f32::EPSILON);
    let priors: Vec<f64> = counts
        .iter()
        .map(|&c| (c as f64 / n as f64).clamp(eps, 1.0 - eps))
        .collect();
    let binary = n_classes == 2;
    let init: Vec<f64> = if binary {
        vec![(priors[1] / (1.0 - priors[1])).ln()]
    } else {
        let logs: Vec<f64> = priors.iter().map(|q| q.ln()).collect();
        let mean = logs.iter().sum::<f64>() / n_classes as f64;
        logs.iter().map(|l| l - mean).collect()
    };
    let m = init.len();
    let limits = Limits {
        max_depth: params.max_depth,
        min_samples_split: params.min_samples_split,
        min_samples_leaf: params.min_samples_leaf,
    };
    let sorted = Sorted::new(x);
    // raw[i * m + c]
    let mut raw: Vec<f64> = (0..n).flat_map(|_| init.iter().copied()).collect();
    let mut prob = vec![0.0; n * m];
    let mut resid = vec![0.0; n];
    let mut weights = vec![1.0; n];
    let n_inbag = ((params.subsample * n as f64).floor() as usize).clamp(1, n);
    let mut rng = rng(params.seed);
    let mut stages = Vec::with_capacity(params.n_estimators);
    let kf = n_classes as f64;
    for stage in 0..params.n_estimators {
        if n_inbag < n {
            weights.iter_mut().for_each(|w| *w = 0.0);
            for i in rand::seq::index::sample(&mut rng, n, n_inbag) {
                weights[i] = 1.0;
            }
        }
        for i in 0..n {
            if binary {
                prob[i] = sigmoid(raw[i]);
            } else {
                softmax(&raw[i * m..(i + 1) * m], &mut prob[i * m..(i + 1) * m]);
            }
        }
        let mut trees = Vec::with_capacity(m);
        for c in 0..m {
            let class = if binary { 1 } else { c };
            for i in 0..n {
                resid[i] = f64::from(u8::from(y[i] == class)) - prob[i * m + c];
            }
            let (mut tree, leaf_of) = grow(&sorted, &Target::Regression(&resid), &weights, &limits);
            let mut num = vec![0.0; tree.n_nodes()];
            let mut den = vec![0.0; tree.n_nodes()];
            for i in 0..n {
                let leaf = leaf_of[i];
                if leaf != u32::MAX {
                    let q = prob[i * m + c];
                    num[leaf as usize] += weights[i] * resid[i];
                    den[leaf as usize] += weights[i] * q * (1.0 - q);
                }
            }
            let factor = if binary { 1.0 } else { (kf - 1.0) / kf };
            for (leaf, (nu, de)) in num.iter().zip(&den).enumerate() {
                let v = if *de == 0.0 { 0.0 } else { factor * nu / de };
                tree.set_leaf_value(leaf, if v.is_finite() { v } else { 0.0 });
            }
            for i in 0..n {
                let leaf = match leaf_of[i] {
                    u32::MAX => tree.leaf_by(|f| x[(i, f)]),
                    l => l as usize,
                };
                raw[i * m + c] += params.learning_rate * tree.leaf_values(leaf)[0];
            }
            trees.push(tree);
        }
        stages.push(trees);
        let loss = log_loss(&raw, y, m);
        progress.report(stage + 1, params.n_estimators, "train log-loss", loss)?;
    }
    Ok(GbdtModel {
        n_features: p,
        n_classes,
        learning_rate: params.learning_rate,
        init,
        stages,
    })
}

/// Mean log-loss of raw scores `raw[i * m + c]`.
fn log_loss(raw: &[f64], y: &[usize], m: usize) -> f64 {
    let n = y.len();
    let mut total = 0.0;
    let mut buf = vec![0.0; m];
    for (i, &c) in y.iter().enumerate() {
        let r = &raw[i * m..(i + 1) * m];
        total += if m == 1 {
            // log(1 + e^F) − y·F, computed stably.
            let f = r[0];
            let softplus = if f > 0.0 {
                f + (-f).exp().ln_1p()
            } else {
                f.exp().ln_1p()
            };
            softplus - if c == 1 { f } else { 0.0 }
        } else {
            softmax(r, &mut buf) - r[c]
        };
    }
    total / n as f64
}
