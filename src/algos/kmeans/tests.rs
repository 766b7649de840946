use super::*;
use crate::algos::core::Step;
use ndarray::{array, Array2};

/// Reads a bundled dataset: features and the class of each row (classes
/// numbered in order of first appearance).
pub(crate) fn load(name: &str) -> (Array2<f64>, Vec<usize>) {
    let path = format!("{}/datasets/{}.csv", env!("CARGO_MANIFEST_DIR"), name);
    load_path(&path)
}

pub(crate) fn load_path(path: &str) -> (Array2<f64>, Vec<usize>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut names: Vec<String> = Vec::new();
    let mut vals = Vec::new();
    let mut y = Vec::new();
    let mut d = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        d = f.len() - 1;
        vals.extend(f[..d].iter().map(|s| s.trim().parse::<f64>().unwrap()));
        let c = f[d].trim().to_string();
        let idx = names.iter().position(|n| *n == c).unwrap_or_else(|| {
            names.push(c);
            names.len() - 1
        });
        y.push(idx);
    }
    (Array2::from_shape_vec((y.len(), d), vals).unwrap(), y)
}

/// Standardises columns (population std, as StandardScaler).
pub(crate) fn standardise(x: &Array2<f64>) -> Array2<f64> {
    let mean = x.mean_axis(ndarray::Axis(0)).unwrap();
    let std = x.std_axis(ndarray::Axis(0), 0.0);
    let mut z = x.clone();
    for mut r in z.rows_mut() {
        for ((v, m), s) in r.iter_mut().zip(&mean).zip(&std) {
            *v = (*v - m) / if *s > 0.0 { *s } else { 1.0 };
        }
    }
    z
}

/// Adjusted Rand index (Hubert & Arabie 1985), as sklearn's
/// `adjusted_rand_score`.
pub(crate) fn ari(a: &[usize], b: &[usize]) -> f64 {
    let ka = a.iter().max().map_or(0, |m| m + 1);
    let kb = b.iter().max().map_or(0, |m| m + 1);
    let mut t = vec![vec![0u64; kb]; ka];
    for (&x, &y) in a.iter().zip(b) {
        t[x][y] += 1;
    }
    let c2 = |n: u64| (n * n.saturating_sub(1)) as f64 / 2.0;
    let sum_ij: f64 = t.iter().flatten().map(|&n| c2(n)).sum();
    let sum_a: f64 = t.iter().map(|r| c2(r.iter().sum())).sum();
    let sum_b: f64 = (0..kb).map(|j| c2(t.iter().map(|r| r[j]).sum())).sum();
    let total = c2(a.len() as u64);
    let expected = sum_a * sum_b / total;
    let max = (sum_a + sum_b) / 2.0;
    if max == expected {
        1.0
    } else {
        (sum_ij - expected) / (max - expected)
    }
}

fn params(k: usize) -> KMeansParams {
    KMeansParams {
        k,
        ..KMeansParams::default()
    }
}

#[test]
fn defaults_match_sklearn() {
    let p = KMeansParams::default();
    assert_eq!((p.k, p.n_init, p.max_iter, p.tol), (3, 10, 300, 1e-4));
    assert!(p.check().is_ok());
}

#[test]
fn invalid_k() {
    let p = params(0);
    assert!(matches!(p.check(), Err(AlgoError::InvalidParam { name, .. }) if name == "k"));
}

#[test]
fn invalid_n_init() {
    let p = KMeansParams {
        n_init: 0,
        ..KMeansParams::default()
    };
    assert!(matches!(p.check(), Err(AlgoError::InvalidParam { name, .. }) if name == "n_init"));
}

#[test]
fn invalid_max_iter() {
    let p = KMeansParams {
        max_iter: 0,
        ..KMeansParams::default()
    };
    assert!(matches!(p.check(), Err(AlgoError::InvalidParam { name, .. }) if name == "max_iter"));
}

#[test]
fn invalid_tol() {
    for tol in [-1.0, f64::NAN, f64::INFINITY] {
        let p = KMeansParams {
            tol,
            ..KMeansParams::default()
        };
        assert!(matches!(p.check(), Err(AlgoError::InvalidParam { name, .. }) if name == "tol"));
    }
}

#[test]
fn fit_checks_params_before_data() {
    let x = array![[0.0, 1.0]];
    let r = fit(x.view(), &params(0), 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::InvalidParam { .. })));
}

#[test]
fn bad_data() {
    let x = array![[0.0, 1.0], [1.0, 2.0]];
    let r = fit(x.view(), &params(3), 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::BadData(m)) if m.contains("k = 3")));
    let x = array![[0.0, 1.0], [f64::NAN, 2.0], [1.0, 1.0]];
    let r = fit(x.view(), &params(2), 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::BadData(m)) if m.contains("row 2 column 1")));
    let x = Array2::<f64>::zeros((5, 0));
    let r = fit(x.view(), &params(2), 0, &mut Progress::none());
    assert!(matches!(r, Err(AlgoError::BadData(_))));
}

#[test]
fn hand_checkable_two_groups() {
    // Two obvious groups on a line: centres 1 and 11, inertia 4 * 1 = 4.
    let x = array![[0.0], [2.0], [10.0], [12.0]];
    let m = fit(x.view(), &params(2), 7, &mut Progress::none()).unwrap();
    let mut c: Vec<f64> = m.centers().iter().copied().collect();
    c.sort_by(f64::total_cmp);
    assert!((c[0] - 1.0).abs() < 1e-12 && (c[1] - 11.0).abs() < 1e-12);
    assert!((m.inertia_value() - 4.0).abs() < 1e-12);
    let l = m.labels();
    assert_eq!(l[0], l[1]);
    assert_eq!(l[2], l[3]);
    assert_ne!(l[0], l[2]);
    assert_eq!(m.predict(array![[1.5], [9.0]].view()), vec![l[0], l[2]]);
    assert!((m.inertia(x.view()) - 4.0).abs() < 1e-12);
    assert_eq!(m.n_clusters(), 2);
}

#[test]
fn k_equals_n_and_duplicates() {
    let x = array![[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]];
    let m = fit(x.view(), &params(3), 0, &mut Progress::none()).unwrap();
    assert_eq!(m.inertia_value(), 0.0);
    let x = array![[0.0, 0.0], [5.0, 5.0], [9.0, 0.0]];
    let m = fit(x.view(), &params(3), 0, &mut Progress::none()).unwrap();
    assert!(m.inertia_value().abs() < 1e-12);
    let mut l = m.labels().to_vec();
    l.sort();
    assert_eq!(l, vec![0, 1, 2]);
}

#[test]
fn predict_wrong_width_is_empty() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [5.0, 5.0]];
    let m = fit(x.view(), &params(2), 0, &mut Progress::none()).unwrap();
    assert!(m.predict(array![[1.0]].view()).is_empty());
    assert!(m.try_predict(array![[1.0]].view()).is_err());
    assert!(m.inertia(array![[1.0]].view()).is_nan());
}

#[test]
fn relocates_empty_cluster() {
    // Centres chosen so that cluster 2 gets no rows at the first step.
    let x = array![[0.0], [1.0], [2.0], [10.0], [11.0]];
    let data = Data::new(x.view(), 3).unwrap();
    let mean = data.mean[0];
    let init = vec![0.5 - mean, 10.5 - mean, 100.0 - mean];
    let p = params(3);
    let run = lloyd(&data, init, &p, false, &mut |_| Ok(())).unwrap();
    let mut counts = [0; 3];
    for &l in &run.labels {
        counts[l] += 1;
    }
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
    // Optimal 3-partition: {0,1}, {2}, {10,11} -> 0.5 + 0 + 0.5 = 1.
    assert!((run.inertia - 1.0).abs() < 1e-12, "{}", run.inertia);
}

#[test]
fn deterministic_for_a_seed() {
    let (x, _) = load("blobs");
    let a = fit(x.view(), &params(3), 42, &mut Progress::none()).unwrap();
    let b = fit(x.view(), &params(3), 42, &mut Progress::none()).unwrap();
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.centers(), b.centers());
    assert_eq!(a.inertia_value(), b.inertia_value());
}

#[test]
fn deterministic_with_threads() {
    // Large enough for the parallel path; the same result in two runs
    // and the same as a single-restart run fed the same seed.
    let n = 6000;
    let x = Array2::from_shape_fn((n, 3), |(i, j)| {
        ((i * 7919 + j * 104729) % 1000) as f64 / 100.0 + (i % 3) as f64 * 20.0
    });
    let a = fit(x.view(), &params(3), 3, &mut Progress::none()).unwrap();
    let b = fit(x.view(), &params(3), 3, &mut Progress::none()).unwrap();
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.inertia_value(), b.inertia_value());
}

#[test]
fn restarts_on_threads_give_the_one_thread_run_and_reports() {
    // Big enough (rows x k x features >= PAR_MIN_WORK) for the restarts to
    // be handed out to threads; the model and every progress report must be
    // those of the one-thread run, in the same order.
    let n = 12_000;
    let x = Array2::from_shape_fn((n, 5), |(i, j)| {
        ((i * 7919 + j * 104_729) % 1000) as f64 / 100.0 + (i % 3) as f64 * (j as f64 + 1.0)
    });
    let p = KMeansParams {
        n_init: 5,
        max_iter: 40,
        ..params(3)
    };
    let run = |threads: usize| {
        let mut steps = Vec::new();
        let mut sink = |s: Step| {
            steps.push((s.iter, s.total, s.value));
            true
        };
        let m = fit_on_threads(x.view(), &p, 11, &mut Progress::new(&mut sink), threads).unwrap();
        (m, steps)
    };
    let (a, sa) = run(1);
    let (b, sb) = run(3);
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.centers(), b.centers());
    assert_eq!(a.inertia_value(), b.inertia_value());
    assert_eq!(a.n_iter(), b.n_iter());
    assert_eq!(sa, sb);
    assert!(sa.len() > 5, "{}", sa.len());

    // Cancelling on the threads stops the fit with `Cancelled`.
    let mut calls = 0;
    let mut cancel = |_: Step| {
        calls += 1;
        calls < 4
    };
    let r = fit_on_threads(x.view(), &p, 11, &mut Progress::new(&mut cancel), 3);
    assert_eq!(r.err(), Some(AlgoError::Cancelled));
    assert_eq!(calls, 4);
}

#[test]
fn par_blocks_same_with_and_without_threads() {
    let n = 5 * BLOCK_ROWS + 17;
    let run = |work: usize| {
        let mut out = vec![0usize; 2 * n];
        let parts = par_blocks(n, &mut out, 2, work, |rows, o| {
            for (k, (i, pair)) in rows.clone().zip(o.chunks_exact_mut(2)).enumerate() {
                pair[0] = i;
                pair[1] = k;
            }
            (rows.start, rows.map(|i| (i as f64).sqrt()).sum::<f64>())
        })
        .unwrap();
        (out, parts)
    };
    let (o1, p1) = run(0); // one thread
    let (o2, p2) = run(usize::MAX); // as many threads as there are
    assert_eq!(o1, o2);
    assert_eq!(p1, p2);
    assert_eq!(p1.len(), 6);
    assert!(p1.iter().enumerate().all(|(b, p)| p.0 == b * BLOCK_ROWS));
    assert!((0..n).all(|i| o1[2 * i] == i && o1[2 * i + 1] == i % BLOCK_ROWS));
}

#[test]
fn progress_reports_inertia_and_cancels() {
    let (x, _) = load("blobs");
    let mut steps = Vec::new();
    let mut sink = |s: Step| {
        steps.push(s);
        true
    };
    let mut p = Progress::new(&mut sink);
    let m = fit(x.view(), &params(3), 0, &mut p).unwrap();
    assert!(steps.len() >= 10);
    assert!(steps
        .iter()
        .all(|s| s.metric == "inertia" && s.total == 3000));
    assert!(steps.iter().enumerate().all(|(i, s)| s.iter == i + 1));
    assert!(steps
        .iter()
        .all(|s| s.value >= m.inertia_value() * (1.0 - 1e-9)));

    let mut calls = 0;
    let mut cancel = |_: Step| {
        calls += 1;
        calls < 3
    };
    let mut p = Progress::new(&mut cancel);
    let r = fit(x.view(), &params(3), 0, &mut p);
    assert_eq!(r.err(), Some(AlgoError::Cancelled));
    assert_eq!(calls, 3);
}

#[test]
fn inertia_decreases_within_a_restart() {
    let (x, _) = load("wine");
    let z = standardise(&x);
    let p = KMeansParams {
        n_init: 1,
        ..params(3)
    };
    let mut vals = Vec::new();
    let mut sink = |s: Step| {
        vals.push(s.value);
        true
    };
    fit(z.view(), &p, 5, &mut Progress::new(&mut sink)).unwrap();
    for w in vals.windows(2) {
        assert!(w[1] <= w[0] * (1.0 + 1e-12), "{vals:?}");
    }
}

#[test]
fn matches_sklearn_inertia() {
    // Python (scikit-learn 1.7.2):
    //   import pandas as pd; from sklearn.cluster import KMeans
    //   from sklearn.metrics import adjusted_rand_score as ari
    //   from sklearn.preprocessing import StandardScaler
    //   d = pd.read_csv("datasets/blobs.csv"); X = d.iloc[:, :-1].to_numpy(float)
    //   y = d.iloc[:, -1].astype("category").cat.codes
    //   km = KMeans(3, n_init=10, random_state=0).fit(X); km.inertia_, ari(y, km.labels_)
    //   -> blobs raw 1061.0483835347, ARI 0.662254
    //   iris raw 78.8514414261 (ARI 0.730238); wine standardised 1277.9284890470 (0.897495)
    let cases = [
        ("blobs", false, 1061.0483835347, 0.662254),
        ("iris", false, 78.8514414261, 0.730238),
        ("wine", true, 1277.9284890470, 0.897495),
    ];
    for (name, std, inertia, sk_ari) in cases {
        let (x, y) = load(name);
        let x = if std { standardise(&x) } else { x };
        for seed in 0..3 {
            let m = fit(x.view(), &params(3), seed, &mut Progress::none()).unwrap();
            let rel = (m.inertia_value() - inertia).abs() / inertia;
            assert!(
                rel < 1e-9,
                "{name} seed {seed}: {} vs {inertia}",
                m.inertia_value()
            );
            assert!((ari(&y, m.labels()) - sk_ari).abs() < 1e-6, "{name}");
            assert!((m.inertia(x.view()) - inertia).abs() / inertia < 1e-9);
        }
    }
}

#[test]
fn ari_helper() {
    assert!((ari(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-12);
    // sklearn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
    assert!((ari(&[0, 0, 1, 1], &[0, 0, 1, 2]) - 0.5714285714285715).abs() < 1e-12);
}

#[test]
fn blocked_predict_is_the_nearest_centre_of_each_row() {
    let (x, _) = load("iris");
    let rows: Vec<usize> = (0..3000).map(|i| (i * 7) % x.nrows()).collect();
    let big = x.select(ndarray::Axis(0), &rows);
    let m = fit(x.view(), &KMeansParams::default(), 0, &mut Progress::none()).unwrap();
    let want: Vec<usize> = big
        .rows()
        .into_iter()
        .map(|r| nearest_exact(&r.to_vec(), m.centers().as_slice().unwrap()).0)
        .collect();
    assert_eq!(m.predict(big.view()), want);
}
