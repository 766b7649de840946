//! Evaluation metrics, terminal-free.
//!
//! Everything here follows scikit-learn 1.7 (the reference the tests compare
//! against, with the Python snippets that produced each number beside the
//! assertions):
//!
//! - [`classification`]: the confusion matrix (true labels on rows, predicted
//!   on columns, as `sklearn.metrics.confusion_matrix`), the per-class
//!   precision / recall / F1 report (as `classification_report` with
//!   `zero_division=0`) and plain-text explanations of each figure.
//! - [`curves`]: ROC (`roc_curve(drop_intermediate=False)` + `roc_auc_score`)
//!   and precision-recall (`precision_recall_curve` +
//!   `average_precision_score`) for binary problems.
//! - [`calibration`]: log loss, multi-class Brier, reliability diagram and
//!   ECE, one-vs-rest / one-vs-one ROC AUC, temperature scaling.
//! - [`clustering`]: adjusted Rand index and k-means inertia.
//! - [`regression`]: R², RMSE, MAE and MAPE.
//! - [`info`]: entropy, Gini impurity and information gain, for the notes
//!   and the quiz.
//!
//! Why our own and not linfa's: linfa 0.8.1's `ConfusionMatrix` is indexed
//! `[predicted, truth]` although its documentation says rows are targets,
//! reorders the classes for binary problems, stores `f32` and keeps the
//! matrix private; its ROC has no thresholds nor scikit-learn's tie handling,
//! and it has no precision-recall curve and no ARI. (The stratified split
//! and k-fold, which linfa lacks too, are in `data::split`.)
//! The test `confusion_matches_linfa_transposed` pins the orientation
//! difference.
//!
//! No function returns NaN. Where scikit-learn would return NaN or divide by
//! zero, the value returned is documented on the function (in short:
//! an undefined ratio is 0, as with `zero_division=0`; an undefined ROC AUC
//! is 0.5 with a [`Curve::note`] saying why).
//!
//! Inconsistent inputs (lengths that differ, a label outside `0..n_classes`,
//! a NaN score) give a [`MetricsError`]; nothing here panics.

pub mod bleu;
pub mod calibration;
pub mod classification;
pub mod clustering;
pub mod curves;
mod error;
pub mod info;
pub mod regression;
pub mod seqeval;

pub use self::classification::{
    accuracy, report, Avg, ClassMetrics, ClassificationReport, ConfusionMatrix,
};
pub use self::clustering::{adjusted_rand_index, inertia};
pub use self::curves::{pr_curve, roc_curve, Curve};
pub use self::error::MetricsError;
pub use self::info::{
    entropy, entropy_bits, entropy_of_counts, gini, information_gain, information_gain_bits,
};
pub use self::regression::{r2, regression_metrics, RegressionMetrics};
