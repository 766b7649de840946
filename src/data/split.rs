//! Stratified train/test split and stratified k-fold cross-validation.
//!
//! Both keep each class's share of the data the same in every part, and are
//! deterministic for a seed (randomness from [`crate::rng`]).
//! Classes are `0..n_classes`; a class with no sample is simply absent.
//! Returned index lists are sorted ascending (scikit-learn's shuffle split
//! returns them in random order; the k-fold's are sorted there too).
//! A split that cannot be made is a [`SplitError`]; nothing here panics.
//!
//! # How many of each class go where
//!
//! [`stratified_split`] follows scikit-learn's `StratifiedShuffleSplit`
//! (one split) exactly in the counts:
//! - `n_test = ceil(test_size · n)`, `n_train = n − n_test`;
//! - the train counts per class are the "approximate mode" of a multivariate
//!   hypergeometric draw of `n_train` from the class counts: each class gets
//!   `floor(n_train · countᵢ / n)`, and the samples still missing go one each
//!   to the classes with the largest fractional parts (ties broken at random
//!   with the seeded rng, as scikit-learn does with its own rng);
//! - the test counts are the same rule applied to what is left, for `n_test`.
//!
//! So for a given `y` and `test_size`, the per-class train/test sizes equal
//! scikit-learn's whenever no tie-break is needed (and are equally valid when
//! one is); which samples are picked depends on the rng and so differs.
//!
//! [`stratified_kfold`] follows `StratifiedKFold(shuffle=True)`: classes are
//! numbered in order of first appearance, the class-sorted labels are dealt
//! to the folds round-robin (so every fold's per-class count is the same as
//! scikit-learn's), then each class's fold assignment is shuffled.

use rand::seq::SliceRandom;

use crate::rng::{rng, Rng};

/// Why a split could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    /// `test_size` is not strictly between 0 and 1.
    #[error("test_size must be strictly between 0 and 1, got {0}")]
    TestSize(f64),
    /// Nothing to split.
    #[error("no samples: {0}")]
    Empty(&'static str),
    /// A class index is not in `0..n_classes`.
    #[error("label {label} at sample {index} is out of range: there are {n_classes} classes")]
    LabelOutOfRange {
        index: usize,
        label: usize,
        n_classes: usize,
    },
    /// Fewer than two folds asked for.
    #[error("k must be at least 2, got {0}")]
    TooFewFolds(usize),
    /// A class is too small for the split asked for.
    #[error("class {class} has only {members} member(s); at least {needed} are needed {why}")]
    TooFewMembers {
        class: usize,
        members: usize,
        needed: usize,
        why: &'static str,
    },
    /// One side of a train/test split would not hold every class.
    #[error(
        "the {part} set would have {size} sample(s), fewer than the {n_classes} classes present; \
         change test_size"
    )]
    SplitTooSmall {
        part: &'static str,
        size: usize,
        n_classes: usize,
    },
}

/// Checks that every label is `< n_classes`.
fn check_labels(y: &[usize], n_classes: usize) -> Result<(), SplitError> {
    match y.iter().enumerate().find(|(_, &l)| l >= n_classes) {
        Some((index, &label)) => Err(SplitError::LabelOutOfRange {
            index,
            label,
            n_classes,
        }),
        None => Ok(()),
    }
}

/// `(train indices, test indices)`, each sorted ascending.
pub type TrainTest = (Vec<usize>, Vec<usize>);

/// Counts per class `0..n_classes`.
fn class_counts(y: &[usize], n_classes: usize) -> Vec<usize> {
    let mut counts = vec![0usize; n_classes];
    for &l in y {
        if let Some(c) = counts.get_mut(l) {
            *c += 1;
        }
    }
    counts
}

/// scikit-learn's `_approximate_mode(class_counts, n_draws, rng)`.
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut Rng) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|v| v.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(floored.iter().sum());
    if need > 0 {
        let remainder: Vec<f64> = continuous
            .iter()
            .zip(&floored)
            .map(|(c, &f)| c - f as f64)
            .collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let inds: Vec<usize> = (0..remainder.len())
                .filter(|&i| remainder[i] == value)
                .collect();
            let add_now = inds.len().min(need);
            for k in rand::seq::index::sample(rng, inds.len(), add_now) {
                floored[inds[k]] += 1;
            }
            need -= add_now;
            if need == 0 {
                break;
            }
        }
    }
    floored
}

/// Shuffles each class with the seeded rng and splits it so that about
/// `test_size` of every class goes to the test set (scikit-learn's
/// `StratifiedShuffleSplit(n_splits=1, test_size=test_size)` counts, see the
/// module doc). Returns `(train, test)`, each sorted ascending; together they
/// hold every index once.
///
/// Errors (as scikit-learn): `test_size` not strictly inside (0, 1); no
/// samples; a label `>= n_classes`; a class with a single member; a train or
/// test set smaller than the number of classes present.
pub fn stratified_split(
    y: &[usize],
    n_classes: usize,
    test_size: f64,
    seed: u64,
) -> Result<TrainTest, SplitError> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(SplitError::TestSize(test_size));
    }
    if y.is_empty() {
        return Err(SplitError::Empty("nothing to split"));
    }
    check_labels(y, n_classes)?;
    let counts = class_counts(y, n_classes);
    if let Some((class, &members)) = counts.iter().enumerate().find(|(_, &c)| c == 1) {
        return Err(SplitError::TooFewMembers {
            class,
            members,
            needed: 2,
            why: "to appear in both the train and the test set",
        });
    }
    let present = counts.iter().filter(|&&c| c > 0).count();
    let n = y.len();
    let n_test = ((test_size * n as f64).ceil() as usize).min(n);
    let n_train = n - n_test;
    if n_train < present {
        return Err(SplitError::SplitTooSmall {
            part: "train",
            size: n_train,
            n_classes: present,
        });
    }
    if n_test < present {
        return Err(SplitError::SplitTooSmall {
            part: "test",
            size: n_test,
            n_classes: present,
        });
    }
    let mut rng = rng(seed);
    let train_counts = approximate_mode(&counts, n_train, &mut rng);
    let left: Vec<usize> = counts
        .iter()
        .zip(&train_counts)
        .map(|(c, t)| c.saturating_sub(*t))
        .collect();
    let test_counts = approximate_mode(&left, n_test, &mut rng);

    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &l) in y.iter().enumerate() {
        if let Some(m) = members.get_mut(l) {
            m.push(i);
        }
    }
    let mut train = Vec::with_capacity(n_train);
    let mut test = Vec::with_capacity(n_test);
    for ((m, &n_tr), &n_te) in members.iter_mut().zip(&train_counts).zip(&test_counts) {
        m.shuffle(&mut rng);
        let n_tr = n_tr.min(m.len());
        let n_te = n_te.min(m.len() - n_tr);
        train.extend_from_slice(&m[..n_tr]);
        test.extend_from_slice(&m[n_tr..n_tr + n_te]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// Stratified k-fold cross-validation: `k` pairs `(train, test)`, the test
/// sets disjoint and covering every index once, each fold holding about
/// `1/k` of every class (the per-class fold sizes of scikit-learn's
/// `StratifiedKFold(k, shuffle=True)`; see the module doc). Indices sorted
/// ascending.
///
/// Errors: `k < 2`; no samples; a label `>= n_classes`; a class present with
/// fewer than `k` members (stricter than scikit-learn, which only warns and
/// then leaves some test folds without that class).
pub fn stratified_kfold(
    y: &[usize],
    n_classes: usize,
    k: usize,
    seed: u64,
) -> Result<Vec<TrainTest>, SplitError> {
    if k < 2 {
        return Err(SplitError::TooFewFolds(k));
    }
    if y.is_empty() {
        return Err(SplitError::Empty("nothing to split into folds"));
    }
    check_labels(y, n_classes)?;
    let counts = class_counts(y, n_classes);
    if let Some((class, &members)) = counts.iter().enumerate().find(|(_, &c)| c > 0 && c < k) {
        return Err(SplitError::TooFewMembers {
            class,
            members,
            needed: k,
            why: "to have a member in every fold",
        });
    }
    // Classes in order of first appearance (scikit-learn's encoding).
    let mut order: Vec<usize> = Vec::new();
    let mut seen = vec![false; n_classes];
    for &l in y {
        if let Some(s) = seen.get_mut(l) {
            if !*s {
                *s = true;
                order.push(l);
            }
        }
    }
    let mut rng = rng(seed);
    let mut fold_of = vec![0usize; y.len()];
    let mut start = 0usize;
    for &class in &order {
        let count = counts.get(class).copied().unwrap_or(0);
        // Positions start..start+count of the class-sorted labels, dealt
        // round-robin: fold f gets those with position % k == f.
        let mut folds: Vec<usize> = (start..start + count).map(|pos| pos % k).collect();
        folds.sort_unstable();
        folds.shuffle(&mut rng);
        let samples = y.iter().enumerate().filter(|(_, &l)| l == class);
        for ((i, _), f) in samples.zip(folds) {
            fold_of[i] = f;
        }
        start += count;
    }
    Ok((0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..y.len()).partition(|&i| fold_of[i] == f);
            (train, test)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bincount(y: &[usize], idx: &[usize], n: usize) -> Vec<usize> {
        let mut c = vec![0; n];
        for &i in idx {
            c[y[i]] += 1;
        }
        c
    }

    fn y_7_13_5() -> Vec<usize> {
        let mut y = vec![0; 7];
        y.extend(vec![1; 13]);
        y.extend(vec![2; 5]);
        y
    }

    #[test]
    fn split_counts_match_sklearn() {
        // y = np.array([0]*7 + [1]*13 + [2]*5)
        // tr, te = next(StratifiedShuffleSplit(n_splits=1, test_size=ts,
        //                                      random_state=0).split(np.zeros(len(y)), y))
        // np.bincount(y[tr]), np.bincount(y[te]):
        // 0.3 -> [5, 9, 3] [2, 4, 2]; 0.2 -> [6, 10, 4] [1, 3, 1];
        // 0.5 -> [3, 6, 3] [4, 7, 2]; 0.33 -> [5, 8, 3] [2, 5, 2]
        let y = y_7_13_5();
        let cases = [
            (0.3, [5, 9, 3], [2, 4, 2]),
            (0.2, [6, 10, 4], [1, 3, 1]),
            (0.5, [3, 6, 3], [4, 7, 2]),
            (0.33, [5, 8, 3], [2, 5, 2]),
        ];
        for (ts, tr_counts, te_counts) in cases {
            for seed in 0..5 {
                let (tr, te) = stratified_split(&y, 3, ts, seed).unwrap();
                assert_eq!(bincount(&y, &tr, 3), tr_counts, "test_size {ts}");
                assert_eq!(bincount(&y, &te, 3), te_counts, "test_size {ts}");
                let mut all: Vec<usize> = tr.iter().chain(&te).copied().collect();
                all.sort_unstable();
                assert_eq!(all, (0..y.len()).collect::<Vec<_>>());
                assert!(tr.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn split_tie_break_is_seeded() {
        // [0]*5 + [1]*5, test_size 0.3: n_test 3, train wants 3.5 + 3.5, the
        // extra one goes to a class chosen at random.
        let y: Vec<usize> = [vec![0; 5], vec![1; 5]].concat();
        let mut seen = std::collections::HashSet::new();
        for seed in 0..20 {
            let (tr, te) = stratified_split(&y, 2, 0.3, seed).unwrap();
            assert_eq!((tr.len(), te.len()), (7, 3));
            let c = bincount(&y, &te, 2);
            assert!(c == [1, 2] || c == [2, 1]);
            seen.insert(c);
        }
        assert_eq!(seen.len(), 2, "both tie-breaks should occur over 20 seeds");
    }

    #[test]
    fn split_deterministic_and_seed_dependent() {
        let y = y_7_13_5();
        let a = stratified_split(&y, 3, 0.3, 42).unwrap();
        assert_eq!(a, stratified_split(&y, 3, 0.3, 42).unwrap());
        assert_ne!(a, stratified_split(&y, 3, 0.3, 43).unwrap());
    }

    #[test]
    fn split_ignores_absent_classes() {
        // class 1 of 3 has no members
        let y = [0, 0, 0, 0, 2, 2, 2, 2];
        let (tr, te) = stratified_split(&y, 3, 0.5, 1).unwrap();
        assert_eq!(bincount(&y, &tr, 3), [2, 0, 2]);
        assert_eq!(bincount(&y, &te, 3), [2, 0, 2]);
    }

    #[test]
    fn split_errors() {
        let y = y_7_13_5();
        for ts in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
            assert!(matches!(
                stratified_split(&y, 3, ts, 0),
                Err(SplitError::TestSize(_))
            ));
        }
        assert!(matches!(
            stratified_split(&[], 3, 0.3, 0),
            Err(SplitError::Empty(_))
        ));
        assert!(matches!(
            stratified_split(&y, 2, 0.3, 0),
            Err(SplitError::LabelOutOfRange { .. })
        ));
        assert!(matches!(
            stratified_split(&[0, 0, 1, 2, 2], 3, 0.5, 0),
            Err(SplitError::TooFewMembers { class: 1, .. })
        ));
        // 25 samples, test_size 0.05 -> 2 test samples for 3 classes
        assert_eq!(
            stratified_split(&y, 3, 0.05, 0),
            Err(SplitError::SplitTooSmall {
                part: "test",
                size: 2,
                n_classes: 3
            })
        );
        assert!(matches!(
            stratified_split(&y, 3, 0.95, 0),
            Err(SplitError::SplitTooSmall { part: "train", .. })
        ));
        let msg = stratified_split(&y, 3, 1.0, 0).unwrap_err().to_string();
        assert_eq!(msg, "test_size must be strictly between 0 and 1, got 1");
    }

    // y2 = np.array([2,0,1,1,0,2,2,2,0,1,1,1,1,2,0,0,2,1,1,1,2,0,1])
    const Y2: [usize; 23] = [
        2, 0, 1, 1, 0, 2, 2, 2, 0, 1, 1, 1, 1, 2, 0, 0, 2, 1, 1, 1, 2, 0, 1,
    ];

    #[test]
    fn kfold_counts_match_sklearn() {
        // [np.bincount(y2[te], minlength=3).tolist() for tr, te in
        //  StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(len(y2)), y2)]
        // k=2 -> [[3, 5, 4], [3, 5, 3]]
        // k=3 -> [[2, 3, 3], [2, 4, 2], [2, 3, 2]]
        // k=4 -> [[2, 2, 2], [1, 3, 2], [1, 3, 2], [2, 2, 1]]
        let expect: [(usize, Vec<[usize; 3]>); 3] = [
            (2, vec![[3, 5, 4], [3, 5, 3]]),
            (3, vec![[2, 3, 3], [2, 4, 2], [2, 3, 2]]),
            (4, vec![[2, 2, 2], [1, 3, 2], [1, 3, 2], [2, 2, 1]]),
        ];
        for (k, folds) in expect {
            for seed in 0..3 {
                let cv = stratified_kfold(&Y2, 3, k, seed).unwrap();
                assert_eq!(cv.len(), k);
                let mut covered = vec![0; Y2.len()];
                for ((train, test), want) in cv.iter().zip(&folds) {
                    assert_eq!(bincount(&Y2, test, 3), want.to_vec(), "k={k}");
                    assert_eq!(train.len() + test.len(), Y2.len());
                    assert!(train.iter().all(|i| !test.contains(i)));
                    assert!(test.windows(2).all(|w| w[0] < w[1]));
                    assert!(train.windows(2).all(|w| w[0] < w[1]));
                    for &i in test {
                        covered[i] += 1;
                    }
                }
                assert!(covered.iter().all(|&c| c == 1));
            }
        }
    }

    #[test]
    fn kfold_deterministic_and_seed_dependent() {
        let a = stratified_kfold(&Y2, 3, 3, 7).unwrap();
        assert_eq!(a, stratified_kfold(&Y2, 3, 3, 7).unwrap());
        assert_ne!(a, stratified_kfold(&Y2, 3, 3, 8).unwrap());
    }

    #[test]
    fn kfold_errors() {
        assert_eq!(
            stratified_kfold(&Y2, 3, 1, 0),
            Err(SplitError::TooFewFolds(1))
        );
        assert!(matches!(
            stratified_kfold(&[], 3, 2, 0),
            Err(SplitError::Empty(_))
        ));
        assert!(matches!(
            stratified_kfold(&Y2, 2, 2, 0),
            Err(SplitError::LabelOutOfRange { .. })
        ));
        // class 0 has 6 members
        let err = stratified_kfold(&Y2, 3, 7, 0).unwrap_err();
        assert_eq!(
            err,
            SplitError::TooFewMembers {
                class: 0,
                members: 6,
                needed: 7,
                why: "to have a member in every fold"
            }
        );
        assert_eq!(
            err.to_string(),
            "class 0 has only 6 member(s); at least 7 are needed to have a member in every fold"
        );
        // an absent class is fine
        assert!(stratified_kfold(&[0, 0, 2, 2], 3, 2, 0).is_ok());
    }
}
