//! Naive Bayes, our own rather than linfa-bayes 0.8.1's: its Gaussian NB
//! panics on degenerate data (see [`fit_gaussian_nb`]) and its multinomial
//! NB prints to stderr (see [`MultinomialNbModel`]). Both are
//! scikit-learn's models exactly.

use ndarray::{Array2, ArrayView2, Axis};

use super::core::{AlgoError, Classifier};
use crate::data::sparse::Csr;

/// Class probabilities from per-class joint log-likelihoods (log-sum-exp),
/// in class index order (classes absent from training get probability 0).
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

/// Index of the first largest value (NaN never wins).
fn first_max<'a>(values: impl Iterator<Item = &'a f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, &v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// Mean and population variance (ddof 0) of `values` by numpy's two-pass
/// formula: the sum divided by n, then the mean squared deviation (numpy
/// sums pairwise, so the last bits can differ).
fn mean_var<'a>(values: impl Iterator<Item = &'a f64> + Clone) -> (f64, f64) {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = sum / n as f64;
    let var = values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
    (mean, var)
}

/// Gaussian naive Bayes, scikit-learn's `GaussianNB` exactly: class priors
/// from the class frequencies; per class and feature the mean θ and the
/// population variance σ², plus ε = `var_smoothing` × (the largest variance
/// of a feature over the whole training set); the joint log-likelihood
/// log P(c) − ½ Σⱼ log(2π σ²_cj) − ½ Σⱼ (xⱼ − θ_cj)² / σ²_cj.
pub struct GaussianNbModel {
    /// log P(c); −∞ for a class absent from training (never predicted).
    class_log_prior: Vec<f64>,
    /// θ, n_classes x n_features.
    theta: Array2<f64>,
    /// σ² + ε, n_classes x n_features.
    var: Array2<f64>,
    /// −½ Σⱼ log(2π σ²_cj) over the features used, per class.
    log_norm: Vec<f64>,
    /// Features in the likelihood. Only when ε is 0 can a feature be left
    /// out: one that is constant over the whole training set has zero
    /// variance in every class and says nothing about the class (where
    /// scikit-learn divides 0 by 0 and returns NaN probabilities).
    used: Vec<bool>,
    /// ε, as scikit-learn's `epsilon_`.
    epsilon: f64,
}

/// `feature 3 (`petal_width`)`, or `feature 3` when the name is not known.
fn feature(j: usize, names: &[String]) -> String {
    match names.get(j) {
        Some(n) => format!("feature {j} (`{n}`)"),
        None => format!("feature {j}"),
    }
}

/// Fit Gaussian naive Bayes. `names` are the feature names for messages
/// (may be empty).
///
/// Our own rather than linfa-bayes 0.8.1's `GaussianNb`, which panics
/// (`unwrap()` on `UndefinedOrder`, base_nb.rs:48) when its log-likelihoods
/// are NaN: a feature with zero variance in every class (ε is then 0 and it
/// computes 0/0), or values so large that a variance overflows to infinity
/// (e.g. 1e308). Here zero variances are handled (see `used`) and variances
/// that overflow are refused with the feature named.
pub fn fit_gaussian_nb(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    var_smoothing: f64,
    names: &[String],
) -> Result<GaussianNbModel, AlgoError> {
    if !(var_smoothing >= 0.0 && var_smoothing.is_finite()) {
        return Err(AlgoError::param(
            "var_smoothing",
            format!("must be >= 0, got {var_smoothing}"),
        ));
    }
    let (n, d) = x.dim();
    if n != y.len() || n == 0 {
        return Err(AlgoError::BadData(format!(
            "{n} rows of features but {} labels",
            y.len()
        )));
    }
    if let Some(&c) = y.iter().find(|&&c| c >= n_classes) {
        return Err(AlgoError::BadData(format!(
            "label {c} is out of range for {n_classes} classes"
        )));
    }
    if let Some(((r, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "{}, row {r}: {v} is not a finite number",
            feature(j, names)
        )));
    }
    let too_large = |j: usize| {
        let big = x.column(j).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        AlgoError::BadData(format!(
            "{}: its variance overflows (values as large as {big:e}); Gaussian naive Bayes \
             cannot use it as it is: rescale it (e.g. --scale maxabs) or leave it out (--features)",
            feature(j, names)
        ))
    };
    // ε from the variance of each feature over all training rows.
    let mut total_var = Vec::with_capacity(d);
    for j in 0..d {
        let (m, v) = mean_var(x.column(j).iter());
        if !(m.is_finite() && v.is_finite()) {
            return Err(too_large(j));
        }
        total_var.push(v);
    }
    let epsilon = var_smoothing * total_var.iter().copied().fold(0.0, f64::max);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in y.iter().enumerate() {
        rows[c].push(i);
    }
    let mut theta = Array2::zeros((n_classes, d));
    let mut var = Array2::ones((n_classes, d));
    for (c, members) in rows.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
        for j in 0..d {
            let col = x.column(j);
            let (m, v) = mean_var(members.iter().map(|&i| &col[i]));
            if !(m.is_finite() && v.is_finite()) {
                return Err(too_large(j));
            }
            theta[(c, j)] = m;
            var[(c, j)] = v + epsilon;
        }
    }
    let used: Vec<bool> = total_var
        .iter()
        .map(|&v| v > 0.0 || epsilon > 0.0)
        .collect();
    // A zero variance left in a used feature: var_smoothing is 0 and the
    // feature is constant within a class while it varies overall.
    for (c, members) in rows.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
        if let Some(j) = (0..d).find(|&j| used[j] && var[(c, j)] <= 0.0) {
            return Err(AlgoError::param(
                "var_smoothing",
                format!(
                    "{var_smoothing} leaves {} with zero variance in class {c} ({} rows), \
                     which has no density; use a positive value (the default is 1e-9)",
                    feature(j, names),
                    members.len()
                ),
            ));
        }
    }
    let class_log_prior: Vec<f64> = rows
        .iter()
        .map(|m| {
            if m.is_empty() {
                f64::NEG_INFINITY
            } else {
                (m.len() as f64 / n as f64).ln()
            }
        })
        .collect();
    let log_2pi = (2.0 * std::f64::consts::PI).ln();
    let log_norm = (0..n_classes)
        .map(|c| {
            -0.5 * (0..d)
                .filter(|&j| used[j])
                // ln(2π) + ln σ² rather than ln(2π σ²), which overflows
                // for σ² above f64::MAX / 2π.
                .map(|j| log_2pi + var[(c, j)].ln())
                .sum::<f64>()
        })
        .collect();
    Ok(GaussianNbModel {
        class_log_prior,
        theta,
        var,
        log_norm,
        used,
        epsilon,
    })
}

impl GaussianNbModel {
    /// ε = `var_smoothing` × the largest feature variance (scikit-learn's `epsilon_`).
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// Joint log-likelihood log P(c) + log P(x | c), n_rows x n_classes;
    /// NaN (from a NaN input) is read as −∞.
    fn joint_log_likelihood(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let k = self.class_log_prior.len();
        Array2::from_shape_fn((x.nrows(), k), |(r, c)| {
            let row = x.row(r);
            let sq: f64 = (0..row.len())
                .filter(|&j| self.used[j])
                .map(|j| {
                    let diff = row[j] - self.theta[(c, j)];
                    diff * diff / self.var[(c, j)]
                })
                .sum();
            let v = self.class_log_prior[c] + self.log_norm[c] - 0.5 * sq;
            if v.is_nan() {
                f64::NEG_INFINITY
            } else {
                v
            }
        })
    }

    /// Per row, the class probabilities: exp(jll − logsumexp(jll)). A row
    /// whose likelihood underflows to 0 in every class (far from all of
    /// the training data) gets the class priors instead of 0/0.
    fn posterior(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut jll = self.joint_log_likelihood(x);
        for mut row in jll.rows_mut() {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if max == f64::NEG_INFINITY {
                row.assign(&ndarray::Array1::from(self.class_log_prior.clone()));
            }
        }
        let order: Vec<usize> = (0..self.class_log_prior.len()).collect();
        proba_from_log(jll, &order, order.len())
    }
}

impl Classifier for GaussianNbModel {
    fn n_features(&self) -> usize {
        self.theta.ncols()
    }
    fn n_classes(&self) -> usize {
        self.class_log_prior.len()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        if x.ncols() != self.n_features() {
            return Vec::new();
        }
        // The first class of highest joint log-likelihood, as numpy's argmax;
        // a row impossible under every class goes by the priors.
        self.joint_log_likelihood(x)
            .rows()
            .into_iter()
            .map(|r| {
                let best = first_max(r.iter());
                if r[best] == f64::NEG_INFINITY {
                    first_max(self.class_log_prior.iter())
                } else {
                    best
                }
            })
            .collect()
    }
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        (x.ncols() == self.n_features()).then(|| self.posterior(x))
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
    /// The same, n_features x n_classes (one row per word: sparse scoring).
    flp_t: Array2<f64>,
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
    Ok(multinomial_from_counts(counts, &class_count, alpha))
}

/// [`fit_multinomial_nb`] on sparse rows (vectorised text): the same model,
/// summing only the stored entries.
pub fn fit_multinomial_nb_sparse(
    x: &Csr,
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
    if let Some(v) = x
        .values()
        .iter()
        .find(|v| v.is_nan() || **v < 0.0 || !v.is_finite())
    {
        return Err(AlgoError::BadData(format!(
            "multinomial naive Bayes needs non-negative features (counts or TF-IDF), found {v}"
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
    for (i, &c) in y.iter().enumerate() {
        class_count[c] += 1;
        let (ix, v) = x.row(i);
        let mut acc = counts.row_mut(c);
        for (&j, &val) in ix.iter().zip(v) {
            acc[j] += val;
        }
    }
    Ok(multinomial_from_counts(counts, &class_count, alpha))
}

fn multinomial_from_counts(
    counts: Array2<f64>,
    class_count: &[usize],
    alpha: f64,
) -> MultinomialNbModel {
    let n = class_count.iter().sum::<usize>() as f64;
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
    let flp_t = feature_log_prob.t().as_standard_layout().into_owned();
    MultinomialNbModel {
        class_log_prior,
        feature_log_prob,
        flp_t,
        present: class_count.iter().map(|&k| k > 0).collect(),
    }
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

impl MultinomialNbModel {
    /// Joint log-likelihood of sparse rows, touching only stored entries.
    fn joint_log_likelihood_sparse(&self, x: &Csr) -> Array2<f64> {
        let k = self.class_log_prior.len();
        let mut jll = Array2::zeros((x.nrows(), k));
        for (i, mut out) in jll.rows_mut().into_iter().enumerate() {
            let (ix, v) = x.row(i);
            for (c, o) in out.iter_mut().enumerate() {
                *o = self.class_log_prior[c];
            }
            for (&j, &val) in ix.iter().zip(v) {
                if j < self.flp_t.nrows() {
                    for (o, w) in out.iter_mut().zip(self.flp_t.row(j)) {
                        *o += val * w;
                    }
                }
            }
        }
        jll
    }

    fn best_present(&self, r: ndarray::ArrayView1<'_, f64>) -> usize {
        let mut best = 0;
        for (j, v) in r.iter().enumerate() {
            if self.present[j] && (!self.present[best] || *v > r[best]) {
                best = j;
            }
        }
        best
    }
}

impl Classifier for MultinomialNbModel {
    fn predict_sparse(&self, x: &Csr) -> Option<Vec<usize>> {
        if x.ncols() != self.n_features() {
            return None;
        }
        let jll = self.joint_log_likelihood_sparse(x);
        Some(
            jll.rows()
                .into_iter()
                .map(|r| self.best_present(r))
                .collect(),
        )
    }
    fn scores_sparse(&self, x: &Csr) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features() {
            return None;
        }
        let order: Vec<usize> = (0..self.n_classes()).collect();
        Some(proba_from_log(
            self.joint_log_likelihood_sparse(x),
            &order,
            self.n_classes(),
        ))
    }
    /// log theta_cj minus the mean of log theta_kj over the other classes
    /// (with two classes: the log-probability ratio of the word).
    fn feature_weights(&self) -> Option<Array2<f64>> {
        let k = self.n_classes();
        if k < 2 {
            return None;
        }
        let total = self.feature_log_prob.sum_axis(Axis(0));
        let mut w = self.feature_log_prob.clone();
        for mut row in w.rows_mut() {
            for (v, t) in row.iter_mut().zip(&total) {
                *v -= (t - *v) / (k - 1) as f64;
            }
        }
        Some(w)
    }
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

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    float, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec, ParamValues,
    SparseFitData, Task, TrainClassifier,
};
use super::core::Progress;

pub const VAR_SMOOTHING: ParamSpec = float(
    "var_smoothing",
    0.0,
    1.0,
    false,
    "1e-9",
    "share of the largest feature variance added to every variance",
);
pub const ALPHA: ParamSpec = float(
    "alpha",
    0.0,
    1000.0,
    true,
    "1",
    "additive (Laplace) smoothing of the counts",
);

/// Gaussian naive Bayes in the registry.
pub struct GaussianNb;

/// Typed parameters of [`GaussianNb`].
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianNbParams {
    pub var_smoothing: f64,
}

impl Algorithm for GaussianNb {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "gaussian-nb",
        title: "Gaussian naive Bayes",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-bayes 0.8.1 panics (unwrap on an undefined ordering) when a feature has zero variance in every class or a variance overflows (values near 1e308)",
        topics: &["naive-bayes", "generative-vs-discriminative", "top-ten-algorithms"],
        params: &[VAR_SMOOTHING],
    };
    type Params = GaussianNbParams;
    fn params(v: &ParamValues) -> Result<GaussianNbParams, ParamError> {
        Ok(GaussianNbParams {
            var_smoothing: v.float(&VAR_SMOOTHING)?,
        })
    }
}

impl TrainClassifier for GaussianNbParams {
    fn fit(
        &self,
        d: FitData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_gaussian_nb(
            d.x,
            d.y,
            d.n_classes,
            self.var_smoothing,
            d.names,
        )?))
    }
}

/// Multinomial naive Bayes in the registry.
pub struct MultinomialNb;

/// Typed parameters of [`MultinomialNb`].
#[derive(Debug, Clone, PartialEq)]
pub struct MultinomialNbParams {
    pub alpha: f64,
}

impl Algorithm for MultinomialNb {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "multinomial-nb",
        title: "Multinomial naive Bayes",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-bayes 0.8.1 prints its whole model to stderr (a leftover dbg!) on every fit",
        topics: &["naive-bayes", "text-classification", "tf-idf"],
        params: &[ALPHA],
    };
    type Params = MultinomialNbParams;
    fn params(v: &ParamValues) -> Result<MultinomialNbParams, ParamError> {
        Ok(MultinomialNbParams {
            alpha: v.float(&ALPHA)?,
        })
    }
}

impl TrainClassifier for MultinomialNbParams {
    fn accepts_sparse(&self) -> bool {
        true
    }
    fn fit_sparse(
        &self,
        d: SparseFitData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_multinomial_nb_sparse(
            d.x,
            d.y,
            d.n_classes,
            self.alpha,
        )?))
    }
    fn fit(
        &self,
        d: FitData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_multinomial_nb(
            d.x,
            d.y,
            d.n_classes,
            self.alpha,
        )?))
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
        let m = fit_gaussian_nb(x.view(), &y, 2, 1e-9, &[]).expect("fit");
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
        assert!(fit_gaussian_nb(x.view(), &y, 2, -1.0, &[]).is_err());
    }

    #[test]
    fn gaussian_nb_matches_sklearn() {
        // from sklearn.naive_bayes import GaussianNB  (scikit-learn 1.7.2)
        // X = [[1,2,.5],[1.5,1.8,.3],[.9,2.2,.4],[3,.5,.6],[3.2,.7,.8],[2.8,.4,.5],
        //      [2,1.5,.45],[1,1,3],[1.2,.8,2.5]]; y = [0,0,0,1,1,1,0,2,2]
        // m = GaussianNB().fit(X, y); m.theta_, m.var_, m.epsilon_
        // T = [[2,1.2,.5],[1.2,2,.9],[5,-1,.1],[1.1,.9,2]]
        // m._joint_log_likelihood(T); m.predict_proba(T); m.predict(T)
        // GaussianNB(var_smoothing=0.1).fit(X, y).predict_proba(T)
        let x = array![
            [1.0, 2.0, 0.5],
            [1.5, 1.8, 0.3],
            [0.9, 2.2, 0.4],
            [3.0, 0.5, 0.6],
            [3.2, 0.7, 0.8],
            [2.8, 0.4, 0.5],
            [2.0, 1.5, 0.45],
            [1.0, 1.0, 3.0],
            [1.2, 0.8, 2.5]
        ];
        let y = [0, 0, 0, 1, 1, 1, 0, 2, 2];
        let t = array![
            [2.0, 1.2, 0.5],
            [1.2, 2.0, 0.9],
            [5.0, -1.0, 0.1],
            [1.1, 0.9, 2.0]
        ];
        let m = fit_gaussian_nb(x.view(), &y, 3, 1e-9, &[]).expect("fit");
        assert!((m.epsilon() - 9.002469135802469e-10).abs() < 1e-24);
        let theta = [
            [1.35, 1.875, 0.41250000000000003],
            [3.0, 0.5333333333333333, 0.6333333333333333],
            [1.1, 0.9, 2.75],
        ];
        let var = [
            [
                0.1925000009002469,
                0.06687500090024695,
                0.005468750900246914,
            ],
            [
                0.02666666756691363,
                0.015555556455802463,
                0.015555556455802477,
            ],
            [
                0.010000000900246908,
                0.010000000900246908,
                0.06250000090024692,
            ],
        ];
        for c in 0..3 {
            for j in 0..3 {
                assert!(
                    (m.theta[(c, j)] - theta[c][j]).abs() < 1e-15,
                    "theta {c},{j}"
                );
                assert!((m.var[(c, j)] - var[c][j]).abs() < 1e-15, "var {c},{j}");
            }
        }
        let jll = [
            [-3.99104319102447, -31.487061427166662, -83.76942391203823],
            [-20.690930541959542, -130.05848530674734, -86.64942266062316],
            [-104.1186291932607, -157.59419834250784, -995.4493430240685],
            [
                -236.47116068946323,
                -129.92455691035872,
                -2.7694284816911954,
            ],
        ];
        let got = m.joint_log_likelihood(t.view());
        for (r, row) in jll.iter().enumerate() {
            for (c, want) in row.iter().enumerate() {
                let g = got[(r, c)];
                assert!(
                    (g - want).abs() < 1e-9 * want.abs(),
                    "jll {r},{c}: {g} vs {want}"
                );
            }
        }
        assert_eq!(m.predict(t.view()), vec![0, 0, 0, 2]);
        let p = m.scores(t.view()).expect("scores");
        assert!((p[(0, 1)] - 1.1445400803761674e-12).abs() < 1e-20);
        assert!((p[(3, 0)] - 3.196151013661877e-102).abs() < 1e-110);
        assert_eq!(p[(2, 2)], 0.0);
        let m = fit_gaussian_nb(x.view(), &y, 3, 0.1, &[]).expect("fit");
        let want = [
            [
                0.9807668711492988,
                0.01923312355951237,
                5.291188776497965e-09,
            ],
            [
                0.9999999046465359,
                1.291091046523913e-10,
                9.522435488854247e-08,
            ],
            [
                6.78484097169397e-10,
                0.999999999321517,
                6.286455822222534e-39,
            ],
            [
                6.108102330586e-07,
                1.4992643234376652e-10,
                0.9999993890398403,
            ],
        ];
        let p = m.scores(t.view()).expect("scores");
        for (r, row) in want.iter().enumerate() {
            for (c, w) in row.iter().enumerate() {
                assert!((p[(r, c)] - w).abs() < 1e-12, "proba {r},{c}");
            }
        }
    }

    #[test]
    fn gaussian_nb_zero_variance_and_overflow_are_not_panics() {
        // Every feature constant (the linfa-bayes panic): the features say
        // nothing, so the priors decide; scikit-learn gives NaN here.
        let x = Array2::from_elem((8, 2), 1.0);
        let y = [0, 1, 0, 1, 0, 1, 0, 1];
        let m = fit_gaussian_nb(x.view(), &y, 2, 1e-9, &[]).expect("fit");
        assert_eq!(
            m.predict(x.view()),
            vec![0; 8],
            "a tie goes to the first class"
        );
        let p = m
            .scores(array![[1.0, 1.0], [5.0, -3.0]].view())
            .expect("scores");
        assert!(p.iter().all(|v| (v - 0.5).abs() < 1e-15), "{p}");
        // Unequal priors decide too.
        let m = fit_gaussian_nb(x.view(), &[0, 0, 0, 1, 1, 1, 1, 1], 2, 0.0, &[]).expect("fit");
        assert_eq!(m.predict(x.view()), vec![1; 8]);
        // A constant feature beside a varying one: scikit-learn's ε applies.
        let x2 = array![[1.0, 0.0], [1.0, 0.1], [1.0, 5.0], [1.0, 5.2]];
        let m = fit_gaussian_nb(x2.view(), &[0, 0, 1, 1], 2, 1e-9, &[]).expect("fit");
        assert_eq!(m.predict(x2.view()), vec![0, 0, 1, 1]);
        // var_smoothing 0 with a feature constant inside a class: refused.
        let x3 = array![[1.0], [1.0], [5.0], [5.5]];
        let e = fit_gaussian_nb(x3.view(), &[0, 0, 1, 1], 2, 0.0, &["h".into()]);
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("feature 0 (`h`) with zero variance in class 0"),
            "{msg}"
        );
        // A variance that overflows: a clear error naming the column.
        let big = array![[1e308, 1.0], [-1e308, 2.0], [1e308, 1.5], [-1e308, 2.5]];
        let names = ["a".to_string(), "b".to_string()];
        let e = fit_gaussian_nb(big.view(), &[0, 1, 0, 1], 2, 1e-9, &names);
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.starts_with("feature 0 (`a`): its variance overflows"),
            "{msg}"
        );
        // Far from all training data every likelihood underflows: priors.
        let m = fit_gaussian_nb(x2.view(), &[0, 0, 0, 1], 2, 1e-9, &[]).expect("fit");
        let far = array![[1e200, -1e200], [f64::NAN, 0.0]];
        assert_eq!(m.predict(far.view()), vec![0, 0]);
        let p = m.scores(far.view()).expect("scores");
        for r in 0..2 {
            assert!(
                (p[(r, 0)] - 0.75).abs() < 1e-12 && (p[(r, 1)] - 0.25).abs() < 1e-12,
                "{p}"
            );
        }
        // A class absent from training is never predicted.
        let m = fit_gaussian_nb(x2.view(), &[0, 0, 2, 2], 3, 1e-9, &[]).expect("fit");
        assert_eq!(m.predict(x2.view()), vec![0, 0, 2, 2]);
        assert!(m
            .scores(x2.view())
            .expect("scores")
            .column(1)
            .iter()
            .all(|&v| v == 0.0));
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
