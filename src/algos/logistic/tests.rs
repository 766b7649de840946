use super::*;
use crate::algos::core::Step;
use ndarray::{array, Axis};
use rand::Rng as _;

/// Reads a dataset CSV: numeric features, last column a class name. Classes are
/// numbered in sorted order, like `np.unique(y, return_inverse=True)`.
fn load_csv(path: &str) -> (Array2<f64>, Vec<usize>, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let mut names = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let (label, feats) = fields.split_last().unwrap();
        rows.push(
            feats
                .iter()
                .map(|v| v.trim().parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        );
        names.push(label.trim().to_string());
    }
    let mut classes = names.clone();
    classes.sort();
    classes.dedup();
    let y = names
        .iter()
        .map(|n| classes.binary_search(n).unwrap())
        .collect();
    let p = rows[0].len();
    let x = Array2::from_shape_vec((rows.len(), p), rows.concat()).unwrap();
    (x, y, classes.len())
}

fn dataset(name: &str) -> (Array2<f64>, Vec<usize>, usize) {
    load_csv(&format!(
        "{}/datasets/{name}.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
}

fn standardise(x: &Array2<f64>) -> Array2<f64> {
    let mean = x.mean_axis(Axis(0)).unwrap();
    let std = x.std_axis(Axis(0), 0.0);
    (x - &mean) / &std
}

fn accuracy(m: &LogisticModel, x: &Array2<f64>, y: &[usize]) -> f64 {
    let pred = m.predict(x.view());
    pred.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

fn lbfgs(x: &Array2<f64>, y: &[usize], k: usize, params: &LbfgsParams) -> LogisticModel {
    fit_lbfgs(x.view(), y, k, params, 0, &mut Progress::none()).unwrap()
}

fn random_problem(n: usize, p: usize, k: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut r = crate::algos::core::rng(seed);
    let x = Array2::from_shape_fn((n, p), |_| r.gen_range(-2.0..2.0));
    let y = (0..n).map(|i| (i * 7 + r.gen_range(0..k)) % k).collect();
    (x, y)
}

// ---- parameters -------------------------------------------------------

#[test]
fn defaults_are_the_documented_ones() {
    let p = LbfgsParams::default();
    assert_eq!(
        (p.c, p.max_iter, p.tol, p.memory, p.fit_intercept),
        (1.0, 1000, 1e-6, 10, true)
    );
    let g = GdParams::default();
    assert_eq!(
        (g.learning_rate, g.epochs, g.l2, g.fit_intercept),
        (0.1, 300, 0.0, true)
    );
    assert!(p.check().is_ok() && g.check().is_ok());
}

fn bad_name(r: Result<(), AlgoError>) -> String {
    match r {
        Err(AlgoError::InvalidParam { name, .. }) => name,
        other => format!("{other:?}"),
    }
}

#[test]
fn invalid_c() {
    for c in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let p = LbfgsParams {
            c,
            ..Default::default()
        };
        assert_eq!(bad_name(p.check()), "c");
    }
}

#[test]
fn invalid_max_iter() {
    let p = LbfgsParams {
        max_iter: 0,
        ..Default::default()
    };
    assert_eq!(bad_name(p.check()), "max_iter");
}

#[test]
fn invalid_tol() {
    for tol in [-1e-6, f64::NAN, f64::INFINITY] {
        let p = LbfgsParams {
            tol,
            ..Default::default()
        };
        assert_eq!(bad_name(p.check()), "tol");
    }
    let zero = LbfgsParams {
        tol: 0.0,
        ..Default::default()
    };
    assert!(zero.check().is_ok());
}

#[test]
fn invalid_memory() {
    for memory in [0, MAX_MEMORY + 1] {
        let p = LbfgsParams {
            memory,
            ..Default::default()
        };
        assert_eq!(bad_name(p.check()), "memory");
    }
}

#[test]
fn invalid_learning_rate() {
    for learning_rate in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let p = GdParams {
            learning_rate,
            ..Default::default()
        };
        assert_eq!(bad_name(p.check()), "learning_rate");
    }
}

#[test]
fn invalid_epochs() {
    let p = GdParams {
        epochs: 0,
        ..Default::default()
    };
    assert_eq!(bad_name(p.check()), "epochs");
}

#[test]
fn invalid_l2() {
    for l2 in [-0.1, f64::NAN, f64::INFINITY] {
        let p = GdParams {
            l2,
            ..Default::default()
        };
        assert_eq!(bad_name(p.check()), "l2");
    }
}

#[test]
fn fits_check_params_before_fitting() {
    let (x, y) = random_problem(10, 2, 3, 1);
    let p = LbfgsParams {
        c: -1.0,
        ..Default::default()
    };
    let r = fit_lbfgs(x.view(), &y, 3, &p, 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::InvalidParam { .. })));
    let g = GdParams {
        epochs: 0,
        ..Default::default()
    };
    let r = fit_gd(x.view(), &y, 3, &g, 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::InvalidParam { .. })));
}

// ---- bad data -------------------------------------------------------

#[test]
fn bad_data_is_an_error_not_a_panic() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]];
    let cases: Vec<(Array2<f64>, Vec<usize>, usize, &str)> = vec![
        (x.clone(), vec![0, 1], 2, "rows"),
        (Array2::zeros((0, 2)), vec![], 2, "no training rows"),
        (x.clone(), vec![0, 0, 0], 1, "at least 2 classes"),
        (x.clone(), vec![0, 1, 3], 3, "out of range"),
        (
            array![[0.0, f64::NAN], [1.0, 0.0], [2.0, 2.0]],
            vec![0, 1, 1],
            2,
            "NaN",
        ),
        (
            array![[0.0, 1.0], [f64::INFINITY, 0.0], [2.0, 2.0]],
            vec![0, 1, 1],
            2,
            "infinite",
        ),
        (x.clone(), vec![1, 1, 1], 3, "only class 1"),
    ];
    for (x, y, k, needle) in cases {
        for r in [
            fit_lbfgs(
                x.view(),
                &y,
                k,
                &LbfgsParams::default(),
                0,
                &mut Progress::none(),
            ),
            fit_gd(
                x.view(),
                &y,
                k,
                &GdParams::default(),
                0,
                &mut Progress::none(),
            ),
        ] {
            match r {
                Err(AlgoError::BadData(msg)) => {
                    assert!(msg.contains(needle), "{msg:?} should mention {needle:?}")
                }
                other => panic!("expected BadData({needle}), got {other:?}"),
            }
        }
    }
}

#[test]
fn absent_class_is_allowed_and_gets_low_probability() {
    // Classes 0 and 2 occur, class 1 never does.
    let x = array![[-2.0], [-1.0], [1.0], [2.0]];
    let y = [0, 0, 2, 2];
    let m = lbfgs(&x, &y, 3, &LbfgsParams::default());
    let p = m.predict_proba(x.view()).unwrap();
    assert!(p.column(1).iter().all(|&v| v < 0.05), "{p:?}");
    assert_eq!(m.predict(x.view()), vec![0, 0, 2, 2]);
}

// ---- gradients ------------------------------------------------------

/// Central finite differences of `Engine::eval` against its gradient.
fn check_gradient(binary: bool, k: usize, fit_intercept: bool, alpha: f64, rows: usize) {
    let (x, mut y) = random_problem(37, 4, k.max(2), 11);
    if binary {
        y.iter_mut().for_each(|v| *v %= 2);
    }
    let mut eng = Engine::with_chunking(x.view(), &y, k, binary, fit_intercept, alpha, rows, 2);
    let d = eng.dim();
    let mut r = crate::algos::core::rng(5);
    let theta: Vec<f64> = (0..d).map(|_| r.gen_range(-1.0..1.0)).collect();
    let mut g = vec![0.0; d];
    eng.eval(&theta, &mut g).unwrap();
    let mut scratch = vec![0.0; d];
    let h = 1e-6;
    for i in 0..d {
        let mut tp = theta.clone();
        tp[i] += h;
        let fp = eng.eval(&tp, &mut scratch).unwrap();
        tp[i] -= 2.0 * h;
        let fm = eng.eval(&tp, &mut scratch).unwrap();
        let fd = (fp - fm) / (2.0 * h);
        assert!(
            (fd - g[i]).abs() <= 1e-7 * (1.0 + g[i].abs()),
            "component {i}: analytic {} vs finite difference {fd}",
            g[i]
        );
    }
}

#[test]
fn softmax_gradient_matches_finite_differences() {
    check_gradient(false, 3, true, 0.3, 1000);
    check_gradient(false, 4, false, 0.0, 1000);
}

#[test]
fn binary_gradient_matches_finite_differences() {
    check_gradient(true, 1, true, 0.2, 1000);
    check_gradient(true, 1, false, 0.0, 1000);
}

#[test]
fn chunked_and_threaded_gradient_matches_finite_differences() {
    check_gradient(false, 3, true, 0.1, 5);
    check_gradient(true, 1, true, 0.1, 5);
}

#[test]
fn gd_gradient_is_the_textbook_formula() {
    // grad_W = X^T (P - Y) / n + l2 W, grad_b = mean(P - Y), written out naively.
    let (x, y) = random_problem(25, 3, 3, 2);
    let (n, p, k, l2) = (25, 3, 3, 0.05);
    let mut r = crate::algos::core::rng(9);
    let theta: Vec<f64> = (0..k * p + k).map(|_| r.gen_range(-1.0..1.0)).collect();
    let mut eng = Engine::new(x.view(), &y, k, false, true, l2);
    let mut g = vec![0.0; k * p + k];
    eng.eval(&theta, &mut g).unwrap();
    let mut expect = vec![0.0; k * p + k];
    for i in 0..n {
        let z: Vec<f64> = (0..k)
            .map(|c| theta[k * p + c] + (0..p).map(|j| theta[c * p + j] * x[[i, j]]).sum::<f64>())
            .collect();
        let s: f64 = z.iter().map(|v| v.exp()).sum();
        for c in 0..k {
            let resid = z[c].exp() / s - if y[i] == c { 1.0 } else { 0.0 };
            for j in 0..p {
                expect[c * p + j] += resid * x[[i, j]] / n as f64;
            }
            expect[k * p + c] += resid / n as f64;
        }
    }
    for c in 0..k * p {
        expect[c] += l2 * theta[c];
    }
    for (a, b) in g.iter().zip(&expect) {
        assert!((a - b).abs() < 1e-12, "{g:?} vs {expect:?}");
    }
}

#[test]
fn chunking_and_threads_do_not_change_results() {
    // Same chunks on 1 or 3 threads: bit-for-bit equal; different chunk sizes:
    // equal up to rounding.
    let (x, y) = random_problem(1000, 6, 3, 4);
    let theta: Vec<f64> = (0..21).map(|i| (i as f64 * 0.37).sin()).collect();
    let run = |rows, threads| {
        let mut e = Engine::with_chunking(x.view(), &y, 3, false, true, 0.01, rows, threads);
        let mut g = vec![0.0; 21];
        let f = e.eval(&theta, &mut g).unwrap();
        (f, g)
    };
    let (f1, g1) = run(64, 1);
    let (f3, g3) = run(64, 3);
    assert_eq!((f1, &g1), (f3, &g3));
    let (fa, ga) = run(5000, 1);
    assert!((fa - f1).abs() < 1e-13);
    for (a, b) in ga.iter().zip(&g1) {
        assert!((a - b).abs() < 1e-13);
    }
}

// ---- hand-checkable cases --------------------------------------------

#[test]
fn zero_model_objective_is_n_log_k() {
    // With W = 0, b = 0 every class has probability 1/3: objective = 150 ln 3.
    let (x, y, k) = dataset("iris");
    let m = LogisticModel {
        weights: Array2::zeros((k, 4)),
        intercept: Array1::zeros(k),
    };
    assert!((m.objective(x.view(), &y, 1.0) - 150.0 * 3f64.ln()).abs() < 1e-9);
    let w = LogisticModel {
        weights: Array2::from_elem((k, 4), 1.0),
        intercept: Array1::zeros(k),
    };
    // Equal scores, penalty 12 / (2 * 0.5) = 12.
    assert!((w.objective(x.view(), &y, 0.5) - (150.0 * 3f64.ln() + 12.0)).abs() < 1e-9);
}

#[test]
fn two_points_binary_optimum_by_hand() {
    // x = -1 (class 0), x = 1 (class 1), no intercept, C = 1:
    // F(w) = 2 log(1 + e^-w) + w^2 / 2, so F'(w) = 0 <=> w = 2 sigma(-w).
    // Root: scipy.optimize.brentq(lambda w: w - 2/(1+np.exp(w)), 0, 2) = 0.6748316143423994;
    // sklearn: LogisticRegression(fit_intercept=False, tol=1e-10)
    //   .fit([[-1],[1]], [0,1]).coef_[0,0] = 0.6748316143430422
    let x = array![[-1.0], [1.0]];
    let params = LbfgsParams {
        fit_intercept: false,
        tol: 1e-10,
        ..Default::default()
    };
    let m = lbfgs(&x, &[0, 1], 2, &params);
    let w = m.weights[[1, 0]];
    assert_eq!(m.weights[[0, 0]], 0.0);
    assert_eq!(m.intercept, array![0.0, 0.0]);
    assert!((w - 2.0 * sigmoid(-w)).abs() < 1e-9, "w = {w}");
    assert!((w - 0.6748316143423994).abs() < 1e-9, "w = {w}");
    let p = m.predict_proba(x.view()).unwrap();
    assert!((p[[1, 1]] - sigmoid(w)).abs() < 1e-15);
    assert!((p[[0, 0]] - sigmoid(w)).abs() < 1e-15);
    assert_eq!(m.predict(x.view()), vec![0, 1]);
}

#[test]
fn intercept_only_model_learns_log_odds() {
    // No features: the optimum puts softmax(b) at the class frequencies, so
    // b1 - b0 = ln(n1 / n0); binary: b = ln(3 / 1).
    let tight = LbfgsParams {
        tol: 1e-12,
        ..Default::default()
    };
    let x = Array2::<f64>::zeros((4, 0));
    let m = lbfgs(&x, &[0, 1, 1, 1], 2, &tight);
    assert!(
        (m.intercept[1] - 3f64.ln()).abs() < 1e-8,
        "{:?}",
        m.intercept
    );
    let x = Array2::<f64>::zeros((6, 0));
    let m = lbfgs(&x, &[0, 1, 1, 2, 2, 2], 3, &tight);
    let b = &m.intercept;
    assert!((b[1] - b[0] - 2f64.ln()).abs() < 1e-8, "{b:?}");
    assert!((b[2] - b[0] - 3f64.ln()).abs() < 1e-8, "{b:?}");
    assert!(
        b.sum().abs() < 1e-12,
        "sum stays 0 from a zero start: {b:?}"
    );
}

#[test]
fn stable_for_huge_scores() {
    let m = LogisticModel {
        weights: array![[0.0], [1.0], [-1.0]],
        intercept: array![0.0, 0.0, 0.0],
    };
    let x = array![[1e6], [-1e6]];
    let p = m.predict_proba(x.view()).unwrap();
    assert!(p.iter().all(|v| v.is_finite()));
    assert_eq!(m.predict(x.view()), vec![1, 2]);
    assert!((m.objective(x.view(), &[1, 2], 1.0) - 1.0).abs() < 1e-9);
    assert!((softplus(1000.0) - 1000.0).abs() < 1e-12 && softplus(-1000.0) >= 0.0);
    assert_eq!(sigmoid(-1000.0), 0.0);
}

#[test]
fn shape_mismatch_gives_empty_prediction() {
    let m = LogisticModel {
        weights: Array2::zeros((3, 2)),
        intercept: Array1::zeros(3),
    };
    let x = Array2::zeros((4, 5));
    assert!(m.predict(x.view()).is_empty());
    assert!(m.scores(x.view()).is_none());
    assert!(m.objective(x.view(), &[0, 0, 0, 0], 1.0).is_nan());
    assert_eq!((m.n_features(), m.n_classes()), (2, 3));
}

#[test]
fn scores_are_probabilities() {
    let (x, y, k) = dataset("iris");
    let m = lbfgs(&x, &y, k, &LbfgsParams::default());
    let p = m.scores(x.view()).unwrap();
    assert_eq!(p.dim(), (150, 3));
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
        assert!(row.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }
}

#[test]
fn non_standard_layout_input_gives_the_same_model() {
    let (x, y, k) = dataset("iris");
    let xt = x.t().to_owned();
    let m1 = lbfgs(&x, &y, k, &LbfgsParams::default());
    let m2 = fit_lbfgs(
        xt.t(),
        &y,
        k,
        &LbfgsParams::default(),
        0,
        &mut Progress::none(),
    )
    .unwrap();
    assert_eq!(m1, m2);
}

// ---- L-BFGS against scikit-learn --------------------------------------
//
// Reference numbers: scikit-learn 1.7.2, numpy 2.4, full data sets, classes
// numbered in sorted order (np.unique), objective computed as
//   def obj(m, X, y, C=1.0):
//       W, b = m.coef_, m.intercept_
//       if W.shape[0] == 1:
//           z = X @ W[0] + b[0]; return (np.logaddexp(0, z) - y * z).sum() + 0.5 * (W**2).sum() / C
//       Z = X @ W.T + b; Z -= Z.max(1, keepdims=True)
//       lp = Z - np.log(np.exp(Z).sum(1, keepdims=True))
//       return -lp[np.arange(len(y)), y].sum() + 0.5 * (W**2).sum() / C
//   m = LogisticRegression(C=1.0, max_iter=1000, tol=TOL).fit(X, y); obj(m, X, y)
// "optimum" = LogisticRegression(C=1.0, solver="newton-cg", max_iter=10000,
//   tol=1e-10).fit(X, y) (lbfgs with max_iter=100000, tol=1e-10 agrees to 1e-8).

/// `rel`: how much worse than scikit-learn's objective ours may be. Tight when
/// both converge; looser when both stop at `max_iter` far from the optimum on
/// unscaled data, where the value reached depends on rounding along the path.
fn sklearn_check(name: &str, sk_obj: f64, optimum: f64, sk_train_acc: f64, rel: f64) {
    let (x, y, k) = dataset(name);
    let m = lbfgs(&x, &y, k, &LbfgsParams::default());
    let ours = m.objective(x.view(), &y, 1.0);
    let acc = accuracy(&m, &x, &y);
    assert!(
        ours >= optimum * (1.0 - 1e-9),
        "{name}: {ours} below the optimum"
    );
    assert!(
        ours <= sk_obj * (1.0 + rel),
        "{name}: objective {ours} worse than scikit-learn's {sk_obj}"
    );
    assert!(
        (acc - sk_train_acc).abs() <= 0.01,
        "{name}: training accuracy {acc} vs scikit-learn {sk_train_acc}"
    );
}

#[test]
fn iris_reaches_sklearn_optimum() {
    // tol=1e-6: obj 28.886316615917604 (134 iterations), train accuracy 0.97333;
    // optimum 28.886316604092496
    let sk = 28.886316615917604;
    sklearn_check("iris", sk, 28.886316604092496, 0.9733333333333334, 1e-9);
}

#[test]
fn wine_matches_sklearn_at_max_iter() {
    // unscaled (proline ~ 1000); tol=1e-6: obj 16.259400449994132, stops at
    // max_iter=1000, train accuracy 0.98315; optimum 11.077958141536197
    // (neither L-BFGS gets there in 1000 iterations).
    sklearn_check(
        "wine",
        16.259400449994132,
        11.077958141536197,
        0.9831460674157303,
        0.02,
    );
}

#[test]
fn breast_cancer_binary_matches_sklearn_at_max_iter() {
    // unscaled, binary; tol=1e-6: obj 57.98313991499995, stops at max_iter=1000,
    // train accuracy 0.96134; optimum 53.79461123048326
    let sk = 57.98313991499995;
    sklearn_check(
        "breast_cancer",
        sk,
        53.79461123048326,
        0.961335676625659,
        0.02,
    );
}

#[test]
fn digits_matches_sklearn_at_max_iter() {
    // unscaled 0..16, 10 classes; tol=1e-6: obj 17.062096681570054, stops at
    // max_iter=1000 (tol=1e-4: 17.874667310341486 after 184 iterations), train
    // accuracy 1.0; optimum 17.032352181599343. linfa-logistic stalls far above.
    let sk = 17.062096681570054;
    sklearn_check("digits", sk, 17.032352181599343, 1.0, 0.002);
}

// ---- progress, cancellation, determinism ------------------------------

fn collect_steps<F>(fit: F) -> (Result<LogisticModel, AlgoError>, Vec<Step>)
where
    F: FnOnce(&mut Progress<'_>) -> Result<LogisticModel, AlgoError>,
{
    let mut steps = Vec::new();
    let mut sink = |s: Step| {
        steps.push(s);
        true
    };
    let r = fit(&mut Progress::new(&mut sink));
    (r, steps)
}

#[test]
fn lbfgs_reports_a_non_increasing_loss_every_iteration() {
    let (x, y, k) = dataset("wine");
    let params = LbfgsParams {
        max_iter: 50,
        ..Default::default()
    };
    let (r, steps) = collect_steps(|p| fit_lbfgs(x.view(), &y, k, &params, 0, p));
    let m = r.unwrap();
    assert_eq!(steps.len(), 50);
    for (i, s) in steps.iter().enumerate() {
        assert_eq!((s.iter, s.total, s.metric), (i + 1, 50, "loss"));
    }
    for w in steps.windows(2) {
        assert!(w[1].value <= w[0].value, "{:?}", w);
    }
    // The reported value is the objective / n.
    let last = steps[49].value;
    assert!((m.objective(x.view(), &y, 1.0) / 178.0 - last).abs() < 1e-12);
    assert!(last < 3f64.ln());
}

#[test]
fn gd_loss_decreases_monotonically_on_standardised_iris() {
    let (x, y, k) = dataset("iris");
    let xs = standardise(&x);
    let params = GdParams {
        learning_rate: 0.05,
        epochs: 500,
        ..Default::default()
    };
    let (r, steps) = collect_steps(|p| fit_gd(xs.view(), &y, k, &params, 0, p));
    let m = r.unwrap();
    assert_eq!(steps.len(), 500);
    assert!(steps.iter().all(|s| s.metric == "loss" && s.total == 500));
    assert!(steps[0].value < 3f64.ln());
    for w in steps.windows(2) {
        assert!(w[1].value < w[0].value, "loss went up: {:?}", w);
    }
    // Mean cross-entropy of the final model (l2 = 0).
    let ce = m.objective(xs.view(), &y, f64::INFINITY) / 150.0;
    assert!((ce - steps[499].value).abs() < 1e-12);
    assert!(accuracy(&m, &xs, &y) > 0.9);
}

#[test]
fn gd_with_matching_l2_converges_to_the_lbfgs_optimum() {
    // GD minimises mean CE + (l2/2)||W||^2; with l2 = 1/(C n) that is F/n.
    let (x, y, k) = dataset("iris");
    let xs = standardise(&x);
    let c = 1.0;
    let tight = LbfgsParams {
        tol: 1e-10,
        ..Default::default()
    };
    let m_l = lbfgs(&xs, &y, k, &tight);
    let params = GdParams {
        learning_rate: 1.0,
        epochs: 20000,
        l2: 1.0 / (c * 150.0),
        fit_intercept: true,
    };
    let m_g = fit_gd(xs.view(), &y, k, &params, 0, &mut Progress::none()).unwrap();
    let f_l = m_l.objective(xs.view(), &y, c);
    let f_g = m_g.objective(xs.view(), &y, c);
    assert!(
        f_l <= f_g + 1e-9 * f_l && f_g - f_l < 1e-3 * f_l,
        "{f_l} vs {f_g}"
    );
    assert_eq!(m_l.predict(xs.view()), m_g.predict(xs.view()));
}

#[test]
fn gd_divergence_is_reported() {
    let x = array![[1e200], [-1e200]];
    let params = GdParams {
        learning_rate: 1e200,
        epochs: 5,
        ..Default::default()
    };
    let r = fit_gd(x.view(), &[0, 1], 2, &params, 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::Failed(_))), "{r:?}");
}

#[test]
fn cancellation_stops_both_fits() {
    let (x, y, k) = dataset("iris");
    for which in 0..2 {
        let mut calls = 0;
        let mut sink = |_s: Step| {
            calls += 1;
            calls < 3
        };
        let mut progress = Progress::new(&mut sink);
        let r = if which == 0 {
            fit_lbfgs(x.view(), &y, k, &LbfgsParams::default(), 0, &mut progress)
        } else {
            fit_gd(x.view(), &y, k, &GdParams::default(), 0, &mut progress)
        };
        assert_eq!(r, Err(AlgoError::Cancelled));
        assert_eq!(calls, 3);
    }
}

#[test]
fn fits_are_deterministic_also_with_threads() {
    let (x, y) = random_problem(3000, 12, 3, 8);
    let params = LbfgsParams::default();
    let a = fit_lbfgs(x.view(), &y, 3, &params, 1, &mut Progress::none()).unwrap();
    let b = fit_lbfgs(x.view(), &y, 3, &params, 2, &mut Progress::none()).unwrap();
    assert_eq!(a, b);
    // Forced into 100-row chunks: 1 thread and 3 threads give the same bits.
    let forced = |threads| {
        let mut none = Progress::none();
        lbfgs_with_chunking(x.view(), &y, 3, &params, &mut none, Some((100, threads))).unwrap()
    };
    let c1 = forced(1);
    assert_eq!(c1, forced(3));
    // and the same optimum as one chunk, up to rounding.
    let (fa, fc) = (
        a.objective(x.view(), &y, 1.0),
        c1.objective(x.view(), &y, 1.0),
    );
    assert!((fa - fc).abs() < 1e-9 * fa);
    // Large data takes the threaded path on its own.
    let big = Array2::<f64>::zeros((100_000, 20));
    let yb = vec![0; 100_000];
    let e = Engine::new(big.view(), &yb, 3, false, true, 0.0);
    let cores = std::thread::available_parallelism().map_or(1, |v| v.get());
    assert!(e.chunks.len() > 1 && (e.threads > 1 || cores == 1));
    let g = GdParams {
        epochs: 20,
        ..Default::default()
    };
    let c = fit_gd(x.view(), &y, 3, &g, 1, &mut Progress::none()).unwrap();
    let d = fit_gd(x.view(), &y, 3, &g, 1, &mut Progress::none()).unwrap();
    assert_eq!(c, d);
}

#[test]
fn tolerance_stops_early() {
    let (x, y, k) = dataset("iris");
    let xs = standardise(&x);
    let loose = LbfgsParams {
        tol: 1e-2,
        ..Default::default()
    };
    let (_, a) = collect_steps(|p| fit_lbfgs(xs.view(), &y, k, &loose, 0, p));
    let (_, b) = collect_steps(|p| fit_lbfgs(xs.view(), &y, k, &LbfgsParams::default(), 0, p));
    assert!(!a.is_empty() && a.len() < b.len() && b.len() < 1000);
}
