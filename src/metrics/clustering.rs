//! Clustering metrics: adjusted Rand index and inertia.

use std::collections::HashMap;

use ndarray::ArrayView2;

use super::error::{check_labels, MetricsError};

/// Adjusted Rand index between two labelings of the same samples, as
/// scikit-learn's `adjusted_rand_score` (Hubert & Arabie 1985, computed from
/// the pair confusion matrix).
///
/// Labels are arbitrary ids (they need not be contiguous, and the two
/// labelings need not use the same ids): 1.0 for identical partitions up to
/// renaming, about 0 for independent ones, negative when worse than chance.
///
/// Degenerate cases, as scikit-learn: when no pair of samples is split
/// differently by the two labelings (empty input, one sample, both all in one
/// cluster, both all singletons, or any identical partitions) the result is
/// 1.0. It is never NaN.
///
/// Counts are exact integers (i128), so the result equals scikit-learn's for
/// any realistic size.
///
/// Errors: lengths differ.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> Result<f64, MetricsError> {
    if a.len() != b.len() {
        return Err(MetricsError::LengthMismatch {
            what: "the two labelings",
            left: a.len(),
            right: b.len(),
        });
    }
    let mut rows: HashMap<usize, i128> = HashMap::new();
    let mut cols: HashMap<usize, i128> = HashMap::new();
    let mut cells: HashMap<(usize, usize), i128> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *rows.entry(x).or_insert(0) += 1;
        *cols.entry(y).or_insert(0) += 1;
        *cells.entry((x, y)).or_insert(0) += 1;
    }
    let squares = |m: &mut dyn Iterator<Item = i128>| m.map(|c| c * c).sum::<i128>();
    let sum_sq = squares(&mut cells.values().copied());
    let rows_sq = squares(&mut rows.values().copied());
    let cols_sq = squares(&mut cols.values().copied());
    let n = a.len() as i128;
    // scikit-learn's pair_confusion_matrix (ordered pairs, i.e. doubled).
    let tp = sum_sq - n;
    let fp = cols_sq - sum_sq; // C[0, 1]
    let fneg = rows_sq - sum_sq; // C[1, 0]
    let tn = n * n - fp - fneg - sum_sq;
    if fneg == 0 && fp == 0 {
        return Ok(1.0);
    }
    // With fp > 0 or fn > 0 the denominator is > 0 (it is >= fp² + fn²).
    let exact = || -> Option<(i128, i128)> {
        let num = tp.checked_mul(tn)?.checked_sub(fneg.checked_mul(fp)?)?;
        let den = (tp + fneg)
            .checked_mul(fneg + tn)?
            .checked_add((tp + fp).checked_mul(fp + tn)?)?;
        Some((num, den))
    };
    Ok(match exact() {
        Some((num, den)) => 2.0 * num as f64 / den as f64,
        None => {
            let (tp, tn, fp, fneg) = (tp as f64, tn as f64, fp as f64, fneg as f64);
            2.0 * (tp * tn - fneg * fp) / ((tp + fneg) * (fneg + tn) + (tp + fp) * (fp + tn))
        }
    })
}

/// Sum of squared Euclidean distances of each row of `x` to the centre of
/// its cluster, `centers.row(labels[i])` (k-means' objective, scikit-learn's
/// `inertia_`). 0 for no rows.
///
/// Errors: `labels.len() != x.nrows()`, different column counts, or a label
/// `>= centers.nrows()`.
pub fn inertia(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    centers: ArrayView2<'_, f64>,
) -> Result<f64, MetricsError> {
    if labels.len() != x.nrows() {
        return Err(MetricsError::LengthMismatch {
            what: "rows of x and labels",
            left: x.nrows(),
            right: labels.len(),
        });
    }
    if x.ncols() != centers.ncols() {
        return Err(MetricsError::Shape(format!(
            "x has {} columns but the centres have {}",
            x.ncols(),
            centers.ncols()
        )));
    }
    check_labels(labels, centers.nrows())?;
    let mut total = 0.0;
    for (row, &l) in x.rows().into_iter().zip(labels) {
        let c = centers.row(l);
        total += row
            .iter()
            .zip(c.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>();
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn ari_hand_cases() {
        // Same partition, renamed.
        assert_eq!(
            adjusted_rand_index(&[0, 0, 1, 1, 2], &[7, 7, 3, 3, 9]).unwrap(),
            1.0
        );
        // adjusted_rand_score([0,0,1,1,2,2], [0,0,1,1,1,1]) -> 0.4444444444444444
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 1, 2, 2], &[0, 0, 1, 1, 1, 1]).unwrap(),
            0.4444444444444444
        ));
        // adjusted_rand_score([0,0,1,2], [0,0,1,1]) -> 0.5714285714285714
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap(),
            0.5714285714285714
        ));
        // adjusted_rand_score([0,0,1,1], [0,1,0,1]) -> -0.5
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(),
            -0.5
        ));
        // symmetric
        assert_eq!(
            adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap(),
            adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap()
        );
    }

    #[test]
    fn ari_degenerate_cases() {
        // adjusted_rand_score([], []) -> 1.0 ; ([0], [0]) -> 1.0
        assert_eq!(adjusted_rand_index(&[], &[]).unwrap(), 1.0);
        assert_eq!(adjusted_rand_index(&[0], &[5]).unwrap(), 1.0);
        // adjusted_rand_score([0,1,2], [5,6,7]) -> 1.0 (all singletons)
        assert_eq!(adjusted_rand_index(&[0, 1, 2], &[5, 6, 7]).unwrap(), 1.0);
        // adjusted_rand_score([0,0,0], [1,2,3]) -> 0.0
        assert_eq!(adjusted_rand_index(&[0, 0, 0], &[1, 2, 3]).unwrap(), 0.0);
        // adjusted_rand_score([0,1,2], [0,0,0]) -> 0.0
        assert_eq!(adjusted_rand_index(&[0, 1, 2], &[0, 0, 0]).unwrap(), 0.0);
        assert!(adjusted_rand_index(&[0, 1], &[0]).is_err());
    }

    #[test]
    fn ari_matches_sklearn_random_labelings() {
        // Random labelings drawn with numpy (a = rng.integers(0, ka, n),
        // b = rng.integers(0, kb, n) for (n, ka, kb) in [(50, 3, 4), (60, 5, 2),
        // (40, 8, 8)]), pasted below as literals; reference values from
        // sklearn 1.7.2: adjusted_rand_score(a, b) on those literals.
        let a1 = [
            0, 0, 0, 0, 2, 1, 0, 0, 1, 1, 0, 2, 2, 1, 2, 1, 0, 0, 0, 2, 0, 1, 0, 2, 0, 1, 2, 1, 2,
            2, 2, 2, 1, 1, 2, 1, 2, 2, 1, 1, 2, 2, 0, 0, 0, 1, 0, 1, 1, 2,
        ];
        let b1 = [
            2, 1, 3, 3, 2, 2, 1, 2, 0, 2, 3, 3, 1, 1, 2, 1, 2, 0, 0, 0, 1, 0, 1, 3, 3, 3, 2, 0, 2,
            2, 3, 1, 0, 2, 1, 2, 1, 1, 0, 3, 3, 1, 0, 2, 1, 2, 0, 0, 2, 0,
        ];
        // adjusted_rand_score(a1, b1) -> -0.00835609834484975
        assert!(close(
            adjusted_rand_index(&a1, &b1).unwrap(),
            -0.00835609834484975
        ));
        let a2 = [
            3, 2, 0, 3, 3, 4, 4, 3, 4, 0, 4, 4, 3, 4, 3, 4, 4, 2, 4, 4, 1, 0, 0, 0, 2, 0, 1, 1, 3,
            1, 4, 0, 4, 2, 1, 0, 1, 2, 0, 0, 0, 3, 0, 0, 2, 1, 2, 4, 4, 2, 3, 4, 2, 3, 1, 3, 1, 0,
            3, 2,
        ];
        let b2 = [
            0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1,
            1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1,
            0, 0,
        ];
        // adjusted_rand_score(a2, b2) -> -0.010923924464665816
        assert!(close(
            adjusted_rand_index(&a2, &b2).unwrap(),
            -0.010923924464665816
        ));
        let a3 = [
            2, 0, 3, 5, 5, 1, 1, 4, 5, 7, 7, 3, 1, 2, 7, 3, 7, 5, 4, 0, 4, 3, 6, 1, 1, 5, 5, 6, 4,
            3, 2, 2, 5, 4, 2, 1, 5, 1, 1, 2,
        ];
        let b3 = [
            6, 3, 4, 0, 2, 6, 6, 4, 7, 2, 1, 0, 1, 6, 7, 1, 4, 1, 6, 1, 5, 0, 5, 7, 5, 2, 6, 2, 6,
            6, 3, 4, 6, 1, 0, 3, 1, 7, 6, 3,
        ];
        // adjusted_rand_score(a3, b3) -> -0.01811062163485071
        assert!(close(
            adjusted_rand_index(&a3, &b3).unwrap(),
            -0.01811062163485071
        ));
    }

    #[test]
    fn inertia_hand_case() {
        let x = array![[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [10.0, 12.0]];
        let centers = array![[1.0, 0.0], [10.0, 11.0]];
        // 1 + 1 + 1 + 1
        assert_eq!(
            inertia(x.view(), &[0, 0, 1, 1], centers.view()).unwrap(),
            4.0
        );
        // row 0 to centre 1: 100 + 121
        assert_eq!(
            inertia(x.view(), &[1, 0, 1, 1], centers.view()).unwrap(),
            221.0 + 3.0
        );
        let empty = ndarray::Array2::<f64>::zeros((0, 2));
        assert_eq!(inertia(empty.view(), &[], centers.view()).unwrap(), 0.0);
    }

    #[test]
    fn inertia_errors() {
        let x = array![[0.0, 0.0], [2.0, 0.0]];
        let centers = array![[1.0, 0.0]];
        assert!(matches!(
            inertia(x.view(), &[0], centers.view()),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            inertia(x.view(), &[0, 1], centers.view()),
            Err(MetricsError::LabelOutOfRange { .. })
        ));
        let c3 = array![[1.0, 0.0, 0.0]];
        assert!(matches!(
            inertia(x.view(), &[0, 0], c3.view()),
            Err(MetricsError::Shape(_))
        ));
    }
}
