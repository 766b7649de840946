//! Confusion matrix and the per-class classification report.
//!
//! Orientation and definitions follow scikit-learn 1.7:
//! `confusion_matrix(y_true, y_pred, labels=...)` (row = true class,
//! column = predicted class) and `classification_report(..., zero_division=0)`:
//! precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2·TP/(2·TP+FP+FN)
//! (= 2PR/(P+R)), each 0 when its denominator is 0 (a class never predicted
//! has precision 0, a class absent from the truth has recall 0). The macro
//! average is the plain mean over all classes, including classes with no
//! support; the weighted average weights by support.

use serde::Serialize;

use super::error::{check_labels, MetricsError};

/// Counts of (true class, predicted class) pairs.
///
/// `counts[t][p]` is the number of samples of true class `t` predicted as
/// `p`: TRUE labels on rows, PREDICTED on columns (scikit-learn's
/// orientation; linfa's is the transpose).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfusionMatrix {
    /// Class names, index = class.
    pub labels: Vec<String>,
    /// `labels.len()` rows of `labels.len()` counts.
    pub counts: Vec<Vec<usize>>,
}

impl ConfusionMatrix {
    /// Counts the pairs. Classes are `0..labels.len()`; every class gets a
    /// row and a column even when it does not occur.
    ///
    /// Errors: `truth` and `pred` of different lengths, or a label
    /// `>= labels.len()`. Empty inputs give an all-zero matrix.
    pub fn from_predictions(
        truth: &[usize],
        pred: &[usize],
        labels: &[String],
    ) -> Result<ConfusionMatrix, MetricsError> {
        if truth.len() != pred.len() {
            return Err(MetricsError::LengthMismatch {
                what: "truth and predictions",
                left: truth.len(),
                right: pred.len(),
            });
        }
        let n = labels.len();
        check_labels(truth, n)?;
        check_labels(pred, n)?;
        let mut counts = vec![vec![0usize; n]; n];
        for (&t, &p) in truth.iter().zip(pred) {
            if let Some(cell) = counts.get_mut(t).and_then(|row| row.get_mut(p)) {
                *cell += 1;
            }
        }
        Ok(ConfusionMatrix {
            labels: labels.to_vec(),
            counts,
        })
    }

    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    /// Number of samples.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Correct predictions (the diagonal).
    pub fn correct(&self) -> usize {
        (0..self.counts.len()).map(|c| self.cell(c, c)).sum()
    }

    /// `counts[t][p]`, 0 outside the matrix.
    pub fn cell(&self, t: usize, p: usize) -> usize {
        self.counts
            .get(t)
            .and_then(|row| row.get(p))
            .copied()
            .unwrap_or(0)
    }

    /// Samples whose true class is `c` (row sum).
    pub fn support(&self, c: usize) -> usize {
        self.counts.get(c).map(|row| row.iter().sum()).unwrap_or(0)
    }

    /// Samples predicted as `c` (column sum).
    pub fn predicted(&self, c: usize) -> usize {
        self.counts
            .iter()
            .map(|row| row.get(c).copied().unwrap_or(0))
            .sum()
    }

    /// TP of class `c`: true `c` predicted `c`.
    pub fn true_positives(&self, c: usize) -> usize {
        self.cell(c, c)
    }

    /// FP of class `c`: predicted `c`, truly another class.
    pub fn false_positives(&self, c: usize) -> usize {
        self.predicted(c) - self.cell(c, c)
    }

    /// FN of class `c`: truly `c`, predicted another class.
    pub fn false_negatives(&self, c: usize) -> usize {
        self.support(c) - self.cell(c, c)
    }

    /// Each row divided by its sum, so row `t` reads "of the samples of true
    /// class `t`, which fraction went to each predicted class" (the diagonal
    /// is the per-class recall). As scikit-learn's `normalize="true"`, a row
    /// with no samples is all zeros.
    pub fn row_normalised(&self) -> Vec<Vec<f64>> {
        self.counts
            .iter()
            .map(|row| {
                let s: usize = row.iter().sum();
                row.iter().map(|&c| ratio(c as f64, s as f64)).collect()
            })
            .collect()
    }

    /// Indices of the samples behind cell `(t, p)`: those with
    /// `truth[i] == t && pred[i] == p`, ascending. Pass the same slices the
    /// matrix was built from. If their lengths differ, only the common
    /// prefix is looked at.
    pub fn cell_rows(truth: &[usize], pred: &[usize], t: usize, p: usize) -> Vec<usize> {
        truth
            .iter()
            .zip(pred)
            .enumerate()
            .filter(|(_, (&a, &b))| a == t && b == p)
            .map(|(i, _)| i)
            .collect()
    }
}

/// Fraction of equal pairs; 0 for empty input (scikit-learn would give NaN).
pub fn accuracy(truth: &[usize], pred: &[usize]) -> Result<f64, MetricsError> {
    if truth.len() != pred.len() {
        return Err(MetricsError::LengthMismatch {
            what: "truth and predictions",
            left: truth.len(),
            right: pred.len(),
        });
    }
    let correct = truth.iter().zip(pred).filter(|(a, b)| a == b).count();
    Ok(ratio(correct as f64, truth.len() as f64))
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Number of samples of this true class.
    pub support: usize,
}

/// An average of the per-class figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Avg {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// scikit-learn's `classification_report(..., zero_division=0)`, plus the
/// confusion matrix it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// Correct / total; 0 when there are no samples.
    pub accuracy: f64,
    pub per_class: Vec<ClassMetrics>,
    /// Unweighted mean over all classes (classes without support count, with
    /// their zeros, as in scikit-learn when `labels` lists them).
    pub macro_avg: Avg,
    /// Mean weighted by support; all 0 when there are no samples.
    pub weighted_avg: Avg,
    pub confusion: ConfusionMatrix,
}

/// The classification report of `pred` against `truth` for classes
/// `0..labels.len()`. Errors as [`ConfusionMatrix::from_predictions`].
pub fn report(
    truth: &[usize],
    pred: &[usize],
    labels: &[String],
) -> Result<ClassificationReport, MetricsError> {
    let cm = ConfusionMatrix::from_predictions(truth, pred, labels)?;
    Ok(ClassificationReport::from_confusion(cm))
}

impl ClassificationReport {
    /// The report of an existing confusion matrix.
    pub fn from_confusion(confusion: ConfusionMatrix) -> ClassificationReport {
        let n = confusion.n_classes();
        let per_class: Vec<ClassMetrics> = (0..n)
            .map(|c| {
                let tp = confusion.true_positives(c) as f64;
                let support = confusion.support(c);
                let predicted = confusion.predicted(c) as f64;
                ClassMetrics {
                    label: confusion.labels.get(c).cloned().unwrap_or_default(),
                    precision: ratio(tp, predicted),
                    recall: ratio(tp, support as f64),
                    // scikit-learn: (1+β²)·TP / (β²·support + predicted), β = 1.
                    f1: ratio(2.0 * tp, support as f64 + predicted),
                    support,
                }
            })
            .collect();
        let total = confusion.total() as f64;
        let mean = |f: &dyn Fn(&ClassMetrics) -> f64| {
            ratio(per_class.iter().map(f).sum::<f64>(), per_class.len() as f64)
        };
        let weighted = |f: &dyn Fn(&ClassMetrics) -> f64| {
            ratio(
                per_class
                    .iter()
                    .map(|m| f(m) * m.support as f64)
                    .sum::<f64>(),
                total,
            )
        };
        let macro_avg = Avg {
            precision: mean(&|m| m.precision),
            recall: mean(&|m| m.recall),
            f1: mean(&|m| m.f1),
        };
        let weighted_avg = Avg {
            precision: weighted(&|m| m.precision),
            recall: weighted(&|m| m.recall),
            f1: weighted(&|m| m.f1),
        };
        ClassificationReport {
            accuracy: ratio(confusion.correct() as f64, total),
            per_class,
            macro_avg,
            weighted_avg,
            confusion,
        }
    }

    fn no_class(&self, class: usize) -> String {
        format!(
            "no class {class}: there are {} classes",
            self.confusion.n_classes()
        )
    }

    /// The precision of `class` as the formula filled with counts, e.g.
    /// `precision = TP/(TP+FP) = 41/(41+3) = 0.932`.
    pub fn explain_precision(&self, class: usize) -> String {
        if class >= self.confusion.n_classes() {
            return self.no_class(class);
        }
        let tp = self.confusion.true_positives(class);
        let fp = self.confusion.false_positives(class);
        let head = format!("precision = TP/(TP+FP) = {tp}/({tp}+{fp})");
        if tp + fp == 0 {
            format!("{head}: never predicted, reported as 0")
        } else {
            format!("{head} = {:.3}", tp as f64 / (tp + fp) as f64)
        }
    }

    /// The recall of `class`, e.g. `recall = TP/(TP+FN) = 41/(41+6) = 0.872`.
    pub fn explain_recall(&self, class: usize) -> String {
        if class >= self.confusion.n_classes() {
            return self.no_class(class);
        }
        let tp = self.confusion.true_positives(class);
        let fneg = self.confusion.false_negatives(class);
        let head = format!("recall = TP/(TP+FN) = {tp}/({tp}+{fneg})");
        if tp + fneg == 0 {
            format!("{head}: no sample of this class, reported as 0")
        } else {
            format!("{head} = {:.3}", tp as f64 / (tp + fneg) as f64)
        }
    }

    /// The F1 score of `class`, e.g.
    /// `f1 = 2PR/(P+R) = 2·0.932·0.872/(0.932+0.872) = 0.901`.
    pub fn explain_f1(&self, class: usize) -> String {
        let Some(m) = self.per_class.get(class) else {
            return self.no_class(class);
        };
        let (p, r) = (m.precision, m.recall);
        let head = format!("f1 = 2PR/(P+R) = 2·{p:.3}·{r:.3}/({p:.3}+{r:.3})");
        if p + r == 0.0 {
            format!("{head}: P+R = 0, reported as 0")
        } else {
            format!("{head} = {:.3}", m.f1)
        }
    }

    /// The accuracy, e.g. `accuracy = correct/total = 120/150 = 0.800`.
    pub fn explain_accuracy(&self) -> String {
        let correct = self.confusion.correct();
        let total = self.confusion.total();
        let head = format!("accuracy = correct/total = {correct}/{total}");
        if total == 0 {
            format!("{head}: no samples, reported as 0")
        } else {
            format!("{head} = {:.3}", self.accuracy)
        }
    }
}

/// `num / den`, or 0 when `den` is 0 (scikit-learn's `zero_division=0`).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c{i}")).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn confusion_hand_case() {
        // truth 0 0 1 1 1 2, pred 0 1 1 1 0 2
        let truth = [0, 0, 1, 1, 1, 2];
        let pred = [0, 1, 1, 1, 0, 2];
        let cm = ConfusionMatrix::from_predictions(&truth, &pred, &names(3)).unwrap();
        assert_eq!(cm.counts, vec![vec![1, 1, 0], vec![1, 2, 0], vec![0, 0, 1]]);
        assert_eq!(cm.total(), 6);
        assert_eq!(cm.correct(), 4);
        assert_eq!(cm.support(1), 3);
        assert_eq!(cm.predicted(1), 3);
        assert_eq!(cm.false_positives(0), 1);
        assert_eq!(cm.false_negatives(0), 1);
        assert_eq!(ConfusionMatrix::cell_rows(&truth, &pred, 1, 0), vec![4]);
        assert_eq!(ConfusionMatrix::cell_rows(&truth, &pred, 1, 1), vec![2, 3]);
        assert!(ConfusionMatrix::cell_rows(&truth, &pred, 2, 0).is_empty());
        let norm = cm.row_normalised();
        assert!(close(norm[1][1], 2.0 / 3.0));
        assert!(close(norm[0][0], 0.5));
    }

    #[test]
    fn confusion_errors() {
        assert!(matches!(
            ConfusionMatrix::from_predictions(&[0, 1], &[0], &names(2)),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert_eq!(
            ConfusionMatrix::from_predictions(&[0, 1], &[0, 2], &names(2)),
            Err(MetricsError::LabelOutOfRange {
                index: 1,
                label: 2,
                n_classes: 2
            })
        );
        assert!(report(&[0, 5], &[0, 0], &names(2)).is_err());
        assert!(accuracy(&[0], &[]).is_err());
    }

    #[test]
    fn row_normalised_empty_row_is_zero() {
        let cm = ConfusionMatrix::from_predictions(&[0, 0], &[0, 1], &names(3)).unwrap();
        let norm = cm.row_normalised();
        assert_eq!(norm[2], vec![0.0, 0.0, 0.0]);
        assert!(norm.iter().flatten().all(|v| v.is_finite()));
    }

    /// Parses linfa's Debug output (its matrix field is private):
    /// a blank line, a header `classes | l0 | l1 ...`, then one row per
    /// class `label | v | v ...`.
    fn linfa_matrix(cm: &linfa::metrics::ConfusionMatrix<usize>) -> (Vec<usize>, Vec<Vec<usize>>) {
        let text = format!("{cm:?}");
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<usize> = lines
            .next()
            .unwrap()
            .split('|')
            .skip(1)
            .map(|s| s.trim().parse().unwrap())
            .collect();
        let rows = lines
            .map(|l| {
                l.split('|')
                    .skip(1)
                    .map(|s| s.trim().parse::<f32>().unwrap() as usize)
                    .collect()
            })
            .collect();
        (header, rows)
    }

    fn transpose(m: &[Vec<usize>]) -> Vec<Vec<usize>> {
        (0..m[0].len())
            .map(|j| m.iter().map(|row| row[j]).collect())
            .collect()
    }

    #[test]
    fn confusion_matches_linfa_transposed() {
        use linfa::metrics::ToConfusionMatrix;
        use ndarray::Array1;
        // Asymmetric on purpose, so the transpose is a different matrix.
        let truth = vec![0usize, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 1, 0];
        let pred = vec![0usize, 1, 1, 2, 1, 1, 0, 2, 2, 0, 1, 2, 1, 0];
        let ours = ConfusionMatrix::from_predictions(&truth, &pred, &names(3)).unwrap();
        // linfa: `prediction.confusion_matrix(&ground_truth)`.
        let theirs = Array1::from(pred.clone())
            .confusion_matrix(&Array1::from(truth.clone()))
            .unwrap();
        let (classes, matrix) = linfa_matrix(&theirs);
        assert_eq!(classes, vec![0, 1, 2]);
        assert_ne!(ours.counts, matrix, "test data must not be symmetric");
        assert_eq!(ours.counts, transpose(&matrix));
        assert_eq!(ours.counts[0], vec![2, 2, 1]);
    }

    #[test]
    fn confusion_binary_linfa_reverses_classes() {
        use linfa::metrics::ToConfusionMatrix;
        use ndarray::Array1;
        // With two classes linfa also orders them [1, 0].
        let truth = vec![0usize, 0, 0, 1, 1, 1, 1];
        let pred = vec![0usize, 1, 1, 1, 1, 1, 0];
        let ours = ConfusionMatrix::from_predictions(&truth, &pred, &names(2)).unwrap();
        assert_eq!(ours.counts, vec![vec![1, 2], vec![1, 3]]);
        let theirs = Array1::from(pred)
            .confusion_matrix(&Array1::from(truth))
            .unwrap();
        let (classes, matrix) = linfa_matrix(&theirs);
        assert_eq!(classes, vec![1, 0]);
        let back: Vec<Vec<usize>> = (0..2)
            .map(|t| (0..2).map(|p| matrix[1 - p][1 - t]).collect())
            .collect();
        assert_eq!(ours.counts, back);
    }

    // Data and reference for the sklearn comparison:
    // t = [0, 2, 1, 0, 0, 2, 2, 2, 2, 3, 2, 1, 2, 2, 0, 0, 2, 1, 2, 1, 0, 0, 1, 3, 1, 1,
    //      2, 3, 1, 2, 1, 2, 1, 2, 2, 2, 3, 0, 2, 1]
    // pp = [0, 2, 1, 1, 0, 2, 2, 1, 2, 0, 1, 2, 2, 2, 0, 0, 1, 1, 2, 0, 1, 0, 1, 0, 1, 1,
    //       2, 0, 1, 2, 2, 2, 1, 2, 2, 2, 2, 0, 2, 2]
    const T: [usize; 40] = [
        0, 2, 1, 0, 0, 2, 2, 2, 2, 3, 2, 1, 2, 2, 0, 0, 2, 1, 2, 1, 0, 0, 1, 3, 1, 1, 2, 3, 1, 2,
        1, 2, 1, 2, 2, 2, 3, 0, 2, 1,
    ];
    const P: [usize; 40] = [
        0, 2, 1, 1, 0, 2, 2, 1, 2, 0, 1, 2, 2, 2, 0, 0, 1, 1, 2, 0, 1, 0, 1, 0, 1, 1, 2, 0, 1, 2,
        2, 2, 1, 2, 2, 2, 2, 0, 2, 2,
    ];

    #[test]
    fn report_matches_sklearn() {
        let rep = report(&T, &P, &names(5)).unwrap();
        // confusion_matrix(t, pp, labels=[0,1,2,3,4]).tolist()
        assert_eq!(
            rep.confusion.counts,
            vec![
                vec![6, 2, 0, 0, 0],
                vec![1, 7, 3, 0, 0],
                vec![0, 3, 14, 0, 0],
                vec![3, 0, 1, 0, 0],
                vec![0, 0, 0, 0, 0],
            ]
        );
        // d = classification_report(t, pp, labels=[0,1,2,3,4], output_dict=True,
        //                           zero_division=0)
        let expect = [
            (0.6, 0.75, 0.6666666666666666, 8),
            (
                0.5833333333333334,
                0.6363636363636364,
                0.6086956521739131,
                11,
            ),
            (0.7777777777777778, 0.8235294117647058, 0.8, 17),
            (0.0, 0.0, 0.0, 4), // never predicted: precision 0
            (0.0, 0.0, 0.0, 0), // absent everywhere
        ];
        for (m, &(p, r, f, s)) in rep.per_class.iter().zip(&expect) {
            assert!(close(m.precision, p), "{m:?}");
            assert!(close(m.recall, r), "{m:?}");
            assert!(close(m.f1, f), "{m:?}");
            assert_eq!(m.support, s);
        }
        // d["accuracy"], d["macro avg"], d["weighted avg"]
        assert!(close(rep.accuracy, 0.675));
        assert!(close(rep.macro_avg.precision, 0.39222222222222225));
        assert!(close(rep.macro_avg.recall, 0.4419786096256685));
        assert!(close(rep.macro_avg.f1, 0.41507246376811596));
        assert!(close(rep.weighted_avg.precision, 0.6109722222222222));
        assert!(close(rep.weighted_avg.recall, 0.675));
        assert!(close(rep.weighted_avg.f1, 0.6407246376811594));
        assert!(close(accuracy(&T, &P).unwrap(), 0.675));
    }

    #[test]
    fn explanations() {
        let rep = report(&T, &P, &names(5)).unwrap();
        assert_eq!(
            rep.explain_precision(2),
            "precision = TP/(TP+FP) = 14/(14+4) = 0.778"
        );
        assert_eq!(
            rep.explain_recall(2),
            "recall = TP/(TP+FN) = 14/(14+3) = 0.824"
        );
        assert_eq!(
            rep.explain_f1(2),
            "f1 = 2PR/(P+R) = 2·0.778·0.824/(0.778+0.824) = 0.800"
        );
        assert_eq!(
            rep.explain_accuracy(),
            "accuracy = correct/total = 27/40 = 0.675"
        );
        assert_eq!(
            rep.explain_precision(3),
            "precision = TP/(TP+FP) = 0/(0+0): never predicted, reported as 0"
        );
        assert_eq!(
            rep.explain_recall(4),
            "recall = TP/(TP+FN) = 0/(0+0): no sample of this class, reported as 0"
        );
        assert!(rep.explain_f1(3).ends_with("P+R = 0, reported as 0"));
        assert_eq!(rep.explain_precision(9), "no class 9: there are 5 classes");
    }

    #[test]
    fn report_degenerate_inputs_have_no_nan() {
        // Empty input.
        let rep = report(&[], &[], &names(3)).unwrap();
        assert_eq!(rep.accuracy, 0.0);
        assert_eq!(
            rep.explain_accuracy(),
            "accuracy = correct/total = 0/0: no samples, reported as 0"
        );
        // All one class, always right.
        let rep = report(&[1, 1, 1], &[1, 1, 1], &names(2)).unwrap();
        assert_eq!(rep.accuracy, 1.0);
        assert_eq!(rep.per_class[1].f1, 1.0);
        assert_eq!(rep.per_class[0].f1, 0.0);
        assert!(close(rep.macro_avg.f1, 0.5));
        assert_eq!(rep.weighted_avg.f1, 1.0);
        // No classes at all.
        let rep = report(&[], &[], &[]).unwrap();
        for rep in [rep, report(&[0, 0], &[1, 1], &names(2)).unwrap()] {
            let all = [
                rep.accuracy,
                rep.macro_avg.precision,
                rep.macro_avg.recall,
                rep.macro_avg.f1,
                rep.weighted_avg.precision,
                rep.weighted_avg.recall,
                rep.weighted_avg.f1,
            ];
            assert!(all.iter().all(|v| v.is_finite()));
            assert!(rep
                .per_class
                .iter()
                .all(|m| m.precision.is_finite() && m.recall.is_finite() && m.f1.is_finite()));
        }
    }

    #[test]
    fn report_serialises() {
        let rep = report(&[0, 1], &[0, 0], &names(2)).unwrap();
        let json = serde_json::to_string(&rep).unwrap();
        assert!(json.contains("\"macro_avg\""));
        assert!(json.contains("\"counts\":[[1,0],[1,0]]"));
    }
}
