//! Labs: runnable demonstrations of what a note claims ("plain deep nets
//! degrade, residual ones do not", "BatchNorm collapses at batch size 2"),
//! mostly on the neural engine ([`crate::nn`]). Terminal-free.
//!
//! A lab is registered like any algorithm (`crate::registry`, task
//! [`Task::Lab`](crate::algos::algorithm::Task)): an
//! [`Algorithm`](crate::algos::algorithm::Algorithm) impl whose typed
//! parameters implement [`RunLab`]. What a lab produces is one generic
//! [`LabOutcome`]: key figures, line charts, tables, heat maps, histograms
//! and "what to notice" lines, every number computed by the run. The TUI
//! draws any `LabOutcome` with one pane and `mlwb run --algo LAB --json`
//! prints it, so a new lab is one file here and one registry entry; no new
//! widget, no new CLI code.
//!
//! While it runs, a lab sends snapshots of its partial outcome through
//! [`LabContext::update`] (after each epoch, say); the TUI draws the latest
//! one, which is how curves fill in live. A cancel is seen at the next
//! update or [`LabContext::check`].

pub mod adversarial;
pub mod arch;
pub mod attention;
pub mod bayesnet;
pub mod bert;
pub mod calibration;
pub mod classify;
pub mod cnn;
pub mod contrastive;

pub mod depth;
pub mod format;
pub mod gcn;
pub mod gen_disc;
pub mod graphs;
pub mod init;
pub mod mlp;
pub mod multimodal;

mod nndata;
pub mod node_embedding;
pub mod norm;
pub mod relation;
pub mod rnn;
pub mod segment;
pub mod seq2seq;
pub mod transformer;

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::algos::algorithm::ParamError;
use crate::algos::{AlgoError, Progress, Step};
use crate::data::DataError;
use crate::metrics::{ClassificationReport, ConfusionMatrix};
use crate::nn::NnError;

/// Text in both languages (the TUI picks by the language setting; JSON
/// carries both).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Bi {
    pub en: String,
    pub zh: String,
}

pub fn bi(en: impl Into<String>, zh: impl Into<String>) -> Bi {
    Bi {
        en: en.into(),
        zh: zh.into(),
    }
}

/// One key number of a run ("test accuracy 0.974").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Stable machine name (`test_accuracy`, `plain_56_train_error`).
    pub key: String,
    pub label: Bi,
    pub value: f64,
    /// Printed after the value (`ms`, `%`, ``); empty for none.
    pub unit: String,
}

/// One line of a chart: `(x, y)` points in x order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub points: Vec<[f64; 2]>,
}

/// A line chart (training curves, accuracy against depth, gradient norm per
/// layer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    pub key: String,
    pub title: Bi,
    pub x_label: String,
    pub y_label: String,
    /// Draw y on a log10 scale (gradient norms spanning decades).
    pub log_y: bool,
    pub series: Vec<Series>,
}

/// A table cell: numbers stay numbers in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Int(i64),
    Num(f64),
    Text(String),
}

impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(v)
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Cell {
        Cell::Int(v as i64)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Num(v)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Cell {
        Cell::Text(v.to_string())
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Cell {
        Cell::Text(v)
    }
}

/// A table (the layer table: layer, output shape, parameters, mult-adds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub key: String,
    pub title: Bi,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A matrix of values drawn as shades (feature maps, attention weights,
/// weights of a layer). Row-major, `rows × cols`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heatmap {
    pub key: String,
    pub title: Bi,
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f64>,
    /// Labels of the rows and columns (may be empty: then only indices).
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
    /// Heat maps with the same group are drawn side by side (the 16
    /// feature maps of one layer).
    pub group: String,
}

/// Counts of values in bins (activations of one layer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub key: String,
    pub title: Bi,
    /// `counts.len() + 1` bin edges.
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    /// Histograms with the same group are drawn together (one per layer).
    pub group: String,
}

/// A scatter plot of labelled points: each group (a class, a faction) is
/// drawn with its own glyph and named in the legend (node embeddings, a 2-D
/// projection, predicted against true values).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scatter {
    pub key: String,
    pub title: Bi,
    pub x_label: String,
    pub y_label: String,
    pub groups: Vec<Series>,
}

impl Scatter {
    /// An empty scatter plot.
    pub fn new(key: &str, title: Bi, x_label: &str, y_label: &str) -> Scatter {
        Scatter {
            key: key.to_string(),
            title,
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            groups: Vec::new(),
        }
    }

    /// Add the point `(x, y)` to the group `name`, creating it when missing
    /// (groups keep the order they were first named in).
    pub fn push(&mut self, name: &str, x: f64, y: f64) {
        match self.groups.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push([x, y]),
            None => self.groups.push(Series {
                name: name.to_string(),
                points: vec![[x, y]],
            }),
        }
    }
}

/// A "what to notice" line, computed from this run's numbers, linked to the
/// topic whose note makes the claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub text: Bi,
    /// Topic id of the note (opened from the lab pane).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// Per-class metrics and the confusion matrix, for labs that classify.
#[derive(Debug, Clone, Serialize)]
pub struct LabClassification {
    pub classes: Vec<String>,
    pub metrics: ClassificationReport,
    pub confusion_matrix: ConfusionMatrix,
}

/// Everything a lab shows. Partial while the lab runs (`done < total`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabOutcome {
    /// Units of work done and planned (epochs over all the nets trained).
    pub done: usize,
    pub total: usize,
    pub figures: Vec<Figure>,
    pub charts: Vec<Chart>,
    pub tables: Vec<Table>,
    pub heatmaps: Vec<Heatmap>,
    pub histograms: Vec<Histogram>,
    /// Scatter plots (left out of the JSON when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scatters: Vec<Scatter>,
    pub notices: Vec<Notice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<LabClassification>,
    /// The dataset the lab ran on (a bundled name, a path, or what it
    /// generated, e.g. "generated: 2,000 spirals").
    pub dataset: String,
}

impl LabOutcome {
    pub fn figure(&mut self, key: &str, label: Bi, value: f64, unit: &str) {
        self.figures.push(Figure {
            key: key.to_string(),
            label,
            value,
            unit: unit.to_string(),
        });
    }

    pub fn notice(&mut self, text: Bi, topic: Option<&str>) {
        self.notices.push(Notice {
            text,
            topic: topic.map(str::to_string),
        });
    }

    /// The chart with this key, created empty when missing.
    pub fn chart_mut(&mut self, key: &str, title: Bi, x_label: &str, y_label: &str) -> &mut Chart {
        if let Some(i) = self.charts.iter().position(|c| c.key == key) {
            return &mut self.charts[i];
        }
        self.charts.push(Chart {
            key: key.to_string(),
            title,
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            log_y: false,
            series: Vec::new(),
        });
        let last = self.charts.len() - 1;
        &mut self.charts[last]
    }

    /// Replace the scatter plot with the same key (or add it).
    pub fn set_scatter(&mut self, s: Scatter) {
        match self.scatters.iter_mut().find(|x| x.key == s.key) {
            Some(old) => *old = s,
            None => self.scatters.push(s),
        }
    }

    pub fn find_figure(&self, key: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.key == key).map(|f| f.value)
    }
}

impl Chart {
    /// Append `(x, y)` to the series `name`, creating it when missing.
    pub fn push(&mut self, name: &str, x: f64, y: f64) {
        match self.series.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push([x, y]),
            None => self.series.push(Series {
                name: name.to_string(),
                points: vec![[x, y]],
            }),
        }
    }
}

/// Why a lab did not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabError {
    #[error("cancelled")]
    Cancelled,
    /// A setting that cannot run ("depth must be at least 2", "batch size
    /// 500 is larger than the 450 training rows").
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Data(#[from] DataError),
    /// The engine refused or the run diverged ("diverged at epoch 3 ...").
    #[error(transparent)]
    Nn(NnError),
    #[error(transparent)]
    Algo(AlgoError),
}

impl LabError {
    pub fn setup(message: impl Into<String>) -> LabError {
        LabError::Setup(message.into())
    }
}

impl From<NnError> for LabError {
    fn from(e: NnError) -> LabError {
        match e {
            NnError::Cancelled => LabError::Cancelled,
            other => LabError::Nn(other),
        }
    }
}

impl From<AlgoError> for LabError {
    fn from(e: AlgoError) -> LabError {
        match e {
            AlgoError::Cancelled => LabError::Cancelled,
            other => LabError::Algo(other),
        }
    }
}

/// What a running lab can use: the seed, the dataset the user chose, the
/// sink for live snapshots and the cancel flag.
pub struct LabContext<'a> {
    pub seed: u64,
    /// The dataset the user chose (a bundled name or a CSV path), or `None`
    /// for the lab's default.
    pub dataset: Option<&'a str>,
    sink: &'a mut dyn FnMut(&LabOutcome),
    cancel: &'a AtomicBool,
}

impl<'a> LabContext<'a> {
    pub fn new(
        seed: u64,
        dataset: Option<&'a str>,
        sink: &'a mut dyn FnMut(&LabOutcome),
        cancel: &'a AtomicBool,
    ) -> LabContext<'a> {
        LabContext {
            seed,
            dataset,
            sink,
            cancel,
        }
    }

    /// `Err(Cancelled)` once the run has been cancelled.
    pub fn check(&self) -> Result<(), LabError> {
        if self.cancel.load(Ordering::SeqCst) {
            Err(LabError::Cancelled)
        } else {
            Ok(())
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Send a snapshot of the partial outcome (drawn live by the TUI), then
    /// check for a cancel.
    pub fn update(&mut self, partial: &LabOutcome) -> Result<(), LabError> {
        (self.sink)(partial);
        self.check()
    }

    /// A [`Progress`] for the engine's training loops that stops them when
    /// this lab is cancelled and hands each step to `on_step` (which may
    /// record it into the outcome and call nothing else).
    pub fn progress<'b>(&'b self, on_step: &'b mut dyn FnMut(Step)) -> ProgressAdapter<'b> {
        ProgressAdapter {
            cancel: self.cancel,
            on_step,
        }
    }
}

/// Holds what [`LabContext::progress`] needs; [`ProgressAdapter::progress`]
/// lends it out as a [`Progress`].
pub struct ProgressAdapter<'b> {
    cancel: &'b AtomicBool,
    on_step: &'b mut dyn FnMut(Step),
}

impl ProgressAdapter<'_> {
    pub fn run<R>(&mut self, f: impl FnOnce(&mut Progress<'_>) -> R) -> R {
        let cancel = self.cancel;
        let on_step = &mut self.on_step;
        let mut sink = |s: Step| {
            on_step(s);
            !cancel.load(Ordering::SeqCst)
        };
        let mut p = Progress::with_cancel(&mut sink, cancel);
        f(&mut p)
    }
}

/// Typed lab parameters that run the lab.
pub trait RunLab: Send + Sync {
    /// Bundled datasets the lab accepts (`--dataset`), default first; empty
    /// when the lab makes its own data (then `--dataset` is refused).
    fn datasets(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether no `--dataset` runs on every one of [`RunLab::datasets`]
    /// (a comparison across sets) rather than on the first.
    fn all_by_default(&self) -> bool {
        false
    }

    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError>;
}

/// What the labs' unit tests share: typed parameters from `k=v` pairs, and
/// a run with seed 0, the default dataset, no listener and no cancel.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::algos::algorithm::Algorithm;

    pub(crate) fn params<A: Algorithm>(given: &[(&str, &str)]) -> Result<A::Params, ParamError> {
        let given: Vec<(String, String)> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        A::params(&A::SPEC.values(&given)?)
    }

    /// Run `lab` on `dataset` (None: its default), checking every live
    /// snapshot's progress stays within its total.
    pub(crate) fn run_on(lab: &dyn RunLab, dataset: Option<&str>) -> Result<LabOutcome, LabError> {
        let flag = AtomicBool::new(false);
        let mut sink = |o: &LabOutcome| assert!(o.done <= o.total);
        let mut ctx = LabContext::new(0, dataset, &mut sink, &flag);
        lab.run(&mut ctx)
    }

    /// Run `lab` with the cancel flag already set.
    pub(crate) fn run_cancelled(lab: &dyn RunLab) -> Result<LabOutcome, LabError> {
        let flag = AtomicBool::new(true);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        lab.run(&mut ctx)
    }

    pub(crate) fn run_quiet(lab: &dyn RunLab) -> Result<LabOutcome, LabError> {
        let flag = AtomicBool::new(false);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        lab.run(&mut ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_push_groups_points_by_series() {
        let mut o = LabOutcome::default();
        let c = o.chart_mut("loss", bi("Loss", "损失"), "epoch", "loss");
        c.push("train", 1.0, 0.5);
        c.push("test", 1.0, 0.6);
        c.push("train", 2.0, 0.4);
        let c = o.chart_mut("loss", bi("x", "x"), "", "");
        assert_eq!(c.series.len(), 2);
        assert_eq!(c.series[0].points, vec![[1.0, 0.5], [2.0, 0.4]]);
        assert_eq!(o.charts.len(), 1);
    }

    #[test]
    fn cancel_is_seen_by_update_and_progress() {
        let flag = AtomicBool::new(false);
        let seen = std::cell::Cell::new(0);
        let mut sink = |_: &LabOutcome| seen.set(seen.get() + 1);
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        assert!(ctx.update(&LabOutcome::default()).is_ok());
        flag.store(true, Ordering::SeqCst);
        assert_eq!(ctx.update(&LabOutcome::default()), Err(LabError::Cancelled));
        let mut steps = 0;
        let mut on_step = |_: Step| steps += 1;
        let r = ctx
            .progress(&mut on_step)
            .run(|p| p.report(1, 2, "loss", 1.0));
        assert_eq!(r, Err(AlgoError::Cancelled));
        assert_eq!(steps, 1);
        // The engine polls the flag between mini-batches without reporting.
        let mut quiet = |_: Step| {};
        assert!(ctx.progress(&mut quiet).run(|p| p.is_cancelled()));
        assert_eq!(seen.get(), 2);
    }
}
