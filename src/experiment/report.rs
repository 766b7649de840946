//! What a run produces: the [`Report`] that `mlwb run --json` prints and the
//! TUI draws, with its parts (cross-validation, clustering, the picture,
//! tagging scores, the casino). Types only: this file imports no other part
//! of `experiment`.

use serde::Serialize;

use crate::algos::HistoryPoint;
use crate::labs::LabOutcome;
use crate::metrics::seqeval::EntityReport;
use crate::metrics::{ClassificationReport, ConfusionMatrix, Curve, RegressionMetrics};
use crate::registry::{LassoPath, ParamValues, Task};

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

/// The outcome of a run; `mlwb run --json` prints it. `O` is the
/// [`Outcome`]; the run code builds a `Report<()>` (settings and timings)
/// and finishes it with [`Report::with_outcome`].
#[derive(Debug, Clone, Serialize)]
pub struct Report<O = Outcome> {
    pub algo: String,
    pub dataset: String,
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
    /// `task` and what that task produces (flattened into the JSON).
    #[serde(flatten)]
    pub outcome: O,
    pub history: Vec<HistoryPoint>,
    pub notes: Vec<String>,
    /// The source line of every dataset row (for "row 57 of iris.csv").
    #[serde(skip)]
    pub source_lines: Vec<usize>,
}

/// What a run produces beyond its settings and timings, by task.
/// Serialised flattened into the [`Report`] with a `task` tag, so
/// `mlwb run --json` has `task`, `metrics`, `confusion_matrix`, ... at the
/// top level.
///
/// Room for the coming lab outcomes (training curves, attention maps,
/// embeddings): each is one more variant with its own struct here, and one
/// widget file in `tui/panes/`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum Outcome {
    Classification(Box<ClassificationOutcome>),
    /// A regressor on a numeric target.
    Regression(Box<RegressionOutcome>),
    Clustering(ClusteringOutcome),
    Reduction(ReductionOutcome),
    /// An HMM or a CRF on a CoNLL corpus.
    Tagging(TaggingOutcome),
    /// The HMM on the casino rolls (a tagging task, hence its tag).
    #[serde(rename = "tagging")]
    Casino(Box<CasinoOutcome>),
    /// A lab: figures, charts, tables, pictures (`crate::labs`).
    Lab(Box<LabOutcome>),
}

/// A classifier evaluated on the test rows (and by cross-validation).
#[derive(Debug, Clone, Serialize)]
pub struct ClassificationOutcome {
    pub metrics: ClassificationReport,
    pub confusion_matrix: ConfusionMatrix,
    /// Binary problems only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc: Option<Curve>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr: Option<Curve>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvReport>,
    /// Dataset rows of the test set, in order, with truth and prediction:
    /// what a confusion-matrix cell is made of.
    #[serde(skip)]
    pub test_rows: Vec<usize>,
    #[serde(skip)]
    pub test_truth: Vec<usize>,
    #[serde(skip)]
    pub test_pred: Vec<usize>,
    #[serde(skip)]
    pub picture: Option<Picture>,
    /// Text corpora: the vocabulary, its sparsity and the telling words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Box<TextSummary>>,
}

/// What the vectoriser made of a text corpus, and which words the fitted
/// model leans on.
#[derive(Debug, Clone, Serialize)]
pub struct TextSummary {
    /// `tfidf` or `counts`.
    pub weighting: &'static str,
    pub ngram_range: (usize, usize),
    pub min_df: String,
    pub max_df: String,
    pub vocabulary_size: usize,
    /// Terms dropped by min_df / max_df.
    pub pruned_terms: usize,
    /// Stored entries of the training document-term matrix.
    pub nnz: usize,
    /// Share of its cells that are not zero.
    pub density: f64,
    /// Whether the model was fitted on the sparse matrix (false: a
    /// dense-only algorithm on a small corpus, densified).
    pub sparse: bool,
    /// Per class, the words with the largest weight towards it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicative: Vec<ClassWords>,
    /// The first test message and the words that pushed it most towards its
    /// predicted class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<MessageWords>,
    /// Test rows whose class never occurs in the training data (`--test`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unseen_test_classes: Vec<(String, usize)>,
}

/// The most indicative words of one class: (word, weight), largest first.
/// The weight is the model's (`feature_weights`): a log-probability ratio
/// for naive Bayes, a coefficient for linear models.
#[derive(Debug, Clone, Serialize)]
pub struct ClassWords {
    pub class: String,
    pub measure: &'static str,
    pub words: Vec<(String, f64)>,
}

/// One test message explained: its words' contributions (feature value x
/// weight) towards the predicted class, largest first.
#[derive(Debug, Clone, Serialize)]
pub struct MessageWords {
    pub test_row: usize,
    pub text: String,
    pub truth: String,
    pub predicted: String,
    pub words: Vec<(String, f64)>,
}

/// A regressor evaluated on the test rows (and by cross-validation).
#[derive(Debug, Clone, Serialize)]
pub struct RegressionOutcome {
    /// Scores on the test rows.
    pub metrics: RegressionMetrics,
    /// Scores on the training rows (how much the model memorised).
    pub train_metrics: RegressionMetrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<RegressionCv>,
    /// R² on the training and the test rows when fitted on the first
    /// 20%, 40%, ... of the training rows (sizes too small to fit left out).
    pub learning_curve: Vec<LearningPoint>,
    /// Linear models: the intercept and one row per feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coefficients: Option<Vec<CoefRow>>,
    /// Linear models: the lasso (or this elastic net's) path on the
    /// training rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lasso_path: Option<LassoPathReport>,
    /// Dataset rows of the test set, in order, with truth and prediction.
    #[serde(skip)]
    pub test_rows: Vec<usize>,
    #[serde(skip)]
    pub test_truth: Vec<f64>,
    #[serde(skip)]
    pub test_pred: Vec<f64>,
}

/// k-fold cross-validation of a regressor (unstratified folds).
#[derive(Debug, Clone, Serialize)]
pub struct RegressionCv {
    pub folds: usize,
    pub r2: Vec<f64>,
    pub rmse: Vec<f64>,
    pub mean_r2: f64,
    pub std_r2: f64,
    pub mean_rmse: f64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct LearningPoint {
    pub n_train: usize,
    pub train_r2: f64,
    pub test_r2: f64,
}

/// One row of the coefficient table.
#[derive(Debug, Clone, Serialize)]
pub struct CoefRow {
    /// The feature, or `(intercept)`.
    pub name: String,
    pub value: f64,
    /// Ordinary least squares only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std_err: Option<f64>,
}

/// The lasso path with the feature names.
#[derive(Debug, Clone, Serialize)]
pub struct LassoPathReport {
    pub features: Vec<String>,
    #[serde(flatten)]
    pub path: LassoPath,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClusteringOutcome {
    pub clustering: ClusteringReport,
    pub inertia: f64,
    pub ari: f64,
    #[serde(skip)]
    pub picture: Option<Picture>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReductionOutcome {
    pub explained_variance_ratio: Vec<f64>,
    #[serde(skip)]
    pub picture: Option<Picture>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaggingOutcome {
    /// Truth against predicted tag, token by token.
    pub confusion_matrix: ConfusionMatrix,
    /// Token accuracy and entity-level scores.
    pub tagging: Box<TaggingReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CasinoOutcome {
    /// Scores of the decoded dice on the test rolls.
    pub metrics: ClassificationReport,
    pub confusion_matrix: ConfusionMatrix,
    /// True die against the Viterbi path and the posterior.
    #[serde(skip)]
    pub casino: Casino,
    /// Index of the first test roll in `casino.rolls` (the rolls before it
    /// trained the model).
    #[serde(skip)]
    pub first_test_roll: usize,
    /// True and decoded die of each test roll: what a matrix cell is made of.
    #[serde(skip)]
    pub test_truth: Vec<usize>,
    #[serde(skip)]
    pub test_pred: Vec<usize>,
}

/// What one confusion-matrix cell is made of: dataset rows (by source
/// line), casino rolls (numbered from 1) or tagged tokens (the words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellMembers {
    Rows(Vec<usize>),
    Rolls(Vec<usize>),
    Tokens(Vec<String>),
}

impl CellMembers {
    pub fn len(&self) -> usize {
        match self {
            CellMembers::Rows(v) | CellMembers::Rolls(v) => v.len(),
            CellMembers::Tokens(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `12 row(s) at line 3, 9, …`, `4 roll(s): #1203, …`, `2 token(s): Paris, …`
    /// with at most `max` items named.
    pub fn describe(&self, max: usize) -> String {
        let (noun, lead, items): (&str, &str, Vec<String>) = match self {
            CellMembers::Rows(v) => (
                "row(s)",
                " at line ",
                v.iter().take(max).map(usize::to_string).collect(),
            ),
            CellMembers::Rolls(v) => (
                "roll(s)",
                ": roll ",
                v.iter().take(max).map(|r| format!("#{r}")).collect(),
            ),
            CellMembers::Tokens(v) => ("token(s)", ": ", v.iter().take(max).cloned().collect()),
        };
        let n = self.len();
        if n == 0 {
            return format!("0 {noun}");
        }
        let more = if n > max { ", …" } else { "" };
        format!("{n} {noun}{lead}{}{more}", items.join(", "))
    }
}

impl Report {
    pub fn task(&self) -> Task {
        match &self.outcome {
            Outcome::Classification(_) => Task::Classification,
            Outcome::Regression(_) => Task::Regression,
            Outcome::Clustering(_) => Task::Clustering,
            Outcome::Reduction(_) => Task::Reduction,
            Outcome::Tagging(_) | Outcome::Casino(_) => Task::Tagging,
            Outcome::Lab(_) => Task::Lab,
        }
    }

    pub fn regression(&self) -> Option<&RegressionOutcome> {
        match &self.outcome {
            Outcome::Regression(r) => Some(r),
            _ => None,
        }
    }

    pub fn lab(&self) -> Option<&LabOutcome> {
        match &self.outcome {
            Outcome::Lab(l) => Some(l),
            _ => None,
        }
    }

    pub fn classification(&self) -> Option<&ClassificationOutcome> {
        match &self.outcome {
            Outcome::Classification(c) => Some(c),
            _ => None,
        }
    }

    pub fn clustering_outcome(&self) -> Option<&ClusteringOutcome> {
        match &self.outcome {
            Outcome::Clustering(c) => Some(c),
            _ => None,
        }
    }

    pub fn reduction(&self) -> Option<&ReductionOutcome> {
        match &self.outcome {
            Outcome::Reduction(r) => Some(r),
            _ => None,
        }
    }

    /// Per-class scores: a classifier's, or the casino's decoded dice.
    pub fn metrics(&self) -> Option<&ClassificationReport> {
        match &self.outcome {
            Outcome::Classification(c) => Some(&c.metrics),
            Outcome::Casino(c) => Some(&c.metrics),
            _ => None,
        }
    }

    /// Truth on rows, predictions on columns: classes, dice or tags.
    pub fn confusion_matrix(&self) -> Option<&ConfusionMatrix> {
        match &self.outcome {
            Outcome::Classification(c) => Some(&c.confusion_matrix),
            Outcome::Casino(c) => Some(&c.confusion_matrix),
            Outcome::Tagging(t) => Some(&t.confusion_matrix),
            _ => None,
        }
    }

    pub fn roc(&self) -> Option<&Curve> {
        self.classification().and_then(|c| c.roc.as_ref())
    }

    pub fn pr(&self) -> Option<&Curve> {
        self.classification().and_then(|c| c.pr.as_ref())
    }

    pub fn cv(&self) -> Option<&CvReport> {
        self.classification().and_then(|c| c.cv.as_ref())
    }

    pub fn clustering(&self) -> Option<&ClusteringReport> {
        self.clustering_outcome().map(|c| &c.clustering)
    }

    pub fn inertia(&self) -> Option<f64> {
        self.clustering_outcome().map(|c| c.inertia)
    }

    pub fn ari(&self) -> Option<f64> {
        self.clustering_outcome().map(|c| c.ari)
    }

    pub fn explained_variance_ratio(&self) -> Option<&[f64]> {
        self.reduction()
            .map(|r| r.explained_variance_ratio.as_slice())
    }

    pub fn tagging(&self) -> Option<&TaggingReport> {
        match &self.outcome {
            Outcome::Tagging(t) => Some(&t.tagging),
            _ => None,
        }
    }

    pub fn casino(&self) -> Option<&Casino> {
        match &self.outcome {
            Outcome::Casino(c) => Some(&c.casino),
            _ => None,
        }
    }

    /// The points to draw, if the task has a picture.
    pub fn picture(&self) -> Option<&Picture> {
        match &self.outcome {
            Outcome::Classification(c) => c.picture.as_ref(),
            Outcome::Clustering(c) => c.picture.as_ref(),
            Outcome::Reduction(r) => r.picture.as_ref(),
            Outcome::Tagging(_) | Outcome::Casino(_) | Outcome::Lab(_) | Outcome::Regression(_) => {
                None
            }
        }
    }

    /// Test rows of a classification run (empty otherwise).
    pub fn test_rows(&self) -> &[usize] {
        self.classification()
            .map_or(&[], |c| c.test_rows.as_slice())
    }

    pub fn test_truth(&self) -> &[usize] {
        self.classification()
            .map_or(&[], |c| c.test_truth.as_slice())
    }

    pub fn test_pred(&self) -> &[usize] {
        self.classification()
            .map_or(&[], |c| c.test_pred.as_slice())
    }

    /// What the confusion-matrix cell (truth `t`, predicted `p`) is made of;
    /// its length is the cell's count for every task that has a matrix.
    pub fn cell_members(&self, t: usize, p: usize) -> CellMembers {
        let hits = |truth: &[usize], pred: &[usize]| -> Vec<usize> {
            truth
                .iter()
                .zip(pred)
                .enumerate()
                .filter(|(_, (a, b))| **a == t && **b == p)
                .map(|(i, _)| i)
                .collect()
        };
        match &self.outcome {
            Outcome::Classification(c) => CellMembers::Rows(
                hits(&c.test_truth, &c.test_pred)
                    .into_iter()
                    .filter_map(|i| c.test_rows.get(i))
                    .map(|&row| self.source_lines.get(row).copied().unwrap_or(row + 2))
                    .collect(),
            ),
            Outcome::Casino(c) => CellMembers::Rolls(
                hits(&c.test_truth, &c.test_pred)
                    .into_iter()
                    .map(|i| c.first_test_roll + i + 1)
                    .collect(),
            ),
            Outcome::Tagging(tg) => {
                let (Some(want_t), Some(want_p)) = (
                    tg.confusion_matrix.labels.get(t),
                    tg.confusion_matrix.labels.get(p),
                ) else {
                    return CellMembers::Tokens(Vec::new());
                };
                CellMembers::Tokens(
                    tg.tagging
                        .sentences
                        .iter()
                        .flat_map(|s| s.tokens.iter().zip(s.truth.iter().zip(&s.pred)))
                        .filter(|(_, (a, b))| *a == want_t && *b == want_p)
                        .map(|(w, _)| w.clone())
                        .collect(),
                )
            }
            Outcome::Clustering(_)
            | Outcome::Reduction(_)
            | Outcome::Lab(_)
            | Outcome::Regression(_) => CellMembers::Rows(Vec::new()),
        }
    }
}

impl<O> Report<O> {
    /// The same report with `outcome` as its outcome.
    pub fn with_outcome<P>(self, outcome: P) -> Report<P> {
        Report {
            algo: self.algo,
            dataset: self.dataset,
            params: self.params,
            seed: self.seed,
            test_size: self.test_size,
            scale: self.scale,
            n_rows: self.n_rows,
            n_features: self.n_features,
            n_train: self.n_train,
            n_test: self.n_test,
            classes: self.classes,
            fit_seconds: self.fit_seconds,
            predict_seconds: self.predict_seconds,
            outcome,
            history: self.history,
            notes: self.notes,
            source_lines: self.source_lines,
        }
    }
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
    /// The learned tag-to-tag transition scores (CRF and BiLSTM-CRF).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transitions: Option<crate::seq::tagger::Transitions>,
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
