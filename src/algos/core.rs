//! Types shared by every algorithm: errors, progress reporting with
//! cancellation (and the history a report keeps of it), the fitted-model
//! traits, and seeded randomness (re-exported from [`crate::rng`]). A leaf:
//! it imports nothing else of the crate.

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use crate::data::sparse::Csr;

/// Why a fit did not produce a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlgoError {
    /// The user (or the UI) cancelled the run.
    #[error("cancelled")]
    Cancelled,
    /// A hyper-parameter is out of its valid range (checked before fitting).
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParam { name: String, message: String },
    /// The data cannot be used by this algorithm (e.g. one class only).
    #[error("{0}")]
    BadData(String),
    /// The algorithm itself failed (e.g. a linear algebra error).
    #[error("{0}")]
    Failed(String),
}

impl AlgoError {
    pub fn param(name: &str, message: impl Into<String>) -> AlgoError {
        AlgoError::InvalidParam {
            name: name.to_string(),
            message: message.into(),
        }
    }
}

/// One training step, reported while fitting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// 1-based iteration (or tree, or epoch) just finished.
    pub iter: usize,
    /// Planned number of iterations (an upper bound when the fit may stop early).
    pub total: usize,
    /// What `value` is: "loss", "log-likelihood", "inertia", "oob accuracy", ...
    pub metric: &'static str,
    pub value: f64,
}

/// One recorded step of a fit, as a report keeps it (`history` in
/// `mlwb run --json`).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    pub iter: usize,
    pub metric: &'static str,
    pub value: f64,
}

impl From<Step> for HistoryPoint {
    fn from(s: Step) -> HistoryPoint {
        HistoryPoint {
            iter: s.iter,
            metric: s.metric,
            value: s.value,
        }
    }
}

/// Progress sink handed to a fit. `report` returns `Err(Cancelled)` once the
/// run has been cancelled; algorithms propagate it with `?`, so a cancel
/// stops them at the next step. Loops whose steps are long (an epoch of a
/// network) also poll [`Progress::check`] between their inner steps (each
/// mini-batch), which sees the cancel flag without reporting anything.
pub struct Progress<'a> {
    sink: Option<&'a mut dyn FnMut(Step) -> bool>,
    cancel: Option<&'a AtomicBool>,
}

impl<'a> Progress<'a> {
    /// A sink that receives each step; it returns false to cancel.
    pub fn new(sink: &'a mut dyn FnMut(Step) -> bool) -> Progress<'a> {
        Progress {
            sink: Some(sink),
            cancel: None,
        }
    }

    /// A sink, and the cancel flag that [`Progress::check`] polls between
    /// reports.
    pub fn with_cancel(
        sink: &'a mut dyn FnMut(Step) -> bool,
        cancel: &'a AtomicBool,
    ) -> Progress<'a> {
        Progress {
            sink: Some(sink),
            cancel: Some(cancel),
        }
    }

    /// No reporting, never cancelled (tests, benchmarks).
    pub fn none() -> Progress<'static> {
        Progress {
            sink: None,
            cancel: None,
        }
    }

    /// True once the run has been cancelled (through the flag given to
    /// [`Progress::with_cancel`]); reports nothing.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::SeqCst))
    }

    /// `Err(Cancelled)` once the run has been cancelled; reports nothing.
    pub fn check(&self) -> Result<(), AlgoError> {
        if self.is_cancelled() {
            Err(AlgoError::Cancelled)
        } else {
            Ok(())
        }
    }

    pub fn report(
        &mut self,
        iter: usize,
        total: usize,
        metric: &'static str,
        value: f64,
    ) -> Result<(), AlgoError> {
        match &mut self.sink {
            None => Ok(()),
            Some(f) => {
                if f(Step {
                    iter,
                    total,
                    metric,
                    value,
                }) {
                    Ok(())
                } else {
                    Err(AlgoError::Cancelled)
                }
            }
        }
    }
}

/// A fitted classifier. Classes are `0..n_classes`, indices into the
/// dataset's class names.
pub trait Classifier: Send + Sync {
    /// Number of input features the model was trained on.
    fn n_features(&self) -> usize;
    fn n_classes(&self) -> usize;
    /// Predicted class per row.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize>;
    /// Class scores per row (n_rows x n_classes), higher = more likely:
    /// probabilities where the model has them, decision values otherwise.
    /// Used for ROC / precision-recall curves. `None` if the model has none.
    fn scores(&self, _x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        None
    }
    /// [`Classifier::predict`] on sparse rows; `None` for dense-only models.
    fn predict_sparse(&self, _x: &Csr) -> Option<Vec<usize>> {
        None
    }
    /// [`Classifier::scores`] on sparse rows; `None` for dense-only models.
    fn scores_sparse(&self, _x: &Csr) -> Option<Array2<f64>> {
        None
    }
    /// Per class (n_classes x n_features), how strongly each feature pushes a
    /// row towards that class: log-probability ratios for naive Bayes,
    /// coefficients for linear models. `None` where there is no such number.
    fn feature_weights(&self) -> Option<Array2<f64>> {
        None
    }
}

/// A fitted linear model's coefficients, for the report's coefficient table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficients {
    pub intercept: f64,
    /// One weight per feature, in feature order.
    pub coef: Vec<f64>,
    /// Ordinary least squares only: standard error of the intercept and of
    /// each weight (`σ̂² (XᵀX)⁻¹` with `σ̂² = RSS / (n - p - 1)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std_err: Option<(f64, Vec<f64>)>,
}

/// A fitted regressor: a number per row.
pub trait Regressor: Send + Sync {
    /// Number of input features the model was trained on.
    fn n_features(&self) -> usize;
    /// Predicted value per row (empty when the width is wrong).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64>;
    /// Intercept and weights of a linear model; `None` for the others.
    fn coefficients(&self) -> Option<Coefficients> {
        None
    }
}

/// A fitted clustering: a label per training row plus what is needed to
/// assign new rows.
pub trait Clusterer: Send + Sync {
    fn n_clusters(&self) -> usize;
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize>;
    /// Sum of squared distances of rows to their closest centre.
    fn inertia(&self, x: ArrayView2<'_, f64>) -> f64;
}

/// The seeded generator, re-exported where the algorithms have always
/// found it (it lives in [`crate::rng`], below `data` and `algos`).
pub use crate::rng::{rng, Rng};
