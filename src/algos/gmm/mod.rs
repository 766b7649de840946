//! Gaussian mixture model fitted by expectation–maximisation, following
//! scikit-learn's `GaussianMixture(init_params="kmeans")` (scikit-learn 1.7,
//! `sklearn/mixture/_gaussian_mixture.py` and `_base.py`; Bishop, *Pattern
//! Recognition and Machine Learning*, §9.2).
//!
//! * Initialisation: responsibilities are the one-hot labels of a k-means
//!   fit (our [`kmeans`], one k-means++ restart, seeded),
//!   followed by an M-step.
//! * Each iteration: E-step (log-responsibilities by log-sum-exp; the mean
//!   log-likelihood per sample is reported as "log-likelihood", which is
//!   scikit-learn's `lower_bound_`), then M-step (weights, means, and
//!   covariances plus `reg_covar` on the diagonal). Stops when the
//!   mean log-likelihood changes by less than `tol`, or after `max_iter`
//!   iterations. With `n_init > 1` the restart with the highest final value
//!   wins. A last E-step gives the training labels.
//! * Covariance types: `Full` (one full matrix per component, through its
//!   Cholesky factor `Σ = L Lᵀ`; the Mahalanobis term is `‖L⁻¹(x − μ)‖²`)
//!   and `Diag` (one variance per feature and component).
//! * scikit-learn adds `10·ε` to each component's responsibility sum
//!   (`nk`) to avoid dividing by zero; so do we.
//!
//! Why our own and not linfa-clustering: linfa's GaussianMixture reaches the
//! same solutions but is 2.6–4x slower than scikit-learn here (see
//! LINFA-FINDINGS), offers only full covariances, and cannot report the
//! per-iteration log-likelihood or be cancelled.
//!
//! Determinism: the k-means initialisation is seeded from `seed`; rows are
//! processed in fixed-size blocks whose partial sums are combined in block
//! order, so the result does not depend on the number of threads.

use ndarray::{Array1, Array2, Array3, ArrayView2};
use rand::Rng as _;

use super::core::{rng, AlgoError, Clusterer, Progress};
use super::kmeans::{self, check_data, check_features, dot, par_blocks, KMeansParams};

/// Shape of the component covariance matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covariance {
    /// A full `d x d` matrix per component.
    Full,
    /// A diagonal matrix (one variance per feature) per component.
    Diag,
}

/// Hyper-parameters of the Gaussian mixture (defaults as scikit-learn,
/// except `k`).
#[derive(Debug, Clone, PartialEq)]
pub struct GmmParams {
    /// Number of mixture components (>= 1, <= number of rows).
    pub k: usize,
    pub covariance: Covariance,
    /// Maximum EM iterations per initialisation (>= 1).
    pub max_iter: usize,
    /// Convergence threshold on the change of the mean log-likelihood (>= 0).
    pub tol: f64,
    /// Added to the diagonal of every covariance (>= 0), keeps them
    /// positive definite.
    pub reg_covar: f64,
    /// Number of initialisations; the best final log-likelihood wins (>= 1).
    pub n_init: usize,
}

impl Default for GmmParams {
    fn default() -> Self {
        GmmParams {
            k: 3,
            covariance: Covariance::Full,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            n_init: 1,
        }
    }
}

impl GmmParams {
    /// Validates every parameter range (the data-dependent `k <= n_rows`
    /// is checked by [`fit`]).
    pub fn check(&self) -> Result<(), AlgoError> {
        if self.k == 0 {
            return Err(AlgoError::param("k", "must be >= 1, got 0"));
        }
        if self.max_iter == 0 {
            return Err(AlgoError::param("max_iter", "must be >= 1, got 0"));
        }
        if !self.tol.is_finite() || self.tol < 0.0 {
            return Err(AlgoError::param(
                "tol",
                format!("must be a finite number >= 0, got {}", self.tol),
            ));
        }
        if !self.reg_covar.is_finite() || self.reg_covar < 0.0 {
            return Err(AlgoError::param(
                "reg_covar",
                format!("must be a finite number >= 0, got {}", self.reg_covar),
            ));
        }
        if self.n_init == 0 {
            return Err(AlgoError::param("n_init", "must be >= 1, got 0"));
        }
        Ok(())
    }
}

/// Fitted covariances, in scikit-learn's shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Covariances {
    /// `k x d x d`.
    Full(Array3<f64>),
    /// `k x d` (variances).
    Diag(Array2<f64>),
}

/// A fitted Gaussian mixture.
#[derive(Debug, Clone)]
pub struct GmmModel {
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: Covariances,
    comps: Components,
    labels: Vec<usize>,
    history: Vec<f64>,
    converged: bool,
}

impl GmmModel {
    /// Mixing weights, summing to 1.
    pub fn weights(&self) -> &Array1<f64> {
        &self.weights
    }

    /// Component means, `k x n_features`.
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }

    pub fn covariances(&self) -> &Covariances {
        &self.covariances
    }

    pub fn covariance_type(&self) -> Covariance {
        self.comps.kind
    }

    pub fn n_features(&self) -> usize {
        self.comps.d
    }

    /// Component of each training row (argmax responsibility under the
    /// final parameters).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Mean log-likelihood per sample at each iteration of the retained
    /// initialisation (evaluated at the E-step, before that iteration's
    /// M-step, as scikit-learn's `lower_bound_`).
    pub fn log_likelihood_history(&self) -> &[f64] {
        &self.history
    }

    /// Last value of the history (scikit-learn's `lower_bound_`).
    pub fn lower_bound(&self) -> f64 {
        self.history.last().copied().unwrap_or(f64::NEG_INFINITY)
    }

    /// EM iterations of the retained initialisation (`n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.history.len()
    }

    /// Whether the change of the log-likelihood fell below `tol`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Posterior probability of each component per row (`n x k`).
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, AlgoError> {
        check_features(x, self.n_features())?;
        let xs = x.as_standard_layout();
        let xs = xs
            .as_slice()
            .ok_or_else(|| AlgoError::Failed("data is not contiguous".into()))?;
        let n = x.nrows();
        let k = self.comps.k;
        let mut resp = vec![0.0; n * k];
        e_step(xs, n, &self.comps, &mut resp, false)?;
        Array2::from_shape_vec((n, k), resp).map_err(|e| AlgoError::Failed(e.to_string()))
    }

    /// Mean log-likelihood per row of `x` under the model.
    pub fn score(&self, x: ArrayView2<'_, f64>) -> Result<f64, AlgoError> {
        check_features(x, self.n_features())?;
        if x.nrows() == 0 {
            return Err(AlgoError::BadData("no rows to score".into()));
        }
        let xs = x.as_standard_layout();
        let xs = xs
            .as_slice()
            .ok_or_else(|| AlgoError::Failed("data is not contiguous".into()))?;
        let n = x.nrows();
        let mut resp = vec![0.0; n * self.comps.k];
        let e = e_step(xs, n, &self.comps, &mut resp, false)?;
        Ok(e.ll / n as f64)
    }

    /// Most probable component per row, or `BadData` on a feature mismatch.
    /// The argmax of `ln w_j + ln p_j(x)` (scikit-learn's `predict`), with
    /// no normalisation or `exp`; for full covariances the whitening
    /// `L⁻¹ x` of a block of rows is one matrix product.
    pub fn try_predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>, AlgoError> {
        check_features(x, self.n_features())?;
        let xs = x.as_standard_layout();
        let xs = xs
            .as_slice()
            .ok_or_else(|| AlgoError::Failed("data is not contiguous".into()))?;
        let lp = weighted_log_prob(xs, x.nrows(), &self.comps)?;
        Ok(lp
            .chunks_exact(self.comps.k.max(1))
            .map(|r| argmax(r.iter()))
            .collect())
    }
}

impl Clusterer for GmmModel {
    fn n_clusters(&self) -> usize {
        self.comps.k
    }

    /// Most probable component per row. Best effort: if `x` does not have
    /// the training feature count (or has non-finite values), returns an
    /// empty Vec (the registry checks shapes first; use
    /// [`GmmModel::try_predict`] for an error).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        self.try_predict(x).unwrap_or_default()
    }

    /// Sum of squared distances of rows to the mean of their most probable
    /// component; NaN on a feature mismatch.
    fn inertia(&self, x: ArrayView2<'_, f64>) -> f64 {
        match self.try_predict(x) {
            Err(_) => f64::NAN,
            Ok(labels) => x
                .rows()
                .into_iter()
                .zip(labels)
                .map(|(r, l)| {
                    r.iter()
                        .zip(self.means.row(l))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                })
                .sum(),
        }
    }
}

/// Fits a Gaussian mixture by EM. Reports `("log-likelihood", mean
/// log-likelihood per sample)` once per iteration; `iter` counts
/// iterations over all initialisations, `total = n_init * max_iter`.
pub fn fit(
    x: ArrayView2<'_, f64>,
    params: &GmmParams,
    seed: u64,
    progress: &mut Progress,
) -> Result<GmmModel, AlgoError> {
    params.check()?;
    check_data(x, params.k)?;
    let (n, d) = x.dim();
    let k = params.k;
    let xs = x.as_standard_layout();
    let xs = xs
        .as_slice()
        .ok_or_else(|| AlgoError::Failed("data is not contiguous".into()))?;
    let total = params.n_init.saturating_mul(params.max_iter);
    let mut done = 0;
    let mut seeds = rng(seed);
    let mut best: Option<(Components, Vec<f64>, bool)> = None;
    let mut resp = vec![0.0; n * k];
    for _ in 0..params.n_init {
        // Initial responsibilities: one-hot k-means labels.
        let km_params = KMeansParams {
            k,
            n_init: 1,
            ..KMeansParams::default()
        };
        let km = kmeans::fit(x, &km_params, seeds.gen::<u64>(), &mut Progress::none())?;
        resp.iter_mut().for_each(|r| *r = 0.0);
        for (i, &l) in km.labels().iter().enumerate() {
            resp[i * k + l] = 1.0;
        }
        let (nk, sumx) = moments(xs, n, d, k, &resp)?;
        let mut comps = m_step(xs, n, d, params, &resp, &nk, &sumx)?;
        let mut history = Vec::new();
        let mut converged = false;
        let mut lower = f64::NEG_INFINITY;
        for _ in 0..params.max_iter {
            let prev = lower;
            let e = e_step(xs, n, &comps, &mut resp, true)?;
            lower = e.ll / n as f64;
            history.push(lower);
            done += 1;
            progress.report(done, total, "log-likelihood", lower)?;
            comps = m_step(xs, n, d, params, &resp, &e.nk, &e.sumx)?;
            if (lower - prev).abs() < params.tol {
                converged = true;
                break;
            }
        }
        let better = match &best {
            None => true,
            Some((_, h, _)) => lower > h.last().copied().unwrap_or(f64::NEG_INFINITY),
        };
        if better {
            best = Some((comps, history, converged));
        }
    }
    let (comps, history, converged) =
        best.ok_or_else(|| AlgoError::Failed("EM produced no run".into()))?;
    // Final E-step so that the labels match the returned parameters.
    e_step(xs, n, &comps, &mut resp, false)?;
    let labels = resp.chunks_exact(k).map(|r| argmax(r.iter())).collect();
    let weights = Array1::from(comps.weights.clone());
    let means = Array2::from_shape_vec((k, d), comps.means.clone())
        .map_err(|e| AlgoError::Failed(e.to_string()))?;
    let covariances = comps.covariances()?;
    Ok(GmmModel {
        weights,
        means,
        covariances,
        comps,
        labels,
        history,
        converged,
    })
}

// ---------------------------------------------------------------------------
// Components and the two EM steps.

const LN_2PI: f64 = 1.837_877_066_409_345_5;

const ILL_DEFINED: &str = "Fitting the mixture model failed because some components have \
     ill-defined empirical covariance (for instance caused by singleton or collapsed \
     samples). Try to decrease the number of components, or increase reg_covar.";

/// Parameters of all components, in the form the E-step needs.
#[derive(Debug, Clone)]
struct Components {
    kind: Covariance,
    k: usize,
    d: usize,
    weights: Vec<f64>,
    /// `k * d`.
    means: Vec<f64>,
    /// Full: `k * d(d+1)/2`, packed lower triangle of each covariance
    /// (row by row). Diag: `k * d` variances.
    cov: Vec<f64>,
    /// Full: `k * d(d+1)/2`, packed lower triangle of `L⁻¹` where
    /// `Σ = L Lᵀ`. Diag: `k * d` precisions `1/σ²`.
    prec: Vec<f64>,
    /// `ln w_j + ln det(L⁻¹) − d/2 · ln 2π` per component.
    log_norm: Vec<f64>,
}

impl Components {
    fn packed(&self) -> usize {
        self.d * (self.d + 1) / 2
    }

    fn covariances(&self) -> Result<Covariances, AlgoError> {
        let (k, d) = (self.k, self.d);
        match self.kind {
            Covariance::Diag => Array2::from_shape_vec((k, d), self.cov.clone())
                .map(Covariances::Diag)
                .map_err(|e| AlgoError::Failed(e.to_string())),
            Covariance::Full => {
                let p = self.packed();
                let mut c = Array3::zeros((k, d, d));
                for j in 0..k {
                    for a in 0..d {
                        for b in 0..=a {
                            let v = self.cov[j * p + a * (a + 1) / 2 + b];
                            c[[j, a, b]] = v;
                            c[[j, b, a]] = v;
                        }
                    }
                }
                Ok(Covariances::Full(c))
            }
        }
    }
}

/// Result of an E-step over all rows.
struct EStep {
    /// Sum over rows of `ln p(x_i)`.
    ll: f64,
    /// Responsibility sums per component (when accumulating).
    nk: Vec<f64>,
    /// Responsibility-weighted row sums, `k * d` (when accumulating).
    sumx: Vec<f64>,
}

/// E-step: writes the responsibilities (`n * k`) and returns the summed
/// log-likelihood; with `accumulate`, also the first moments for the
/// following M-step.
fn e_step(
    x: &[f64],
    n: usize,
    c: &Components,
    resp: &mut [f64],
    accumulate: bool,
) -> Result<EStep, AlgoError> {
    let (k, d) = (c.k, c.d);
    let p = c.packed();
    let work = match c.kind {
        Covariance::Full => k * (p + d),
        Covariance::Diag => 2 * k * d,
    };
    let parts = par_blocks(n, resp, k, work, |rows, out| {
        let mut e = EStep {
            ll: 0.0,
            nk: if accumulate { vec![0.0; k] } else { Vec::new() },
            sumx: if accumulate {
                vec![0.0; k * d]
            } else {
                Vec::new()
            },
        };
        let mut diff = vec![0.0; d];
        for (lp, i) in out.chunks_exact_mut(k).zip(rows) {
            let xi = &x[i * d..(i + 1) * d];
            for (j, v) in lp.iter_mut().enumerate() {
                let mu = &c.means[j * d..(j + 1) * d];
                for ((t, a), b) in diff.iter_mut().zip(xi).zip(mu) {
                    *t = a - b;
                }
                let maha = match c.kind {
                    Covariance::Full => {
                        let linv = &c.prec[j * p..(j + 1) * p];
                        let mut m = 0.0;
                        let mut off = 0;
                        for a in 0..d {
                            let z = dot(&linv[off..off + a + 1], &diff[..a + 1]);
                            m += z * z;
                            off += a + 1;
                        }
                        m
                    }
                    Covariance::Diag => {
                        let prec = &c.prec[j * d..(j + 1) * d];
                        diff.iter().zip(prec).map(|(t, q)| t * t * q).sum()
                    }
                };
                *v = c.log_norm[j] - 0.5 * maha;
            }
            let mx = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = lp.iter().map(|v| (v - mx).exp()).sum();
            let lse = mx + s.ln();
            e.ll += lse;
            for v in lp.iter_mut() {
                *v = (*v - lse).exp();
            }
            if accumulate {
                for (j, &r) in lp.iter().enumerate() {
                    e.nk[j] += r;
                    if r != 0.0 {
                        for (s, v) in e.sumx[j * d..(j + 1) * d].iter_mut().zip(xi) {
                            *s += r * v;
                        }
                    }
                }
            }
        }
        e
    })?;
    let mut tot = EStep {
        ll: 0.0,
        nk: vec![0.0; if accumulate { k } else { 0 }],
        sumx: vec![0.0; if accumulate { k * d } else { 0 }],
    };
    for part in parts {
        tot.ll += part.ll;
        for (a, b) in tot.nk.iter_mut().zip(&part.nk) {
            *a += b;
        }
        for (a, b) in tot.sumx.iter_mut().zip(&part.sumx) {
            *a += b;
        }
    }
    if !tot.ll.is_finite() {
        return Err(AlgoError::Failed(
            "the log-likelihood is not finite (degenerate components)".into(),
        ));
    }
    Ok(tot)
}

/// `ln w_j + ln p_j(x_i)` for every row (`n * k`, row-major), as the E-step
/// computes it before normalising, but by blocks: for a full covariance,
/// `z = L⁻¹ (x − μ)` is `X L⁻ᵀ − (L⁻¹ μ)ᵀ` with `X` a block of rows, one
/// matrix product per component (ndarray's `dot`), instead of a triangular
/// loop per row. The same numbers up to rounding.
fn weighted_log_prob(x: &[f64], n: usize, c: &Components) -> Result<Vec<f64>, AlgoError> {
    let (k, d) = (c.k, c.d);
    let p = c.packed();
    // Per component: L⁻ᵀ (d x d) and L⁻¹ μ.
    let mut linv_t = Vec::new();
    let mut shift = Vec::new();
    if c.kind == Covariance::Full {
        for j in 0..k {
            let linv = &c.prec[j * p..(j + 1) * p];
            let mu = &c.means[j * d..(j + 1) * d];
            let mut t = Array2::<f64>::zeros((d, d));
            let mut b = vec![0.0; d];
            let mut off = 0;
            for a in 0..d {
                for (col, &v) in linv[off..off + a + 1].iter().enumerate() {
                    t[(col, a)] = v;
                }
                b[a] = dot(&linv[off..off + a + 1], &mu[..a + 1]);
                off += a + 1;
            }
            linv_t.push(t);
            shift.push(b);
        }
    }
    let mut out = vec![0.0; n * k];
    let work = match c.kind {
        Covariance::Full => k * (p + d),
        Covariance::Diag => 2 * k * d,
    };
    let done = par_blocks(n, &mut out, k, work, |rows, out| {
        let xb = &x[rows.start * d..rows.end * d];
        match c.kind {
            Covariance::Full => {
                let Ok(xv) = ArrayView2::from_shape((rows.len(), d), xb) else {
                    return false;
                };
                for j in 0..k {
                    let z = xv.dot(&linv_t[j]);
                    for (r, zr) in z.rows().into_iter().enumerate() {
                        let m: f64 = zr
                            .iter()
                            .zip(&shift[j])
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum();
                        out[r * k + j] = c.log_norm[j] - 0.5 * m;
                    }
                }
            }
            Covariance::Diag => {
                for (xi, lp) in xb.chunks_exact(d).zip(out.chunks_exact_mut(k)) {
                    for (j, v) in lp.iter_mut().enumerate() {
                        let mu = &c.means[j * d..(j + 1) * d];
                        let prec = &c.prec[j * d..(j + 1) * d];
                        let m: f64 = xi
                            .iter()
                            .zip(mu)
                            .zip(prec)
                            .map(|((a, b), q)| (a - b) * (a - b) * q)
                            .sum();
                        *v = c.log_norm[j] - 0.5 * m;
                    }
                }
            }
        }
        true
    })?;
    if done.iter().all(|&b| b) {
        Ok(out)
    } else {
        Err(AlgoError::Failed(
            "a block of rows has the wrong shape".into(),
        ))
    }
}

/// First moments of given responsibilities (used after the k-means init).
fn moments(
    x: &[f64],
    n: usize,
    d: usize,
    k: usize,
    resp: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), AlgoError> {
    let parts = par_blocks(n, &mut [] as &mut [u8], 0, k * d, |rows, _| {
        let mut nk = vec![0.0; k];
        let mut sumx = vec![0.0; k * d];
        for i in rows {
            let xi = &x[i * d..(i + 1) * d];
            for (j, &r) in resp[i * k..(i + 1) * k].iter().enumerate() {
                nk[j] += r;
                if r != 0.0 {
                    for (s, v) in sumx[j * d..(j + 1) * d].iter_mut().zip(xi) {
                        *s += r * v;
                    }
                }
            }
        }
        (nk, sumx)
    })?;
    let mut nk = vec![0.0; k];
    let mut sumx = vec![0.0; k * d];
    for (a, b) in parts {
        nk.iter_mut().zip(&a).for_each(|(s, v)| *s += v);
        sumx.iter_mut().zip(&b).for_each(|(s, v)| *s += v);
    }
    Ok((nk, sumx))
}

/// M-step from responsibilities and their first moments: weights, means,
/// covariances (+ `reg_covar`), and the Cholesky-based precisions.
fn m_step(
    x: &[f64],
    n: usize,
    d: usize,
    params: &GmmParams,
    resp: &[f64],
    nk_raw: &[f64],
    sumx: &[f64],
) -> Result<Components, AlgoError> {
    let k = params.k;
    let kind = params.covariance;
    let nk: Vec<f64> = nk_raw.iter().map(|v| v + 10.0 * f64::EPSILON).collect();
    let total: f64 = nk.iter().sum();
    let weights: Vec<f64> = nk.iter().map(|v| v / total).collect();
    let mut means = vec![0.0; k * d];
    for j in 0..k {
        for a in 0..d {
            means[j * d + a] = sumx[j * d + a] / nk[j];
        }
    }
    let p = d * (d + 1) / 2;
    let width = match kind {
        Covariance::Full => p,
        Covariance::Diag => d,
    };
    let means_ref = &means;
    let parts = par_blocks(n, &mut [] as &mut [u8], 0, k * width, |rows, _| {
        let mut s = vec![0.0; k * width];
        let mut diff = vec![0.0; d];
        for i in rows {
            let xi = &x[i * d..(i + 1) * d];
            for (j, &r) in resp[i * k..(i + 1) * k].iter().enumerate() {
                if r == 0.0 {
                    continue;
                }
                let mu = &means_ref[j * d..(j + 1) * d];
                for ((t, a), b) in diff.iter_mut().zip(xi).zip(mu) {
                    *t = a - b;
                }
                let sj = &mut s[j * width..(j + 1) * width];
                match kind {
                    Covariance::Full => {
                        let mut off = 0;
                        for a in 0..d {
                            let ra = r * diff[a];
                            for (v, t) in sj[off..off + a + 1].iter_mut().zip(&diff[..a + 1]) {
                                *v += ra * t;
                            }
                            off += a + 1;
                        }
                    }
                    Covariance::Diag => {
                        for (v, t) in sj.iter_mut().zip(&diff) {
                            *v += r * t * t;
                        }
                    }
                }
            }
        }
        s
    })?;
    let mut cov = vec![0.0; k * width];
    for part in parts {
        cov.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
    }
    let mut prec = vec![0.0; k * width];
    let mut log_norm = vec![0.0; k];
    for j in 0..k {
        let cj = &mut cov[j * width..(j + 1) * width];
        for v in cj.iter_mut() {
            *v /= nk[j];
        }
        let log_det_prec = match kind {
            Covariance::Full => {
                for a in 0..d {
                    cj[a * (a + 1) / 2 + a] += params.reg_covar;
                }
                let (linv, ld) = chol_inverse(cj, d)
                    .ok_or_else(|| AlgoError::Failed(ILL_DEFINED.to_string()))?;
                prec[j * width..(j + 1) * width].copy_from_slice(&linv);
                ld
            }
            Covariance::Diag => {
                let mut ld = 0.0;
                for (v, q) in cj.iter_mut().zip(&mut prec[j * width..(j + 1) * width]) {
                    *v += params.reg_covar;
                    if !(*v > 0.0 && v.is_finite()) {
                        return Err(AlgoError::Failed(ILL_DEFINED.to_string()));
                    }
                    *q = 1.0 / *v;
                    ld -= 0.5 * v.ln();
                }
                ld
            }
        };
        log_norm[j] = weights[j].ln() + log_det_prec - 0.5 * d as f64 * LN_2PI;
    }
    Ok(Components {
        kind,
        k,
        d,
        weights,
        means,
        cov,
        prec,
        log_norm,
    })
}

/// Cholesky factorisation `A = L Lᵀ` of a symmetric positive definite
/// matrix given as its packed lower triangle (row by row); returns the
/// packed lower triangle of `L⁻¹` and `ln det L⁻¹ = −Σ ln L_aa`, or `None`
/// if `A` is not (numerically) positive definite.
fn chol_inverse(a: &[f64], d: usize) -> Option<(Vec<f64>, f64)> {
    let idx = |r: usize, c: usize| r * (r + 1) / 2 + c;
    let mut l = vec![0.0; a.len()];
    for r in 0..d {
        for c in 0..=r {
            let s = a[idx(r, c)] - dot(&l[idx(r, 0)..idx(r, c)], &l[idx(c, 0)..idx(c, c)]);
            if r == c {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[idx(r, r)] = s.sqrt();
            } else {
                l[idx(r, c)] = s / l[idx(c, c)];
            }
        }
    }
    // Forward substitution, column by column: L · Linv = I.
    let mut inv = vec![0.0; a.len()];
    for c in 0..d {
        inv[idx(c, c)] = 1.0 / l[idx(c, c)];
        for r in c + 1..d {
            let mut s = 0.0;
            for m in c..r {
                s += l[idx(r, m)] * inv[idx(m, c)];
            }
            inv[idx(r, c)] = -s / l[idx(r, r)];
        }
    }
    let log_det = -(0..d).map(|r| l[idx(r, r)].ln()).sum::<f64>();
    Some((inv, log_det))
}

/// Index of the largest value (first on ties).
fn argmax<'a>(v: impl Iterator<Item = &'a f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, &x) in v.enumerate() {
        if x > best.1 {
            best = (i, x);
        }
    }
    best.0
}

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task, TrainClusterer,
};

pub const K: ParamSpec = int("k", 1, 1000, "3", "number of mixture components");
pub const COVARIANCE: ParamSpec = choice(
    "covariance",
    &["full", "diag"],
    "full",
    "covariance matrix of each component",
);
pub const MAX_ITER: ParamSpec = int("max_iter", 1, 100_000, "100", "EM iterations");
pub const TOL: ParamSpec = float(
    "tol",
    0.0,
    1.0,
    true,
    "0.001",
    "stop when the mean log-likelihood gains less than this",
);

/// The Gaussian mixture in the registry.
pub struct Gmm;

impl Algorithm for Gmm {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "gmm",
        title: "Gaussian mixture by EM",
        task: Task::Clustering,
        implementation: Implementation::Own,
        why: "the topic is EM itself: the log-likelihood is reported every iteration (linfa is also 2.6x slower)",
        topics: &["em", "probabilistic-graphical-models"],
        params: &[K, COVARIANCE, MAX_ITER, TOL],
    };
    type Params = GmmParams;
    fn params(v: &ParamValues) -> Result<GmmParams, ParamError> {
        Ok(GmmParams {
            k: v.usize(&K)?,
            covariance: match v.choice(&COVARIANCE)? {
                "diag" => Covariance::Diag,
                _ => Covariance::Full,
            },
            max_iter: v.usize(&MAX_ITER)?,
            tol: v.float(&TOL)?,
            ..GmmParams::default()
        })
    }
}

impl TrainClusterer for GmmParams {
    fn fit(
        &self,
        x: ArrayView2<'_, f64>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Clusterer>, AlgoError> {
        if self.covariance == Covariance::Full && x.ncols() > 100 {
            return Err(AlgoError::BadData(format!(
                "a full covariance in {} dimensions is a {0} x {0} matrix per component: too slow to be useful here; use --param covariance=diag",
                x.ncols()
            )));
        }
        Ok(Box::new(fit(x, self, seed, progress)?))
    }
}

#[cfg(test)]
mod tests;
