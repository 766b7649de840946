//! A table fitted on all of `--dataset` and applied to another file with
//! the same columns: `--test FILE` (labelled: evaluate) and
//! `--predict FILE --out FILE` (unlabelled: write a submission). The column
//! pipeline and the scaler are fitted on the training file only.

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ndarray::Array2;
use serde::Serialize;

use super::text::Matrix;
use super::{
    fit_matrix, progress_sink, ClassificationOutcome, Config, ExperimentError, Outcome,
    SPARSE_ONE_HOT_MIN,
};
use super::{Event, Report};
use crate::algos::{Classifier, HistoryPoint, Progress};
use crate::data::columns::{infer_kind, ColumnKind, Inferred};
use crate::data::mixed::{read_against, table_columns, Against};
use crate::data::pipeline::{Encoding, FittedPipeline, UNSEEN_CODE};
use crate::data::scale::FittedScaler;
use crate::data::{self, bounded, Dataset, Table};
use crate::metrics;
use crate::registry::{self, Prepared, RegressData, TrainClassifier, TrainRegressor};

/// The training table and the other file, encoded by the pipeline fitted on
/// all training rows (and scaled when asked); sparse when the model takes
/// sparse rows and the one-hot columns are many, as in `mlwb run`.
struct Encoded {
    xtr: Matrix,
    x_other: Matrix,
    names: Vec<String>,
    notes: Vec<String>,
}

/// A model fitted on all training rows, and the other file encoded for it.
struct Fitted {
    model: Box<dyn Classifier>,
    x_other: Matrix,
    notes: Vec<String>,
    n_features: usize,
    fit_seconds: f64,
    history: Vec<HistoryPoint>,
}

fn read_other(file: &str, t: &Table, config: &Config) -> Result<Against, ExperimentError> {
    let bytes =
        bounded::read_bounded(Path::new(file)).map_err(|e| data::DataError::file(file, e))?;
    Ok(read_against(file, &bytes, t, config.csv.delimiter)?)
}

fn encode_all(
    config: &Config,
    t: &Table,
    other: &Against,
    sparse: bool,
) -> Result<Encoded, ExperimentError> {
    let enc = config.encode.resolve(&config.algo);
    let cols = table_columns(t);
    let all: Vec<usize> = (0..cols.n_rows()).collect();
    let pipe = FittedPipeline::fit_encoded(&cols, &all, t.impute, enc)?;
    let other_rows: Vec<usize> = (0..other.columns.n_rows()).collect();
    let sparse = sparse
        && t.columns.is_some()
        && config.scale.is_none()
        && pipe.one_hot_width() >= SPARSE_ONE_HOT_MIN;
    let mut notes = if t.columns.is_some() {
        pipe.notes().to_vec()
    } else {
        Vec::new()
    };
    notes.extend(other.notes.iter().cloned());
    let rows: Vec<usize> = (0..other.columns.n_rows()).collect();
    for (col, n, first) in pipe.unseen_levels(&other.columns, &rows) {
        notes.push(format!(
            "{}: column `{col}`: {n} row(s) with a level never seen in training (first `{first}`), encoded as {}",
            other.columns.file,
            match enc {
                Encoding::OneHot => "all zeros".to_string(),
                Encoding::Ordinal => format!("the reserved code {UNSEEN_CODE}"),
            }
        ));
    }
    let names = pipe.names().to_vec();
    if sparse {
        let xtr = pipe.transform_sparse(&cols, &all)?;
        notes.push(format!(
            "features kept sparse: {} columns ({} one-hot), {:.1}% of the training cells non-zero",
            xtr.ncols(),
            pipe.one_hot_width(),
            100.0 * xtr.density()
        ));
        return Ok(Encoded {
            x_other: Matrix::Sparse(pipe.transform_sparse(&other.columns, &other_rows)?),
            xtr: Matrix::Sparse(xtr),
            names,
            notes,
        });
    }
    let xtr = pipe.transform(&cols, &all)?;
    let xte = pipe.transform(&other.columns, &other_rows)?;
    let (xtr, x_other) = match config.scale {
        None => (xtr, xte),
        Some(s) => {
            let f = FittedScaler::fit(s, xtr.view(), &names)?;
            (f.transform(xtr.view()), f.transform(xte.view()))
        }
    };
    let (xtr, x_other) = (Matrix::Dense(xtr), Matrix::Dense(x_other));
    Ok(Encoded {
        xtr,
        x_other,
        names,
        notes,
    })
}

fn fit_all(
    trainer: &dyn TrainClassifier,
    config: &Config,
    t: &Table,
    other: &Against,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Fitted, ExperimentError> {
    let Encoded {
        xtr,
        x_other,
        names,
        notes,
    } = encode_all(config, t, other, trainer.accepts_sparse())?;
    let mut history = Vec::new();
    let t0 = Instant::now();
    let model = {
        let mut sink = progress_sink(emit, cancel, &mut history);
        let mut progress = Progress::new(&mut sink);
        fit_matrix(
            trainer,
            &xtr,
            &names,
            &t.y,
            t.classes.len(),
            config.seed,
            &mut progress,
        )
    }?;
    Ok(Fitted {
        model,
        x_other,
        notes,
        n_features: xtr.ncols(),
        fit_seconds: t0.elapsed().as_secs_f64(),
        history,
    })
}

/// `--test FILE` on a table: fit on all of the dataset, evaluate on FILE.
/// A class in FILE never seen in training is added to the class list (the
/// model never predicts it) and named in the notes.
pub(super) fn evaluate(
    trainer: &dyn TrainClassifier,
    config: &Config,
    t: &Table,
    file: &str,
    mut report: Report<()>,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    let other = read_other(file, t, config)?;
    let Some(truth) = &other.target else {
        return Err(ExperimentError::setup(format!(
            "{file}: no target column `{}`, so there is nothing to evaluate against; to write \
             predictions for an unlabelled file use --predict {file} --out FILE",
            t.target
        )));
    };
    let mut classes = t.classes.clone();
    let mut unseen: Vec<(String, usize, usize)> = Vec::new();
    let mut yte = Vec::with_capacity(truth.len());
    for (r, v) in truth.iter().enumerate() {
        if data::is_missing(v) {
            return Err(data::DataError {
                file: file.to_string(),
                line: other.columns.lines.get(r).copied(),
                column: None,
                message: format!("missing class label in the target column `{}`", t.target),
            }
            .into());
        }
        let k = match classes.iter().position(|c| c == v) {
            Some(k) => k,
            None => {
                classes.push(v.clone());
                classes.len() - 1
            }
        };
        if k >= t.classes.len() {
            match unseen.iter_mut().find(|u| u.0 == *v) {
                Some(u) => u.1 += 1,
                None => unseen.push((v.clone(), 1, other.columns.lines[r])),
            }
        }
        yte.push(k);
    }
    emit(Event::Started {
        algo: report.algo.clone(),
        dataset: t.name.clone(),
        n_train: t.n_rows(),
        n_test: yte.len(),
    });
    let f = fit_all(trainer, config, t, &other, emit, cancel)?;
    if cancel.load(Ordering::SeqCst) {
        return Err(ExperimentError::Cancelled);
    }
    let t1 = Instant::now();
    let pred = f.x_other.predict(f.model.as_ref())?;
    report.predict_seconds = t1.elapsed().as_secs_f64();
    report.fit_seconds = f.fit_seconds;
    report.history = f.history;
    report.n_features = f.n_features;
    report.n_train = t.n_rows();
    report.n_test = yte.len();
    report.notes.push(format!(
        "trained on all {} rows of {}, evaluated on the {} rows of {file}",
        t.n_rows(),
        t.name,
        yte.len()
    ));
    report.notes.extend(f.notes);
    for (c, n, line) in &unseen {
        report.notes.push(format!(
            "{file}: class `{c}` never seen in training ({n} row(s), first at line {line}): every such row counts as an error"
        ));
    }
    report.source_lines = other.columns.lines.clone();
    report.classes = classes.clone();
    let cls = metrics::report(&yte, &pred, &classes)?;
    let (mut roc, mut pr) = (None, None);
    if classes.len() == 2 {
        if let Some(scores) = f.x_other.scores(f.model.as_ref()) {
            let truth: Vec<bool> = yte.iter().map(|&c| c == 1).collect();
            let s: Vec<f64> = scores.column(1).to_vec();
            roc = metrics::roc_curve(&truth, &s).ok();
            pr = metrics::pr_curve(&truth, &s).ok();
        }
    }
    let outcome = ClassificationOutcome {
        confusion_matrix: cls.confusion.clone(),
        metrics: cls,
        roc,
        pr,
        cv: None,
        test_rows: (0..yte.len()).collect(),
        test_truth: yte,
        test_pred: pred,
        picture: None,
        text: None,
    };
    Ok(report.with_outcome(Outcome::Classification(Box::new(outcome))))
}

/// What `--predict` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub algo: String,
    pub dataset: String,
    pub predict_file: String,
    pub out: String,
    pub rows: usize,
    pub n_train: usize,
    /// The header written: the id column and the prediction column(s).
    pub header: Vec<String>,
    pub fit_seconds: f64,
    pub notes: Vec<String>,
}

/// Where a submission's id column comes from.
fn id_column(other: &Against, id: Option<&str>) -> Result<Option<usize>, ExperimentError> {
    if let Some(name) = id {
        return match other.raw.header.iter().position(|h| h == name) {
            Some(i) => Ok(Some(i)),
            None => Err(ExperimentError::setup(format!(
                "{}: no id column `{name}`; its columns are: {}",
                other.columns.file,
                other.raw.header.join(", ")
            ))),
        };
    }
    // The first column, when it is ID-like (unique per row).
    let first = other.raw.column(0);
    let kind = infer_kind(&other.raw.header[0], first);
    let unique = {
        let mut seen = std::collections::HashSet::new();
        other.raw.column(0).all(|c| seen.insert(c.trim()))
    };
    Ok((kind == Inferred::Kind(ColumnKind::Id)
        || unique && crate::data::columns::id_like_name(&other.raw.header[0]))
    .then_some(0))
}

/// Whether scores are probabilities: each row in [0, 1] summing to 1.
fn are_probabilities(s: &Array2<f64>) -> bool {
    s.rows()
        .into_iter()
        .all(|r| r.iter().all(|p| (0.0..=1.0).contains(p)) && (r.sum() - 1.0).abs() < 1e-6)
}

/// What `--predict` fits: a classifier for a class target, a regressor
/// for a numeric one.
enum Supervised {
    Classes(Box<dyn TrainClassifier>),
    Values(Box<dyn TrainRegressor>),
}

/// A predicted value as written to a submission: the shortest text that
/// reads back as the same number.
fn value_text(v: f64) -> String {
    format!("{v}")
}

/// `--predict FILE --out OUT`: fit on all of `--dataset`, write one row per
/// row of FILE: the predicted class (or with `proba` each class's
/// probability), or for a numeric target the predicted value under the
/// target's name. The file is written next to OUT under a temporary name
/// and renamed into place, so a failure never leaves a half-written OUT.
pub fn predict_file(
    config: &Config,
    predict: &str,
    out: &Path,
    id: Option<&str>,
    proba: bool,
) -> Result<Submission, ExperimentError> {
    let registered = registry::lookup(&config.algo)
        .ok_or_else(|| ExperimentError::setup(registry::unknown_algo(&config.algo)))?;
    let name = registered.spec.name;
    let (params, prepared) = registered.prepare(&config.params)?;
    if !matches!(prepared, Prepared::Classifier(_) | Prepared::Regressor(_)) {
        return Err(ExperimentError::setup(format!(
            "--predict needs a supervised model; `{name}` is not one"
        )));
    }
    let ds = data::load(&config.dataset, &config.csv)?;
    let model = match (prepared, ds.values().is_some()) {
        (Prepared::Classifier(c), false) => Supervised::Classes(c),
        (Prepared::Regressor(r), true) => Supervised::Values(r),
        (Prepared::Classifier(_), true) => match registered.regressor(&params) {
            Some(r) => Supervised::Values(r?),
            None => return Err(super::not_a_regressor(registered.spec, &ds)),
        },
        (Prepared::Regressor(_), false) => {
            return Err(ExperimentError::setup(format!(
                "`{name}` is a regression algorithm, but `{}` has a class target; pass --task \
                 regression to treat a numeric target as numbers",
                ds.name()
            )))
        }
        _ => {
            return Err(ExperimentError::setup(format!(
                "--predict needs a supervised model; `{name}` is not one"
            )))
        }
    };
    let Dataset::Table(t) = ds else {
        return Err(ExperimentError::setup(
            "--predict works on tables (CSV with feature columns); this dataset is a text corpus",
        ));
    };
    if proba && matches!(model, Supervised::Values(_)) {
        return Err(ExperimentError::setup(format!(
            "--proba writes class probabilities, but `{}` has a numeric target (`{}`), so `{name}` \
             predicts one value per row and there are no classes; leave out --proba",
            t.name, t.target
        )));
    }
    let other = read_other(predict, &t, config)?;
    let id_col = id_column(&other, id)?;
    let cancel = AtomicBool::new(false);
    let (body, fit_seconds, mut notes) = match &model {
        Supervised::Classes(c) => {
            let f = fit_all(c.as_ref(), config, &t, &other, &mut |_| {}, &cancel)?;
            (class_rows(&f, &t, name, proba)?, f.fit_seconds, f.notes)
        }
        Supervised::Values(r) => {
            let e = encode_all(config, &t, &other, false)?;
            let (Matrix::Dense(xtr), Matrix::Dense(x_other)) = (&e.xtr, &e.x_other) else {
                return Err(ExperimentError::setup(
                    "internal: regression features are dense",
                ));
            };
            let y = t.values.as_deref().unwrap_or_default();
            let t0 = Instant::now();
            let m = r.fit(
                RegressData {
                    x: xtr.view(),
                    names: &e.names,
                    y,
                },
                config.seed,
                &mut Progress::none(),
            )?;
            let secs = t0.elapsed().as_secs_f64();
            let rows = m
                .predict(x_other.view())
                .iter()
                .map(|v| vec![value_text(*v)])
                .collect();
            (rows, secs, e.notes)
        }
    };
    if other.target.is_some() {
        notes.push(format!(
            "{predict}: has the target column `{}`; its values are not used",
            t.target
        ));
    }
    let id_name = match id_col {
        Some(i) => other.raw.header[i].clone(),
        None => {
            notes.push(format!(
                "{predict}: its first column `{}` is not ID-like (unique per row), so rows are numbered from 1 in a column `row`; choose one with --id COLUMN",
                other.raw.header[0]
            ));
            "row".to_string()
        }
    };
    let mut header = vec![id_name];
    if proba {
        header.extend(t.classes.iter().cloned());
    } else {
        header.push(t.target.clone());
    }
    let rows = other.columns.n_rows();
    let records = (0..rows).map(|r| {
        let id = match id_col {
            Some(i) => other.raw.cell(r, i).trim().to_string(),
            None => (r + 1).to_string(),
        };
        std::iter::once(id)
            .chain(body[r].iter().cloned())
            .collect::<Vec<_>>()
    });
    write_atomically(out, &header, records)
        .map_err(|e| ExperimentError::setup(format!("{}: cannot write: {e}", out.display())))?;
    Ok(Submission {
        algo: name.to_string(),
        dataset: t.name.clone(),
        predict_file: predict.to_string(),
        out: out.display().to_string(),
        rows,
        n_train: t.n_rows(),
        header,
        fit_seconds,
        notes,
    })
}

/// A classifier's submission cells per row: the class, or with `proba`
/// each class's probability.
fn class_rows(
    f: &Fitted,
    t: &Table,
    name: &str,
    proba: bool,
) -> Result<Vec<Vec<String>>, ExperimentError> {
    if !proba {
        return Ok(f
            .x_other
            .predict(f.model.as_ref())?
            .into_iter()
            .map(|k| vec![t.classes[k].clone()])
            .collect());
    }
    let Some(s) = f.x_other.scores(f.model.as_ref()) else {
        return Err(ExperimentError::setup(format!(
            "`{name}` gives no class scores, so --proba has nothing to write; leave out --proba for the predicted classes"
        )));
    };
    if !are_probabilities(&s) {
        return Err(ExperimentError::setup(format!(
            "`{name}` gives decision values, not probabilities, so --proba cannot write them; leave out --proba, or use a model with probabilities (logistic-regression, gaussian-nb, random-forest, ...)"
        )));
    }
    Ok(s.rows()
        .into_iter()
        .map(|r| r.iter().map(|p| format!("{p:.6}")).collect())
        .collect())
}

/// Write a CSV to a temporary file in OUT's directory, then rename it over
/// OUT. On any error the temporary file is removed and OUT is untouched.
pub fn write_atomically(
    out: &Path,
    header: &[String],
    records: impl Iterator<Item = Vec<String>>,
) -> std::io::Result<()> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if out.is_dir() {
        return Err(std::io::Error::other("is a directory"));
    }
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(tmp.as_file()));
        w.write_record(header).map_err(std::io::Error::other)?;
        for r in records {
            w.write_record(&r).map_err(std::io::Error::other)?;
        }
        w.flush()?;
        let mut inner = w
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        inner.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(out).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("sub.csv");
        let h = vec!["id".to_string(), "y".to_string()];
        write_atomically(&out, &h, vec![vec!["1".into(), "a".into()]].into_iter()).expect("ok");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "id,y\n1,a\n");
        // A ragged record makes the csv writer fail midway: the old file
        // stays as it was and no temporary file is left behind.
        let bad = vec![vec!["2".into(), "b".into()], vec!["3".into()]].into_iter();
        assert!(write_atomically(&out, &h, bad).is_err());
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "id,y\n1,a\n");
        let fresh = dir.path().join("new.csv");
        let bad = vec![vec!["x".into()]].into_iter();
        assert!(write_atomically(&fresh, &h, bad).is_err());
        assert!(!fresh.exists());
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
        // Into a missing directory: an error, nothing written.
        assert!(write_atomically(&dir.path().join("no/such.csv"), &h, std::iter::empty()).is_err());
    }

    #[test]
    fn probabilities_are_recognised() {
        let p = ndarray::array![[0.25, 0.75], [1.0, 0.0]];
        assert!(are_probabilities(&p));
        let d = ndarray::array![[-1.5, 1.5], [0.2, 0.1]];
        assert!(!are_probabilities(&d));
    }
}
