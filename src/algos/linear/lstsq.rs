//! Dense least squares: Householder QR with a rank check (ordinary least
//! squares and its standard errors) and Cholesky (ridge's normal
//! equations). Column-major scratch copies; sizes are a few thousand rows
//! by tens of columns, where this is as fast as a LAPACK call.

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::algos::core::AlgoError;

/// A column is rank deficient when its pivot is below this share of the
/// largest one (numpy's `lstsq` uses `max(n, p) · eps` of the largest
/// singular value; QR pivots are a cheaper, slightly stricter proxy).
const RANK_TOL: f64 = 1e-10;

/// The solution of `min ||Xw - y||²` and `(XᵀX)⁻¹` for standard errors.
pub struct QrSolution {
    pub w: Vec<f64>,
    /// `(XᵀX)⁻¹ = R⁻¹ R⁻ᵀ`, row-major p × p.
    pub xtx_inv: Vec<f64>,
}

/// Least squares by Householder QR. A rank-deficient `x` (a column that is
/// a combination of earlier ones, or constant after centring) is an error
/// naming that column.
pub fn qr_solve(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    names: &[String],
) -> Result<QrSolution, AlgoError> {
    let (n, p) = x.dim();
    if n < p {
        return Err(AlgoError::BadData(format!(
            "least squares needs at least as many rows as features (after centring: rows - 1 \
             >= features); got {n} rows for {p} features. Use ridge or lasso instead"
        )));
    }
    // Column-major copy of x.
    let mut a: Vec<f64> = Vec::with_capacity(n * p);
    for j in 0..p {
        a.extend(x.column(j).iter());
    }
    let mut b: Vec<f64> = y.to_vec();
    let scale = (0..p)
        .map(|j| {
            a[j * n..(j + 1) * n]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0_f64, f64::max);
    let mut rdiag = vec![0.0; p];
    for k in 0..p {
        let (done, rest) = a.split_at_mut((k + 1) * n);
        let col = &mut done[k * n..];
        let norm = col[k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= RANK_TOL * scale.max(f64::MIN_POSITIVE) {
            let name = names
                .get(k)
                .map(|s| format!("`{s}`"))
                .unwrap_or_else(|| format!("{}", k + 1));
            return Err(AlgoError::BadData(format!(
                "the features are rank deficient: column {name} is constant or a linear \
                 combination of the columns before it, so least squares has no unique \
                 solution. Drop it (--features) or use ridge, which has one"
            )));
        }
        let alpha = if col[k] > 0.0 { -norm } else { norm };
        // v = col[k..] - alpha e1, stored in place; R_kk = alpha.
        col[k] -= alpha;
        let vnorm2: f64 = col[k..].iter().map(|v| v * v).sum();
        rdiag[k] = alpha;
        if vnorm2 > 0.0 {
            let v = &col[k..];
            for j in 0..(p - k - 1) {
                let cj = &mut rest[j * n + k..(j + 1) * n];
                let s: f64 = v.iter().zip(cj.iter()).map(|(a, b)| a * b).sum();
                let f = 2.0 * s / vnorm2;
                cj.iter_mut().zip(v).for_each(|(c, v)| *c -= f * v);
            }
            let s: f64 = v.iter().zip(&b[k..]).map(|(a, b)| a * b).sum();
            let f = 2.0 * s / vnorm2;
            b[k..].iter_mut().zip(v).for_each(|(c, v)| *c -= f * v);
        }
    }
    // R: upper triangle; R[i][j] (i<j) = a[j*n + i], R[k][k] = rdiag[k].
    let r = |i: usize, j: usize| if i == j { rdiag[i] } else { a[j * n + i] };
    let mut w = vec![0.0; p];
    for i in (0..p).rev() {
        let mut s = b[i];
        for (j, wj) in w.iter().enumerate().skip(i + 1) {
            s -= r(i, j) * wj;
        }
        w[i] = s / r(i, i);
    }
    // R⁻¹ (upper triangular), then (XᵀX)⁻¹ = R⁻¹ R⁻ᵀ.
    let mut rinv = vec![0.0; p * p];
    for c in 0..p {
        for i in (0..=c).rev() {
            let mut s = if i == c { 1.0 } else { 0.0 };
            for j in i + 1..=c {
                s -= r(i, j) * rinv[j * p + c];
            }
            rinv[i * p + c] = s / r(i, i);
        }
    }
    let mut xtx_inv = vec![0.0; p * p];
    for i in 0..p {
        for j in i..p {
            let s: f64 = (j..p).map(|k| rinv[i * p + k] * rinv[j * p + k]).sum();
            xtx_inv[i * p + j] = s;
            xtx_inv[j * p + i] = s;
        }
    }
    Ok(QrSolution { w, xtx_inv })
}

/// Solve the symmetric positive definite system `a w = b` by Cholesky.
pub fn cholesky_solve(a: &Array2<f64>, b: &[f64]) -> Result<Vec<f64>, AlgoError> {
    let p = b.len();
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[(i, j)];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return Err(AlgoError::Failed(format!(
                        "the penalised normal equations are not positive definite at feature \
                         {} (alpha too small for this data?)",
                        i + 1
                    )));
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    let mut z = vec![0.0; p];
    for i in 0..p {
        let s: f64 = (0..i).map(|k| l[i * p + k] * z[k]).sum();
        z[i] = (b[i] - s) / l[i * p + i];
    }
    let mut w = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| l[k * p + i] * w[k]).sum();
        w[i] = (z[i] - s) / l[i * p + i];
    }
    Ok(w)
}
