//! Naive Bayes: Gaussian (linfa-bayes) and multinomial (our own; the
//! comment on [`MultinomialNbModel`] says why).

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_bayes::{GaussianNb, NaiveBayes};
use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::core::{AlgoError, Classifier};

fn dataset(x: ArrayView2<'_, f64>, y: &[usize]) -> DatasetBase<Array2<f64>, Array1<usize>> {
    DatasetBase::new(x.to_owned(), Array1::from(y.to_vec()))
}

/// Class probabilities from linfa's per-class log-likelihoods, in class
/// index order (classes absent from training get probability 0).
fn proba_from_log(log: Array2<f64>, order: &[usize], n_classes: usize) -> Array2<f64> {
    let mut out = Array2::zeros((log.nrows(), n_classes));
    for (r, row) in log.axis_iter(Axis(0)).enumerate() {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = row.iter().map(|v| (v - max).exp()).sum();
        for (j, &c) in order.iter().enumerate() {
            if c < n_classes {
                out[(r, c)] = ((row[j] - max).exp()) / sum;
            }
        }
    }
    out
}

pub struct GaussianNbModel {
    model: GaussianNb<f64, usize>,
    n_features: usize,
    n_classes: usize,
}

pub fn fit_gaussian_nb(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    var_smoothing: f64,
) -> Result<GaussianNbModel, AlgoError> {
    if var_smoothing.is_nan() || var_smoothing < 0.0 {
        return Err(AlgoError::param(
            "var_smoothing",
            format!("must be >= 0, got {var_smoothing}"),
        ));
    }
    let model = GaussianNb::params()
        .var_smoothing(var_smoothing)
        .fit(&dataset(x, y))
        .map_err(|e| AlgoError::Failed(format!("linfa-bayes: {e}")))?;
    Ok(GaussianNbModel {
        model,
        n_features: x.ncols(),
        n_classes,
    })
}

impl Classifier for GaussianNbModel {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        self.model.predict(&x).to_vec()
    }
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        let (log, order) = self.model.predict_log_proba(x);
        let order: Vec<usize> = order.into_iter().copied().collect();
        Some(proba_from_log(log, &order, self.n_classes))
    }
}

/// Multinomial naive Bayes, our own: linfa-bayes 0.8.1's `MultinomialNb`
/// leaves a `dbg!` in its fit that prints the whole model to stderr on every
/// call, which would scribble over the terminal UI. The model is small:
/// log P(c) + sum_j x_j log theta_cj with theta_cj = (N_cj + alpha) / (N_c + alpha * d),
/// exactly scikit-learn's `MultinomialNB`.
pub struct MultinomialNbModel {
    /// log P(c), per class.
    class_log_prior: Vec<f64>,
    /// log theta_cj, n_classes x n_features.
    feature_log_prob: Array2<f64>,
    /// Classes seen in training (others are never predicted).
    present: Vec<bool>,
}

pub fn fit_multinomial_nb(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    alpha: f64,
) -> Result<MultinomialNbModel, AlgoError> {
    if alpha.is_nan() || alpha <= 0.0 || !alpha.is_finite() {
        return Err(AlgoError::param(
            "alpha",
            format!("must be > 0, got {alpha}"),
        ));
    }
    if x.nrows() != y.len() || x.nrows() == 0 {
        return Err(AlgoError::BadData(format!(
            "{} rows of features but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    if let Some(v) = x.iter().find(|v| v.is_nan() || **v < 0.0 || !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "multinomial naive Bayes needs non-negative features (counts or TF-IDF), found {v}; try --scale minmax"
        )));
    }
    if let Some(&c) = y.iter().find(|&&c| c >= n_classes) {
        return Err(AlgoError::BadData(format!(
            "label {c} is out of range for {n_classes} classes"
        )));
    }
    let d = x.ncols();
    let mut counts = Array2::<f64>::zeros((n_classes, d));
    let mut class_count = vec![0usize; n_classes];
    for (row, &c) in x.rows().into_iter().zip(y) {
        class_count[c] += 1;
        let mut acc = counts.row_mut(c);
        acc += &row;
    }
    let n = y.len() as f64;
    let class_log_prior = class_count
        .iter()
        .map(|&k| {
            if k > 0 {
                (k as f64 / n).ln()
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let mut feature_log_prob = counts;
    for mut row in feature_log_prob.rows_mut() {
        row.mapv_inplace(|v| v + alpha);
        let total = row.sum().ln();
        row.mapv_inplace(|v| v.ln() - total);
    }
    Ok(MultinomialNbModel {
        class_log_prior,
        feature_log_prob,
        present: class_count.iter().map(|&k| k > 0).collect(),
    })
}

impl MultinomialNbModel {
    /// Joint log-likelihood log P(c) + log P(x | c), n_rows x n_classes.
    fn joint_log_likelihood(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut jll = x.dot(&self.feature_log_prob.t());
        for mut row in jll.rows_mut() {
            for (v, p) in row.iter_mut().zip(&self.class_log_prior) {
                *v += p;
            }
        }
        jll
    }
}

impl Classifier for MultinomialNbModel {
    fn n_features(&self) -> usize {
        self.feature_log_prob.ncols()
    }
    fn n_classes(&self) -> usize {
        self.class_log_prior.len()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        if x.ncols() != self.n_features() {
            return Vec::new();
        }
        self.joint_log_likelihood(x)
            .rows()
            .into_iter()
            .map(|r| {
                let mut best = 0;
                for (j, v) in r.iter().enumerate() {
                    if self.present[j] && (!self.present[best] || *v > r[best]) {
                        best = j;
                    }
                }
                best
            })
            .collect()
    }
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features() {
            return None;
        }
        let order: Vec<usize> = (0..self.n_classes()).collect();
        Some(proba_from_log(
            self.joint_log_likelihood(x),
            &order,
            self.n_classes(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn naive_bayes_probabilities_sum_to_one() {
        let x = array![[1.0, 2.0], [1.2, 1.9], [5.0, 6.0], [5.1, 6.2]];
        let y = [0, 0, 1, 1];
        let m = fit_gaussian_nb(x.view(), &y, 2, 1e-9).expect("fit");
        assert_eq!(m.predict(x.view()), vec![0, 0, 1, 1]);
        let p = m.scores(x.view()).expect("scores");
        for row in p.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-9);
        }
        assert!(
            fit_multinomial_nb((-&x).view(), &y, 2, 1.0).is_err(),
            "negative features refused"
        );
        assert!(
            fit_multinomial_nb(x.view(), &y, 2, 0.0).is_err(),
            "alpha must be > 0"
        );
        assert!(fit_gaussian_nb(x.view(), &y, 2, -1.0).is_err());
    }

    #[test]
    fn multinomial_nb_matches_sklearn() {
        // from sklearn.naive_bayes import MultinomialNB
        // X = [[2,1,0],[1,0,1],[0,3,1],[0,1,4]]; y = [0,0,1,1]
        // m = MultinomialNB().fit(X, y); m.feature_log_prob_.round(6); m.predict([[3,0,0],[0,0,3]])
        // [[-0.693147, -1.386294, -1.386294], [-2.484907, -0.875469, -0.693147]]; [0, 1]
        let x = array![
            [2.0, 1.0, 0.0],
            [1.0, 0.0, 1.0],
            [0.0, 3.0, 1.0],
            [0.0, 1.0, 4.0]
        ];
        let m = fit_multinomial_nb(x.view(), &[0, 0, 1, 1], 2, 1.0).expect("fit");
        // (-ln 2, -ln 4, -ln 4) and (-ln 12, ln 5 - ln 12, ln 6 - ln 12)
        let want = [
            [-(2.0f64.ln()), -(4.0f64.ln()), -(4.0f64.ln())],
            [
                -(12.0f64.ln()),
                5.0f64.ln() - 12.0f64.ln(),
                6.0f64.ln() - 12.0f64.ln(),
            ],
        ];
        for (c, row) in want.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                assert!((m.feature_log_prob[(c, j)] - w).abs() < 1e-6, "{c},{j}");
            }
        }
        assert_eq!(
            m.predict(array![[3.0, 0.0, 0.0], [0.0, 0.0, 3.0]].view()),
            vec![0, 1]
        );
    }
}
