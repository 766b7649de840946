//! The small models and transforms: Gaussian naive Bayes (linfa-bayes: right
//! and faster than scikit-learn here), the four scalers of the map
//! (linfa-preprocessing), and our own multinomial naive Bayes and PCA (the
//! comments on each say what is wrong with linfa's).

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_bayes::{GaussianNb, NaiveBayes};
use linfa_preprocessing::linear_scaling::LinearScaler;
use linfa_preprocessing::norm_scaling::NormScaler;
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

/// The four scalers of the map's Normalization section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// StandardScaler: zero mean, unit variance per column.
    Standard,
    /// MinMaxScaler: each column into [0, 1].
    MinMax,
    /// MaxAbsScaler: each column divided by its largest absolute value.
    MaxAbs,
    /// Normalizer: each ROW scaled to unit L2 norm.
    Normalize,
}

impl Scale {
    pub const NAMES: &'static [&'static str] = &["standard", "minmax", "maxabs", "normalize"];

    pub fn name(self) -> &'static str {
        match self {
            Scale::Standard => "standard",
            Scale::MinMax => "minmax",
            Scale::MaxAbs => "maxabs",
            Scale::Normalize => "normalize",
        }
    }
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Scale, String> {
        match s {
            "standard" => Ok(Scale::Standard),
            "minmax" => Ok(Scale::MinMax),
            "maxabs" => Ok(Scale::MaxAbs),
            "normalize" | "normalizer" => Ok(Scale::Normalize),
            other => Err(format!(
                "`{other}`: expected standard, minmax, maxabs or normalize"
            )),
        }
    }
}

/// A scaler fitted on training rows, applied to any rows.
pub enum FittedScaler {
    Linear(LinearScaler<f64>),
    Norm(NormScaler),
}

impl FittedScaler {
    pub fn fit(scale: Scale, x_train: ArrayView2<'_, f64>) -> Result<FittedScaler, AlgoError> {
        let ds = DatasetBase::from(x_train.to_owned());
        let err =
            |e: linfa_preprocessing::PreprocessingError| AlgoError::Failed(format!("scaler: {e}"));
        Ok(match scale {
            Scale::Standard => {
                FittedScaler::Linear(LinearScaler::standard().fit(&ds).map_err(err)?)
            }
            Scale::MinMax => FittedScaler::Linear(LinearScaler::min_max().fit(&ds).map_err(err)?),
            Scale::MaxAbs => FittedScaler::Linear(LinearScaler::max_abs().fit(&ds).map_err(err)?),
            Scale::Normalize => FittedScaler::Norm(NormScaler::l2()),
        })
    }

    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        match self {
            FittedScaler::Linear(s) => s.transform(x.to_owned()),
            FittedScaler::Norm(s) => {
                // linfa divides a zero row by its zero norm (NaN); scikit-learn
                // leaves zero rows as they are, and so do we.
                let mut out = s.transform(x.to_owned());
                out.mapv_inplace(|v| if v.is_nan() { 0.0 } else { v });
                out
            }
        }
    }
}

/// PCA: the projection on the first components and the share of the total
/// variance each explains.
pub struct PcaResult {
    pub projection: Array2<f64>,
    pub explained_variance_ratio: Vec<f64>,
}

/// Our own PCA (eigen-decomposition of the covariance matrix by cyclic
/// Jacobi rotations). Not linfa-reduction's: in 0.8.1 its explained-variance
/// ratios are normalised over the computed components only (iris: 0.946 /
/// 0.054 where scikit-learn gives 0.925 / 0.053; digits 0.52 / 0.48 vs
/// 0.149 / 0.136), and its randomised truncated SVD panics ("NaN values in
/// array") on unscaled wine and breast_cancer.
pub fn pca(x: ArrayView2<'_, f64>, components: usize) -> Result<PcaResult, AlgoError> {
    let (n, d) = x.dim();
    if components == 0 || components > d {
        return Err(AlgoError::param(
            "components",
            format!("must be between 1 and the number of features ({d}), got {components}"),
        ));
    }
    if n < 2 {
        return Err(AlgoError::BadData("PCA needs at least two rows".into()));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(AlgoError::BadData("PCA needs finite values".into()));
    }
    let mean = x
        .mean_axis(Axis(0))
        .ok_or_else(|| AlgoError::BadData("no rows".into()))?;
    let xc = &x - &mean;
    // Total variance is the trace of the covariance: the column variances.
    let total: f64 = xc.iter().map(|v| v * v).sum::<f64>() / (n as f64 - 1.0);
    let (values, vectors) = if d <= EXACT_PCA_MAX_FEATURES {
        let cov = xc.t().dot(&xc) / (n as f64 - 1.0);
        let (values, vectors) = jacobi_eigen(cov);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let vals: Vec<f64> = order.iter().take(components).map(|&i| values[i]).collect();
        let vecs = Array2::from_shape_fn((d, components), |(r, k)| vectors[(r, order[k])]);
        (vals, vecs)
    } else {
        top_eigen(&xc, components)
    };
    let mut basis = Array2::zeros((d, components));
    let mut ratio = Vec::with_capacity(components);
    for (k, value) in values.iter().enumerate().take(components) {
        let mut v = vectors.column(k).to_owned();
        // Sign convention: the largest entry of each component is positive.
        let big = v
            .iter()
            .copied()
            .fold(0.0f64, |m, e| if e.abs() > m.abs() { e } else { m });
        if big < 0.0 {
            v.mapv_inplace(|e| -e);
        }
        basis.column_mut(k).assign(&v);
        ratio.push(if total > 0.0 {
            value.max(0.0) / total
        } else {
            0.0
        });
    }
    Ok(PcaResult {
        projection: xc.dot(&basis),
        explained_variance_ratio: ratio,
    })
}

/// Up to this many features PCA diagonalises the covariance matrix exactly
/// (Jacobi); above it (e.g. TF-IDF text) the leading components come from
/// orthogonal iteration on X, which never forms the d x d matrix.
const EXACT_PCA_MAX_FEATURES: usize = 200;

/// The `k` leading eigenpairs of the covariance of centred `xc` by
/// orthogonal (block power) iteration: V <- orth(Xc^T (Xc V)), from a fixed
/// start so results are reproducible.
fn top_eigen(xc: &Array2<f64>, k: usize) -> (Vec<f64>, Array2<f64>) {
    let (n, d) = xc.dim();
    let mut v = Array2::from_shape_fn((d, k), |(i, j)| {
        (((i * 7 + j * 13) % 17) as f64 - 8.0) / 8.0 + if i == j { 1.0 } else { 0.0 }
    });
    orthonormalise(&mut v);
    let mut values = vec![0.0; k];
    for _ in 0..300 {
        let mut w = xc.t().dot(&xc.dot(&v)) / (n as f64 - 1.0);
        let new_values: Vec<f64> = (0..k).map(|j| v.column(j).dot(&w.column(j))).collect();
        orthonormalise(&mut w);
        let change: f64 = new_values
            .iter()
            .zip(&values)
            .map(|(a, b)| (a - b).abs())
            .sum();
        let scale: f64 = new_values
            .iter()
            .map(|a| a.abs())
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
        v = w;
        values = new_values;
        if change <= 1e-12 * scale {
            break;
        }
    }
    (values, v)
}

/// Gram-Schmidt on the columns (twice, for stability).
fn orthonormalise(v: &mut Array2<f64>) {
    for _ in 0..2 {
        for j in 0..v.ncols() {
            for i in 0..j {
                let proj = v.column(i).dot(&v.column(j));
                let ci = v.column(i).to_owned();
                let mut cj = v.column_mut(j);
                cj.scaled_add(-proj, &ci);
            }
            let norm = v.column(j).dot(&v.column(j)).sqrt();
            if norm > 0.0 {
                v.column_mut(j).mapv_inplace(|e| e / norm);
            }
        }
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic
/// Jacobi rotations: simple, accurate, and fine for the few hundred
/// dimensions of tabular data.
fn jacobi_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let d = a.nrows();
    let mut v = Array2::<f64>::eye(d);
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let mut off = 0.0;
        for p in 0..d {
            for q in (p + 1)..d {
                off += a[(p, q)] * a[(p, q)];
            }
        }
        if off.sqrt() <= 1e-14 * scale {
            break;
        }
        for p in 0..d {
            for q in (p + 1)..d {
                let apq = a[(p, q)];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[(q, q)] - a[(p, p)]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let akp = a[(k, p)];
                    let akq = a[(k, q)];
                    a[(k, p)] = c * akp - s * akq;
                    a[(k, q)] = s * akp + c * akq;
                }
                for k in 0..d {
                    let apk = a[(p, k)];
                    let aqk = a[(q, k)];
                    a[(p, k)] = c * apk - s * aqk;
                    a[(q, k)] = s * apk + c * aqk;
                }
                for k in 0..d {
                    let vkp = v[(k, p)];
                    let vkq = v[(k, q)];
                    v[(k, p)] = c * vkp - s * vkq;
                    v[(k, q)] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..d).map(|i| a[(i, i)]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn scalers_do_what_the_map_says() {
        let x = array![[1.0, -2.0], [3.0, 0.0], [5.0, 4.0]];
        let s = FittedScaler::fit(Scale::Standard, x.view())
            .expect("fit")
            .transform(x.view());
        for c in 0..2 {
            let col = s.column(c);
            assert!(col.mean().expect("mean").abs() < 1e-12);
            assert!((col.std(0.0) - 1.0).abs() < 1e-12);
        }
        let m = FittedScaler::fit(Scale::MinMax, x.view())
            .expect("fit")
            .transform(x.view());
        assert_eq!(m.column(0).to_vec(), vec![0.0, 0.5, 1.0]);
        let a = FittedScaler::fit(Scale::MaxAbs, x.view())
            .expect("fit")
            .transform(x.view());
        assert_eq!(a.column(1).to_vec(), vec![-0.5, 0.0, 1.0]);
        let z = array![[3.0, 4.0], [0.0, 0.0]];
        let n = FittedScaler::fit(Scale::Normalize, z.view())
            .expect("fit")
            .transform(z.view());
        assert_eq!(n.row(0).to_vec(), vec![0.6, 0.8]);
        assert_eq!(n.row(1).to_vec(), vec![0.0, 0.0], "zero rows stay zero");
    }

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

    #[test]
    fn pca_matches_sklearn_on_iris() {
        // The reference figures (tests/reference/sklearn_reference.json):
        // PCA(svd_solver="full").fit(iris).explained_variance_ratio_[:3]
        let text = include_str!("../../datasets/iris.csv");
        let rows: Vec<Vec<f64>> = text
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .take(4)
                    .map(|v| v.parse().expect("number"))
                    .collect()
            })
            .collect();
        let x = Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j]);
        let r = pca(x.view(), 3).expect("pca");
        let want = [0.924618723202, 0.0530664831171, 0.0171026098079];
        for (got, want) in r.explained_variance_ratio.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        // Projections are centred and uncorrelated.
        let c0 = r.projection.column(0);
        let c1 = r.projection.column(1);
        assert!(c0.sum().abs() < 1e-9);
        assert!(c0.dot(&c1).abs() < 1e-6);
    }

    #[test]
    fn orthogonal_iteration_agrees_with_jacobi() {
        let x = Array2::from_shape_fn((60, 12), |(i, j)| {
            (((i * 31 + j * 17) % 23) as f64).sin() * (j as f64 + 1.0)
        });
        let mean = x.mean_axis(Axis(0)).expect("mean");
        let xc = &x - &mean;
        let (big, _) = top_eigen(&xc, 2);
        let cov = xc.t().dot(&xc) / 59.0;
        let (mut all, _) = jacobi_eigen(cov);
        all.sort_by(|a, b| b.total_cmp(a));
        assert!(
            (big[0] - all[0]).abs() < 1e-6 * all[0],
            "{} vs {}",
            big[0],
            all[0]
        );
        assert!(
            (big[1] - all[1]).abs() < 1e-6 * all[0],
            "{} vs {}",
            big[1],
            all[1]
        );
    }

    #[test]
    fn pca_explains_variance_in_order() {
        let x = array![
            [2.0, 0.0, 1.0],
            [0.0, 1.0, 0.5],
            [4.0, 1.0, 2.0],
            [6.0, 0.0, 3.1],
            [1.0, 2.0, 0.4]
        ];
        let r = pca(x.view(), 2).expect("pca");
        assert_eq!(r.projection.dim(), (5, 2));
        assert!(r.explained_variance_ratio[0] >= r.explained_variance_ratio[1]);
        assert!(r.explained_variance_ratio.iter().sum::<f64>() <= 1.0 + 1e-9);
        assert!(pca(x.view(), 4).is_err());
    }
}
