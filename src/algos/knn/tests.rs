use super::*;
use crate::rng::rng;
use ndarray::array;
use rand::Rng as _;

const METRICS: [Metric; 5] = [
    Metric::Euclidean,
    Metric::Manhattan,
    Metric::Chebyshev,
    Metric::Minkowski(3.0),
    Metric::Minkowski(1.5),
];

fn cfg(k: usize, metric: Metric, search: Search) -> KnnConfig {
    KnnConfig {
        k,
        weights: Weights::Uniform,
        metric,
        search,
    }
}

/// Random rows; `grid` rounds them to a coarse grid so that many distances
/// tie exactly.
fn random(n: usize, d: usize, seed: u64, grid: bool) -> Array2<f64> {
    let mut r = rng(seed);
    Array2::from_shape_fn((n, d), |_| {
        let v: f64 = r.gen_range(-3.0..3.0);
        if grid {
            v.round()
        } else {
            v
        }
    })
}

/// The definition: every training row's distance, sorted by (distance, row).
fn by_definition(x: &Array2<f64>, q: ArrayView1<'_, f64>, k: usize, m: Metric) -> Vec<usize> {
    let mut all: Vec<(f64, usize)> = x
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let d = match m {
                Metric::Chebyshev => r
                    .iter()
                    .zip(q.iter())
                    .fold(0.0f64, |a, (u, v)| a.max((u - v).abs())),
                Metric::Euclidean => r
                    .iter()
                    .zip(q.iter())
                    .map(|(u, v)| (u - v) * (u - v))
                    .sum::<f64>(),
                Metric::Manhattan => r.iter().zip(q.iter()).map(|(u, v)| (u - v).abs()).sum(),
                Metric::Minkowski(p) => r
                    .iter()
                    .zip(q.iter())
                    .map(|(u, v)| (u - v).abs().powf(p))
                    .sum(),
            };
            (d, i)
        })
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(k).map(|(_, i)| i).collect()
}

#[test]
fn kd_tree_finds_the_same_neighbours_as_brute_force_for_every_metric_and_k() {
    for (seed, (n, d, grid)) in [
        (200, 2, false),
        (300, 3, true),
        (150, 5, false),
        (400, 2, true),
    ]
    .into_iter()
    .enumerate()
    {
        let x = random(n, d, seed as u64, grid);
        let y: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let queries = random(20, d, 100 + seed as u64, grid);
        for m in METRICS {
            for k in [1, 2, 5, 17, 60] {
                let tree = fit_knn(x.view(), &y, 3, cfg(k, m, Search::KdTree)).unwrap();
                let brute = fit_knn(x.view(), &y, 3, cfg(k, m, Search::Brute)).unwrap();
                assert!(tree.uses_tree() && !brute.uses_tree());
                for q in queries.rows() {
                    let a: Vec<usize> = tree.neighbours(q).iter().map(|p| p.0).collect();
                    let b: Vec<usize> = brute.neighbours(q).iter().map(|p| p.0).collect();
                    assert_eq!(a, b, "{m:?} k={k} n={n} d={d}");
                    assert_eq!(a, by_definition(&x, q, k, m), "{m:?} k={k}");
                }
                assert_eq!(tree.predict(queries.view()), brute.predict(queries.view()));
            }
        }
    }
}

#[test]
fn distances_are_the_metrics_own() {
    let x = array![[0.0, 0.0], [3.0, 4.0]];
    let q = array![0.0, 0.0];
    let far = |m| {
        let model = fit_knn(x.view(), &[0, 1], 2, cfg(2, m, Search::Brute)).unwrap();
        model.neighbours(q.view())[1].1
    };
    assert_eq!(far(Metric::Euclidean), 5.0);
    assert_eq!(far(Metric::Manhattan), 7.0);
    assert_eq!(far(Metric::Chebyshev), 4.0);
    assert!((far(Metric::Minkowski(3.0)) - 91f64.cbrt()).abs() < 1e-12);
    // p = 1 and 2 are the Manhattan and Euclidean metrics.
    assert_eq!(far(Metric::Minkowski(1.0)), 7.0);
    assert_eq!(far(Metric::Minkowski(2.0)), 5.0);
}

#[test]
fn equal_distances_keep_the_earlier_training_rows() {
    // Four rows at distance 1 from the origin; k = 2 keeps rows 0 and 1.
    let x = array![[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [5.0, 5.0]];
    let y = [1, 0, 0, 0, 1];
    for search in [Search::Brute, Search::KdTree] {
        let m = fit_knn(x.view(), &y, 2, cfg(2, Metric::Euclidean, search)).unwrap();
        let nb: Vec<usize> = m
            .neighbours(array![0.0, 0.0].view())
            .iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(nb, vec![0, 1]);
        // One vote each for classes 1 and 0: the tie goes to class 0.
        assert_eq!(m.predict(array![[0.0, 0.0]].view()), vec![0]);
    }
}

#[test]
fn more_neighbours_than_training_rows_is_refused_naming_the_row_count() {
    let x = array![[0.0], [1.0], [2.0]];
    let err = match fit_knn(
        x.view(),
        &[0, 1, 0],
        2,
        cfg(5, Metric::Euclidean, Search::Auto),
    ) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("k = 5 > 3 rows accepted"),
    };
    assert!(err.contains("n_neighbors"), "{err}");
    assert!(err.contains("only 3 training rows"), "{err}");
    // k = n is fine: every row votes.
    let m = fit_knn(
        x.view(),
        &[0, 1, 0],
        2,
        cfg(3, Metric::Euclidean, Search::Auto),
    )
    .unwrap();
    assert_eq!(m.predict(array![[1.0]].view()), vec![0]);
}

#[test]
fn distance_weights_give_exact_duplicates_all_the_weight() {
    // The query coincides with two training rows of class 1 (a duplicate
    // pair); the three class-0 rows are close but not at distance 0.
    let x = array![[0.0, 0.0], [0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [0.1, 0.1]];
    let y = [1, 1, 0, 0, 0];
    let mut c = cfg(5, Metric::Euclidean, Search::Brute);
    c.weights = Weights::Distance;
    let m = fit_knn(x.view(), &y, 2, c).unwrap();
    let q = array![[0.0, 0.0]];
    assert_eq!(m.predict(q.view()), vec![1]);
    let s = m.scores(q.view()).unwrap();
    assert_eq!((s[(0, 0)], s[(0, 1)]), (0.0, 1.0));
    // Uniform weights: three votes to two for class 0.
    let u = fit_knn(x.view(), &y, 2, cfg(5, Metric::Euclidean, Search::Brute)).unwrap();
    assert_eq!(u.predict(q.view()), vec![0]);
    assert_eq!(u.scores(q.view()).unwrap().row(0).to_vec(), vec![0.6, 0.4]);
    // Away from the rows: 1/d weights (class 1 at distance 1, class 0 at 2).
    let x = array![[1.0], [2.0], [-2.0]];
    let mut c = cfg(3, Metric::Euclidean, Search::Brute);
    c.weights = Weights::Distance;
    let m = fit_knn(x.view(), &[1, 0, 0], 2, c).unwrap();
    let s = m.scores(array![[0.0]].view()).unwrap();
    assert!((s[(0, 1)] - 0.5).abs() < 1e-15 && (s[(0, 0)] - 0.5).abs() < 1e-15);
}

#[test]
fn auto_uses_a_tree_only_in_low_dimension_and_small_k() {
    let y: Vec<usize> = (0..100).map(|i| i % 2).collect();
    let fit = |d, k| {
        fit_knn(
            random(100, d, 1, false).view(),
            &y,
            2,
            cfg(k, Metric::Euclidean, Search::Auto),
        )
        .unwrap()
        .uses_tree()
    };
    assert!(fit(15, 5));
    assert!(!fit(16, 5));
    assert!(!fit(2, 50));
    assert!(fit(2, 49));
}

#[test]
fn bad_data_gets_a_message() {
    let x = array![[0.0], [f64::NAN]];
    let e = fit_knn(
        x.view(),
        &[0, 1],
        2,
        cfg(1, Metric::Euclidean, Search::Auto),
    );
    assert!(e.is_err_and(|e| e.to_string().contains("not a finite number")));
    let x = array![[0.0], [1.0]];
    let e = fit_knn(
        x.view(),
        &[0, 1],
        2,
        cfg(1, Metric::Minkowski(0.5), Search::Auto),
    );
    assert!(e.is_err_and(|e| e.to_string().contains("`p`")));
    let e = fit_knn(x.view(), &[0], 2, cfg(1, Metric::Euclidean, Search::Auto));
    assert!(e.is_err());
    // A query of the wrong width predicts nothing rather than panicking.
    let m = fit_knn(
        x.view(),
        &[0, 1],
        2,
        cfg(1, Metric::Euclidean, Search::Auto),
    )
    .unwrap();
    assert!(m.predict(array![[0.0, 1.0]].view()).is_empty());
    assert!(m.scores(array![[0.0, 1.0]].view()).is_none());
}

#[test]
fn registry_parameters_map_to_the_config() {
    let v = Knn::SPEC
        .values(&[
            ("n_neighbors".into(), "7".into()),
            ("weights".into(), "distance".into()),
            ("metric".into(), "minkowski".into()),
            ("p".into(), "3".into()),
            ("algorithm".into(), "brute".into()),
        ])
        .unwrap();
    let c = Knn::params(&v).unwrap();
    assert_eq!(
        c,
        KnnConfig {
            k: 7,
            weights: Weights::Distance,
            metric: Metric::Minkowski(3.0),
            search: Search::Brute
        }
    );
    assert!(Knn::SPEC
        .values(&[("n_neighbors".into(), "0".into())])
        .is_err());
}
