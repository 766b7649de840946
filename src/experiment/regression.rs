//! Regression runs: a seeded (unstratified) split, the fit with live
//! progress, R² / RMSE / MAE / MAPE on the test and the training rows,
//! k-fold cross-validation, a learning curve, and for linear models the
//! coefficient table and the lasso path. Features come only through
//! [`features`] (scaling and the column pipeline, fitted on training rows).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rand::seq::SliceRandom;

use super::report::{
    CoefRow, LassoPathReport, LearningPoint, Outcome, RegressionCv, RegressionOutcome, Report,
};
use super::{dense_only, progress_sink, Config, DenseFeatures, Event, ExperimentError};
use crate::algos::{Progress, Regressor, Step};
use crate::data::Dataset;
use crate::metrics::{self, regression_metrics};
use crate::registry::{AlgoSpec, RegressData, TrainRegressor};

/// Train and test rows: a seeded shuffle, the first `ceil(test_size · n)`
/// rows (at least 1) for testing, as scikit-learn's `train_test_split`.
pub fn shuffle_split(
    n: usize,
    test_size: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), ExperimentError> {
    let n_test = ((test_size * n as f64).ceil() as usize).max(1);
    if n < 2 || n_test >= n {
        return Err(ExperimentError::setup(format!(
            "cannot hold out {n_test} test rows from {n} rows: need at least one of each"
        )));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut crate::rng::rng(seed));
    let test = idx[..n_test].to_vec();
    let train = idx[n_test..].to_vec();
    Ok((train, test))
}

/// (train rows, test rows) of each fold.
pub type Folds = Vec<(Vec<usize>, Vec<usize>)>;

/// `k` folds of a seeded shuffle, sizes differing by at most one (as
/// scikit-learn's `KFold(shuffle=True)`): (train rows, test rows) per fold.
pub fn kfold(n: usize, k: usize, seed: u64) -> Result<Folds, ExperimentError> {
    if k < 2 || k > n {
        return Err(ExperimentError::setup(format!(
            "--cv {k}: need between 2 and {n} folds (the number of rows)"
        )));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut crate::rng::rng(seed));
    let mut folds = Vec::with_capacity(k);
    let mut start = 0;
    for f in 0..k {
        let size = n / k + usize::from(f < n % k);
        let test = idx[start..start + size].to_vec();
        let train = idx[..start]
            .iter()
            .chain(&idx[start + size..])
            .copied()
            .collect();
        folds.push((train, test));
        start += size;
    }
    Ok(folds)
}

fn pick(v: &[f64], rows: &[usize]) -> Vec<f64> {
    rows.iter().map(|&r| v[r]).collect()
}

/// Shares of the training rows the learning curve fits on.
const CURVE_SHARES: [f64; 4] = [0.2, 0.4, 0.6, 0.8];

/// Fit `trainer` on the training rows of `ds` and evaluate it.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_regression(
    spec: &AlgoSpec,
    trainer: &dyn TrainRegressor,
    config: &Config,
    ds: &Dataset,
    mut report: Report<()>,
    emit: &mut dyn FnMut(Event),
    cancel: &AtomicBool,
) -> Result<Report, ExperimentError> {
    let Some(values) = ds.values() else {
        return Err(ExperimentError::setup(format!(
            "`{}` is a regression algorithm, but `{}` has a class target; pass --task regression \
             to treat a numeric target as numbers",
            spec.name,
            ds.name()
        )));
    };
    let y = values.to_vec();
    let n = y.len();
    let (train, test) = match &config.split {
        Some((tr, te)) => {
            if let Some(&bad) = tr.iter().chain(te).find(|&&r| r >= n) {
                return Err(ExperimentError::setup(format!(
                    "split row {bad} is out of range: the dataset has {n} rows"
                )));
            }
            (tr.clone(), te.clone())
        }
        None => shuffle_split(n, config.test_size, config.seed)?,
    };
    emit(Event::Started {
        algo: spec.name.to_string(),
        dataset: ds.name().to_string(),
        n_train: train.len(),
        n_test: test.len(),
    });
    let DenseFeatures {
        train: xtr,
        test: xte,
        names,
        notes,
    } = dense_only(ds, &train, &test, config)?;
    report.notes.extend(notes);
    let ytr = pick(&y, &train);
    let yte = pick(&y, &test);
    report.n_features = xtr.ncols();
    report.n_train = train.len();
    report.n_test = test.len();

    let data = RegressData {
        x: xtr.view(),
        names: &names,
        y: &ytr,
    };
    let mut history = Vec::new();
    let t0 = Instant::now();
    let model = {
        let mut sink = progress_sink(emit, cancel, &mut history);
        let mut progress = Progress::new(&mut sink);
        trainer.fit(data, config.seed, &mut progress)
    }?;
    report.fit_seconds = t0.elapsed().as_secs_f64();
    report.history = history;

    let t1 = Instant::now();
    let pred = model.predict(xte.view());
    report.predict_seconds = t1.elapsed().as_secs_f64();
    let score = |m: &dyn Regressor, x: ndarray::ArrayView2<'_, f64>, truth: &[f64]| {
        regression_metrics(truth, &m.predict(x))
    };
    let test_metrics = regression_metrics(&yte, &pred)?;
    let train_metrics = score(model.as_ref(), xtr.view(), &ytr)?;

    // Learning curve: the first shares of the (shuffled) training rows.
    let mut learning_curve = Vec::new();
    for share in CURVE_SHARES {
        if cancel.load(Ordering::SeqCst) {
            return Err(ExperimentError::Cancelled);
        }
        let k = (share * train.len() as f64).round() as usize;
        if k < 2 {
            continue;
        }
        let sub = xtr.slice(ndarray::s![..k, ..]);
        let d = RegressData {
            x: sub,
            names: &names,
            y: &ytr[..k],
        };
        // Too few rows for this model (k-NN's k, least squares' p): no point.
        let Ok(m) = trainer.fit(d, config.seed, &mut Progress::none()) else {
            continue;
        };
        let (Ok(a), Ok(b)) = (
            metrics::r2(&ytr[..k], &m.predict(sub)),
            metrics::r2(&yte, &m.predict(xte.view())),
        ) else {
            continue;
        };
        learning_curve.push(LearningPoint {
            n_train: k,
            train_r2: a,
            test_r2: b,
        });
    }
    learning_curve.push(LearningPoint {
        n_train: train.len(),
        train_r2: train_metrics.r2,
        test_r2: test_metrics.r2,
    });

    let coefficients = model.coefficients().map(|c| {
        let mut rows = vec![CoefRow {
            name: "(intercept)".into(),
            value: c.intercept,
            std_err: c.std_err.as_ref().map(|s| s.0),
        }];
        for (j, w) in c.coef.iter().enumerate() {
            rows.push(CoefRow {
                name: names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("x{}", j + 1)),
                value: *w,
                std_err: c.std_err.as_ref().and_then(|s| s.1.get(j).copied()),
            });
        }
        rows
    });
    let lasso_path = match trainer.lasso_path(data) {
        Some(p) => Some(LassoPathReport {
            features: names.clone(),
            path: p?,
        }),
        None => None,
    };

    let mut cv = None;
    if let Some(k) = config.cv {
        let folds = kfold(n, k, config.seed)?;
        let (mut r2s, mut rmses) = (Vec::with_capacity(k), Vec::with_capacity(k));
        for (i, (tr, te)) in folds.iter().enumerate() {
            if cancel.load(Ordering::SeqCst) {
                return Err(ExperimentError::Cancelled);
            }
            let f = dense_only(ds, tr, te, config)?;
            let ytr = pick(&y, tr);
            let d = RegressData {
                x: f.train.view(),
                names: &f.names,
                y: &ytr,
            };
            let m = trainer.fit(d, config.seed, &mut Progress::none())?;
            let s = score(m.as_ref(), f.test.view(), &pick(&y, te))?;
            r2s.push(s.r2);
            rmses.push(s.rmse);
            emit(Event::Progress(Step {
                iter: i + 1,
                total: k,
                metric: "cv fold R²",
                value: s.r2,
            }));
        }
        let mean = r2s.iter().sum::<f64>() / k as f64;
        let var = r2s.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / k as f64;
        cv = Some(RegressionCv {
            folds: k,
            mean_r2: mean,
            std_r2: var.sqrt(),
            mean_rmse: rmses.iter().sum::<f64>() / k as f64,
            r2: r2s,
            rmse: rmses,
        });
    }

    let outcome = RegressionOutcome {
        metrics: test_metrics,
        train_metrics,
        cv,
        learning_curve,
        coefficients,
        lasso_path,
        test_rows: test,
        test_truth: yte,
        test_pred: pred,
    };
    Ok(report.with_outcome(Outcome::Regression(Box::new(outcome))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_folds_cover_every_row_once() {
        let (tr, te) = shuffle_split(10, 0.25, 3).expect("split");
        assert_eq!(te.len(), 3);
        let mut all: Vec<usize> = tr.iter().chain(&te).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(shuffle_split(10, 0.25, 3).expect("split"), (tr, te));
        let folds = kfold(10, 3, 1).expect("folds");
        let mut tests: Vec<usize> = folds.iter().flat_map(|f| f.1.clone()).collect();
        tests.sort_unstable();
        assert_eq!(tests, (0..10).collect::<Vec<_>>());
        assert_eq!(
            folds.iter().map(|f| f.1.len()).collect::<Vec<_>>(),
            vec![4, 3, 3]
        );
        assert!(kfold(10, 1, 0).is_err());
    }
}
