//! Kernel functions, evaluated as libsvm does (left-to-right sums, `powi` by
//! squaring), and the rows `Q_ij = y_i y_j K(x_i, x_j)` of one binary problem,
//! from dense rows or from sparse ones (text) without densifying them.

use crate::data::sparse::Csr;

/// Kernel function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelKind {
    /// `<x, y>`
    Linear,
    /// `exp(-gamma ||x - y||²)`
    Rbf,
    /// `(gamma <x, y> + coef0)^degree`
    Poly,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Kernel {
    pub(super) kind: KernelKind,
    pub(super) gamma: f64,
    pub(super) coef0: f64,
    pub(super) degree: u32,
}

/// libsvm's `powi` (binary exponentiation).
fn powi(base: f64, times: u32) -> f64 {
    let mut tmp = base;
    let mut ret = 1.0;
    let mut t = times;
    while t > 0 {
        if t % 2 == 1 {
            ret *= tmp;
        }
        tmp *= tmp;
        t /= 2;
    }
    ret
}

/// Dot product, summed left to right as libsvm does (so that kernel values,
/// and hence the SMO path, are the same as libsvm's bit for bit).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (x, y)| s + x * y)
}

/// Squared distance, summed left to right (libsvm's dense `k_function`).
#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (x, y)| {
        let d = x - y;
        s + d * d
    })
}

impl Kernel {
    /// Kernel value from `<a, b>`, `|a|²`, `|b|²` (training, as libsvm).
    #[inline]
    pub(super) fn value_from_dot(&self, dot: f64, sq_a: f64, sq_b: f64) -> f64 {
        match self.kind {
            KernelKind::Linear => dot,
            KernelKind::Poly => powi(self.gamma * dot + self.coef0, self.degree),
            KernelKind::Rbf => (-self.gamma * (sq_a + sq_b - 2.0 * dot)).exp(),
        }
    }

    /// Kernel value between two rows (prediction; RBF from the squared
    /// difference, as libsvm's `k_function`).
    #[inline]
    pub(super) fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        match self.kind {
            KernelKind::Rbf => (-self.gamma * sq_dist(a, b)).exp(),
            _ => self.value_from_dot(dot(a, b), 0.0, 0.0),
        }
    }
}

// ------------------------------------------------- one binary problem's Q

/// The feature rows of one binary problem.
enum Rows {
    /// Row-major, `d` values a row; rows are physically swapped when
    /// shrinking (libsvm swaps pointers).
    Dense { x: Vec<f64>, d: usize },
    /// Sparse rows (text): the problem's rows in a CSR matrix, addressed
    /// through `perm` (swapping two positions swaps two entries of `perm`),
    /// and a dense scratch row of `ncols` zeros used to compute one kernel
    /// row: row `i` is scattered into it once, then each `<x_i, x_j>` is a
    /// gather over the stored entries of `x_j` only. The products are the
    /// ones libsvm's sparse merge (and our dense loop) adds, in the same
    /// (ascending column) order, so the kernel values are the same bits.
    Sparse {
        m: Csr,
        perm: Vec<usize>,
        scratch: Vec<f64>,
    },
}

/// The rows of one binary problem, in the solver's current order.
pub(super) struct KData {
    rows: Rows,
    x_sq: Vec<f64>,
    pub(super) y: Vec<i8>,
    pub(super) qd: Vec<f64>,
    kernel: Kernel,
}

/// `<x, s>` where `scratch` holds a row scattered densely and `x` is sparse.
#[inline]
fn gather(scratch: &[f64], (ix, v): (&[usize], &[f64])) -> f64 {
    ix.iter().zip(v).fold(0.0, |s, (&j, &x)| s + scratch[j] * x)
}

impl KData {
    pub(super) fn new(x: Vec<f64>, d: usize, y: Vec<i8>, kernel: Kernel) -> KData {
        let x_sq: Vec<f64> = x.chunks_exact(d).map(|r| dot(r, r)).collect();
        Self::with_rows(Rows::Dense { x, d }, x_sq, y, kernel)
    }

    /// A problem on sparse rows (`m.nrows() == y.len()`).
    pub(super) fn new_sparse(m: Csr, y: Vec<i8>, kernel: Kernel) -> KData {
        let x_sq: Vec<f64> = m
            .rows()
            .map(|(_, v)| v.iter().fold(0.0, |s, x| s + x * x))
            .collect();
        let rows = Rows::Sparse {
            perm: (0..m.nrows()).collect(),
            scratch: vec![0.0; m.ncols()],
            m,
        };
        Self::with_rows(rows, x_sq, y, kernel)
    }

    fn with_rows(rows: Rows, x_sq: Vec<f64>, y: Vec<i8>, kernel: Kernel) -> KData {
        let qd = x_sq
            .iter()
            .map(|&s| kernel.value_from_dot(s, s, s))
            .collect();
        KData {
            rows,
            x_sq,
            y,
            qd,
            kernel,
        }
    }

    pub(super) fn swap(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        match &mut self.rows {
            Rows::Dense { x, d } => {
                let d = *d;
                let (lo, hi) = (i.min(j), i.max(j));
                let (first, second) = x.split_at_mut(hi * d);
                first[lo * d..lo * d + d].swap_with_slice(&mut second[..d]);
            }
            Rows::Sparse { perm, .. } => perm.swap(i, j),
        }
        self.x_sq.swap(i, j);
        self.y.swap(i, j);
        self.qd.swap(i, j);
    }

    /// Appends `Q_ij` for `j = row.len() .. len` to `row`.
    pub(super) fn fill(&mut self, i: usize, row: &mut Vec<f32>, len: usize) {
        let start = row.len();
        if start >= len {
            return;
        }
        let sq_i = self.x_sq[i];
        let yi = f64::from(self.y[i]);
        let k = self.kernel;
        let q = |dot: f64, sq_j: f64, yj: i8| -> f32 {
            let v = match k.kind {
                KernelKind::Rbf => (-k.gamma * (sq_i + sq_j - 2.0 * dot)).exp(),
                _ => k.value_from_dot(dot, sq_i, sq_j),
            };
            (yi * f64::from(yj) * v) as f32
        };
        let sq = &self.x_sq[start..len];
        let ys = &self.y[start..len];
        match &mut self.rows {
            Rows::Dense { x, d } => {
                let d = *d;
                let xi = &x[i * d..i * d + d];
                let xs = x[start * d..len * d].chunks_exact(d);
                row.extend(
                    xs.zip(sq)
                        .zip(ys)
                        .map(|((xj, &sq_j), &yj)| q(dot(xi, xj), sq_j, yj)),
                );
            }
            Rows::Sparse { m, perm, scratch } => {
                let (ix, v) = m.row(perm[i]);
                for (&c, &val) in ix.iter().zip(v) {
                    scratch[c] = val;
                }
                let s = &*scratch;
                row.extend(
                    perm[start..len]
                        .iter()
                        .zip(sq)
                        .zip(ys)
                        .map(|((&pj, &sq_j), &yj)| q(gather(s, m.row(pj)), sq_j, yj)),
                );
                for &c in ix {
                    scratch[c] = 0.0;
                }
            }
        }
    }
}
