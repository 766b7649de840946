//! ε-support vector regression (libsvm's `EPSILON_SVR`, scikit-learn's
//! `SVR`): the dual over `2n` variables `α, α*` in `[0, C]`,
//!
//! `min ½ (α - α*)ᵀ K (α - α*) + ε Σ(α + α*) - Σ yᵢ(α - α*)ᵢ`,
//! `Σ (α - α*) = 0`,
//!
//! solved as libsvm does: the `2n` variables get signs `+1` (α) and `-1`
//! (α*) and linear terms `ε - yᵢ` and `ε + yᵢ`, then the same SMO with
//! second-order working-set selection (WSS 3) and the same bias rule.
//! Without shrinking (it changes speed only). The prediction is
//! `Σ (αᵢ - αᵢ*) K(xᵢ, x) - ρ`.

use ndarray::ArrayView2;

use super::kernel::{Kernel, KernelKind};
use super::SvmParams;
use crate::algos::core::{AlgoError, Progress, Regressor};

const TAU: f64 = 1e-12;
/// Kernel rows kept in memory at most (MiB); beyond it rows are recomputed.
const CACHE_MB: usize = 400;

struct Rows<'a> {
    x: &'a [f64],
    d: usize,
    kernel: Kernel,
    rows: Vec<Option<Vec<f64>>>,
    budget: usize,
}

impl Rows<'_> {
    fn compute(&self, a: usize) -> Vec<f64> {
        let n = self.rows.len();
        let xa = &self.x[a * self.d..(a + 1) * self.d];
        (0..n)
            .map(|b| self.kernel.eval(xa, &self.x[b * self.d..(b + 1) * self.d]))
            .collect()
    }

    fn row(&mut self, a: usize) -> std::borrow::Cow<'_, [f64]> {
        if self.rows[a].is_none() && self.budget > 0 {
            let r = self.compute(a);
            self.budget -= 1;
            self.rows[a] = Some(r);
        }
        match &self.rows[a] {
            Some(r) => std::borrow::Cow::Borrowed(r.as_slice()),
            None => std::borrow::Cow::Owned(self.compute(a)),
        }
    }
}

/// A fitted ε-SVR.
pub struct SvrModel {
    sv: Vec<Vec<f64>>,
    coef: Vec<f64>,
    rho: f64,
    kernel: Kernel,
    n_features: usize,
    pub iterations: usize,
}

impl SvrModel {
    pub fn n_support(&self) -> usize {
        self.sv.len()
    }
}

impl Regressor for SvrModel {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        if x.ncols() != self.n_features {
            return Vec::new();
        }
        x.rows()
            .into_iter()
            .map(|r| {
                let q = r.to_vec();
                let s: f64 = self
                    .sv
                    .iter()
                    .zip(&self.coef)
                    .map(|(v, c)| c * self.kernel.eval(v, &q))
                    .sum();
                s - self.rho
            })
            .collect()
    }
}

/// Fits ε-SVR with the kernel settings of `params` and tube half-width
/// `epsilon`. Reports every 1000 SMO steps (metric "max KKT violation").
pub fn fit_svr(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    params: &SvmParams,
    epsilon: f64,
    progress: &mut Progress<'_>,
) -> Result<SvrModel, AlgoError> {
    let (n, d) = x.dim();
    params.check(d)?;
    if n != y.len() || n == 0 {
        return Err(AlgoError::BadData(format!(
            "{n} rows of features but {} target values",
            y.len()
        )));
    }
    if let Some(((r, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "feature {j}, row {r}: {v} is not a finite number"
        )));
    }
    if let Some((r, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "target row {r}: {v} is not a finite number"
        )));
    }
    let flat: Vec<f64> = x.iter().copied().collect();
    let gamma = match params.gamma {
        Some(g) => g,
        None => {
            let m = (n * d) as f64;
            let mean = flat.iter().sum::<f64>() / m;
            let var = flat.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / m;
            if var > 0.0 {
                1.0 / (d as f64 * var)
            } else {
                1.0
            }
        }
    };
    let kernel = Kernel {
        kind: params.kernel,
        gamma,
        coef0: params.coef0,
        degree: params.degree,
    };
    let mut rows = Rows {
        x: &flat,
        d,
        kernel,
        rows: vec![None; n],
        budget: (CACHE_MB << 20) / (8 * n.max(1)),
    };
    let l = 2 * n;
    let c = params.c;
    let sign = |t: usize| if t < n { 1.0 } else { -1.0 };
    let qd: Vec<f64> = (0..l)
        .map(|t| {
            let a = t % n;
            let xa = &flat[a * d..(a + 1) * d];
            kernel.eval(xa, xa)
        })
        .collect();
    let mut alpha = vec![0.0; l];
    let mut g: Vec<f64> = (0..l)
        .map(|t| {
            if t < n {
                epsilon - y[t]
            } else {
                epsilon + y[t - n]
            }
        })
        .collect();
    let is_upper = |a: f64| a >= c;
    let is_lower = |a: f64| a <= 0.0;
    let mut iter = 0;
    let max_iter = params.max_iter;
    loop {
        // Working-set selection (libsvm's select_working_set, WSS 3).
        let mut gmax = f64::NEG_INFINITY;
        let mut gmax_idx = usize::MAX;
        for t in 0..l {
            if sign(t) > 0.0 {
                if !is_upper(alpha[t]) && -g[t] >= gmax {
                    gmax = -g[t];
                    gmax_idx = t;
                }
            } else if !is_lower(alpha[t]) && g[t] >= gmax {
                gmax = g[t];
                gmax_idx = t;
            }
        }
        let i = gmax_idx;
        let qi: Vec<f64> = if i == usize::MAX {
            Vec::new()
        } else {
            rows.row(i % n).into_owned()
        };
        let mut gmax2 = f64::NEG_INFINITY;
        let mut gmin_idx = usize::MAX;
        let mut obj_min = f64::INFINITY;
        if i != usize::MAX {
            let yi = sign(i);
            for j in 0..l {
                let yj = sign(j);
                let kij = yi * yj * qi[j % n];
                if yj > 0.0 {
                    if !is_lower(alpha[j]) {
                        let grad_diff = gmax + g[j];
                        if g[j] >= gmax2 {
                            gmax2 = g[j];
                        }
                        if grad_diff > 0.0 {
                            let quad = qd[i] + qd[j] - 2.0 * yi * kij;
                            let quad = if quad > 0.0 { quad } else { TAU };
                            let obj = -(grad_diff * grad_diff) / quad;
                            if obj <= obj_min {
                                gmin_idx = j;
                                obj_min = obj;
                            }
                        }
                    }
                } else if !is_upper(alpha[j]) {
                    let grad_diff = gmax - g[j];
                    if -g[j] >= gmax2 {
                        gmax2 = -g[j];
                    }
                    if grad_diff > 0.0 {
                        let quad = qd[i] + qd[j] + 2.0 * yi * kij;
                        let quad = if quad > 0.0 { quad } else { TAU };
                        let obj = -(grad_diff * grad_diff) / quad;
                        if obj <= obj_min {
                            gmin_idx = j;
                            obj_min = obj;
                        }
                    }
                }
            }
        }
        if gmax + gmax2 < params.tol || gmin_idx == usize::MAX {
            break;
        }
        iter += 1;
        if iter > max_iter {
            break;
        }
        if iter % 1000 == 0 {
            progress.report(iter, max_iter, "max KKT violation", gmax + gmax2)?;
        }
        let j = gmin_idx;
        let qj: Vec<f64> = rows.row(j % n).into_owned();
        let (yi, yj) = (sign(i), sign(j));
        // Q_ij = y_i y_j K
        let q_ij = yi * yj * qi[j % n];
        let (old_ai, old_aj) = (alpha[i], alpha[j]);
        if yi != yj {
            let quad = qd[i] + qd[j] + 2.0 * q_ij;
            let quad = if quad > 0.0 { quad } else { TAU };
            let delta = (-g[i] - g[j]) / quad;
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > 0.0 {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = c - diff;
                }
            } else if alpha[j] > c {
                alpha[j] = c;
                alpha[i] = c + diff;
            }
        } else {
            let quad = qd[i] + qd[j] - 2.0 * q_ij;
            let quad = if quad > 0.0 { quad } else { TAU };
            let delta = (g[i] - g[j]) / quad;
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > c {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = sum - c;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > c {
                if alpha[j] > c {
                    alpha[j] = c;
                    alpha[i] = sum - c;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        let (dai, daj) = (alpha[i] - old_ai, alpha[j] - old_aj);
        for (t, gt) in g.iter_mut().enumerate() {
            let yt = sign(t);
            *gt += yi * yt * qi[t % n] * dai + yj * yt * qj[t % n] * daj;
        }
    }
    // rho (libsvm's calculate_rho).
    let (mut ub, mut lb) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut nr_free, mut sum_free) = (0usize, 0.0);
    for t in 0..l {
        let yg = sign(t) * g[t];
        if is_upper(alpha[t]) {
            if sign(t) < 0.0 {
                ub = ub.min(yg);
            } else {
                lb = lb.max(yg);
            }
        } else if is_lower(alpha[t]) {
            if sign(t) > 0.0 {
                ub = ub.min(yg);
            } else {
                lb = lb.max(yg);
            }
        } else {
            nr_free += 1;
            sum_free += yg;
        }
    }
    let rho = if nr_free > 0 {
        sum_free / nr_free as f64
    } else {
        (ub + lb) / 2.0
    };
    let (mut sv, mut coef) = (Vec::new(), Vec::new());
    for a in 0..n {
        let beta = alpha[a] - alpha[a + n];
        if beta != 0.0 {
            sv.push(flat[a * d..(a + 1) * d].to_vec());
            coef.push(beta);
        }
    }
    let _ = KernelKind::Linear;
    Ok(SvrModel {
        sv,
        coef,
        rho,
        kernel,
        n_features: d,
        iterations: iter,
    })
}

// The registry's view: `svm` on a numeric target.

use crate::algos::algorithm::{Algorithm, ParamError, ParamValues, RegressData, TrainRegressor};

/// The SVM's parameters and the tube's half-width.
#[derive(Debug, Clone, PartialEq)]
pub struct SvrParams {
    pub svm: SvmParams,
    pub epsilon: f64,
}

/// `svm`'s regression form, from the same checked values.
pub fn svr_params(v: &ParamValues) -> Result<Box<dyn TrainRegressor>, ParamError> {
    Ok(Box::new(SvrParams {
        svm: super::Svm::params(v)?,
        epsilon: v.float(&super::EPSILON)?,
    }))
}

impl TrainRegressor for SvrParams {
    fn fit(
        &self,
        d: RegressData<'_>,
        _seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError> {
        Ok(Box::new(fit_svr(
            d.x,
            d.y,
            &self.svm,
            self.epsilon,
            progress,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Points on y = 2x + 1 with a linear kernel and a large C: the tube
    /// fits the line, so predictions are within ε of it.
    #[test]
    fn a_linear_svr_fits_a_line_within_epsilon() {
        let xs: Vec<f64> = (0..20).map(|i| i as f64 / 4.0).collect();
        let x = Array2::from_shape_vec((20, 1), xs.clone()).expect("shape");
        let y: Vec<f64> = xs.iter().map(|v| 2.0 * v + 1.0).collect();
        let p = SvmParams {
            kernel: KernelKind::Linear,
            c: 100.0,
            tol: 1e-6,
            ..SvmParams::default()
        };
        let m = fit_svr(x.view(), &y, &p, 0.1, &mut Progress::none()).expect("fit");
        let pred = m.predict(x.view());
        for (p, t) in pred.iter().zip(&y) {
            assert!((p - t).abs() <= 0.1 + 1e-4, "{p} vs {t}");
        }
        // Only the points on the tube's edge are support vectors.
        assert!(m.n_support() < 20);
    }
}
