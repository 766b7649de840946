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
//!
//! Speed: one pass over each row's stored entries computes its scores, loss
//! and gradient contribution (no `n x k` temporary); two classes keep one
//! weight vector (scikit-learn's binary model), and one `exp` and one
//! `ln_1p` per row give both the softplus loss and the sigmoid. Above about
//! 4M multiply-adds an evaluation cuts the rows into up to 8 chunks (their
//! number depends only on the data's shape), which the cores take one by
//! one; the chunk sums are added in chunk order, so a fit is the same on
//! any number of threads.

use ndarray::Array2;

use super::{model_from_theta, LbfgsParams, LogisticModel};
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

/// Multiply-adds (stored entries x score columns) below which one
/// evaluation runs as one chunk on the calling thread.
const SPARSE_CHUNK_WORK: usize = 1 << 22;
/// At most this many chunks per evaluation.
const MAX_CHUNKS: usize = 8;
/// Bytes of per-chunk gradient buffers allowed (wide text vocabularies get
/// fewer chunks).
const CHUNK_BUFFER_BYTES: usize = 64 << 20;

/// Number of row chunks of one evaluation: a function of the data's shape
/// alone (stored entries, score columns, parameter count), never of the
/// machine, so the chunk sums, added in chunk order, are the same whatever
/// the number of threads. One chunk is the plain sequential sum.
fn n_chunks(nnz: usize, n_rows: usize, k: usize, dim: usize) -> usize {
    let by_work = nnz.saturating_mul(k) / SPARSE_CHUNK_WORK;
    let by_memory = CHUNK_BUFFER_BYTES / (dim.max(1) * std::mem::size_of::<f64>());
    by_work.min(by_memory).min(MAX_CHUNKS).min(n_rows).max(1)
}

fn n_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, MAX_CHUNKS)
}

struct SparseEngine<'a> {
    x: &'a Csr,
    y: &'a [usize],
    k: usize,
    binary: bool,
    fit_intercept: bool,
    alpha: f64,
    /// Row ranges of the chunks, in order.
    chunks: Vec<std::ops::Range<usize>>,
    /// Gradient sums of chunks 1.. (chunk 0 sums straight into `grad`).
    partial: Vec<Vec<f64>>,
    threads: usize,
}

impl SparseEngine<'_> {
    fn new<'a>(
        x: &'a Csr,
        y: &'a [usize],
        k: usize,
        binary: bool,
        fit_intercept: bool,
        alpha: f64,
    ) -> SparseEngine<'a> {
        let n = x.nrows();
        let dim = k * x.ncols() + if fit_intercept { k } else { 0 };
        let c = n_chunks(x.nnz(), n, k, dim);
        let chunks: Vec<_> = (0..c).map(|i| i * n / c..(i + 1) * n / c).collect();
        SparseEngine {
            x,
            y,
            k,
            binary,
            fit_intercept,
            alpha,
            partial: vec![vec![0.0; dim]; c - 1],
            chunks,
            threads: n_threads(),
        }
    }

    fn dim(&self) -> usize {
        self.k * self.x.ncols() + if self.fit_intercept { self.k } else { 0 }
    }

    /// Loss sum of the rows `rows`; their gradient sums are added to
    /// `grad` (`[W^T (p x k), b (k)]`, unscaled).
    fn eval_rows(&self, theta: &[f64], rows: std::ops::Range<usize>, grad: &mut [f64]) -> f64 {
        let (p, k) = (self.x.ncols(), self.k);
        let kp = k * p;
        let mut loss = 0.0;
        if self.binary {
            // One score per row (scikit-learn's binary model); one `exp` and
            // one `ln_1p` give both the softplus loss and the sigmoid.
            let b = if self.fit_intercept { theta[kp] } else { 0.0 };
            let mut gb = 0.0;
            for (i, &yi) in rows.clone().zip(&self.y[rows]) {
                let (ix, v) = self.x.row(i);
                let mut t = b;
                for (&j, &val) in ix.iter().zip(v) {
                    t += val * theta[j];
                }
                let target = if yi == 1 { 1.0 } else { 0.0 };
                let e = (-t.abs()).exp();
                let softplus = if t > 0.0 { t + e.ln_1p() } else { e.ln_1p() };
                loss += softplus - target * t;
                let sig = if t >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                let r = sig - target;
                for (&j, &val) in ix.iter().zip(v) {
                    grad[j] += val * r;
                }
                gb += r;
            }
            if self.fit_intercept {
                grad[kp] += gb;
            }
            return loss;
        }
        let mut z = vec![0.0; k];
        for (i, &yi) in rows.clone().zip(&self.y[rows]) {
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
        loss
    }

    /// Mean objective and its gradient; `theta = [W^T (p x k), b (k)]`.
    ///
    /// The rows are cut into [`n_chunks`] chunks; chunks run on up to
    /// `available_parallelism` threads (each takes the next chunk left), and
    /// their loss and gradient sums are added in chunk order.
    fn eval(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, AlgoError> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Mutex;

        let n = self.x.nrows();
        let kp = self.k * self.x.ncols();
        grad.fill(0.0);
        let mut losses = vec![0.0; self.chunks.len()];
        let threads = self.threads.min(self.chunks.len());
        let mut partial = std::mem::take(&mut self.partial);
        if threads <= 1 {
            losses[0] = self.eval_rows(theta, self.chunks[0].clone(), grad);
            for ((c, buf), l) in partial.iter_mut().enumerate().zip(&mut losses[1..]) {
                buf.fill(0.0);
                *l = self.eval_rows(theta, self.chunks[c + 1].clone(), buf);
            }
        } else {
            // Slot c holds chunk c's gradient buffer and, once done, its loss.
            let slots: Vec<Mutex<(&mut [f64], f64)>> = std::iter::once(&mut *grad)
                .chain(partial.iter_mut().map(|b| b.as_mut_slice()))
                .map(|b| Mutex::new((b, 0.0)))
                .collect();
            let next = AtomicUsize::new(0);
            let this = &*self;
            let work = || -> bool {
                loop {
                    let c = next.fetch_add(1, Ordering::SeqCst);
                    if c >= slots.len() {
                        return true;
                    }
                    let Ok(mut slot) = slots[c].lock() else {
                        return false;
                    };
                    let (buf, loss) = &mut *slot;
                    if c > 0 {
                        buf.fill(0.0);
                    }
                    *loss = this.eval_rows(theta, this.chunks[c].clone(), buf);
                }
            };
            let ok = std::thread::scope(|s| {
                let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
                let mut ok = work();
                for h in helpers {
                    ok &= h.join().unwrap_or(false);
                }
                ok
            });
            let done: Vec<Option<f64>> = slots
                .into_iter()
                .map(|m| m.into_inner().ok().map(|(_, v)| v))
                .collect();
            for (l, v) in losses.iter_mut().zip(&done) {
                *l = v.unwrap_or(f64::NAN);
            }
            if !ok || done.iter().any(Option::is_none) {
                self.partial = partial;
                return Err(AlgoError::Failed("a worker thread failed".into()));
            }
        }
        for buf in &partial {
            for (g, b) in grad.iter_mut().zip(buf) {
                *g += b;
            }
        }
        self.partial = partial;
        let loss: f64 = losses.iter().sum();
        let inv_n = 1.0 / n as f64;
        let mut w2 = 0.0;
        for (g, t) in grad[..kp].iter_mut().zip(&theta[..kp]) {
            *g = *g * inv_n + self.alpha * t;
            w2 += t * t;
        }
        for g in grad[kp..].iter_mut() {
            *g *= inv_n;
        }
        Ok(loss * inv_n + 0.5 * self.alpha * w2)
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
    let mut eng = SparseEngine::new(
        x,
        y,
        k,
        binary,
        params.fit_intercept,
        1.0 / (params.c * n as f64),
    );
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
            let f = eng.eval(theta, grad)?;
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

    /// Cut into chunks, an evaluation gives the same bits on one thread
    /// and on several, and the one-chunk sums up to rounding.
    #[test]
    fn chunked_eval_is_the_same_on_any_number_of_threads() {
        let mut r = rng(3);
        let (n, p) = (301, 17);
        let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
        for _ in 0..n {
            for j in 0..p {
                if r.gen::<f64>() < 0.3 {
                    indices.push(j);
                    data.push(r.gen::<f64>() * 4.0 - 2.0);
                }
            }
            indptr.push(indices.len());
        }
        let x = Csr::try_new(n, p, indptr, indices, data).expect("csr");
        assert_eq!(n_chunks(x.nnz(), n, 3, 3 * p + 3), 1);
        assert_eq!(n_chunks(40_000_000, 1_000_000, 1, 228), MAX_CHUNKS);
        assert_eq!(n_chunks(40_000_000, 1_000_000, 1, 20_000_000), 1);
        for classes in [2usize, 3] {
            let k = if classes == 2 { 1 } else { classes };
            let y: Vec<usize> = (0..n).map(|i| (i * 7 + i / 5) % classes).collect();
            let engine = |chunks: usize, threads: usize| {
                let mut e = SparseEngine::new(&x, &y, k, classes == 2, true, 0.01);
                e.chunks = (0..chunks)
                    .map(|c| c * n / chunks..(c + 1) * n / chunks)
                    .collect();
                e.partial = vec![vec![0.0; e.dim()]; chunks - 1];
                e.threads = threads;
                e
            };
            let dim = engine(1, 1).dim();
            let theta: Vec<f64> = (0..dim).map(|_| r.gen::<f64>() - 0.5).collect();
            let eval = |mut e: SparseEngine<'_>| {
                let mut g = vec![0.0; dim];
                let f = e.eval(&theta, &mut g).expect("eval");
                // Twice: the reused buffers must not carry the last sums.
                let f2 = e.eval(&theta, &mut g).expect("eval");
                assert_eq!(f.to_bits(), f2.to_bits());
                (f, g)
            };
            let (f1, g1) = eval(engine(1, 1));
            let (fa, ga) = eval(engine(5, 1));
            let (fb, gb) = eval(engine(5, 4));
            assert_eq!(fa.to_bits(), fb.to_bits(), "{classes} classes");
            assert_eq!(ga, gb);
            assert!((fa - f1).abs() <= 1e-12 * f1.abs());
            let gdiff = ga
                .iter()
                .zip(&g1)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                gdiff < 1e-12,
                "{classes} classes: gradients differ by {gdiff}"
            );
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
