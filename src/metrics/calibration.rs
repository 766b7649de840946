//! Probability quality beyond accuracy, as the metrics-beyond-accuracy note
//! defines it: log loss, the multi-class Brier score, the reliability
//! diagram and expected calibration error (ECE), multi-class ROC AUC
//! (one-vs-rest, macro or prevalence-weighted; one-vs-one macro, Hand and
//! Till 2001), and temperature scaling.
//!
//! Inputs are `probs`: one row of class probabilities per sample
//! (`n × classes`, rows summing to 1) and `truth`: the class of each
//! sample. Checked against scikit-learn 1.7.2 (`log_loss`,
//! `roc_auc_score(multi_class=...)`) and NumPy/SciPy for the rest
//! (tests/reference/make_calibration_reference.py).

use ndarray::{Array2, ArrayView2};

use super::curves::roc_curve;
use super::MetricsError;

/// Rows and labels that fit together, finite probabilities.
fn check(truth: &[usize], probs: ArrayView2<'_, f64>) -> Result<usize, MetricsError> {
    let (n, k) = probs.dim();
    if n == 0 {
        return Err(MetricsError::Empty("probabilities"));
    }
    if truth.len() != n {
        return Err(MetricsError::LengthMismatch {
            what: "labels and probability rows",
            left: truth.len(),
            right: n,
        });
    }
    if let Some((index, &label)) = truth.iter().enumerate().find(|(_, &y)| y >= k) {
        return Err(MetricsError::LabelOutOfRange {
            index,
            label,
            n_classes: k,
        });
    }
    if let Some((i, v)) = probs.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MetricsError::NonFiniteScore {
            index: i / k.max(1),
            value: *v,
        });
    }
    Ok(k)
}

/// Mean negative log-probability of the true class, probabilities clipped
/// to [1e-15, 1] as scikit-learn's `log_loss` does (in nats).
pub fn log_loss(truth: &[usize], probs: ArrayView2<'_, f64>) -> Result<f64, MetricsError> {
    check(truth, probs)?;
    let n = truth.len() as f64;
    Ok(truth
        .iter()
        .enumerate()
        .map(|(i, &y)| -probs[[i, y]].clamp(1e-15, 1.0).ln())
        .sum::<f64>()
        / n)
}

/// Multi-class Brier score: the mean over samples of Σ_k (p_k − 1[k = y])².
/// (For two classes this is twice the binary score of the positive class.)
pub fn brier(truth: &[usize], probs: ArrayView2<'_, f64>) -> Result<f64, MetricsError> {
    let k = check(truth, probs)?;
    let n = truth.len() as f64;
    Ok(truth
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            (0..k)
                .map(|c| (probs[[i, c]] - if c == y { 1.0 } else { 0.0 }).powi(2))
                .sum::<f64>()
        })
        .sum::<f64>()
        / n)
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    /// Confidence range `[lo, hi)` (the last bin includes 1).
    pub lo: f64,
    pub hi: f64,
    pub count: usize,
    /// Mean confidence (largest probability) of the samples in the bin.
    pub confidence: f64,
    /// Share of them whose most probable class is right.
    pub accuracy: f64,
}

/// The reliability diagram: `bins` equal-width confidence bins over [0, 1]
/// (a confidence c goes to bin ⌊c·bins⌋, 1 to the last), where the
/// confidence of a sample is its largest probability and it is right when
/// that class is the true one (ties: the lowest class index). Empty bins
/// are kept with count 0.
pub fn reliability(
    truth: &[usize],
    probs: ArrayView2<'_, f64>,
    bins: usize,
) -> Result<Vec<Bin>, MetricsError> {
    let k = check(truth, probs)?;
    let bins = bins.max(1);
    let mut sum_conf = vec![0.0; bins];
    let mut hits = vec![0usize; bins];
    let mut count = vec![0usize; bins];
    for (i, &y) in truth.iter().enumerate() {
        let mut best = 0;
        for c in 1..k {
            if probs[[i, c]] > probs[[i, best]] {
                best = c;
            }
        }
        let conf = probs[[i, best]];
        let b = ((conf * bins as f64).floor() as usize).min(bins - 1);
        sum_conf[b] += conf;
        count[b] += 1;
        hits[b] += usize::from(best == y);
    }
    Ok((0..bins)
        .map(|b| {
            let c = count[b].max(1) as f64;
            Bin {
                lo: b as f64 / bins as f64,
                hi: (b + 1) as f64 / bins as f64,
                count: count[b],
                confidence: sum_conf[b] / c,
                accuracy: hits[b] as f64 / c,
            }
        })
        .collect())
}

/// Expected calibration error of a reliability diagram:
/// Σ_b (n_b / N) |acc(b) − conf(b)|.
pub fn ece(bins: &[Bin]) -> f64 {
    let n: usize = bins.iter().map(|b| b.count).sum();
    if n == 0 {
        return 0.0;
    }
    bins.iter()
        .map(|b| b.count as f64 / n as f64 * (b.accuracy - b.confidence).abs())
        .sum()
}

/// Binary ROC AUC of `scores` for the samples where `positive` holds
/// against the rest (0.5 when one side is empty, as [`roc_curve`]).
fn binary_auc(positive: &[bool], scores: &[f64]) -> Result<f64, MetricsError> {
    Ok(roc_curve(positive, scores)?.auc)
}

/// One-vs-rest ROC AUC: per class, its probability ranks that class against
/// all others; the mean over classes (`weighted`: each weighted by its share
/// of the samples), as `roc_auc_score(multi_class="ovr")`. Classes with no
/// sample are skipped (scikit-learn refuses them).
pub fn auc_ovr(
    truth: &[usize],
    probs: ArrayView2<'_, f64>,
    weighted: bool,
) -> Result<f64, MetricsError> {
    let k = check(truth, probs)?;
    let n = truth.len() as f64;
    let (mut sum, mut wsum) = (0.0, 0.0);
    for c in 0..k {
        let pos: Vec<bool> = truth.iter().map(|&y| y == c).collect();
        let support = pos.iter().filter(|&&p| p).count();
        if support == 0 {
            continue;
        }
        let scores: Vec<f64> = probs.column(c).to_vec();
        let w = if weighted { support as f64 / n } else { 1.0 };
        sum += w * binary_auc(&pos, &scores)?;
        wsum += w;
    }
    Ok(if wsum > 0.0 { sum / wsum } else { 0.5 })
}

/// One-vs-one ROC AUC (Hand and Till 2001), macro: for each pair of classes
/// present, only their samples; A(i|j) ranks them by p_i with class i
/// positive, A(j|i) by p_j; the pair scores their mean, and the result is
/// the mean over pairs, as `roc_auc_score(multi_class="ovo")`.
pub fn auc_ovo(truth: &[usize], probs: ArrayView2<'_, f64>) -> Result<f64, MetricsError> {
    let k = check(truth, probs)?;
    let present: Vec<usize> = (0..k).filter(|c| truth.contains(c)).collect();
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (a, &i) in present.iter().enumerate() {
        for &j in &present[a + 1..] {
            let rows: Vec<usize> = (0..truth.len())
                .filter(|&r| truth[r] == i || truth[r] == j)
                .collect();
            let pos_i: Vec<bool> = rows.iter().map(|&r| truth[r] == i).collect();
            let pos_j: Vec<bool> = rows.iter().map(|&r| truth[r] == j).collect();
            let s_i: Vec<f64> = rows.iter().map(|&r| probs[[r, i]]).collect();
            let s_j: Vec<f64> = rows.iter().map(|&r| probs[[r, j]]).collect();
            sum += 0.5 * (binary_auc(&pos_i, &s_i)? + binary_auc(&pos_j, &s_j)?);
            pairs += 1;
        }
    }
    Ok(if pairs > 0 { sum / pairs as f64 } else { 0.5 })
}

/// Softmax of each row of `logits / t`.
pub fn softmax_t(logits: ArrayView2<'_, f64>, t: f64) -> Array2<f64> {
    let mut p = logits.mapv(|z| z / t);
    for mut row in p.rows_mut() {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|z| (z - m).exp());
        let s = row.sum();
        row.mapv_inplace(|v| v / s);
    }
    p
}

/// Temperature scaling: the T > 0 that minimises the log loss of
/// softmax(logits / T) on these (validation) rows. The loss is convex in
/// 1/T, so a golden-section search over 1/T in [0.01, 100] finds it
/// (to ~1e-9 relative). Returns T.
pub fn fit_temperature(truth: &[usize], logits: ArrayView2<'_, f64>) -> Result<f64, MetricsError> {
    check(truth, logits)?;
    // Log loss of softmax(β · z), computed stably from the logits.
    let nll = |beta: f64| -> f64 {
        let mut total = 0.0;
        for (i, &y) in truth.iter().enumerate() {
            let row = logits.row(i);
            let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b * beta));
            let lse = m + row.iter().map(|&z| (z * beta - m).exp()).sum::<f64>().ln();
            total += lse - beta * row[y];
        }
        total / truth.len() as f64
    };
    // Golden section on log β (the loss is convex in β, hence unimodal in
    // log β too).
    let (mut a, mut b) = ((0.01f64).ln(), (100.0f64).ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (nll(c.exp()), nll(d.exp()));
    for _ in 0..200 {
        if (b - a).abs() < 1e-10 {
            break;
        }
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = nll(c.exp());
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = nll(d.exp());
        }
    }
    Ok(1.0 / ((a + b) / 2.0).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use serde::Deserialize;

    #[test]
    fn the_notes_worked_examples() {
        // ECE: 10 predictions, bins [0.9,1.0): 4 at mean 0.95, 3 right;
        // [0.7,0.8): 4 at 0.75, 3 right; [0.5,0.6): 2 at 0.55, 1 right.
        let confs = [0.92, 0.94, 0.96, 0.98, 0.72, 0.74, 0.76, 0.78, 0.55, 0.55];
        let right = [
            true, true, true, false, true, true, true, false, true, false,
        ];
        let probs = Array2::from_shape_fn(
            (10, 2),
            |(i, c)| if c == 0 { confs[i] } else { 1.0 - confs[i] },
        );
        let truth: Vec<usize> = right.iter().map(|&r| usize::from(!r)).collect();
        let bins = reliability(&truth, probs.view(), 10).unwrap();
        assert!((ece(&bins) - 0.09).abs() < 1e-12, "{}", ece(&bins));
        // Temperature: logits (2, 1, 0) at T = 2 give (0.506, 0.307, 0.186).
        let p = softmax_t(array![[2.0, 1.0, 0.0]].view(), 2.0);
        for (got, want) in p.iter().zip([0.506, 0.307, 0.186]) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let p = array![[0.5, 0.5]];
        assert!(brier(&[0, 1], p.view()).is_err());
        assert!(log_loss(&[2], p.view()).is_err());
        assert!(auc_ovr(&[], Array2::<f64>::zeros((0, 2)).view(), false).is_err());
        assert!(auc_ovo(&[0], array![[f64::NAN, 1.0]].view()).is_err());
    }

    #[derive(Deserialize)]
    struct Reference {
        truth: Vec<usize>,
        probs: Vec<Vec<f64>>,
        logits: Vec<Vec<f64>>,
        log_loss: f64,
        brier: f64,
        ece_10: f64,
        auc_ovr_macro: f64,
        auc_ovr_weighted: f64,
        auc_ovo_macro: f64,
        temperature: f64,
    }

    fn rows(v: &[Vec<f64>]) -> Array2<f64> {
        Array2::from_shape_fn((v.len(), v[0].len()), |(i, j)| v[i][j])
    }

    /// Against scikit-learn 1.7.2 and SciPy on fixed predictions
    /// (tests/reference/make_calibration_reference.py).
    #[test]
    fn matches_scikit_learn_and_scipy() {
        let text = include_str!("../../tests/reference/calibration_reference.json");
        let r: Reference = serde_json::from_str(text).unwrap();
        let p = rows(&r.probs);
        let close =
            |a: f64, b: f64, what: &str| assert!((a - b).abs() < 1e-9, "{what}: {a} vs {b}");
        close(
            log_loss(&r.truth, p.view()).unwrap(),
            r.log_loss,
            "log loss",
        );
        close(brier(&r.truth, p.view()).unwrap(), r.brier, "brier");
        close(
            ece(&reliability(&r.truth, p.view(), 10).unwrap()),
            r.ece_10,
            "ece",
        );
        close(
            auc_ovr(&r.truth, p.view(), false).unwrap(),
            r.auc_ovr_macro,
            "ovr macro",
        );
        close(
            auc_ovr(&r.truth, p.view(), true).unwrap(),
            r.auc_ovr_weighted,
            "ovr weighted",
        );
        close(
            auc_ovo(&r.truth, p.view()).unwrap(),
            r.auc_ovo_macro,
            "ovo macro",
        );
        let t = fit_temperature(&r.truth, rows(&r.logits).view()).unwrap();
        assert!(
            (t - r.temperature).abs() < 1e-5 * r.temperature,
            "T {t} vs {}",
            r.temperature
        );
    }
}
