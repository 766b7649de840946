//! Coordinate descent for the lasso and the elastic net, as scikit-learn
//! 1.7's `enet_coordinate_descent` (dense, cyclic): on centred data it
//! minimises
//!
//! `1/(2n) ||y - Xw||² + alpha·l1_ratio·|w|₁ + alpha·(1 - l1_ratio)/2·|w|²`
//!
//! by cycling through the weights, each set to its soft-thresholded
//! least-squares value, and stops when the largest weight change is below
//! `tol` times the largest weight and the duality gap is below `tol·||y||²`.

use ndarray::ArrayView2;

use crate::algos::core::{AlgoError, Progress};

/// The fit and how it ended.
pub struct CdFit {
    pub w: Vec<f64>,
    pub n_iter: usize,
    pub gap: f64,
    pub converged: bool,
}

fn soft(v: f64, t: f64) -> f64 {
    v.signum() * (v.abs() - t).max(0.0)
}

/// Coordinate descent on centred `x` (column-major copy `cols`, n rows)
/// and centred `y`, starting from `w` (warm start).
#[allow(clippy::too_many_arguments)]
pub fn enet_cd(
    cols: &[f64],
    n: usize,
    y: &[f64],
    mut w: Vec<f64>,
    alpha: f64,
    l1_ratio: f64,
    max_iter: usize,
    tol: f64,
    progress: &mut Progress<'_>,
) -> Result<CdFit, AlgoError> {
    let p = w.len();
    let nf = n as f64;
    let l1 = alpha * l1_ratio * nf;
    let l2 = alpha * (1.0 - l1_ratio) * nf;
    let col = |j: usize| &cols[j * n..(j + 1) * n];
    let norms: Vec<f64> = (0..p).map(|j| col(j).iter().map(|v| v * v).sum()).collect();
    let mut r: Vec<f64> = y.to_vec();
    for (j, &wj) in w.iter().enumerate() {
        if wj != 0.0 {
            r.iter_mut().zip(col(j)).for_each(|(r, x)| *r -= wj * x);
        }
    }
    let tol_gap = tol * y.iter().map(|v| v * v).sum::<f64>();
    let mut gap = tol_gap + 1.0;
    for it in 0..max_iter {
        let (mut w_max, mut d_max) = (0.0_f64, 0.0_f64);
        for j in 0..p {
            if norms[j] == 0.0 {
                continue;
            }
            let xj = col(j);
            let old = w[j];
            if old != 0.0 {
                r.iter_mut().zip(xj).for_each(|(r, x)| *r += old * x);
            }
            let t: f64 = xj.iter().zip(&r).map(|(a, b)| a * b).sum();
            let new = soft(t, l1) / (norms[j] + l2);
            w[j] = new;
            if new != 0.0 {
                r.iter_mut().zip(xj).for_each(|(r, x)| *r -= new * x);
            }
            d_max = d_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if w_max == 0.0 || d_max / w_max < tol || it + 1 == max_iter {
            // Duality gap (scikit-learn's formula).
            let mut dual_norm = 0.0_f64;
            for (j, &wj) in w.iter().enumerate() {
                let xta: f64 = col(j).iter().zip(&r).map(|(a, b)| a * b).sum::<f64>() - l2 * wj;
                dual_norm = dual_norm.max(xta.abs());
            }
            let r2: f64 = r.iter().map(|v| v * v).sum();
            let w2: f64 = w.iter().map(|v| v * v).sum();
            let (c, mut g) = if dual_norm > l1 {
                let c = l1 / dual_norm;
                (c, 0.5 * (r2 + r2 * c * c))
            } else {
                (1.0, r2)
            };
            let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
            let ry: f64 = r.iter().zip(y).map(|(a, b)| a * b).sum();
            g += l1 * l1_norm - c * ry + 0.5 * l2 * (1.0 + c * c) * w2;
            gap = g;
            progress.report(it + 1, max_iter, "duality gap", g)?;
            if g < tol_gap {
                return Ok(CdFit {
                    w,
                    n_iter: it + 1,
                    gap,
                    converged: true,
                });
            }
        }
    }
    Ok(CdFit {
        w,
        n_iter: max_iter,
        gap,
        converged: false,
    })
}

/// Column-major copy of `x` with each column centred; returns the copy and
/// the column means.
pub fn centred_columns(x: ArrayView2<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    let (n, p) = x.dim();
    let mut cols = Vec::with_capacity(n * p);
    let mut means = Vec::with_capacity(p);
    for j in 0..p {
        let c = x.column(j);
        let m = c.sum() / n.max(1) as f64;
        means.push(m);
        cols.extend(c.iter().map(|v| v - m));
    }
    (cols, means)
}

/// `n_alphas` penalties on a log grid from `alpha_max` (the smallest one
/// at which every weight is zero) down to `alpha_max · eps`, largest first
/// (scikit-learn's `_alpha_grid`).
pub fn alpha_grid(cols: &[f64], n: usize, y: &[f64], l1_ratio: f64, n_alphas: usize) -> Vec<f64> {
    let p = cols.len() / n.max(1);
    let max_xty = (0..p)
        .map(|j| {
            cols[j * n..(j + 1) * n]
                .iter()
                .zip(y)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                .abs()
        })
        .fold(0.0_f64, f64::max);
    let alpha_max = max_xty / (n as f64 * l1_ratio.max(1e-3));
    if alpha_max <= f64::MIN_POSITIVE {
        return vec![f64::EPSILON; n_alphas];
    }
    let (hi, lo) = (alpha_max.log10(), (alpha_max * 1e-3).log10());
    (0..n_alphas)
        .map(|k| {
            let t = k as f64 / (n_alphas.max(2) - 1) as f64;
            10f64.powf(hi + (lo - hi) * t)
        })
        .collect()
}
