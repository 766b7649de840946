//! What a run produces: the [`Report`] that `mlwb run --json` prints and the
//! TUI draws, with its parts (cross-validation, clustering, the picture,
//! tagging scores, the casino). Types only: this file imports no other part
//! of `experiment`.

use serde::Serialize;

use crate::algos::registry::{ParamValues, Task};
use crate::algos::HistoryPoint;
use crate::metrics::seqeval::EntityReport;
use crate::metrics::{self, ClassificationReport, ConfusionMatrix, Curve};

#[derive(Debug, Clone, Serialize)]
pub struct CvReport {
    pub folds: usize,
    pub accuracy: Vec<f64>,
    pub mean: f64,
    pub std: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClusteringReport {
    pub n_clusters: usize,
    pub inertia: f64,
    /// Adjusted Rand index of the clusters against the dataset's labels.
    pub ari: f64,
    pub labels: Vec<usize>,
}

/// Points to draw: 2-D coordinates (the data itself when it has two
/// features, else its first two principal components) and, for 2-D data,
/// the predicted class over a grid (decision regions).
#[derive(Debug, Clone, Default)]
pub struct Picture {
    pub axes: [String; 2],
    pub points: Vec<[f64; 2]>,
    /// Class (truth) of each point.
    pub classes: Vec<usize>,
    /// Rows that are test rows.
    pub is_test: Vec<bool>,
    /// (x range, y range, columns, rows, predicted class per cell row-major)
    pub grid: Option<Grid>,
}

#[derive(Debug, Clone)]
pub struct Grid {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub cols: usize,
    pub rows: usize,
    pub cells: Vec<usize>,
}

/// The outcome of a run; `mlwb run --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub algo: String,
    pub dataset: String,
    pub task: Task,
    pub params: ParamValues,
    pub seed: u64,
    pub test_size: f64,
    pub scale: Option<&'static str>,
    pub n_rows: usize,
    pub n_features: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub classes: Vec<String>,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<ClassificationReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion_matrix: Option<metrics::ConfusionMatrix>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc: Option<Curve>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr: Option<Curve>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clustering: Option<ClusteringReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inertia: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ari: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explained_variance_ratio: Option<Vec<f64>>,
    /// Sequence labelling: token accuracy and entity-level scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tagging: Option<Box<TaggingReport>>,
    /// The casino HMM: true die against the Viterbi path and the posterior.
    #[serde(skip)]
    pub casino: Option<Casino>,
    pub history: Vec<HistoryPoint>,
    pub notes: Vec<String>,
    /// Dataset rows of the test set, in order, with truth and prediction:
    /// what a confusion-matrix cell is made of.
    #[serde(skip)]
    pub test_rows: Vec<usize>,
    #[serde(skip)]
    pub test_truth: Vec<usize>,
    #[serde(skip)]
    pub test_pred: Vec<usize>,
    /// The source line of every dataset row (for "row 57 of iris.csv").
    #[serde(skip)]
    pub source_lines: Vec<usize>,
    #[serde(skip)]
    pub picture: Option<Picture>,
}

/// One test sentence as shown in the TUI.
#[derive(Debug, Clone)]
pub struct TaggedSentence {
    pub tokens: Vec<String>,
    pub truth: Vec<String>,
    pub pred: Vec<String>,
}

/// The outcome of a tagging run; `mlwb run --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct TaggingReport {
    pub algo: String,
    pub dataset: String,
    pub params: ParamValues,
    pub seed: u64,
    pub n_train_sentences: usize,
    pub n_test_sentences: usize,
    pub n_train_tokens: usize,
    pub n_test_tokens: usize,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    pub token_accuracy: f64,
    pub entities: EntityReport,
    pub tag_confusion: ConfusionMatrix,
    pub history: Vec<HistoryPoint>,
    /// Tags in the test file never seen in training: (line, tag).
    pub unknown_test_tags: Vec<(usize, String)>,
    pub notes: Vec<String>,
    #[serde(skip)]
    pub sentences: Vec<TaggedSentence>,
}

/// The occasionally dishonest casino: the true model, the rolls and the
/// true hidden die, the Viterbi path and the posterior of "loaded".
#[derive(Debug, Clone, Serialize)]
pub struct Casino {
    pub states: Vec<String>,
    pub rolls: Vec<usize>,
    pub truth: Vec<usize>,
    pub viterbi: Vec<usize>,
    pub log_prob: f64,
    pub posterior_loaded: Vec<f64>,
    /// Share of rolls whose die the Viterbi path gets right.
    pub viterbi_accuracy: f64,
    pub posterior_accuracy: f64,
    pub log_likelihood: f64,
}
