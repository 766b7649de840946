//! ROC and precision-recall curves for a binary problem.
//!
//! Both follow scikit-learn 1.7's `_binary_clf_curve`: samples are sorted by
//! decreasing score and there is ONE point per DISTINCT score (tied scores
//! enter together), with the threshold being that score: a sample is called
//! positive when `score >= threshold`.
//!
//! - [`roc_curve`] = `roc_curve(y, s, drop_intermediate=False)`: points
//!   `(fpr, tpr)` starting at `(0, 0)` with threshold `+inf`, thresholds
//!   decreasing; `auc` = `roc_auc_score` (trapezoidal area).
//! - [`pr_curve`] = `precision_recall_curve(y, s)`: points
//!   `(recall, precision)` with thresholds INCREASING, one more point than
//!   thresholds (the final `(0, 1)`, which has no threshold); `auc` =
//!   `average_precision_score` = Σ (R_n − R_{n−1}) P_n (a step sum, not the
//!   trapezoid).
//!
//! For a multi-class model, build `truth` as `y == c` and `scores` as the
//! column `c` of the model's scores (one-vs-rest).
//!
//! Serialising a ROC `Curve` to JSON writes the `+inf` threshold as `null`.

use serde::Serialize;

use super::error::MetricsError;

/// A curve, its thresholds and the area summarising it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// ROC: `(fpr, tpr)`; precision-recall: `(recall, precision)`.
    pub points: Vec<(f64, f64)>,
    /// ROC: one per point, decreasing, the first `+inf`.
    /// PR: one per point except the last, increasing.
    pub thresholds: Vec<f64>,
    /// ROC: area under the curve; PR: average precision.
    pub auc: f64,
    /// Set when the curve is degenerate (only one class in `truth`) and a
    /// convention was used in place of scikit-learn's NaN; says which.
    pub note: Option<String>,
}

/// Cumulative false / true positives at each distinct threshold, scores
/// decreasing (scikit-learn's `_binary_clf_curve`).
struct ClfCurve {
    fps: Vec<f64>,
    tps: Vec<f64>,
    thresholds: Vec<f64>,
}

fn binary_clf_curve(truth: &[bool], scores: &[f64]) -> Result<ClfCurve, MetricsError> {
    if truth.len() != scores.len() {
        return Err(MetricsError::LengthMismatch {
            what: "truth and scores",
            left: truth.len(),
            right: scores.len(),
        });
    }
    if truth.is_empty() {
        return Err(MetricsError::Empty("a curve needs at least one sample"));
    }
    if let Some((index, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
        return Err(MetricsError::NonFiniteScore { index, value });
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut fps = Vec::new();
    let mut tps = Vec::new();
    let mut thresholds = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    for (k, &i) in order.iter().enumerate() {
        if truth[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        // Close the group at the last sample of each distinct score
        // (`!=`, not total order, so -0.0 and 0.0 are one score).
        let last = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last {
            tps.push(tp as f64);
            fps.push(fp as f64);
            thresholds.push(scores[i]);
        }
    }
    Ok(ClfCurve {
        fps,
        tps,
        thresholds,
    })
}

/// The ROC curve and its area, as scikit-learn's
/// `roc_curve(truth, scores, drop_intermediate=False)` and
/// `roc_auc_score(truth, scores)`.
///
/// Degenerate input (only one class in `truth`): scikit-learn returns NaN
/// for the undefined rate and for the AUC. Here the undefined rate is 0 at
/// every point (no negatives: fpr = 0; no positives: tpr = 0), `auc` is 0.5
/// (no discrimination can be measured) and `note` says so.
///
/// Errors: lengths differ, no samples, a non-finite score.
pub fn roc_curve(truth: &[bool], scores: &[f64]) -> Result<Curve, MetricsError> {
    let c = binary_clf_curve(truth, scores)?;
    let n_neg = c.fps.last().copied().unwrap_or(0.0);
    let n_pos = c.tps.last().copied().unwrap_or(0.0);
    let rate = |v: f64, total: f64| if total > 0.0 { v / total } else { 0.0 };
    let mut points = Vec::with_capacity(c.fps.len() + 1);
    points.push((0.0, 0.0));
    points.extend(
        c.fps
            .iter()
            .zip(&c.tps)
            .map(|(&f, &t)| (rate(f, n_neg), rate(t, n_pos))),
    );
    let mut thresholds = Vec::with_capacity(c.thresholds.len() + 1);
    thresholds.push(f64::INFINITY);
    thresholds.extend_from_slice(&c.thresholds);
    let (auc, note) = if n_neg == 0.0 || n_pos == 0.0 {
        let which = if n_neg == 0.0 { "negative" } else { "positive" };
        (
            0.5,
            Some(format!(
                "no {which} samples: ROC AUC is undefined (scikit-learn gives NaN); \
                 0.5 returned and the undefined rate set to 0"
            )),
        )
    } else {
        let area = points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0)
            .sum();
        (area, None)
    };
    Ok(Curve {
        points,
        thresholds,
        auc,
        note,
    })
}

/// The precision-recall curve and the average precision, as scikit-learn's
/// `precision_recall_curve(truth, scores)` and
/// `average_precision_score(truth, scores)`.
///
/// Precision is never 0/0 (every threshold predicts at least one sample
/// positive). Degenerate input, as scikit-learn (which gives no NaN here
/// either): with no positive sample at all, recall is 1 at every threshold,
/// precision 0, and the average precision 0 (`note` says so); with no
/// negative sample, precision is 1 everywhere and AP = 1.
///
/// Errors: lengths differ, no samples, a non-finite score.
pub fn pr_curve(truth: &[bool], scores: &[f64]) -> Result<Curve, MetricsError> {
    let c = binary_clf_curve(truth, scores)?;
    let n_pos = c.tps.last().copied().unwrap_or(0.0);
    // Reverse so recall decreases along the curve, then close at (0, 1).
    let mut points: Vec<(f64, f64)> = c
        .tps
        .iter()
        .zip(&c.fps)
        .rev()
        .map(|(&tp, &fp)| {
            let ps = tp + fp;
            let precision = if ps != 0.0 { tp / ps } else { 0.0 };
            let recall = if n_pos == 0.0 { 1.0 } else { tp / n_pos };
            (recall, precision)
        })
        .collect();
    points.push((0.0, 1.0));
    let thresholds: Vec<f64> = c.thresholds.iter().rev().copied().collect();
    // AP = -Σ diff(recall) · precision[:-1], clipped at 0 (as scikit-learn).
    let ap: f64 = -points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * w[0].1)
        .sum::<f64>();
    let note = (n_pos == 0.0).then(|| {
        "no positive samples: recall set to 1 at every threshold, average precision 0 \
         (as scikit-learn)"
            .to_string()
    });
    Ok(Curve {
        points,
        thresholds,
        auc: ap.max(0.0),
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn assert_all_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!(g == w || close(*g, *w), "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn roc_hand_case() {
        // Scores 0.9 (pos), 0.8 (neg), 0.4 (pos), 0.4 (neg): the tie at 0.4
        // gives one diagonal step.
        let c = roc_curve(&[true, false, true, false], &[0.9, 0.8, 0.4, 0.4]).unwrap();
        assert_eq!(
            c.points,
            vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (1.0, 1.0)]
        );
        assert_eq!(c.thresholds, vec![f64::INFINITY, 0.9, 0.8, 0.4]);
        // 0.5·0.5 + 0.5·(0.5+1)/2
        assert!(close(c.auc, 0.625));
        assert!(c.note.is_none());
    }

    #[test]
    fn pr_hand_case() {
        let c = pr_curve(&[true, false, true, false], &[0.9, 0.8, 0.4, 0.4]).unwrap();
        // thresholds increasing: 0.4 (all predicted positive), 0.8, 0.9
        assert_eq!(c.thresholds, vec![0.4, 0.8, 0.9]);
        assert_eq!(
            c.points,
            vec![(1.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0)]
        );
        // AP = (1-0.5)·0.5 + (0.5-0)·1 = 0.75
        assert!(close(c.auc, 0.75));
    }

    // y = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0,
    //      1, 0, 0, 1]
    // s = [0.6, 1.0, 0.8, 0.6, 1.0, 0.2, 0.2, 0.6, 0.0, 0.0, 0.5, 0.5, 0.9, 0.6, 0.5,
    //      0.5, 0.2, 0.0, 0.2, 0.7, 0.2, 0.4, 0.0, 0.8, 0.2, 0.3, 0.9, 0.5, 0.8, 0.6]
    // (from np.random.default_rng(7): y = rng.integers(0, 2, 30),
    //  s = np.round(rng.random(30), 1), so many tied scores)
    const Y: [u8; 30] = [
        1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1,
    ];
    const S: [f64; 30] = [
        0.6, 1.0, 0.8, 0.6, 1.0, 0.2, 0.2, 0.6, 0.0, 0.0, 0.5, 0.5, 0.9, 0.6, 0.5, 0.5, 0.2, 0.0,
        0.2, 0.7, 0.2, 0.4, 0.0, 0.8, 0.2, 0.3, 0.9, 0.5, 0.8, 0.6,
    ];

    fn truth() -> Vec<bool> {
        Y.iter().map(|&v| v == 1).collect()
    }

    #[test]
    fn roc_matches_sklearn_with_ties() {
        let c = roc_curve(&truth(), &S).unwrap();
        // fpr, tpr, th = roc_curve(y, s, drop_intermediate=False)
        let fpr = [
            0.0,
            0.0,
            0.0,
            0.13333333333333333,
            0.2,
            0.3333333333333333,
            0.5333333333333333,
            0.6,
            0.6666666666666666,
            0.8,
            1.0,
        ];
        let tpr = [
            0.0,
            0.13333333333333333,
            0.26666666666666666,
            0.3333333333333333,
            0.3333333333333333,
            0.5333333333333333,
            0.6666666666666666,
            0.6666666666666666,
            0.6666666666666666,
            0.9333333333333333,
            1.0,
        ];
        let th = [
            f64::INFINITY,
            1.0,
            0.9,
            0.8,
            0.7,
            0.6,
            0.5,
            0.4,
            0.3,
            0.2,
            0.0,
        ];
        let xs: Vec<f64> = c.points.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = c.points.iter().map(|p| p.1).collect();
        assert_all_close(&xs, &fpr);
        assert_all_close(&ys, &tpr);
        assert_all_close(&c.thresholds, &th);
        // roc_auc_score(y, s)
        assert!(close(c.auc, 0.6288888888888888));
    }

    #[test]
    fn pr_matches_sklearn_with_ties() {
        let c = pr_curve(&truth(), &S).unwrap();
        // p, r, th = precision_recall_curve(y, s)
        let prec = [
            0.5,
            0.5384615384615384,
            0.5,
            0.5263157894736842,
            0.5555555555555556,
            0.6153846153846154,
            0.625,
            0.7142857142857143,
            1.0,
            1.0,
            1.0,
        ];
        let rec = [
            1.0,
            0.9333333333333333,
            0.6666666666666666,
            0.6666666666666666,
            0.6666666666666666,
            0.5333333333333333,
            0.3333333333333333,
            0.3333333333333333,
            0.26666666666666666,
            0.13333333333333333,
            0.0,
        ];
        let th = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        let xs: Vec<f64> = c.points.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = c.points.iter().map(|p| p.1).collect();
        assert_all_close(&xs, &rec);
        assert_all_close(&ys, &prec);
        assert_all_close(&c.thresholds, &th);
        // average_precision_score(y, s)
        assert!(close(c.auc, 0.6883597883597883));
    }

    #[test]
    fn curves_order_independent() {
        // Shuffling the samples must not change anything (ties included).
        let t = truth();
        let idx: Vec<usize> = (0..30).map(|i| (i * 7) % 30).collect();
        let t2: Vec<bool> = idx.iter().map(|&i| t[i]).collect();
        let s2: Vec<f64> = idx.iter().map(|&i| S[i]).collect();
        assert_eq!(roc_curve(&t, &S).unwrap(), roc_curve(&t2, &s2).unwrap());
        assert_eq!(pr_curve(&t, &S).unwrap(), pr_curve(&t2, &s2).unwrap());
    }

    #[test]
    fn degenerate_all_positive() {
        // roc_curve([1,1,1], [0.1,0.5,0.5], drop_intermediate=False)
        //   -> fpr [nan nan nan], tpr [0, 0.667, 1], th [inf, 0.5, 0.1]
        // roc_auc_score -> nan (warning); here 0.5 with a note.
        let t = [true, true, true];
        let s = [0.1, 0.5, 0.5];
        let c = roc_curve(&t, &s).unwrap();
        assert_eq!(c.points.len(), 3);
        assert!(c.points.iter().all(|p| p.0 == 0.0));
        assert!(close(c.points[1].1, 2.0 / 3.0));
        assert_eq!(c.auc, 0.5);
        assert!(c.note.as_deref().unwrap().contains("no negative"));
        // precision_recall_curve([1,1,1], [0.1,0.5,0.5])
        //   -> p [1, 1, 1], r [1, 0.667, 0], th [0.1, 0.5]
        // average_precision_score -> 1.0
        let c = pr_curve(&t, &s).unwrap();
        assert_eq!(c.points, vec![(1.0, 1.0), (2.0 / 3.0, 1.0), (0.0, 1.0)]);
        assert_eq!(c.thresholds, vec![0.1, 0.5]);
        assert_eq!(c.auc, 1.0);
        assert!(c.note.is_none());
    }

    #[test]
    fn degenerate_all_negative() {
        let t = [false, false, false];
        let s = [0.1, 0.5, 0.5];
        let c = roc_curve(&t, &s).unwrap();
        assert!(c.points.iter().all(|p| p.1 == 0.0 && p.0.is_finite()));
        assert_eq!(c.auc, 0.5);
        assert!(c.note.as_deref().unwrap().contains("no positive"));
        // precision_recall_curve([0,0,0], [0.1,0.5,0.5])
        //   -> p [0, 0, 1], r [1, 1, 0], th [0.1, 0.5]
        // average_precision_score([0,0,0], [0.1,0.5,0.5]) -> 0.0
        let c = pr_curve(&t, &s).unwrap();
        assert_eq!(c.points, vec![(1.0, 0.0), (1.0, 0.0), (0.0, 1.0)]);
        assert_eq!(c.auc, 0.0);
        assert!(c.note.is_some());
    }

    #[test]
    fn single_sample_and_constant_scores() {
        let c = roc_curve(&[true, false, true], &[0.3, 0.3, 0.3]).unwrap();
        assert_eq!(c.points, vec![(0.0, 0.0), (1.0, 1.0)]);
        assert!(close(c.auc, 0.5));
        let c = pr_curve(&[true], &[0.3]).unwrap();
        assert_eq!(c.points, vec![(1.0, 1.0), (0.0, 1.0)]);
        assert_eq!(c.auc, 1.0);
    }

    #[test]
    fn curve_errors() {
        assert!(matches!(
            roc_curve(&[true], &[0.1, 0.2]),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(pr_curve(&[], &[]), Err(MetricsError::Empty(_))));
        assert!(matches!(
            roc_curve(&[true, false], &[0.1, f64::NAN]),
            Err(MetricsError::NonFiniteScore { index: 1, .. })
        ));
        assert!(pr_curve(&[true, false], &[f64::INFINITY, 0.0]).is_err());
    }

    #[test]
    fn perfect_and_reversed_scores() {
        let t = [false, false, true, true];
        let s = [0.1, 0.2, 0.8, 0.9];
        assert_eq!(roc_curve(&t, &s).unwrap().auc, 1.0);
        assert_eq!(pr_curve(&t, &s).unwrap().auc, 1.0);
        let r: Vec<f64> = s.iter().map(|v| -v).collect();
        assert_eq!(roc_curve(&t, &r).unwrap().auc, 0.0);
    }
}
