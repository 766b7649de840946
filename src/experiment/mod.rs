//! Running an experiment: load data, split, scale, fit with live progress,
//! evaluate. Runs on a background thread and streams [`Event`]s through a
//! channel; a shared flag cancels it at the next training step. The CLI runs
//! the same code synchronously.
//!
//! - `mod.rs` (this file): [`Config`], [`run`] and [`spawn`] for tables and
//!   text corpora, and the dispatch to tagging runs.
//! - [`tagging`]: HMM / CRF tagging runs, the casino HMM, the learning curve.
//! - [`report`]: what a run produces (types only); [`event`]: what it sends
//!   while running. Neither imports the run code, so nothing here imports a
//!   module that imports it back.

pub mod compare;
pub mod error;
pub mod event;
pub mod heldout;
pub mod job;
pub mod regression;
pub mod report;
pub mod tagging;
mod text;
pub mod ttest;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

pub use self::error::ExperimentError;
pub use self::event::Event;
pub use self::job::{Cancel, Job};
pub use self::report::{
    Casino, CasinoOutcome, CellMembers, ClassificationOutcome, ClusteringOutcome, ClusteringReport,
    CoefRow, CvReport, Grid, LassoPathReport, LearningPoint, Outcome, Picture, ReductionOutcome,
    RegressionCv, RegressionOutcome, Report, TaggedSentence, TaggingOutcome, TaggingReport,
    TextSummary,
};

use crate::algos::pca::pca;
use crate::algos::{Classifier, HistoryPoint, Progress, Step};
use crate::data::scale::{FittedScaler, Scale};
use crate::data::text::DocFreq;
use crate::data::{self, CsvOptions, Dataset};
use crate::labs::{LabContext, LabOutcome};
use crate::metrics;
use crate::registry::{
    self, AlgoSpec, FitData, ParamValues, Prepared, Reduce, RunLab, SparseFitData, TrainClassifier,
    TrainClusterer, TrainTagger,
};
use text::Matrix;

/// How text corpora become features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFeatures {
    #[default]
    Tfidf,
    Counts,
}

impl std::str::FromStr for TextFeatures {
    type Err = String;
    fn from_str(s: &str) -> Result<TextFeatures, String> {
        match s {
            "tfidf" => Ok(TextFeatures::Tfidf),
            "counts" => Ok(TextFeatures::Counts),
            o => Err(format!("`{o}`: expected tfidf or counts")),
        }
    }
}

/// `--encode`: how categorical columns become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encode {
    /// Ordinal codes for tree models, one-hot for the others.
    #[default]
    Auto,
    OneHot,
    Ordinal,
}

impl std::str::FromStr for Encode {
    type Err = String;
    fn from_str(s: &str) -> Result<Encode, String> {
        match s {
            "auto" => Ok(Encode::Auto),
            "onehot" | "one-hot" => Ok(Encode::OneHot),
            "ordinal" => Ok(Encode::Ordinal),
            o => Err(format!("`{o}`: expected onehot, ordinal or auto")),
        }
    }
}

/// Models that split on one feature at a time: an ordinal code per category
/// serves them as well as one-hot columns (a split on codes can still cut
/// one level off), in one column instead of one per level, so `auto` gives
/// them ordinal codes.
pub const TREE_MODELS: [&str; 5] = [
    "decision-tree",
    "random-forest",
    "gbdt",
    "adaboost",
    "decision-tree-linfa",
];

impl Encode {
    /// The encoding `algo` gets.
    pub fn resolve(self, algo: &str) -> data::pipeline::Encoding {
        use data::pipeline::Encoding;
        match self {
            Encode::OneHot => Encoding::OneHot,
            Encode::Ordinal => Encoding::Ordinal,
            Encode::Auto if TREE_MODELS.contains(&algo) => Encoding::Ordinal,
            Encode::Auto => Encoding::OneHot,
        }
    }
}

/// One-hot output columns at which a table's features stay sparse for the
/// models that take sparse rows (and no scaling is asked for): below it a
/// dense matrix is small and as fast.
pub const SPARSE_ONE_HOT_MIN: usize = 64;

/// Everything that defines a run. Same config, same numbers.
#[derive(Debug, Clone)]
pub struct Config {
    pub algo: String,
    /// A bundled dataset name or a path to a CSV.
    pub dataset: String,
    pub csv: CsvOptions,
    /// `k=v` settings, checked against the algorithm's parameter specs.
    pub params: Vec<(String, String)>,
    pub scale: Option<Scale>,
    /// How categorical columns of a table are encoded.
    pub encode: Encode,
    pub seed: u64,
    pub test_size: f64,
    pub cv: Option<usize>,
    pub text: TextFeatures,
    /// Text corpora: n-gram lengths and document-frequency bounds of the
    /// vocabulary (scikit-learn's `ngram_range`, `min_df`, `max_df`).
    pub ngram_range: (usize, usize),
    pub min_df: DocFreq,
    pub max_df: DocFreq,
    /// Use these (train, test) row indices instead of a seeded split; used
    /// to evaluate on exactly the split a reference implementation used.
    pub split: Option<(Vec<usize>, Vec<usize>)>,
    /// `--test FILE`: fit on the whole dataset, evaluate on this file (same
    /// format) instead of a split. Each dataset kind reads it its own way.
    pub test_file: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            algo: "gaussian-nb".into(),
            dataset: "iris".into(),
            csv: CsvOptions::default(),
            params: Vec::new(),
            scale: None,
            encode: Encode::Auto,
            seed: 0,
            test_size: 0.25,
            cv: None,
            text: TextFeatures::Tfidf,
            ngram_range: (1, 1),
            min_df: DocFreq::Count(1),
            max_df: DocFreq::Share(1.0),
            split: None,
            test_file: None,
        }
    }
}

/// A report with the run's settings filled in and no outcome yet.
fn start(
    spec: &AlgoSpec,
    params: &ParamValues,
    config: &Config,
    dataset: &str,
    n_rows: usize,
) -> Report<()> {
    Report {
        algo: spec.name.to_string(),
        dataset: dataset.to_string(),
        params: params.clone(),
        seed: config.seed,
        test_size: config.test_size,
        scale: config.scale.map(Scale::name),
        n_rows,
        n_features: 0,
        n_train: 0,
        n_test: 0,
        classes: Vec::new(),
        fit_seconds: 0.0,
        predict_seconds: 0.0,
        outcome: (),
        history: Vec::new(),
        notes: Vec::new(),
        source_lines: Vec::new(),
    }
}

/// Start `config` on a background thread: a [`Job`] sending [`Event`]s,
/// cancelled through its token (and when nobody listens any more).
pub fn spawn(config: Config) -> std::io::Result<Job<Event>> {
    Job::spawn("mlwb-experiment", move |tx, cancel| {
        let mut emit = |e: Event| {
            tx.send(e);
        };
        let last = match run(&config, &mut emit, cancel.flag()) {
            Ok(report) => Event::Finished(Box::new(report)),
            Err(e) => Event::Failed(e),
        };
        emit(last);
    })
}

fn select_rows(x: ArrayView2<'_, f64>, rows: &[usize]) -> Array2<f64> {
    x.select(Axis(0), rows)
}

fn pick(y: &[usize], rows: &[usize]) -> Vec<usize> {
    rows.iter().map(|&r| y[r]).collect()
}

/// Features of the training and the test rows, vectorised text or scaled
/// numbers, with the name of each feature (column, or word). When `sparse`
/// (the algorithm takes sparse rows and no scaling is asked for) text stays
/// sparse, and so does a table with at least [`SPARSE_ONE_HOT_MIN`] one-hot
/// columns.
struct Features {
    train: Matrix,
    test: Matrix,
    names: Vec<String>,
    /// What the fitted column pipeline did to each column (typed tables).
    notes: Vec<String>,
    text: Option<TextSummary>,
}

fn features(
    ds: &Dataset,
    train: &[usize],
    test: &[usize],
    config: &Config,
    sparse: bool,
) -> Result<Features, ExperimentError> {
    match ds {
        // Typed columns: the pipeline (imputation, one-hot, dates) is fitted
        // on the training rows alone and applied to both.
        Dataset::Table(t) if t.columns.is_some() => {
            let cols = data::mixed::table_columns(t);
            let enc = config.encode.resolve(&config.algo);
            let f = data::pipeline::FittedPipeline::fit_encoded(&cols, train, t.impute, enc)?;
            if sparse && f.one_hot_width() >= SPARSE_ONE_HOT_MIN {
                let (xtr, xte) = (
                    f.transform_sparse(&cols, train)?,
                    f.transform_sparse(&cols, test)?,
                );
                let mut notes = f.notes().to_vec();
                notes.push(format!(
                    "features kept sparse: {} columns ({} one-hot), {:.1}% of the training cells non-zero",
                    xtr.ncols(),
                    f.one_hot_width(),
                    100.0 * xtr.density()
                ));
                return Ok(Features {
                    train: Matrix::Sparse(xtr),
                    test: Matrix::Sparse(xte),
                    names: f.names().to_vec(),
                    notes,
                    text: None,
                });
            }
            let mut out = dense_features(
                f.transform(&cols, train)?,
                f.transform(&cols, test)?,
                f.names().to_vec(),
                config.scale,
                None,
            )?;
            out.notes = f.notes().to_vec();
            Ok(out)
        }
        Dataset::Table(t) => {
            let (xtr, xte) = (
                select_rows(t.x.view(), train),
                select_rows(t.x.view(), test),
            );
            dense_features(xtr, xte, t.feature_names.clone(), config.scale, None)
        }
        Dataset::Text(c) => {
            let tr: Vec<&str> = train.iter().map(|&r| c.texts[r].as_str()).collect();
            let te: Vec<&str> = test.iter().map(|&r| c.texts[r].as_str()).collect();
            text_features(&tr, &te, config, sparse)
        }
    }
}

/// Features as dense matrices (regression and other dense-only runs; a
/// text corpus is densified within `text::densify`'s limit).
struct DenseFeatures {
    train: Array2<f64>,
    test: Array2<f64>,
    names: Vec<String>,
    notes: Vec<String>,
}

fn dense_only(
    ds: &Dataset,
    train: &[usize],
    test: &[usize],
    config: &Config,
) -> Result<DenseFeatures, ExperimentError> {
    let f = features(ds, train, test, config, false)?;
    match (f.train, f.test) {
        (Matrix::Dense(train), Matrix::Dense(test)) => Ok(DenseFeatures {
            train,
            test,
            names: f.names,
            notes: f.notes,
        }),
        _ => Err(ExperimentError::setup(
            "this run needs dense features, and the data gave sparse ones".to_string(),
        )),
    }
}

fn text_features(
    tr: &[&str],
    te: &[&str],
    config: &Config,
    sparse: bool,
) -> Result<Features, ExperimentError> {
    let (v, xtr, xte) = text::vectorise(tr, te, config)?;
    let summary = text::summary(&v, &xtr, sparse);
    if sparse {
        return Ok(Features {
            train: Matrix::Sparse(xtr),
            test: Matrix::Sparse(xte),
            names: v.vocabulary,
            notes: Vec::new(),
            text: Some(summary),
        });
    }
    let (dtr, dte) = (
        text::densify(&xtr, &config.algo)?,
        text::densify(&xte, &config.algo)?,
    );
    dense_features(dtr, dte, v.vocabulary, config.scale, Some(summary))
}

fn dense_features(
    xtr: Array2<f64>,
    xte: Array2<f64>,
    names: Vec<String>,
    scale: Option<Scale>,
    text: Option<TextSummary>,
) -> Result<Features, ExperimentError> {
    let (train, test) = match scale {
        None => (xtr, xte),
        Some(s) => {
            let f = FittedScaler::fit(s, xtr.view(), &names)?;
            (f.transform(xtr.view()), f.transform(xte.view()))
        }
    };
    Ok(Features {
        train: Matrix::Dense(train),
        test: Matrix::Dense(test),
        names,
        notes: Vec::new(),
        text,
    })
}

/// Fit on dense or sparse training rows.
fn fit_matrix(
    trainer: &dyn TrainClassifier,
    x: &Matrix,
    names: &[String],
    y: &[usize],
    n_classes: usize,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<Box<dyn Classifier>, ExperimentError> {
    Ok(match x {
        Matrix::Dense(x) => trainer.fit(
            FitData {
                x: x.view(),
                names,
                y,
                n_classes,
            },
            seed,
            progress,
        )?,
        Matrix::Sparse(x) => trainer.fit_sparse(
            SparseFitData {
                x,
                names,
                y,
                n_classes,
            },
            seed,
            progress,
        )?,
    })
}

fn progress_sink<'a>(
    emit: &'a mut dyn FnMut(Event),
    cancel: &'a AtomicBool,
    history: &'a mut Vec<HistoryPoint>,
) -> impl FnMut(Step) -> bool + 'a {
    move |s: Step| {
        history.push(s.into());
        emit(Event::Progress(s));
        !cancel.load(Ordering::SeqCst)
    }
}

/// Run `config` to the end, reporting through `emit`. Errors are typed
/// ([`ExperimentError::Cancelled`] when cancelled); their text is for people.
pub fn run(
    config: &Config,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    let mut report = run_any(config, emit, cancel)?;
    // The loader and the column pipeline may say the same thing about a
    // column (an ID-like column left out): each note once, in order.
    let mut seen = std::collections::HashSet::new();
    report.notes.retain(|n| seen.insert(n.clone()));
    Ok(report)
}

fn run_any(
    config: &Config,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    let registered = registry::lookup(&config.algo)
        .ok_or_else(|| ExperimentError::setup(registry::unknown_algo(&config.algo)))?;
    let spec = registered.spec;
    // Parsed once: the checked values (for the report) and the typed
    // parameters every fit of this run (test split, CV folds) reuses.
    let (params, prepared) = registered.prepare(&config.params)?;
    if !(config.test_size > 0.0 && config.test_size < 1.0) {
        return Err(ExperimentError::setup(format!(
            "--test-size must be between 0 and 1 (exclusive), got {}",
            config.test_size
        )));
    }
    // Each dataset kind adds its own reading of a held-out file (tables:
    // `run_classifier`; CoNLL: `run_tagging`); until one does, say so
    // instead of silently splitting.
    let reads_test_file = matches!(prepared, Prepared::Tagger(_) | Prepared::Classifier(_));
    if config.test_file.is_some() && !reads_test_file {
        return Err(ExperimentError::setup(format!(
            "--test is not supported for `{}` on this kind of dataset yet",
            spec.name
        )));
    }
    let trainer = match prepared {
        Prepared::Tagger(t) => return run_tagging(spec, &params, t.as_ref(), config, emit, cancel),
        Prepared::Lab(l) => return run_lab(spec, &params, l.as_ref(), config, emit, cancel),
        Prepared::Regressor(r) => {
            return run_table(spec, &params, config, emit, |ds, report, emit| {
                regression::run_regression(spec, r.as_ref(), config, ds, report, emit, cancel)
            })
        }
        Prepared::Classifier(c) => c,
        Prepared::Clusterer(c) => {
            return run_table(spec, &params, config, emit, |ds, report, emit| {
                run_unsupervised(
                    spec,
                    Unsupervised::Cluster(c.as_ref()),
                    config,
                    ds,
                    report,
                    emit,
                    cancel,
                )
            })
        }
        Prepared::Reducer(r) => {
            return run_table(spec, &params, config, emit, |ds, report, emit| {
                run_unsupervised(
                    spec,
                    Unsupervised::Reduce(r.as_ref()),
                    config,
                    ds,
                    report,
                    emit,
                    cancel,
                )
            })
        }
    };
    run_table(spec, &params, config, emit, |ds, report, emit| {
        if ds.values().is_some() {
            // A numeric target: the classifier's regression form, if any.
            return match registered.regressor(&params) {
                Some(r) => {
                    let r = r?;
                    regression::run_regression(spec, r.as_ref(), config, ds, report, emit, cancel)
                }
                None => Err(not_a_regressor(spec, ds)),
            };
        }
        run_classifier(spec, trainer.as_ref(), config, ds, report, emit, cancel)
    })
}

/// "`x` has a numeric target ...; `gaussian-nb` is not a regression algorithm".
fn not_a_regressor(spec: &AlgoSpec, ds: &Dataset) -> ExperimentError {
    let names: Vec<&str> = registry::REGISTRY
        .iter()
        .filter(|r| r.tasks().contains(&registry::Task::Regression))
        .map(|r| r.spec.name)
        .collect();
    ExperimentError::setup(format!(
        "`{}` has a numeric target with many values (a regression target); `{}` is not a \
         regression algorithm (the regression algorithms are: {}). Pass --task classification \
         to treat each value as a class",
        ds.name(),
        spec.name,
        names.join(", ")
    ))
}

/// Run a lab: its dataset is `config.dataset` when the lab takes one (empty
/// for its default); snapshots of its partial outcome go out as
/// [`Event::Lab`].
fn run_lab(
    spec: &AlgoSpec,
    params: &ParamValues,
    lab: &dyn RunLab,
    config: &Config,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    let accepted = lab.datasets();
    let dataset = match config.dataset.as_str() {
        "" => None,
        d if accepted.is_empty() => {
            return Err(ExperimentError::setup(format!(
                "`{}` makes its own data; it takes no dataset (got `{d}`)",
                spec.name
            )))
        }
        d => Some(d),
    };
    let shown = dataset
        .or(accepted.first().copied())
        .unwrap_or("generated")
        .to_string();
    emit(Event::Started {
        algo: spec.name.to_string(),
        dataset: shown.clone(),
        n_train: 0,
        n_test: 0,
    });
    let started = Instant::now();
    let mut sink = |o: &LabOutcome| emit(Event::Lab(Box::new(o.clone())));
    let mut ctx = LabContext::new(config.seed, dataset, &mut sink, cancel);
    let outcome = lab.run(&mut ctx)?;
    let mut report = start(spec, params, config, &shown, 0);
    report.dataset = if outcome.dataset.is_empty() {
        shown
    } else {
        outcome.dataset.clone()
    };
    report.scale = None;
    report.fit_seconds = started.elapsed().as_secs_f64();
    Ok(report.with_outcome(Outcome::Lab(Box::new(outcome))))
}

/// Load a table or text dataset and start its report; `then` runs the task.
fn run_table(
    spec: &AlgoSpec,
    params: &ParamValues,
    config: &Config,
    emit: &mut dyn FnMut(Event),
    then: impl FnOnce(&Dataset, Report<()>, &mut dyn FnMut(Event)) -> Result<Report, ExperimentError>,
) -> Result<Report, ExperimentError> {
    let is_sequence_data = data::manifest()
        .iter()
        .any(|d| d.name == config.dataset && d.kind.is_sequence())
        || config.dataset.ends_with(".conll");
    if is_sequence_data {
        return Err(ExperimentError::setup(format!(
            "`{}` is sequence data: run it with a sequence model (--algo hmm or --algo crf)",
            config.dataset
        )));
    }
    emit(Event::Stage(format!("loading {}", config.dataset)));
    let ds = data::load_with_progress(&config.dataset, &config.csv, &mut |done, total| {
        emit(Event::Loading { done, total })
    })?;
    let supervised = matches!(
        registry::lookup(spec.name).map(|r| r.runner),
        Some(registry::Runner::Classifier(_) | registry::Runner::Regressor(_))
    );
    if ds.values().is_some() && !supervised {
        return Err(not_a_regressor(spec, &ds));
    }
    let classes = ds.classes().to_vec();
    let n_rows = ds.n_rows();
    let mut notes = Vec::new();
    let source_lines = match &ds {
        Dataset::Table(t) => {
            notes.extend(t.notes.iter().cloned());
            t.source_lines.clone()
        }
        Dataset::Text(_) => (0..n_rows).map(|i| i + 2).collect(),
    };
    let mut report = start(spec, params, config, ds.name(), n_rows);
    report.classes = classes;
    report.notes = notes;
    report.source_lines = source_lines;
    then(&ds, report, emit)
}

/// Fit a classifier on the training rows, evaluate on the test rows (and
/// cross-validate), all with the same typed parameters.
fn run_classifier(
    spec: &AlgoSpec,
    trainer: &dyn TrainClassifier,
    config: &Config,
    ds: &Dataset,
    mut report: Report<()>,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    if let (Some(file), Dataset::Table(t)) = (&config.test_file, ds) {
        return heldout::evaluate(trainer, config, t, file, report, emit, cancel);
    }
    let mut classes = report.classes.clone();
    let n_classes = classes.len();
    let y = ds.y().to_vec();
    // Text (and tables with many one-hot columns) stay sparse for the
    // algorithms that take sparse rows.
    let sparse = trainer.accepts_sparse() && config.scale.is_none();

    // `--test FILE` (text corpora here): fit on every row of the dataset,
    // evaluate on the file.
    let held_out = match (&config.test_file, ds) {
        (None, _) => None,
        (Some(file), Dataset::Text(_)) => Some(text::load_test_corpus(file, config, &mut classes)?),
        (Some(_), Dataset::Table(_)) => {
            return Err(ExperimentError::setup(format!(
                "--test is not supported for `{}` on this kind of dataset yet",
                spec.name
            )))
        }
    };
    let (train, test) = match (&config.split, &held_out) {
        (_, Some(h)) => ((0..y.len()).collect(), (0..h.texts.len()).collect()),
        (Some((tr, te)), None) => {
            if let Some(&bad) = tr.iter().chain(te).find(|&&r| r >= y.len()) {
                return Err(ExperimentError::setup(format!(
                    "split row {bad} is out of range: the dataset has {} rows",
                    y.len()
                )));
            }
            (tr.clone(), te.clone())
        }
        (None, None) => {
            data::split::stratified_split(&y, n_classes, config.test_size, config.seed)?
        }
    };
    emit(Event::Started {
        algo: spec.name.to_string(),
        dataset: ds.name().to_string(),
        n_train: train.len(),
        n_test: test.len(),
    });
    emit(Event::Stage(match ds {
        Dataset::Text(_) => format!("vectorising {} + {} documents", train.len(), test.len()),
        Dataset::Table(_) => format!(
            "preparing features of {} + {} rows",
            train.len(),
            test.len()
        ),
    }));
    let Features {
        train: xtr,
        test: xte,
        names,
        notes,
        text: mut text_summary,
    } = match (&held_out, ds) {
        (Some(h), Dataset::Text(c)) => {
            let tr: Vec<&str> = c.texts.iter().map(String::as_str).collect();
            let te: Vec<&str> = h.texts.iter().map(String::as_str).collect();
            text_features(&tr, &te, config, sparse)?
        }
        _ => features(ds, &train, &test, config, sparse)?,
    };
    report.notes.extend(notes);
    emit(Event::Stage(match &xtr {
        Matrix::Sparse(m) => format!(
            "fitting on {} rows × {} features (sparse, {} stored values)",
            m.nrows(),
            m.ncols(),
            m.nnz()
        ),
        Matrix::Dense(m) => format!("fitting on {} rows × {} features", m.nrows(), m.ncols()),
    }));
    let ytr = pick(&y, &train);
    let yte = match &held_out {
        Some(h) => h.y.clone(),
        None => pick(&y, &test),
    };
    if let Some(h) = &held_out {
        report.source_lines = (0..h.texts.len()).map(|i| i + 2).collect();
        if !h.unseen.is_empty() {
            let list: Vec<String> = h
                .unseen
                .iter()
                .map(|(c, n)| format!("`{c}` ({n} rows)"))
                .collect();
            report.notes.push(format!(
                "{} test class(es) never seen in training: {}; the model cannot predict them, so those rows count as errors",
                h.unseen.len(),
                list.join(", ")
            ));
        }
        if let Some(t) = text_summary.as_mut() {
            t.unseen_test_classes = h.unseen.clone();
        }
    }
    report.n_features = xtr.ncols();
    report.n_train = train.len();
    report.n_test = test.len();

    let mut history = Vec::new();
    let t0 = Instant::now();
    let model = {
        let mut sink = progress_sink(emit, cancel, &mut history);
        let mut progress = Progress::new(&mut sink);
        fit_matrix(
            trainer,
            &xtr,
            &names,
            &ytr,
            n_classes,
            config.seed,
            &mut progress,
        )
    }?;
    report.fit_seconds = t0.elapsed().as_secs_f64();
    report.history = history;

    let t1 = Instant::now();
    let pred = xte.predict(model.as_ref())?;
    report.predict_seconds = t1.elapsed().as_secs_f64();
    let cls = metrics::report(&yte, &pred, &classes)?;
    let (mut roc, mut pr) = (None, None);
    if classes.len() == 2 {
        if let Some(scores) = xte.scores(model.as_ref()) {
            let truth: Vec<bool> = yte.iter().map(|&c| c == 1).collect();
            let s: Vec<f64> = scores.column(1).to_vec();
            // Non-finite scores would be a model bug; then there is no curve.
            roc = metrics::roc_curve(&truth, &s).ok();
            pr = metrics::pr_curve(&truth, &s).ok();
        }
    }
    if let (Some(t), Some(w)) = (text_summary.as_mut(), model.feature_weights()) {
        let measure = if spec.name.contains("nb") {
            "log-probability ratio"
        } else {
            "coefficient"
        };
        t.indicative = text::indicative(&w, &names, &classes, measure, 10);
        if let (Matrix::Sparse(x), Dataset::Text(c)) = (&xte, ds) {
            let msg = match &held_out {
                Some(h) => h.texts.first(),
                None => test.first().map(|&r| &c.texts[r]),
            };
            if let (Some(msg), Some(&truth), Some(&p)) = (msg, yte.first(), pred.first()) {
                t.example = Some(text::example(&w, x, 0, msg, (truth, p), &names, &classes));
            }
        }
    }
    let mut cv = None;
    if let Some(k) = config.cv {
        let folds = data::split::stratified_kfold(&y, n_classes, k, config.seed)?;
        let mut acc = Vec::with_capacity(k);
        for (i, (tr, te)) in folds.iter().enumerate() {
            if cancel.load(Ordering::SeqCst) {
                return Err(ExperimentError::Cancelled);
            }
            let f = features(ds, tr, te, config, sparse)?;
            let m = fit_matrix(
                trainer,
                &f.train,
                &f.names,
                &pick(&y, tr),
                n_classes,
                config.seed,
                &mut Progress::none(),
            )?;
            let p = f.test.predict(m.as_ref())?;
            let truth = pick(&y, te);
            let correct = p.iter().zip(&truth).filter(|(a, b)| a == b).count();
            acc.push(correct as f64 / truth.len().max(1) as f64);
            emit(Event::Progress(Step {
                iter: i + 1,
                total: k,
                metric: "cv fold accuracy",
                value: acc[i],
            }));
        }
        let mean = acc.iter().sum::<f64>() / k as f64;
        let var = acc.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / k as f64;
        cv = Some(CvReport {
            folds: k,
            accuracy: acc,
            mean,
            std: var.sqrt(),
        });
    }

    let picture = picture(ds, &train, &test, config, model.as_ref(), &names);
    report.classes = classes;
    let outcome = ClassificationOutcome {
        confusion_matrix: cls.confusion.clone(),
        metrics: cls,
        roc,
        pr,
        cv,
        test_rows: test,
        test_truth: yte,
        test_pred: pred,
        picture,
        text: text_summary.map(Box::new),
    };
    Ok(report.with_outcome(Outcome::Classification(Box::new(outcome))))
}

/// A tagging run: HMM or CRF on a CoNLL corpus, or the HMM on the casino.
fn run_tagging(
    spec: &AlgoSpec,
    params: &ParamValues,
    trainer: &dyn TrainTagger,
    config: &Config,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    let empty = |n_rows: usize| {
        let mut r = start(spec, params, config, &config.dataset, n_rows);
        r.scale = None;
        r
    };
    if config.dataset == "casino" {
        let Some(hmm) = trainer.casino() else {
            return Err(ExperimentError::setup(
                "the casino rolls are a job for the HMM: --algo hmm",
            ));
        };
        let mut history = Vec::new();
        let c = tagging::casino_run(
            hmm,
            config.test_size,
            config.seed,
            emit,
            cancel,
            &mut history,
        )?;
        let mut r = empty(c.casino.rolls.len());
        r.history = history;
        r.n_train = c.n_train;
        r.n_test = c.n_test;
        r.fit_seconds = c.fit_seconds;
        r.predict_seconds = c.predict_seconds;
        r.classes = c.casino.states.clone();
        let cls = metrics::report(&c.test_truth, &c.test_pred, &c.casino.states)?;
        r.notes.push(format!(
            "true model on all 2000 rolls: Viterbi gets {:.1}% of the dice right, posterior decoding {:.1}%",
            c.casino.viterbi_accuracy * 100.0,
            c.casino.posterior_accuracy * 100.0
        ));
        let outcome = CasinoOutcome {
            confusion_matrix: cls.confusion.clone(),
            metrics: cls,
            casino: c.casino,
            first_test_roll: c.n_train,
            test_truth: c.test_truth,
            test_pred: c.test_pred,
        };
        return Ok(r.with_outcome(Outcome::Casino(Box::new(outcome))));
    }
    let (train, test, notes) = match &config.test_file {
        Some(file) => tagging::corpora_with_test(&config.dataset, file)?,
        None => tagging::corpora(&config.dataset, config.test_size, config.seed)?,
    };
    let setup = tagging::TaggingSetup {
        algo: spec.name,
        dataset: &config.dataset,
        params,
        trainer,
        seed: config.seed,
    };
    let t = tagging::evaluate(&setup, &train, &test, emit, cancel)?;
    let mut r = empty(train.n_sentences() + test.n_sentences());
    r.n_train = t.n_train_sentences;
    r.n_test = t.n_test_sentences;
    r.fit_seconds = t.fit_seconds;
    r.predict_seconds = t.predict_seconds;
    r.history = t.history.clone();
    r.notes = notes;
    if !t.unknown_test_tags.is_empty() {
        let (line, tag) = &t.unknown_test_tags[0];
        let all: Vec<&str> = t
            .unknown_test_tags
            .iter()
            .map(|(_, t)| t.as_str())
            .collect();
        let at = match &config.test_file {
            Some(f) => format!("{f}:{line}"),
            None => format!("line {line}"),
        };
        r.notes.push(format!(
            "{} test tag(s) never seen in training ({}), first `{tag}` at {at}: no model can predict them, so their entities count as missed",
            t.unknown_test_tags.len(),
            all.join(", ")
        ));
    }
    r.notes.push(format!(
        "{:.1}% of the test tokens are words never seen in training",
        100.0 * tagging::unseen_word_share(&train, &test)
    ));
    r.classes = t.tag_confusion.labels.clone();
    Ok(r.with_outcome(Outcome::Tagging(TaggingOutcome {
        confusion_matrix: t.tag_confusion.clone(),
        tagging: Box::new(t),
    })))
}

/// Every row, dense (scaled tables; text densified within
/// [`text::DENSE_TEXT_LIMIT`]).
fn scaled_all(ds: &Dataset, config: &Config) -> Result<Array2<f64>, ExperimentError> {
    let all: Vec<usize> = (0..ds.n_rows()).collect();
    match features(ds, &all, &[], config, false)?.train {
        Matrix::Dense(x) => Ok(x),
        Matrix::Sparse(x) => text::densify(&x, &config.algo),
    }
}

/// A clustering or a reduction, with its typed parameters.
enum Unsupervised<'a> {
    Cluster(&'a dyn TrainClusterer),
    Reduce(&'a dyn Reduce),
}

fn run_unsupervised(
    spec: &AlgoSpec,
    algo: Unsupervised<'_>,
    config: &Config,
    ds: &Dataset,
    mut report: Report<()>,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    let x = scaled_all(ds, config)?;
    let y = ds.y();
    report.n_features = x.ncols();
    report.n_train = x.nrows();
    emit(Event::Started {
        algo: spec.name.to_string(),
        dataset: ds.name().to_string(),
        n_train: x.nrows(),
        n_test: 0,
    });
    let clusterer = match algo {
        Unsupervised::Cluster(c) => c,
        Unsupervised::Reduce(reducer) => {
            let t0 = Instant::now();
            let r = reducer.reduce(x.view())?;
            report.fit_seconds = t0.elapsed().as_secs_f64();
            let picture = (r.projection.ncols() >= 2).then(|| Picture {
                axes: ["PC1".into(), "PC2".into()],
                points: r
                    .projection
                    .rows()
                    .into_iter()
                    .map(|p| [p[0], p[1]])
                    .collect(),
                classes: y.to_vec(),
                is_test: vec![false; y.len()],
                grid: None,
            });
            return Ok(report.with_outcome(Outcome::Reduction(ReductionOutcome {
                explained_variance_ratio: r.explained_variance_ratio,
                picture,
            })));
        }
    };
    let mut history = Vec::new();
    let t0 = Instant::now();
    let fitted = {
        let mut sink = progress_sink(emit, cancel, &mut history);
        let mut progress = Progress::new(&mut sink);
        clusterer.fit(x.view(), config.seed, &mut progress)
    }?;
    report.fit_seconds = t0.elapsed().as_secs_f64();
    report.history = history;
    let model = fitted;
    let t1 = Instant::now();
    let labels = model.predict(x.view());
    report.predict_seconds = t1.elapsed().as_secs_f64();
    let inertia = model.inertia(x.view());
    let ari = metrics::adjusted_rand_index(y, &labels)?;
    let clustering = ClusteringReport {
        n_clusters: model.n_clusters(),
        inertia,
        ari,
        labels: labels.clone(),
    };
    let (points, axes) = plane(&x);
    let picture = Some(Picture {
        axes,
        points,
        classes: labels,
        is_test: vec![false; y.len()],
        grid: None,
    });
    Ok(report.with_outcome(Outcome::Clustering(ClusteringOutcome {
        clustering,
        inertia,
        ari,
        picture,
    })))
}

/// 2-D coordinates of every row: the data when it has two features, else
/// its first two principal components.
fn plane(x: &Array2<f64>) -> (Vec<[f64; 2]>, [String; 2]) {
    if x.ncols() == 2 {
        return (
            x.rows().into_iter().map(|r| [r[0], r[1]]).collect(),
            ["x1".into(), "x2".into()],
        );
    }
    match pca(x.view(), 2) {
        Ok(r) => (
            r.projection
                .rows()
                .into_iter()
                .map(|p| [p[0], p[1]])
                .collect(),
            ["PC1".into(), "PC2".into()],
        ),
        Err(_) => (Vec::new(), [String::new(), String::new()]),
    }
}

/// Rows a run's picture shows at most (an even sample of a bigger table).
const PICTURE_MAX_ROWS: usize = 20_000;

const GRID_COLS: usize = 120;
const GRID_ROWS: usize = 60;

/// The 2-D picture of a table run: the data (or its first two principal
/// components) and, when the model was trained on exactly the table's two
/// columns (`names`: its features), its decision regions.
fn picture(
    ds: &Dataset,
    train: &[usize],
    test: &[usize],
    config: &Config,
    model: &dyn Classifier,
    names: &[String],
) -> Option<Picture> {
    let Dataset::Table(t) = ds else { return None };
    let mut test_row = vec![false; t.n_rows()];
    for &r in test {
        test_row[r] = true;
    }
    // A big table is drawn from an even sample of its rows: a terminal shows
    // no more, and encoding and projecting every row would cost more than
    // the fit.
    let n = t.n_rows();
    let rows: Vec<usize> = (0..n)
        .step_by(n.div_ceil(PICTURE_MAX_ROWS).max(1))
        .collect();
    let scaled = match features(ds, &rows, &[], config, false).ok()?.train {
        Matrix::Dense(x) => x,
        Matrix::Sparse(x) => text::densify(&x, &config.algo).ok()?,
    };
    let (points, axes) = plane(&scaled);
    // (With ordinal codes a 2-level category is one feature, not two.)
    let grid = if t.n_features() == 2 && names == t.feature_names.as_slice() {
        // Decision regions: predict over a grid in the original units, put
        // through the same scaler the model was trained behind.
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for r in t.x.rows() {
            x0 = x0.min(r[0]);
            x1 = x1.max(r[0]);
            y0 = y0.min(r[1]);
            y1 = y1.max(r[1]);
        }
        let (px, py) = ((x1 - x0) * 0.05, (y1 - y0) * 0.05);
        let (x0, x1, y0, y1) = (x0 - px, x1 + px, y0 - py, y1 + py);
        let mut g = Array2::zeros((GRID_COLS * GRID_ROWS, 2));
        for row in 0..GRID_ROWS {
            for col in 0..GRID_COLS {
                let i = row * GRID_COLS + col;
                g[(i, 0)] = x0 + (x1 - x0) * (col as f64 + 0.5) / GRID_COLS as f64;
                g[(i, 1)] = y1 - (y1 - y0) * (row as f64 + 0.5) / GRID_ROWS as f64;
            }
        }
        let g = match config.scale {
            Some(s) => {
                let tr = select_rows(t.x.view(), train);
                FittedScaler::fit(s, tr.view(), &t.feature_names)
                    .ok()?
                    .transform(g.view())
            }
            None => g,
        };
        Some(Grid {
            x: (x0, x1),
            y: (y0, y1),
            cols: GRID_COLS,
            rows: GRID_ROWS,
            cells: model.predict(g.view()),
        })
    } else {
        None
    };
    let points = if t.n_features() == 2 {
        rows.iter().map(|&r| [t.x[(r, 0)], t.x[(r, 1)]]).collect()
    } else {
        points
    };
    Some(Picture {
        axes: if t.n_features() == 2 {
            [t.feature_names[0].clone(), t.feature_names[1].clone()]
        } else {
            axes
        },
        points,
        classes: rows.iter().map(|&r| t.y[r]).collect(),
        is_test: rows.iter().map(|&r| test_row[r]).collect(),
        grid,
    })
}
