//! "Compare all": every algorithm that fits the task on one dataset, the
//! same cross-validation folds for each, mean ± std of the main metrics,
//! fit and predict time, and the corrected resampled t-test of each against
//! the best (Weka Experimenter's comparison). No terminal code; the CLI
//! prints a [`CompareReport`], the TUI draws it as rows arrive.
//!
//! Every fold goes through the same path as `mlwb run`: the dataset loaded
//! with the run's CSV options, [`super::features`] (column pipeline, scaling,
//! text vectoriser) fitted on the fold's training rows only, text kept sparse
//! for the algorithms that take sparse rows. An algorithm that fails on the
//! data, or runs past its time budget, gets its row with the reason; the
//! others go on.
//!
//! Folds: repeat `r` uses seed `seed + r`; stratified k-fold for classes,
//! shuffled k-fold for a numeric target. The folds of one algorithm run on
//! several threads; each fold's scores land in its own slot, so the result
//! does not depend on the number of threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::regression::{kfold, Folds};
use super::ttest::{corrected_resampled, TTest};
use super::{dense_only, features, fit_matrix, pick, Config, ExperimentError};
use crate::algos::{Progress, Step};
use crate::data::{self, Dataset};
use crate::metrics;
use crate::registry::{
    self, Implementation, Prepared, RegressData, Runner, Task, TrainClassifier, TrainRegressor,
};

/// Significance level of the "worse than the best" mark.
pub const ALPHA: f64 = 0.05;

/// What a comparison runs.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    /// Dataset, CSV options, scaling, text settings and seed, as for a run
    /// (`algo`, `params`, `cv`, `split`, `test_file` are not used).
    pub base: Config,
    /// Algorithm names; empty: every algorithm of the task ([`default_algos`]).
    pub algos: Vec<String>,
    /// `algo.key=value` presets: (algo, key, value).
    pub params: Vec<(String, String, String)>,
    pub folds: usize,
    pub repeats: usize,
    /// Wall-clock budget of one algorithm over all its folds.
    pub budget: Duration,
    /// Worker threads for the folds of one algorithm (0: the number of cores).
    pub threads: usize,
}

impl Default for CompareConfig {
    fn default() -> CompareConfig {
        CompareConfig {
            base: Config::default(),
            algos: Vec::new(),
            params: Vec::new(),
            folds: 5,
            repeats: 2,
            budget: Duration::from_secs(120),
            threads: 0,
        }
    }
}

/// Classification (accuracy, macro-F1) or regression (R², RMSE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompareTask {
    Classification,
    Regression,
}

impl CompareTask {
    /// Metric names; the first decides the best.
    pub fn metrics(self) -> [&'static str; 2] {
        match self {
            CompareTask::Classification => ["accuracy", "macro_f1"],
            CompareTask::Regression => ["r2", "rmse"],
        }
    }
}

/// How one algorithm's row ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "lowercase")]
pub enum RowStatus {
    Ok,
    /// The algorithm failed on a fold (the reason names it).
    Failed(String),
    /// Over the time budget: stopped, no scores.
    Stopped(String),
}

/// One algorithm's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlgoRow {
    pub algo: String,
    /// Its parameters as used (defaults plus the presets).
    pub params: Vec<(String, String)>,
    #[serde(flatten)]
    pub status: RowStatus,
    /// Per metric (see [`CompareTask::metrics`]), per fold: repeat-major
    /// (repeat 0's folds first).
    pub scores: [Vec<f64>; 2],
    /// Per metric: mean and standard deviation (n − 1) over the folds.
    pub mean: [f64; 2],
    pub std: [f64; 2],
    /// Mean per fold, milliseconds.
    pub fit_ms: f64,
    pub predict_ms: f64,
    /// Against the best row on the first metric (absent for the best, and
    /// for rows without scores).
    pub vs_best: Option<TTest>,
    /// The best row (highest mean of the first metric).
    pub best: bool,
    /// Significantly worse than the best at [`ALPHA`].
    pub worse: bool,
}

impl AlgoRow {
    pub fn is_ok(&self) -> bool {
        self.status == RowStatus::Ok
    }
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    pub dataset: String,
    pub task: CompareTask,
    pub metrics: [&'static str; 2],
    pub n_rows: usize,
    pub n_classes: usize,
    pub folds: usize,
    pub repeats: usize,
    pub seed: u64,
    pub scale: Option<&'static str>,
    /// Mean test rows / mean training rows of a fold (the t-test's correction).
    pub test_train_ratio: f64,
    pub alpha: f64,
    pub rows: Vec<AlgoRow>,
    /// Index of the best row in `rows`.
    pub best: Option<usize>,
    /// The test rows of each fold (0-based data rows, repeat-major), so the
    /// comparison can be replayed elsewhere on the same folds.
    pub fold_test_rows: Vec<Vec<usize>>,
}

/// What a running comparison sends.
#[derive(Debug, Clone)]
pub enum CompareEvent {
    Started {
        dataset: String,
        task: CompareTask,
        algos: Vec<String>,
        folds: usize,
    },
    /// Folds done of algorithm `algo` (an index into `algos`).
    Fold {
        algo: usize,
        done: usize,
    },
    /// Row `algo` is complete (its t-test comes with the final report).
    Row {
        algo: usize,
        row: Box<AlgoRow>,
    },
    Finished(Box<CompareReport>),
    Failed(ExperimentError),
}

/// The algorithms a comparison runs by default for a task: every registry
/// entry serving it (classifiers for classes and text; for a numeric target
/// the regressors and the classifiers' regression forms), our own
/// implementations only (the linfa variants can be named in `algos`).
pub fn default_algos(task: CompareTask) -> Vec<&'static str> {
    registry::REGISTRY
        .iter()
        .filter(|r| r.spec.implementation == Implementation::Own)
        .filter(|r| match task {
            CompareTask::Classification => matches!(r.runner, Runner::Classifier(_)),
            CompareTask::Regression => r.tasks().contains(&Task::Regression),
        })
        .map(|r| r.spec.name)
        .collect()
}

/// The typed parameters of one algorithm for the task.
enum Trainer {
    Classifier(Box<dyn TrainClassifier>),
    Regressor(Box<dyn TrainRegressor>),
}

/// One algorithm to run: its name, its parameters as text, its trainer.
type Entry = (String, Vec<(String, String)>, Trainer);

/// Check every algorithm name and preset before any fitting.
fn prepare(cfg: &CompareConfig, task: CompareTask) -> Result<Vec<Entry>, ExperimentError> {
    let names: Vec<String> = if cfg.algos.is_empty() {
        default_algos(task).into_iter().map(String::from).collect()
    } else {
        cfg.algos.clone()
    };
    for (algo, _, _) in &cfg.params {
        if !names.contains(algo) {
            return Err(ExperimentError::setup(format!(
                "--param {algo}.…: `{algo}` is not among the compared algorithms ({})",
                names.join(", ")
            )));
        }
    }
    let mut out = Vec::new();
    for name in names {
        let reg = registry::lookup(&name)
            .ok_or_else(|| ExperimentError::setup(registry::unknown_algo(&name)))?;
        let given: Vec<(String, String)> = cfg
            .params
            .iter()
            .filter(|(a, _, _)| *a == name)
            .map(|(_, k, v)| (k.clone(), v.clone()))
            .collect();
        let (values, prepared) = reg
            .prepare(&given)
            .map_err(|e| ExperimentError::setup(format!("`{name}`: {e}")))?;
        let trainer = match (task, prepared) {
            (CompareTask::Classification, Prepared::Classifier(c)) => Trainer::Classifier(c),
            (CompareTask::Regression, Prepared::Regressor(r)) => Trainer::Regressor(r),
            (CompareTask::Regression, Prepared::Classifier(_)) => match reg.regressor(&values) {
                Some(r) => Trainer::Regressor(r?),
                None => {
                    return Err(ExperimentError::setup(format!(
                        "`{name}` is not a regression algorithm; the dataset has a numeric target \
                         (compare without --algos to run every regression algorithm)"
                    )))
                }
            },
            (t, _) => {
                return Err(ExperimentError::setup(format!(
                    "`{name}` is not a {} algorithm: compare runs classifiers on classes and \
                     text, regressors on a numeric target",
                    match t {
                        CompareTask::Classification => "classification",
                        CompareTask::Regression => "regression",
                    }
                )))
            }
        };
        let params = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        out.push((name, params, trainer));
    }
    if out.is_empty() {
        return Err(ExperimentError::setup("no algorithms to compare"));
    }
    Ok(out)
}

/// The folds of every repeat, repeat-major.
fn make_folds(
    ds: &Dataset,
    task: CompareTask,
    k: usize,
    repeats: usize,
    seed: u64,
) -> Result<Folds, ExperimentError> {
    if repeats == 0 {
        return Err(ExperimentError::setup("--repeats must be at least 1"));
    }
    let mut all = Vec::new();
    for r in 0..repeats {
        let s = seed.wrapping_add(r as u64);
        let folds = match task {
            CompareTask::Classification => {
                let n_classes = ds.classes().len();
                data::split::stratified_kfold(ds.y(), n_classes, k, s).map_err(|e| {
                    ExperimentError::setup(format!("--cv {k}: {e}; use fewer folds"))
                })?
            }
            CompareTask::Regression => kfold(ds.n_rows(), k, s)?,
        };
        all.extend(folds);
    }
    Ok(all)
}

/// One fold's scores and times.
#[derive(Debug, Clone, Copy)]
struct FoldResult {
    scores: [f64; 2],
    fit: f64,
    predict: f64,
}

/// Why a fold gave no scores.
enum FoldStop {
    Error(ExperimentError),
    Budget,
    Cancelled,
}

#[allow(clippy::too_many_arguments)]
fn run_fold(
    ds: &Dataset,
    config: &Config,
    trainer: &Trainer,
    tr: &[usize],
    te: &[usize],
    over: &dyn Fn() -> bool,
) -> Result<FoldResult, ExperimentError> {
    let mut sink = |_: Step| !over();
    let mut progress = Progress::new(&mut sink);
    match trainer {
        Trainer::Classifier(c) => {
            let n_classes = ds.classes().len();
            let y = ds.y();
            let sparse =
                matches!(ds, Dataset::Text(_)) && c.accepts_sparse() && config.scale.is_none();
            let f = features(ds, tr, te, config, sparse)?;
            let t0 = Instant::now();
            let model = fit_matrix(
                c.as_ref(),
                &f.train,
                &f.names,
                &pick(y, tr),
                n_classes,
                config.seed,
                &mut progress,
            )?;
            let fit = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let pred = f.test.predict(model.as_ref())?;
            let predict = t1.elapsed().as_secs_f64();
            let rep = metrics::report(&pick(y, te), &pred, ds.classes())?;
            Ok(FoldResult {
                scores: [rep.accuracy, rep.macro_avg.f1],
                fit,
                predict,
            })
        }
        Trainer::Regressor(r) => {
            let values = ds.values().unwrap_or_default();
            let f = dense_only(ds, tr, te, config)?;
            let ytr: Vec<f64> = tr.iter().map(|&i| values[i]).collect();
            let yte: Vec<f64> = te.iter().map(|&i| values[i]).collect();
            let t0 = Instant::now();
            let model = r.fit(
                RegressData {
                    x: f.train.view(),
                    names: &f.names,
                    y: &ytr,
                },
                config.seed,
                &mut progress,
            )?;
            let fit = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let pred = model.predict(f.test.view());
            let predict = t1.elapsed().as_secs_f64();
            let m = metrics::regression_metrics(&yte, &pred)?;
            Ok(FoldResult {
                scores: [m.r2, m.rmse],
                fit,
                predict,
            })
        }
    }
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

/// Run every fold of one algorithm on `threads` workers.
#[allow(clippy::too_many_arguments)]
fn run_algo(
    ds: &Dataset,
    config: &Config,
    trainer: &Trainer,
    folds: &[(Vec<usize>, Vec<usize>)],
    threads: usize,
    budget: Duration,
    cancel: &AtomicBool,
    on_fold: &(dyn Fn(usize) + Sync),
) -> Result<Vec<FoldResult>, FoldStop> {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<Result<FoldResult, FoldStop>>>> =
        Mutex::new((0..folds.len()).map(|_| None).collect());
    let over = || {
        cancel.load(Ordering::SeqCst) || stop.load(Ordering::SeqCst) || started.elapsed() > budget
    };
    let worker = || loop {
        if over() {
            return;
        }
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some((tr, te)) = folds.get(i) else {
            return;
        };
        let r = run_fold(ds, config, trainer, tr, te, &over).map_err(|e| {
            if cancel.load(Ordering::SeqCst) {
                FoldStop::Cancelled
            } else if e.is_cancelled() {
                FoldStop::Budget
            } else {
                FoldStop::Error(e)
            }
        });
        if r.is_err() {
            stop.store(true, Ordering::SeqCst);
        }
        if let Ok(mut s) = slots.lock() {
            s[i] = Some(r);
        }
        on_fold(done.fetch_add(1, Ordering::SeqCst) + 1);
    };
    let threads = threads.clamp(1, folds.len().max(1));
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(worker);
        }
        worker();
    });
    if cancel.load(Ordering::SeqCst) {
        return Err(FoldStop::Cancelled);
    }
    let slots = slots.into_inner().unwrap_or_default();
    // The first failing fold in fold order names the reason; folds left
    // unrun (another failed, or the budget ran out) say nothing.
    let mut out = Vec::with_capacity(folds.len());
    let mut budget_hit = false;
    for (i, s) in slots.into_iter().enumerate() {
        match s {
            Some(Ok(r)) => out.push(r),
            Some(Err(FoldStop::Error(e))) => {
                return Err(FoldStop::Error(ExperimentError::setup(format!(
                    "fold {} of {}: {e}",
                    i + 1,
                    folds.len()
                ))))
            }
            Some(Err(FoldStop::Cancelled)) => return Err(FoldStop::Cancelled),
            Some(Err(FoldStop::Budget)) | None => budget_hit = true,
        }
    }
    if budget_hit {
        return Err(FoldStop::Budget);
    }
    Ok(out)
}

/// Run the comparison, sending [`CompareEvent`]s (not `Finished`/`Failed`:
/// the result is returned).
pub fn compare(
    cfg: &CompareConfig,
    emit: &(dyn Fn(CompareEvent) + Sync),
    cancel: &AtomicBool,
) -> Result<CompareReport, ExperimentError> {
    let base = &cfg.base;
    let is_sequence = data::manifest()
        .iter()
        .any(|d| d.name == base.dataset && d.kind.is_sequence())
        || base.dataset.ends_with(".conll");
    if is_sequence {
        return Err(ExperimentError::setup(format!(
            "`{}` is sequence data; compare runs on tables and text corpora",
            base.dataset
        )));
    }
    let ds = data::load(&base.dataset, &base.csv)?;
    let task = if ds.values().is_some() {
        CompareTask::Regression
    } else {
        CompareTask::Classification
    };
    let algos = prepare(cfg, task)?;
    let folds = make_folds(&ds, task, cfg.folds, cfg.repeats, base.seed)?;
    let n_folds = folds.len();
    emit(CompareEvent::Started {
        dataset: ds.name().to_string(),
        task,
        algos: algos.iter().map(|(n, _, _)| n.clone()).collect(),
        folds: n_folds,
    });
    let threads = match cfg.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    };
    let mut rows = Vec::with_capacity(algos.len());
    for (i, (name, params, trainer)) in algos.iter().enumerate() {
        let config = Config {
            algo: name.clone(),
            ..base.clone()
        };
        let on_fold = |done: usize| emit(CompareEvent::Fold { algo: i, done });
        let result = run_algo(
            &ds, &config, trainer, &folds, threads, cfg.budget, cancel, &on_fold,
        );
        let mut row = AlgoRow {
            algo: name.clone(),
            params: params.clone(),
            status: RowStatus::Ok,
            scores: [Vec::new(), Vec::new()],
            mean: [f64::NAN; 2],
            std: [f64::NAN; 2],
            fit_ms: f64::NAN,
            predict_ms: f64::NAN,
            vs_best: None,
            best: false,
            worse: false,
        };
        match result {
            Ok(r) => {
                for m in 0..2 {
                    row.scores[m] = r.iter().map(|f| f.scores[m]).collect();
                    (row.mean[m], row.std[m]) = mean_std(&row.scores[m]);
                }
                row.fit_ms = 1e3 * r.iter().map(|f| f.fit).sum::<f64>() / n_folds as f64;
                row.predict_ms = 1e3 * r.iter().map(|f| f.predict).sum::<f64>() / n_folds as f64;
            }
            Err(FoldStop::Cancelled) => return Err(ExperimentError::Cancelled),
            Err(FoldStop::Error(e)) => row.status = RowStatus::Failed(e.to_string()),
            Err(FoldStop::Budget) => {
                row.status = RowStatus::Stopped(format!(
                    "over the time budget of {} s for all {n_folds} folds (raise --budget)",
                    cfg.budget.as_secs()
                ))
            }
        }
        emit(CompareEvent::Row {
            algo: i,
            row: Box::new(row.clone()),
        });
        rows.push(row);
    }
    let (mut n_test, mut n_train) = (0usize, 0usize);
    for (tr, te) in &folds {
        n_train += tr.len();
        n_test += te.len();
    }
    let ratio = n_test as f64 / n_train.max(1) as f64;
    let best = mark_best(&mut rows, ratio);
    Ok(CompareReport {
        dataset: ds.name().to_string(),
        task,
        metrics: task.metrics(),
        n_rows: ds.n_rows(),
        n_classes: ds.classes().len(),
        folds: cfg.folds,
        repeats: cfg.repeats,
        seed: base.seed,
        scale: base.scale.map(crate::data::scale::Scale::name),
        test_train_ratio: ratio,
        alpha: ALPHA,
        rows,
        best,
        fold_test_rows: folds.into_iter().map(|(_, te)| te).collect(),
    })
}

/// Mark the best row (highest mean of the first metric; the first such in
/// order on a tie) and test every other complete row against it.
pub fn mark_best(rows: &mut [AlgoRow], test_train_ratio: f64) -> Option<usize> {
    let best = best_index(rows)?;
    let top = rows[best].scores[0].clone();
    for (i, r) in rows.iter_mut().enumerate() {
        r.best = i == best;
        r.vs_best = None;
        r.worse = false;
        if i == best || !r.is_ok() {
            continue;
        }
        r.vs_best = corrected_resampled(&top, &r.scores[0], test_train_ratio);
        r.worse = r
            .vs_best
            .as_ref()
            .is_some_and(|t| t.p < ALPHA && t.mean_diff > 0.0);
    }
    Some(best)
}

/// The complete row with the highest mean of the first metric.
pub fn best_index(rows: &[AlgoRow]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, r) in rows.iter().enumerate() {
        if !r.is_ok() || !r.mean[0].is_finite() {
            continue;
        }
        if best.is_none_or(|b| r.mean[0] > rows[b].mean[0]) {
            best = Some(i);
        }
    }
    best
}

/// Start a comparison on a background thread.
pub fn spawn(cfg: CompareConfig) -> std::io::Result<super::Job<CompareEvent>> {
    super::Job::spawn("mlwb-compare", move |tx, cancel| {
        let tx = Mutex::new(tx);
        let emit = |e: CompareEvent| {
            if let Ok(t) = tx.lock() {
                t.send(e);
            }
        };
        let last = match compare(&cfg, &emit, cancel.flag()) {
            Ok(r) => CompareEvent::Finished(Box::new(r)),
            Err(e) => CompareEvent::Failed(e),
        };
        emit(last);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(dataset: &str, algos: &[&str], threads: usize) -> CompareConfig {
        CompareConfig {
            base: Config {
                dataset: dataset.into(),
                ..Config::default()
            },
            algos: algos.iter().map(|s| s.to_string()).collect(),
            folds: 3,
            repeats: 2,
            threads,
            ..CompareConfig::default()
        }
    }

    #[test]
    fn same_numbers_on_one_thread_and_on_two() {
        let never = AtomicBool::new(false);
        let run = |t| {
            compare(
                &cfg("iris", &["gaussian-nb", "decision-tree"], t),
                &|_| {},
                &never,
            )
            .expect("compare")
        };
        let (a, b) = (run(1), run(2));
        for (x, y) in a.rows.iter().zip(&b.rows) {
            assert_eq!(x.scores, y.scores);
            assert_eq!(x.vs_best, y.vs_best);
        }
        assert_eq!(a.rows[0].scores[0].len(), 6);
        assert!(a.best.is_some());
    }

    #[test]
    fn a_failing_algorithm_gets_its_row() {
        let never = AtomicBool::new(false);
        // Multinomial NB refuses the negative features of moons.
        let r = compare(
            &cfg("moons", &["multinomial-nb", "knn"], 2),
            &|_| {},
            &never,
        )
        .expect("compare");
        assert!(
            matches!(r.rows[0].status, RowStatus::Failed(_)),
            "{:?}",
            r.rows[0].status
        );
        assert!(r.rows[1].is_ok());
        assert_eq!(r.best, Some(1));
    }

    #[test]
    fn unknown_names_and_presets_are_refused_before_fitting() {
        let never = AtomicBool::new(false);
        let e = compare(&cfg("iris", &["gausian-nb"], 1), &|_| {}, &never).expect_err("unknown");
        assert!(e.to_string().contains("did you mean `gaussian-nb`"), "{e}");
        let mut c = cfg("iris", &["knn"], 1);
        c.params = vec![("knn".into(), "kk".into(), "3".into())];
        assert!(compare(&c, &|_| {}, &never).is_err());
        c.params = vec![("svm".into(), "c".into(), "3".into())];
        assert!(compare(&c, &|_| {}, &never).is_err());
        let e = compare(&cfg("diabetes", &["gaussian-nb"], 1), &|_| {}, &never).expect_err("task");
        assert!(e.to_string().contains("not a regression algorithm"), "{e}");
    }
}
