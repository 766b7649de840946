//! Kernel functions, evaluated as libsvm does (left-to-right sums, `powi` by
//! squaring), and the rows `Q_ij = y_i y_j K(x_i, x_j)` of one binary problem.

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

/// The rows of one binary problem, in the solver's current order (rows are
/// physically swapped when shrinking, as libsvm swaps pointers).
pub(super) struct KData {
    x: Vec<f64>,
    d: usize,
    x_sq: Vec<f64>,
    pub(super) y: Vec<i8>,
    pub(super) qd: Vec<f64>,
    kernel: Kernel,
}

impl KData {
    pub(super) fn new(x: Vec<f64>, d: usize, y: Vec<i8>, kernel: Kernel) -> KData {
        let x_sq: Vec<f64> = x.chunks_exact(d).map(|r| dot(r, r)).collect();
        let qd = x
            .chunks_exact(d)
            .zip(&x_sq)
            .map(|(r, &s)| kernel.value_from_dot(dot(r, r), s, s))
            .collect();
        KData {
            x,
            d,
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
        let d = self.d;
        let (lo, hi) = (i.min(j), i.max(j));
        let (first, second) = self.x.split_at_mut(hi * d);
        first[lo * d..lo * d + d].swap_with_slice(&mut second[..d]);
        self.x_sq.swap(i, j);
        self.y.swap(i, j);
        self.qd.swap(i, j);
    }

    /// Appends `Q_ij` for `j = row.len() .. len` to `row`.
    pub(super) fn fill(&self, i: usize, row: &mut Vec<f32>, len: usize) {
        let start = row.len();
        if start >= len {
            return;
        }
        let d = self.d;
        let xi = &self.x[i * d..i * d + d];
        let sq_i = self.x_sq[i];
        let yi = f64::from(self.y[i]);
        let k = self.kernel;
        let xs = self.x[start * d..len * d].chunks_exact(d);
        let it = xs.zip(&self.x_sq[start..len]).zip(&self.y[start..len]);
        match k.kind {
            KernelKind::Rbf => {
                let g = k.gamma;
                row.extend(it.map(|((xj, &sq_j), &yj)| {
                    let v = (-g * (sq_i + sq_j - 2.0 * dot(xi, xj))).exp();
                    (yi * f64::from(yj) * v) as f32
                }));
            }
            _ => {
                row.extend(it.map(|((xj, &sq_j), &yj)| {
                    let v = k.value_from_dot(dot(xi, xj), sq_i, sq_j);
                    (yi * f64::from(yj) * v) as f32
                }));
            }
        }
    }
}
