//! [`fit_lbfgs_sparse`]: the same objective, model and L-BFGS as
//! [`super::fit_lbfgs`], on CSR rows (vectorised text). Each evaluation
//! touches only the stored entries: `O(nnz x k)` instead of `O(n x p x k)`,
//! and no dense copy of `X` is made.
//!
//! Internally the weights are laid out per feature (`p x k`, so one word's
//! `k` weights are adjacent while walking a row's entries); the result is
//! turned into the shared [`LogisticModel`] (k x p) at the end. L-BFGS does
//! not depend on the order of the coordinates, so the iterates are those of
//! the dense fit up to rounding.

use ndarray::Array2;

use super::{model_from_theta, sigmoid, softplus, LbfgsParams, LogisticModel};
use crate::algos::core::{AlgoError, Progress};
use crate::algos::optim::lbfgs;
use crate::data::sparse::Csr;

fn validate(x: &Csr, y: &[usize], n_classes: usize) -> Result<(), AlgoError> {
    if x.nrows() != y.len() {
        return Err(AlgoError::BadData(format!(
            "x has {} rows but y has {} labels",
            x.nrows(),
            y.len()
        )));
    }
    if x.nrows() == 0 {
        return Err(AlgoError::BadData("no training rows".into()));
    }
    if n_classes < 2 {
        return Err(AlgoError::BadData(format!(
            "logistic regression needs at least 2 classes, got n_classes = {n_classes}"
        )));
    }
    if let Some((i, &c)) = y.iter().enumerate().find(|(_, &c)| c >= n_classes) {
        return Err(AlgoError::BadData(format!(
            "label {c} at row {i} is out of range 0..{n_classes}"
        )));
    }
    if x.values().iter().any(|v| !v.is_finite()) {
        return Err(AlgoError::BadData("a feature is NaN or infinite".into()));
    }
    let first = y[0];
    if y.iter().all(|&c| c == first) {
        return Err(AlgoError::BadData(format!(
            "y contains only class {first}; logistic regression needs samples of at least 2 classes"
        )));
    }
    Ok(())
}

struct SparseEngine<'a> {
    x: &'a Csr,
    y: &'a [usize],
    k: usize,
    binary: bool,
    fit_intercept: bool,
    alpha: f64,
    z: Vec<f64>,
}

impl SparseEngine<'_> {
    fn dim(&self) -> usize {
        self.k * self.x.ncols() + if self.fit_intercept { self.k } else { 0 }
    }

    /// Mean objective and its gradient; `theta = [W^T (p x k), b (k)]`.
    fn eval(&mut self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (n, p, k) = (self.x.nrows(), self.x.ncols(), self.k);
        let kp = k * p;
        grad.fill(0.0);
        let mut loss = 0.0;
        let z = &mut self.z;
        for (i, &yi) in self.y.iter().enumerate().take(n) {
            let (ix, v) = self.x.row(i);
            if self.fit_intercept {
                z.copy_from_slice(&theta[kp..kp + k]);
            } else {
                z.fill(0.0);
            }
            for (&j, &val) in ix.iter().zip(v) {
                let w = &theta[j * k..j * k + k];
                for (zr, wr) in z.iter_mut().zip(w) {
                    *zr += val * wr;
                }
            }
            if self.binary {
                let t = z[0];
                let target = if yi == 1 { 1.0 } else { 0.0 };
                loss += softplus(t) - target * t;
                z[0] = sigmoid(t) - target;
            } else {
                let zy = z[yi];
                let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut sum = 0.0;
                for zr in z.iter_mut() {
                    *zr = (*zr - m).exp();
                    sum += *zr;
                }
                loss += m + sum.ln() - zy;
                let inv = 1.0 / sum;
                for zr in z.iter_mut() {
                    *zr *= inv;
                }
                z[yi] -= 1.0;
            }
            for (&j, &val) in ix.iter().zip(v) {
                let g = &mut grad[j * k..j * k + k];
                for (gr, zr) in g.iter_mut().zip(z.iter()) {
                    *gr += val * zr;
                }
            }
            if self.fit_intercept {
                for (gr, zr) in grad[kp..].iter_mut().zip(z.iter()) {
                    *gr += zr;
                }
            }
        }
        let inv_n = 1.0 / n as f64;
        let mut w2 = 0.0;
        for (g, t) in grad[..kp].iter_mut().zip(&theta[..kp]) {
            *g = *g * inv_n + self.alpha * t;
            w2 += t * t;
        }
        for g in grad[kp..].iter_mut() {
            *g *= inv_n;
        }
        loss * inv_n + 0.5 * self.alpha * w2
    }
}

/// scikit-learn's L2-penalised logistic regression by L-BFGS on sparse rows
/// (see the module docs of [`super`]). Reports `F / n` as metric "loss".
pub fn fit_lbfgs_sparse(
    x: &Csr,
    y: &[usize],
    n_classes: usize,
    params: &LbfgsParams,
    progress: &mut Progress<'_>,
) -> Result<LogisticModel, AlgoError> {
    params.check()?;
    validate(x, y, n_classes)?;
    let (n, p) = (x.nrows(), x.ncols());
    let binary = n_classes == 2;
    let k = if binary { 1 } else { n_classes };
    let mut eng = SparseEngine {
        x,
        y,
        k,
        binary,
        fit_intercept: params.fit_intercept,
        alpha: 1.0 / (params.c * n as f64),
        z: vec![0.0; k],
    };
    let opts = lbfgs::Options {
        memory: params.memory,
        max_iter: params.max_iter,
        gtol: params.tol,
        ..lbfgs::Options::default()
    };
    let max_iter = params.max_iter;
    let theta_t = lbfgs::minimize(
        vec![0.0; eng.dim()],
        &opts,
        |theta, grad| {
            let f = eng.eval(theta, grad);
            if f.is_finite() {
                Ok(f)
            } else {
                Err(AlgoError::Failed("the objective overflowed".into()))
            }
        },
        |it| progress.report(it.iter, max_iter, "loss", it.f),
    )?
    .x;
    // p x k -> k x p, then the shared model layout.
    let kp = k * p;
    let mut theta = vec![0.0; theta_t.len()];
    let wt = Array2::from_shape_vec((p, k), theta_t[..kp].to_vec())
        .map_err(|e| AlgoError::Failed(format!("internal shape error: {e}")))?;
    for (dst, src) in theta[..kp].iter_mut().zip(wt.t().iter()) {
        *dst = *src;
    }
    theta[kp..].copy_from_slice(&theta_t[kp..]);
    Ok(model_from_theta(
        &theta,
        k,
        p,
        n_classes,
        binary,
        params.fit_intercept,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algos::logistic::fit_lbfgs;
    use crate::rng::rng;
    use rand::Rng;

    /// The sparse fit reaches the dense fit's model on the same data (a
    /// random sparse matrix with three classes, and with two).
    #[test]
    fn sparse_fit_equals_dense_fit() {
        let mut r = rng(7);
        let (n, p) = (60, 25);
        let mut dense = Array2::<f64>::zeros((n, p));
        let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
        let mut y = Vec::new();
        for i in 0..n {
            let c = i % 3;
            y.push(c);
            for j in 0..p {
                if r.gen::<f64>() < 0.2 || j == c * 5 {
                    let v = r.gen::<f64>() + if j == c * 5 { 1.0 } else { 0.0 };
                    dense[(i, j)] = v;
                    indices.push(j);
                    data.push(v);
                }
            }
            indptr.push(indices.len());
        }
        let x = Csr::try_new(n, p, indptr, indices, data).expect("csr");
        for classes in [3usize, 2] {
            let yy: Vec<usize> = y.iter().map(|&c| c.min(classes - 1)).collect();
            let params = LbfgsParams::default();
            let a = fit_lbfgs(
                dense.view(),
                &yy,
                classes,
                &params,
                0,
                &mut Progress::none(),
            )
            .expect("dense");
            let b =
                fit_lbfgs_sparse(&x, &yy, classes, &params, &mut Progress::none()).expect("sparse");
            let diff = (&a.weights - &b.weights)
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(diff < 1e-5, "{classes} classes: weights differ by {diff}");
            let bdiff = (&a.intercept - &b.intercept)
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(bdiff < 1e-5, "intercepts differ by {bdiff}");
        }
    }

    #[test]
    fn bad_sparse_data_is_an_error() {
        let x = Csr::try_new(2, 2, vec![0, 1, 2], vec![0, 1], vec![1.0, 1.0]).expect("csr");
        let p = LbfgsParams::default();
        assert!(fit_lbfgs_sparse(&x, &[0, 0], 2, &p, &mut Progress::none()).is_err());
        assert!(fit_lbfgs_sparse(&x, &[0], 2, &p, &mut Progress::none()).is_err());
        assert!(fit_lbfgs_sparse(&x, &[0, 5], 2, &p, &mut Progress::none()).is_err());
    }
}
