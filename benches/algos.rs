//! Fit and predict time per algorithm: on digits (1,347 training rows x 64)
//! and on a synthetic 20,000 x 20 three-class set. Run with
//! `cargo bench --bench algos`. `benches/compare_sklearn.py` times
//! scikit-learn against the `mlwb` binary on one shared CSV and prints ratios.
//! The `*_variants` benches time the settings that change speed but not the
//! result (SVM shrinking, forest threads) or change the work done (criterion,
//! covariance type, L-BFGS tolerance) on digits.

use std::sync::OnceLock;

use mlwb::algos::boosting::{adaboost, gbdt};
use mlwb::algos::{logistic, svm, Progress};
use mlwb::algos::{Classifier, Clusterer};
use mlwb::data::{self, CsvOptions, Dataset};
use mlwb::registry::{self, Prepared};
use ndarray::Array2;
use rand::Rng as _;

fn main() {
    divan::main();
}

struct Data {
    x: Array2<f64>,
    y: Vec<usize>,
    n_classes: usize,
}

/// Three overlapping Gaussian classes in 20 dimensions, 10 of them informative.
fn synthetic() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| {
        let mut rng = mlwb::algos::rng(0);
        let (n, d, k) = (20_000, 20, 3);
        let centres: Vec<Vec<f64>> = (0..k)
            .map(|_| {
                (0..d)
                    .map(|j| {
                        if j < 10 {
                            rng.gen_range(-1.5..1.5)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let mut x = Array2::zeros((n, d));
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let c = i % k;
            y.push(c);
            for j in 0..d {
                // Box-Muller normal noise.
                let (u1, u2): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen_range(0.0..1.0));
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                x[(i, j)] = centres[c][j] + z;
            }
        }
        Data { x, y, n_classes: k }
    })
}

fn digits() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| match data::load("digits", &CsvOptions::default()) {
        Ok(Dataset::Table(t)) => {
            let n = t.n_rows() * 3 / 4;
            Data {
                x: t.x.slice(ndarray::s![..n, ..]).to_owned(),
                y: t.y[..n].to_vec(),
                n_classes: t.n_classes(),
            }
        }
        _ => panic!("digits is bundled"),
    })
}

/// A fitted model of either task (what a bench returns, so it is not
/// optimised away).
#[allow(dead_code)] // the models are held, not read: so the fit is not optimised away
enum Fitted {
    Classifier(Box<dyn Classifier>),
    Clusterer(Box<dyn Clusterer>),
}

fn fit_with(algo: &str, given: &[(String, String)], d: &Data) -> Fitted {
    let reg = registry::lookup(algo).expect("algorithm");
    let (_, prepared) = reg.prepare(given).expect("valid settings");
    let data = registry::FitData {
        x: d.x.view(),
        names: &[],
        y: &d.y,
        n_classes: d.n_classes,
    };
    match prepared {
        Prepared::Classifier(t) => {
            Fitted::Classifier(t.fit(data, 0, &mut Progress::none()).expect("fit"))
        }
        Prepared::Clusterer(t) => {
            Fitted::Clusterer(t.fit(data.x, 0, &mut Progress::none()).expect("fit"))
        }
        _ => panic!("{algo} is not fitted on a table"),
    }
}

fn fit(algo: &str, d: &Data) -> Fitted {
    fit_with(algo, &[], d)
}

const FAST: &[&str] = &[
    "gaussian-nb",
    "decision-tree",
    "logistic-regression",
    "kmeans",
    "gmm",
];
const SLOW: &[&str] = &["random-forest", "svm"];

#[divan::bench(args = FAST, sample_count = 10)]
fn fit_synthetic_20k(algo: &str) -> Fitted {
    fit(algo, synthetic())
}

#[divan::bench(args = SLOW, sample_count = 3, sample_size = 1)]
fn fit_synthetic_20k_slow(algo: &str) -> Fitted {
    fit(algo, synthetic())
}

#[divan::bench(args = ["gaussian-nb", "multinomial-nb", "decision-tree", "random-forest", "logistic-regression", "svm", "kmeans", "gmm"], sample_count = 10)]
fn fit_digits(algo: &str) -> Fitted {
    fit(algo, digits())
}

#[divan::bench(args = ["gaussian-nb", "decision-tree", "random-forest", "logistic-regression", "svm"], sample_count = 10)]
fn predict_synthetic_20k(bencher: divan::Bencher, algo: &str) {
    let d = synthetic();
    let Fitted::Classifier(m) = fit(algo, d) else {
        panic!("classifier")
    };
    bencher.bench_local(|| m.predict(d.x.view()));
}

/// `algo k=v ...`: registry settings other than the defaults.
#[divan::bench(args = [
    "decision-tree criterion=entropy",
    "random-forest threads=1",
    "random-forest threads=2",
    "gmm covariance=diag",
], sample_count = 10)]
fn fit_digits_variants(variant: &str) -> Fitted {
    let mut words = variant.split_whitespace();
    let algo = words.next().unwrap_or_default();
    let given: Vec<(String, String)> = words
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    fit_with(algo, &given, digits())
}

/// libsvm's shrinking heuristic on and off (same solution within `tol`).
#[divan::bench(args = [true, false], sample_count = 10)]
fn fit_digits_svm_shrinking(shrinking: bool) -> svm::SvmModel {
    let d = digits();
    let params = svm::SvmParams {
        shrinking,
        ..svm::SvmParams::default()
    };
    svm::fit(
        d.x.view(),
        &d.y,
        d.n_classes,
        &params,
        0,
        &mut Progress::none(),
    )
    .expect("fit")
}

/// L-BFGS stopping tolerance: scikit-learn's 1e-4 and our default 1e-6.
#[divan::bench(args = [1e-4, 1e-6], sample_count = 10)]
fn fit_digits_logistic_tol(tol: f64) -> logistic::LogisticModel {
    let d = digits();
    let params = logistic::LbfgsParams {
        tol,
        ..logistic::LbfgsParams::default()
    };
    logistic::fit_lbfgs(
        d.x.view(),
        &d.y,
        d.n_classes,
        &params,
        0,
        &mut Progress::none(),
    )
    .expect("fit")
}

/// Gradient boosting with scikit-learn's defaults (100 stages, depth 3; ten
/// trees per stage on digits). Not in the registry yet, so called directly.
/// `benches/compare_boosting_sklearn.py` times scikit-learn on the same rows.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn fit_digits_gbdt() -> gbdt::GbdtModel {
    let d = digits();
    gbdt::fit(
        d.x.view(),
        &d.y,
        d.n_classes,
        &gbdt::GbdtParams::default(),
        &mut Progress::none(),
    )
    .expect("fit")
}

/// AdaBoost (SAMME) with 50 stumps, scikit-learn's defaults.
#[divan::bench(sample_count = 10)]
fn fit_digits_adaboost() -> adaboost::AdaBoostModel {
    let d = digits();
    adaboost::fit(
        d.x.view(),
        &d.y,
        d.n_classes,
        &adaboost::AdaBoostParams::default(),
        &mut Progress::none(),
    )
    .expect("fit")
}
