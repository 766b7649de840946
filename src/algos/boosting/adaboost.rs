//! AdaBoost with decision stumps, multi-class SAMME (Zhu, Zou, Rosset &
//! Hastie, *Multi-class AdaBoost*, 2009), following scikit-learn 1.7's
//! `AdaBoostClassifier` (whose only algorithm is SAMME):
//!
//! * weights start uniform, `w_i = 1/n`; each round fits a weighted CART tree
//!   (Gini, `max_depth` 1 by default) to the weighted rows;
//! * weighted error `ε = Σ w_i [h(x_i) ≠ y_i] / Σ w_i`;
//!   `ε = 0`: the learner is kept with weight 1 and boosting stops;
//!   `ε >= 1 − 1/K`: the learner is dropped and boosting stops (an error if it
//!   was the first);
//! * `α = learning_rate · (ln((1−ε)/ε) + ln(K−1))`; misclassified rows get
//!   `w_i ← w_i·e^α`, then the weights are normalised (not after the last round);
//! * decision per class `c`: `Σ_t α_t·([h_t(x) = c] − [h_t(x) ≠ c]/(K−1)) / Σ_t α_t`,
//!   prediction its argmax (lowest class on ties), probabilities its softmax
//!   after dividing by `K−1` (scikit-learn's `predict_proba`).
//!
//! `K` is the number of classes present in the training labels, as in
//! scikit-learn (its `classes_`). Progress: the weighted error of each round.

use ndarray::{Array2, ArrayView2};

use super::gbdt::argmax;
use super::tree::{grow, Limits, Sorted, Target, WeakTree};
use crate::algos::core::{AlgoError, Classifier, Progress};

/// Hyper-parameters; defaults are scikit-learn's (the default estimator is a
/// depth-1 decision tree).
#[derive(Debug, Clone, PartialEq)]
pub struct AdaBoostParams {
    /// Maximum number of rounds (>= 1); fewer when boosting stops early.
    pub n_estimators: usize,
    /// Multiplies every learner's weight α (> 0).
    pub learning_rate: f64,
    /// Depth of each weak tree (>= 1); 1 = stumps.
    pub max_depth: usize,
    /// Each leaf keeps at least this many rows (>= 1).
    pub min_samples_leaf: usize,
}

impl Default for AdaBoostParams {
    fn default() -> Self {
        AdaBoostParams {
            n_estimators: 50,
            learning_rate: 1.0,
            max_depth: 1,
            min_samples_leaf: 1,
        }
    }
}

impl AdaBoostParams {
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
        if self.max_depth == 0 {
            return Err(AlgoError::param("max_depth", "must be >= 1, got 0"));
        }
        if self.min_samples_leaf < 1 {
            return Err(AlgoError::param("min_samples_leaf", "must be >= 1, got 0"));
        }
        Ok(())
    }
}

/// A fitted AdaBoost ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaBoostModel {
    n_features: usize,
    n_classes: usize,
    /// Classes present in the training labels (K of SAMME).
    k_present: usize,
    /// (tree, α) per kept round.
    learners: Vec<(WeakTree, f64)>,
    /// Weighted training error per kept round.
    errors: Vec<f64>,
}

impl AdaBoostModel {
    /// Number of learners kept.
    pub fn n_learners(&self) -> usize {
        self.learners.len()
    }

    /// Learner weights α (scikit-learn's `estimator_weights_`, fitted rounds).
    pub fn learner_weights(&self) -> Vec<f64> {
        self.learners.iter().map(|(_, a)| *a).collect()
    }

    /// Weighted training error of each kept round (`estimator_errors_`).
    pub fn errors(&self) -> &[f64] {
        &self.errors
    }

    /// SAMME decision values, n_rows x n_classes (see the module doc).
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features {
            return None;
        }
        let k = self.n_classes;
        let other = -1.0 / (self.k_present as f64 - 1.0);
        let total: f64 = self.learners.iter().map(|(_, a)| a).sum();
        let mut out = Array2::zeros((x.nrows(), k));
        for (row, mut o) in x.outer_iter().zip(out.outer_iter_mut()) {
            for (t, alpha) in &self.learners {
                let c = predict_one(t, |f| row[f]);
                o.iter_mut().for_each(|v| *v += other * alpha);
                o[c] += alpha - other * alpha;
            }
            if total > 0.0 {
                o.iter_mut().for_each(|v| *v /= total);
            }
        }
        Some(out)
    }
}

fn predict_one(t: &WeakTree, get: impl Fn(usize) -> f64) -> usize {
    argmax(t.leaf_values(t.leaf_by(get)).iter().copied())
}

impl Classifier for AdaBoostModel {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Argmax of the decision values. Empty if `x` does not have
    /// `n_features` columns.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        match self.decision_function(x) {
            Some(d) => d.outer_iter().map(|r| argmax(r.iter().copied())).collect(),
            None => Vec::new(),
        }
    }

    /// scikit-learn's `predict_proba`: softmax of decision / (K − 1).
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        let mut d = self.decision_function(x)?;
        let scale = self.k_present as f64 - 1.0;
        for mut r in d.outer_iter_mut() {
            let mx = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            r.mapv_inplace(|v| ((v - mx) / scale).exp());
            let s = r.sum();
            r.mapv_inplace(|v| v / s);
        }
        Some(d)
    }
}

/// Fits AdaBoost (SAMME) on rows `x` with labels `y` in `0..n_classes`
/// (at least two classes present).
pub fn fit(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    params: &AdaBoostParams,
    progress: &mut Progress,
) -> Result<AdaBoostModel, AlgoError> {
    params.check()?;
    crate::algos::tree::validate(x, y, n_classes)?;
    let (n, p) = x.dim();
    let mut present = vec![false; n_classes];
    y.iter().for_each(|&c| present[c] = true);
    let k_present = present.iter().filter(|&&b| b).count();
    if k_present < 2 {
        return Err(AlgoError::BadData(
            "AdaBoost needs at least two classes in the training rows".into(),
        ));
    }
    let kf = k_present as f64;
    let limits = Limits {
        max_depth: Some(params.max_depth),
        min_samples_split: 2,
        min_samples_leaf: params.min_samples_leaf,
    };
    let sorted = Sorted::new(x);
    let target = Target::Classes(y, n_classes);
    let mut w = vec![1.0 / n as f64; n];
    let mut learners = Vec::new();
    let mut errors = Vec::new();
    let mut wrong = vec![false; n];
    for round in 0..params.n_estimators {
        let (tree, leaf_of) = grow(&sorted, &target, &w, &limits);
        let (mut err, mut total) = (0.0, 0.0);
        for i in 0..n {
            let leaf = match leaf_of[i] {
                u32::MAX => tree.leaf_by(|f| x[(i, f)]),
                l => l as usize,
            };
            wrong[i] = argmax(tree.leaf_values(leaf).iter().copied()) != y[i];
            total += w[i];
            if wrong[i] {
                err += w[i];
            }
        }
        let err = if total > 0.0 { err / total } else { 0.0 };
        if err <= 0.0 {
            learners.push((tree, 1.0));
            errors.push(0.0);
            progress.report(round + 1, params.n_estimators, "weighted error", err)?;
            break;
        }
        if err >= 1.0 - 1.0 / kf {
            if learners.is_empty() {
                return Err(AlgoError::Failed(format!(
                    "the first weak learner is no better than chance (weighted error {err:.4} >= 1 - 1/K = {:.4}): the ensemble cannot be fitted",
                    1.0 - 1.0 / kf
                )));
            }
            break;
        }
        let alpha = params.learning_rate * (((1.0 - err) / err).ln() + (kf - 1.0).ln());
        learners.push((tree, alpha));
        errors.push(err);
        progress.report(round + 1, params.n_estimators, "weighted error", err)?;
        if round + 1 == params.n_estimators {
            break;
        }
        let mut sum = 0.0;
        for (wi, &bad) in w.iter_mut().zip(&wrong) {
            if bad && *wi > 0.0 {
                *wi = (wi.ln() + alpha).exp();
            }
            sum += *wi;
        }
        if !sum.is_finite() || sum <= 0.0 {
            break;
        }
        w.iter_mut().for_each(|wi| *wi /= sum);
    }
    Ok(AdaBoostModel {
        n_features: p,
        n_classes,
        k_present,
        learners,
        errors,
    })
}
