//! Linear SVM by dual coordinate descent, as liblinear (Hsieh, Chang, Lin,
//! Keerthi and Sundararajan, "A dual coordinate descent method for
//! large-scale linear SVM", ICML 2008) and scikit-learn's `LinearSVC`
//! defaults: L2-regularised squared-hinge loss
//! `min_w 1/2 |w|^2 + C sum_i max(0, 1 - y_i w.x_i)^2`, solved in the dual
//! (`0 <= alpha_i`, diagonal `D_ii = 1/(2C)`), coordinates in a random order
//! each pass, with liblinear's shrinking and stopping rule (projected
//! gradient spread `<= tol`, default 1e-4 like `LinearSVC`'s `tol`).
//!
//! The intercept is liblinear's: a constant feature of value 1 appended to
//! every row (so it is penalised like the weights, `intercept_scaling = 1`).
//! Several classes: one-vs-rest, one binary problem per class (as
//! `LinearSVC`); two classes: one problem, class 1 positive.
//!
//! A separate algorithm from the kernel `svm` (libsvm's SMO): it never forms
//! kernel rows, each update costs one sparse row, and the weights `w` are
//! kept explicitly, so it scales to text corpora of any vocabulary size.
//! It takes dense rows too.

use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;

use super::algorithm::{
    float, int, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec, ParamValues,
    SparseFitData, Task, TrainClassifier,
};
use super::core::{rng, AlgoError, Classifier, Progress};
use crate::data::sparse::Csr;

/// Row access the solver needs, for dense and sparse rows alike.
trait Rows {
    fn n(&self) -> usize;
    fn dim(&self) -> usize;
    fn dot(&self, i: usize, w: &[f64]) -> f64;
    /// `w += a * x_i`
    fn axpy(&self, i: usize, a: f64, w: &mut [f64]);
    fn sq(&self, i: usize) -> f64;
}

impl Rows for Csr {
    fn n(&self) -> usize {
        self.nrows()
    }
    fn dim(&self) -> usize {
        self.ncols()
    }
    fn dot(&self, i: usize, w: &[f64]) -> f64 {
        self.row_dot(i, w)
    }
    fn axpy(&self, i: usize, a: f64, w: &mut [f64]) {
        let (ix, v) = self.row(i);
        for (&j, &x) in ix.iter().zip(v) {
            w[j] += a * x;
        }
    }
    fn sq(&self, i: usize) -> f64 {
        self.row(i).1.iter().map(|x| x * x).sum()
    }
}

impl Rows for ArrayView2<'_, f64> {
    fn n(&self) -> usize {
        self.nrows()
    }
    fn dim(&self) -> usize {
        self.ncols()
    }
    fn dot(&self, i: usize, w: &[f64]) -> f64 {
        self.row(i).iter().zip(w).map(|(x, w)| x * w).sum()
    }
    fn axpy(&self, i: usize, a: f64, w: &mut [f64]) {
        for (wj, x) in w.iter_mut().zip(self.row(i)) {
            *wj += a * x;
        }
    }
    fn sq(&self, i: usize) -> f64 {
        self.row(i).iter().map(|x| x * x).sum()
    }
}

/// Parameters of [`fit`]. Defaults as `LinearSVC`: `c = 1`, `max_iter =
/// 1000`, `tol = 1e-4`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSvmParams {
    pub c: f64,
    pub max_iter: usize,
    pub tol: f64,
}

impl Default for LinearSvmParams {
    fn default() -> Self {
        LinearSvmParams {
            c: 1.0,
            max_iter: 1000,
            tol: 1e-4,
        }
    }
}

/// A fitted linear SVM: one score row per problem (`w`, then the
/// intercept).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSvmModel {
    /// problems x n_features.
    pub weights: Array2<f64>,
    pub intercept: Vec<f64>,
    n_classes: usize,
}

/// One binary problem (`positive[i]` says y_i = +1): weights and bias, and
/// the number of passes made.
fn solve_binary<R: Rows>(
    x: &R,
    positive: &[bool],
    sq: &[f64],
    p: &LinearSvmParams,
    seed: u64,
) -> (Vec<f64>, f64, usize) {
    let l = x.n();
    let diag = 0.5 / p.c;
    let mut w = vec![0.0; x.dim()];
    let mut b = 0.0;
    let mut alpha = vec![0.0; l];
    let qd: Vec<f64> = sq.iter().map(|s| s + 1.0 + diag).collect();
    let mut index: Vec<usize> = (0..l).collect();
    let mut active = l;
    // (With the squared hinge there is no upper bound on alpha, so only
    // liblinear's PGmax_old takes part in shrinking.)
    let mut pg_max_old = f64::INFINITY;
    let mut r = rng(seed);
    let mut iter = 0;
    while iter < p.max_iter {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        index[..active].shuffle(&mut r);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let yi = if positive[i] { 1.0 } else { -1.0 };
            let g = yi * (x.dot(i, &w) + b) - 1.0 + diag * alpha[i];
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * yi;
                x.axpy(i, d, &mut w);
                b += d;
            }
            s += 1;
        }
        iter += 1;
        if pg_max - pg_min <= p.tol {
            if active == l {
                break;
            }
            active = l;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
    }
    (w, b, iter)
}

fn fit_rows<R: Rows>(
    x: &R,
    y: &[usize],
    n_classes: usize,
    p: &LinearSvmParams,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<LinearSvmModel, AlgoError> {
    if !(p.c.is_finite() && p.c > 0.0) {
        return Err(AlgoError::param("c", format!("must be > 0, got {}", p.c)));
    }
    if !(p.tol.is_finite() && p.tol > 0.0) || p.max_iter == 0 {
        return Err(AlgoError::param("tol", "tol must be > 0 and max_iter >= 1"));
    }
    if x.n() != y.len() || x.n() == 0 {
        return Err(AlgoError::BadData(format!(
            "{} rows of features but {} labels",
            x.n(),
            y.len()
        )));
    }
    if n_classes < 2 || y.iter().any(|&c| c >= n_classes) {
        return Err(AlgoError::BadData(format!(
            "labels must be in 0..{n_classes} with at least 2 classes"
        )));
    }
    let first = y[0];
    if y.iter().all(|&c| c == first) {
        return Err(AlgoError::BadData(format!(
            "y contains only class {first}; an SVM needs samples of at least 2 classes"
        )));
    }
    let sq: Vec<f64> = (0..x.n()).map(|i| x.sq(i)).collect();
    if sq.iter().any(|v| !v.is_finite()) {
        return Err(AlgoError::BadData("a feature is NaN or infinite".into()));
    }
    let problems: Vec<usize> = if n_classes == 2 {
        vec![1]
    } else {
        (0..n_classes).collect()
    };
    let mut weights = Array2::zeros((problems.len(), x.dim()));
    let mut intercept = Vec::with_capacity(problems.len());
    for (k, &c) in problems.iter().enumerate() {
        let positive: Vec<bool> = y.iter().map(|&l| l == c).collect();
        let (w, b, iters) = solve_binary(x, &positive, &sq, p, seed.wrapping_add(k as u64));
        weights
            .row_mut(k)
            .assign(&ndarray::ArrayView1::from(&w[..]));
        intercept.push(b);
        progress.report(k + 1, problems.len(), "passes", iters as f64)?;
    }
    Ok(LinearSvmModel {
        weights,
        intercept,
        n_classes,
    })
}

/// Fit on dense rows.
pub fn fit(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    p: &LinearSvmParams,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<LinearSvmModel, AlgoError> {
    fit_rows(&x, y, n_classes, p, seed, progress)
}

/// Fit on sparse rows (text), never densified.
pub fn fit_sparse(
    x: &Csr,
    y: &[usize],
    n_classes: usize,
    p: &LinearSvmParams,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<LinearSvmModel, AlgoError> {
    fit_rows(x, y, n_classes, p, seed, progress)
}

impl LinearSvmModel {
    /// Class scores (n_rows x n_classes): decision values; a binary model's
    /// single value `s` is shown as `[-s, s]`.
    fn decision<R: Rows>(&self, x: &R) -> Option<Array2<f64>> {
        if x.dim() != self.weights.ncols() {
            return None;
        }
        let mut z = Array2::zeros((x.n(), self.n_classes));
        for (i, mut out) in z.rows_mut().into_iter().enumerate() {
            for (k, w) in self.weights.rows().into_iter().enumerate() {
                let s = w
                    .as_slice()
                    .map_or(0.0, |w| x.dot(i, w) + self.intercept[k]);
                if self.n_classes == 2 {
                    out[0] = -s;
                    out[1] = s;
                } else {
                    out[k] = s;
                }
            }
        }
        Some(z)
    }

    fn argmax(z: Array2<f64>) -> Vec<usize> {
        z.rows()
            .into_iter()
            .map(|r| {
                let mut best = 0;
                for (j, &v) in r.iter().enumerate() {
                    if v > r[best] {
                        best = j;
                    }
                }
                best
            })
            .collect()
    }
}

impl Classifier for LinearSvmModel {
    fn n_features(&self) -> usize {
        self.weights.ncols()
    }
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        self.decision(&x).map(Self::argmax).unwrap_or_default()
    }
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        self.decision(&x)
    }
    fn predict_sparse(&self, x: &Csr) -> Option<Vec<usize>> {
        self.decision(x).map(Self::argmax)
    }
    fn scores_sparse(&self, x: &Csr) -> Option<Array2<f64>> {
        self.decision(x)
    }
    fn feature_weights(&self) -> Option<Array2<f64>> {
        if self.n_classes == 2 {
            let w = self.weights.row(0);
            let mut out = Array2::zeros((2, w.len()));
            out.row_mut(0).assign(&w.mapv(|v| -v));
            out.row_mut(1).assign(&w);
            Some(out)
        } else {
            Some(self.weights.clone())
        }
    }
}

// ---------------------------------------------------------------------------
// The registry's view.
// ---------------------------------------------------------------------------

pub const C: ParamSpec = float(
    "c",
    0.0,
    1e9,
    true,
    "1",
    "penalty C on the squared hinge losses",
);
pub const MAX_ITER: ParamSpec = int(
    "max_iter",
    1,
    1_000_000,
    "1000",
    "passes over the data per binary problem",
);

/// The linear SVM in the registry.
pub struct LinearSvm;

impl Algorithm for LinearSvm {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "linear-svm",
        title: "Linear SVM (dual coordinate descent, as liblinear)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-svm has no liblinear-style linear solver; the kernel SMO solver is far slower on sparse text",
        topics: &["svm", "text-classification"],
        params: &[C, MAX_ITER],
    };
    type Params = LinearSvmParams;
    fn params(v: &ParamValues) -> Result<LinearSvmParams, ParamError> {
        Ok(LinearSvmParams {
            c: v.float(&C)?,
            max_iter: v.usize(&MAX_ITER)?,
            ..LinearSvmParams::default()
        })
    }
}

impl TrainClassifier for LinearSvmParams {
    fn fit(
        &self,
        d: FitData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit(d.x, d.y, d.n_classes, self, seed, progress)?))
    }
    fn accepts_sparse(&self) -> bool {
        true
    }
    fn fit_sparse(
        &self,
        d: SparseFitData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_sparse(
            d.x,
            d.y,
            d.n_classes,
            self,
            seed,
            progress,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_points_are_separated_and_dense_equals_sparse() {
        // two clusters on a line plus an irrelevant feature
        let x = ndarray::array![
            [0.0, 1.0, 0.0],
            [0.2, 0.0, 0.0],
            [0.1, 1.0, 0.0],
            [2.0, 0.0, 1.0],
            [2.2, 1.0, 1.0],
            [1.9, 0.0, 1.0]
        ];
        let y = [0, 0, 0, 1, 1, 1];
        let p = LinearSvmParams::default();
        let m = fit(x.view(), &y, 2, &p, 0, &mut Progress::none()).expect("fit");
        assert_eq!(m.predict(x.view()), y.to_vec());
        let (mut indptr, mut ind, mut val) = (vec![0], Vec::new(), Vec::new());
        for r in x.rows() {
            for (j, &v) in r.iter().enumerate() {
                if v != 0.0 {
                    ind.push(j);
                    val.push(v);
                }
            }
            indptr.push(ind.len());
        }
        let xs = Csr::try_new(6, 3, indptr, ind, val).expect("csr");
        let ms = fit_sparse(&xs, &y, 2, &p, 0, &mut Progress::none()).expect("fit");
        assert_eq!(m, ms);
        let w = m.feature_weights().expect("weights");
        assert!(w[(1, 0)] > 0.0 && w[(0, 0)] < 0.0);
    }

    #[test]
    fn three_classes_one_vs_rest_and_bad_input() {
        let x = ndarray::array![
            [1.0, 0.0],
            [0.9, 0.1],
            [0.0, 1.0],
            [0.1, 0.9],
            [-1.0, -1.0],
            [-0.9, -1.1]
        ];
        let y = [0, 0, 1, 1, 2, 2];
        let m = fit(
            x.view(),
            &y,
            3,
            &LinearSvmParams::default(),
            1,
            &mut Progress::none(),
        )
        .expect("fit");
        assert_eq!(m.weights.nrows(), 3);
        assert_eq!(m.predict(x.view()), y.to_vec());
        let p = LinearSvmParams::default();
        assert!(fit(x.view(), &[0; 6], 3, &p, 0, &mut Progress::none()).is_err());
        assert!(fit(x.view(), &[0, 1], 2, &p, 0, &mut Progress::none()).is_err());
        let bad = LinearSvmParams { c: 0.0, ..p };
        assert!(fit(x.view(), &y, 3, &bad, 0, &mut Progress::none()).is_err());
    }
}
