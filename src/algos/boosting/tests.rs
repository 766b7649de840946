use ndarray::{array, Array2};

use super::tree::{grow, Limits, Sorted, Target};
use super::*;
use crate::algos::{AlgoError, Classifier, Progress};

fn xor() -> (Array2<f64>, Vec<usize>) {
    let mut x = Array2::zeros((40, 2));
    let mut y = Vec::new();
    for i in 0..40 {
        let (a, b) = ((i % 2) as f64, ((i / 2) % 2) as f64);
        x[(i, 0)] = a + 0.01 * i as f64;
        x[(i, 1)] = b;
        y.push((i % 2) ^ ((i / 2) % 2));
    }
    (x, y)
}

fn blobs3() -> (Array2<f64>, Vec<usize>) {
    let mut x = Array2::zeros((90, 2));
    let mut y = Vec::new();
    for i in 0..90 {
        let c = i % 3;
        x[(i, 0)] = c as f64 * 3.0 + ((i * 7) % 10) as f64 / 10.0;
        x[(i, 1)] = ((i * 13) % 10) as f64 / 10.0 - c as f64;
        y.push(c);
    }
    (x, y)
}

#[test]
fn regression_tree_splits_at_the_midpoint_and_leaves_hold_means() {
    let x = array![[1.0], [2.0], [3.0], [4.0]];
    let r = [0.0, 0.0, 10.0, 12.0];
    let sorted = Sorted::new(x.view());
    let limits = Limits {
        max_depth: Some(1),
        min_samples_split: 2,
        min_samples_leaf: 1,
    };
    let (t, leaves) = grow(&sorted, &Target::Regression(&r), &[1.0; 4], &limits);
    assert_eq!(t.depth(), 1);
    assert_eq!(leaves[0], leaves[1]);
    assert_ne!(leaves[1], leaves[2]);
    let l = t.leaf_by(|_| 2.5);
    assert_eq!(t.leaf_values(l)[0], 0.0);
    assert_eq!(t.leaf_values(t.leaf_by(|_| 2.6))[0], 11.0);
}

#[test]
fn weighted_stump_follows_the_weights() {
    // Unweighted, the best split isolates the first row; weighted, the last.
    let x = array![[1.0], [2.0], [3.0], [4.0]];
    let y = [0, 1, 1, 0];
    let sorted = Sorted::new(x.view());
    let limits = Limits {
        max_depth: Some(1),
        min_samples_split: 2,
        min_samples_leaf: 1,
    };
    let (t, _) = grow(
        &sorted,
        &Target::Classes(&y, 2),
        &[0.1, 0.1, 0.1, 5.0],
        &limits,
    );
    assert_ne!(t.leaf_by(|_| 3.0), t.leaf_by(|_| 4.0));
    assert_eq!(t.leaf_by(|_| 1.0), t.leaf_by(|_| 3.0));
}

#[test]
fn gbdt_learns_xor_and_three_classes() {
    let (x, y) = xor();
    let m = gbdt::fit(
        x.view(),
        &y,
        2,
        &GbdtParams::default(),
        &mut Progress::none(),
    )
    .unwrap();
    assert_eq!(m.predict(x.view()), y);
    let s = m.scores(x.view()).unwrap();
    for r in s.outer_iter() {
        assert!((r.sum() - 1.0).abs() < 1e-12);
    }
    let (x, y) = blobs3();
    let m = gbdt::fit(
        x.view(),
        &y,
        3,
        &GbdtParams::default(),
        &mut Progress::none(),
    )
    .unwrap();
    assert_eq!(m.predict(x.view()), y);
    assert_eq!(m.n_stages(), 100);
}

#[test]
fn gbdt_training_loss_decreases_and_cancel_stops() {
    let (x, y) = blobs3();
    let mut losses = Vec::new();
    let mut sink = |s: crate::algos::Step| {
        losses.push(s.value);
        s.iter < 5
    };
    let r = gbdt::fit(
        x.view(),
        &y,
        3,
        &GbdtParams::default(),
        &mut Progress::new(&mut sink),
    );
    assert_eq!(r.unwrap_err(), AlgoError::Cancelled);
    assert_eq!(losses.len(), 5);
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
}

#[test]
fn gbdt_subsample_is_seeded() {
    let (x, y) = blobs3();
    let p = GbdtParams {
        subsample: 0.5,
        n_estimators: 20,
        ..GbdtParams::default()
    };
    let a = gbdt::fit(x.view(), &y, 3, &p, &mut Progress::none()).unwrap();
    let b = gbdt::fit(x.view(), &y, 3, &p, &mut Progress::none()).unwrap();
    assert_eq!(a, b);
    let c = gbdt::fit(
        x.view(),
        &y,
        3,
        &GbdtParams { seed: 1, ..p },
        &mut Progress::none(),
    )
    .unwrap();
    assert_ne!(a, c);
}

#[test]
fn gbdt_initial_score_is_the_log_odds() {
    // One stage with learning rate tiny: raw ≈ ln(p/(1-p)).
    let x = array![[0.0], [0.0], [0.0], [1.0]];
    let y = [0, 0, 0, 1];
    let p = GbdtParams {
        n_estimators: 1,
        learning_rate: 1e-12,
        ..GbdtParams::default()
    };
    let m = gbdt::fit(x.view(), &y, 2, &p, &mut Progress::none()).unwrap();
    let d = m.decision_function(x.view()).unwrap();
    assert!((d[(0, 0)] - (1.0f64 / 3.0).ln()).abs() < 1e-9);
}

#[test]
fn invalid_parameters_are_errors() {
    let bad = [
        GbdtParams {
            n_estimators: 0,
            ..GbdtParams::default()
        },
        GbdtParams {
            learning_rate: 0.0,
            ..GbdtParams::default()
        },
        GbdtParams {
            learning_rate: f64::NAN,
            ..GbdtParams::default()
        },
        GbdtParams {
            max_depth: Some(0),
            ..GbdtParams::default()
        },
        GbdtParams {
            min_samples_split: 1,
            ..GbdtParams::default()
        },
        GbdtParams {
            min_samples_leaf: 0,
            ..GbdtParams::default()
        },
        GbdtParams {
            subsample: 0.0,
            ..GbdtParams::default()
        },
        GbdtParams {
            subsample: 1.5,
            ..GbdtParams::default()
        },
    ];
    for p in bad {
        assert!(
            matches!(p.check(), Err(AlgoError::InvalidParam { .. })),
            "{p:?}"
        );
    }
    let bad = [
        AdaBoostParams {
            n_estimators: 0,
            ..AdaBoostParams::default()
        },
        AdaBoostParams {
            learning_rate: -1.0,
            ..AdaBoostParams::default()
        },
        AdaBoostParams {
            max_depth: 0,
            ..AdaBoostParams::default()
        },
        AdaBoostParams {
            min_samples_leaf: 0,
            ..AdaBoostParams::default()
        },
    ];
    for p in bad {
        assert!(
            matches!(p.check(), Err(AlgoError::InvalidParam { .. })),
            "{p:?}"
        );
    }
    assert!(GbdtParams::default().check().is_ok());
    assert!(AdaBoostParams::default().check().is_ok());
    // One class only, and bad data, are errors too.
    let x = array![[0.0], [1.0]];
    assert!(matches!(
        gbdt::fit(
            x.view(),
            &[0, 0],
            2,
            &GbdtParams::default(),
            &mut Progress::none()
        ),
        Err(AlgoError::BadData(_))
    ));
    assert!(matches!(
        adaboost::fit(
            x.view(),
            &[1, 1],
            2,
            &AdaBoostParams::default(),
            &mut Progress::none()
        ),
        Err(AlgoError::BadData(_))
    ));
}

#[test]
fn adaboost_stops_on_a_perfect_stump() {
    let x = array![[0.0], [1.0], [2.0], [3.0]];
    let y = [0, 0, 1, 1];
    let m = adaboost::fit(
        x.view(),
        &y,
        2,
        &AdaBoostParams::default(),
        &mut Progress::none(),
    )
    .unwrap();
    assert_eq!(m.n_learners(), 1);
    assert_eq!(m.learner_weights(), vec![1.0]);
    assert_eq!(m.predict(x.view()), y);
}

#[test]
fn adaboost_samme_weights_and_boosting_beat_one_stump() {
    let (x, y) = blobs3();
    let mut errs = Vec::new();
    let mut sink = |s: crate::algos::Step| {
        errs.push(s.value);
        true
    };
    let m = adaboost::fit(
        x.view(),
        &y,
        3,
        &AdaBoostParams::default(),
        &mut Progress::new(&mut sink),
    )
    .unwrap();
    // The first stump separates one class: error 1/3, α = ln 2 + ln 2.
    assert!((errs[0] - 1.0 / 3.0).abs() < 1e-12);
    assert!((m.learner_weights()[0] - 4f64.ln()).abs() < 1e-12);
    let acc = m
        .predict(x.view())
        .iter()
        .zip(&y)
        .filter(|(a, b)| a == b)
        .count();
    assert!(acc >= 85, "{acc}");
    let s = m.scores(x.view()).unwrap();
    assert!((s.row(0).sum() - 1.0).abs() < 1e-12);
    assert!(m.predict(array![[1.0, 2.0, 3.0]].view()).is_empty());
}
