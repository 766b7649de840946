//! ε-support vector regression (libsvm's `EPSILON_SVR`, scikit-learn's
//! `SVR`): the dual over `2n` variables `α, α*` in `[0, C]`,
//!
//! `min ½ (α - α*)ᵀ K (α - α*) + ε Σ(α + α*) - Σ yᵢ(α - α*)ᵢ`,
//! `Σ (α - α*) = 0`,
//!
//! solved as libsvm does: the `2n` variables get signs `+1` (α) and `-1`
//! (α*) and linear terms `ε - yᵢ` and `ε + yᵢ`, and the classifier's SMO
//! solver (`solver.rs`: WSS 3, shrinking, the bias rule) runs on them.
//! Only the rows of `Q` differ ([`SvrQ`], libsvm's `SVR_Q`): the cache holds
//! kernel rows of the `n` training rows, and a row of the doubled problem
//! is gathered from one of them with signs. The prediction is
//! `Σ (αᵢ - αᵢ*) K(xᵢ, x) - ρ`.

use ndarray::ArrayView2;

use super::cache::Cache;
use super::kernel::{KData, Kernel};
use super::solver::{QMatrix, Solver};
use super::SvmParams;
use crate::algos::core::{AlgoError, Progress, Regressor};

/// ε-SVR's `Q` over `2n` positions (libsvm's `SVR_Q`): position `t` stands
/// for training row `index[t]` with sign `sign[t]` (`+1` for α, `-1` for
/// α*), `Q_st = sign_s sign_t K(x_index[s], x_index[t])`. Shrinking swaps
/// `sign` and `index` only: the cached kernel rows are whole rows of the
/// `n` training rows in their original order, so they never move.
struct Doubled {
    kd: KData,
    cache: Cache,
    n: usize,
    /// `±1` as `f32` (multiplied into the `f32` row as libsvm does) and
    /// `u32` row numbers: the gather below is a fair share of the time.
    sign: Vec<f32>,
    index: Vec<u32>,
}

impl Doubled {
    /// The first `len` values of row `i` of the doubled `Q`, into `out`.
    fn gather(&mut self, i: usize, len: usize, out: &mut Vec<f32>) {
        let k = self.index[i] as usize;
        self.cache.ensure(&mut self.kd, k, self.n);
        let row = &self.cache.rows[k][..self.n];
        let si = self.sign[i];
        out.clear();
        out.extend(
            self.index[..len]
                .iter()
                .zip(&self.sign[..len])
                .map(|(&t, &s)| si * s * row[t as usize]),
        );
    }
}

/// [`Doubled`] with two gathered rows (the solver reads two at a time),
/// each tagged with the position it holds (`usize::MAX`: none). Each SMO
/// step asks for row `i` twice (to select `j`, then to update); the second
/// time it is still here. A swap forgets the tags.
struct SvrQ {
    src: Doubled,
    buf: [(usize, Vec<f32>); 2],
    next: usize,
}

impl SvrQ {
    fn held(&self, i: usize, len: usize) -> Option<usize> {
        (0..2).find(|&b| self.buf[b].0 == i && self.buf[b].1.len() >= len)
    }

    fn fill(&mut self, b: usize, i: usize, len: usize) {
        let (pos, data) = &mut self.buf[b];
        self.src.gather(i, len, data);
        *pos = i;
    }
}

impl QMatrix for SvrQ {
    fn row(&mut self, i: usize, len: usize) -> &[f32] {
        let b = match self.held(i, len) {
            Some(b) => b,
            None => {
                let b = self.next;
                self.next ^= 1;
                self.fill(b, i, len);
                b
            }
        };
        &self.buf[b].1
    }

    fn rows2(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        let bi = match self.held(i, len) {
            Some(b) => b,
            None => {
                // Keep j's buffer if it holds j.
                let b = usize::from(self.held(j, len) == Some(0));
                self.fill(b, i, len);
                b
            }
        };
        let bj = 1 - bi;
        if !(self.buf[bj].0 == j && self.buf[bj].1.len() >= len) {
            self.fill(bj, j, len);
        }
        (&self.buf[bi].1, &self.buf[bj].1)
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.src.sign.swap(i, j);
        self.src.index.swap(i, j);
        self.buf[0].0 = usize::MAX;
        self.buf[1].0 = usize::MAX;
    }
}

/// A fitted ε-SVR.
pub struct SvrModel {
    sv: Vec<Vec<f64>>,
    /// Training row of each support vector (scikit-learn's `support_`).
    pub support: Vec<usize>,
    /// `αᵢ - αᵢ*` of each support vector.
    coef: Vec<f64>,
    rho: f64,
    kernel: Kernel,
    n_features: usize,
    /// SMO iterations, and whether the cap `max_iter` stopped them.
    pub iterations: usize,
    pub reached_max_iter: bool,
    /// The dual objective at the solution (libsvm's `obj`).
    pub objective: f64,
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

/// Fits ε-SVR with the kernel settings of `params` (its cache, shrinking
/// and iteration cap too) and tube half-width `epsilon`. Reports the dual
/// objective every 1000 SMO steps (metric "dual objective").
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
    let rows = u32::try_from(n)
        .map_err(|_| AlgoError::BadData(format!("{n} rows: at most {} for ε-SVR", u32::MAX)))?;
    let kd = KData::new(flat.clone(), d, vec![1; n], kernel);
    let mut qd = kd.qd.clone();
    qd.extend_from_slice(&kd.qd);
    let sign: Vec<i8> = std::iter::repeat_n(1, n)
        .chain(std::iter::repeat_n(-1, n))
        .collect();
    let q = SvrQ {
        src: Doubled {
            cache: Cache::new(n, params.cache_mb),
            kd,
            n,
            sign: sign.iter().map(|&s| f32::from(s)).collect(),
            index: (0..rows).chain(0..rows).collect(),
        },
        buf: [
            (usize::MAX, Vec::with_capacity(2 * n)),
            (usize::MAX, Vec::with_capacity(2 * n)),
        ],
        next: 0,
    };
    let p: Vec<f64> = y
        .iter()
        .map(|t| epsilon - t)
        .chain(y.iter().map(|t| epsilon + t))
        .collect();
    let mut beats = 0usize;
    let mut beat = |obj: f64| {
        beats += 1;
        progress
            .report(beats * 1000, params.max_iter, "dual objective", obj)
            .is_ok()
    };
    let sol = Solver::with_q(q, sign, p, qd, params.c, params.tol).solve(
        params.shrinking,
        params.max_iter,
        &mut beat,
    )?;
    // coef = y_t a_t: α_i at i, -α*_i at n + i.
    let (mut sv, mut support, mut coef) = (Vec::new(), Vec::new(), Vec::new());
    for a in 0..n {
        let beta = sol.coef[a] + sol.coef[a + n];
        if beta != 0.0 {
            sv.push(flat[a * d..(a + 1) * d].to_vec());
            support.push(a);
            coef.push(beta);
        }
    }
    Ok(SvrModel {
        sv,
        coef,
        rho: sol.rho,
        kernel,
        n_features: d,
        support,
        iterations: sol.iterations,
        reached_max_iter: sol.reached_max_iter,
        objective: sol.obj,
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
    use crate::algos::svm::KernelKind;
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

    fn floats(v: &serde_json::Value) -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    }

    /// The reference problem of tests/reference/make_svr_reference.py:
    /// 60 rows, 2 features, and its cases with scikit-learn's answers.
    fn reference() -> (serde_json::Value, Array2<f64>, Vec<f64>) {
        let r: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/reference/svr_reference.json"))
                .expect("reference JSON");
        // The data as decimal strings, parsed exactly (serde_json's float
        // parser can be one ulp off, and the path is compared bit for bit).
        let exact = |v: &serde_json::Value| -> Vec<f64> {
            v.as_array()
                .expect("array")
                .iter()
                .map(|s| s.as_str().expect("string").parse().expect("number"))
                .collect()
        };
        let rows = r["x"].as_array().expect("rows");
        let flat: Vec<f64> = rows.iter().flat_map(exact).collect();
        let x = Array2::from_shape_vec((rows.len(), 2), flat).expect("shape");
        let y = exact(&r["y"]);
        (r, x, y)
    }

    fn case_params(c: &serde_json::Value) -> (SvmParams, f64) {
        let num = |k: &str| c[k].as_f64().expect("number");
        let p = SvmParams {
            kernel: if c["kernel"] == "rbf" {
                KernelKind::Rbf
            } else {
                KernelKind::Linear
            },
            gamma: Some(num("gamma")),
            c: num("c"),
            tol: num("tol"),
            shrinking: c["shrinking"].as_bool().expect("shrinking"),
            ..SvmParams::default()
        };
        (p, num("epsilon"))
    }

    /// `½ βᵀKβ + ε Σ|β| - yᵀβ` in f64 from the model's support vectors.
    fn dual_objective(m: &SvrModel, y: &[f64], eps: f64) -> f64 {
        let mut quad = 0.0;
        for (a, ca) in m.sv.iter().zip(&m.coef) {
            for (b, cb) in m.sv.iter().zip(&m.coef) {
                quad += ca * cb * m.kernel.eval(a, b);
            }
        }
        let lin: f64 = m
            .support
            .iter()
            .zip(&m.coef)
            .map(|(&i, b)| eps * b.abs() - y[i] * b)
            .sum();
        0.5 * quad + lin
    }

    /// ε-SVR on the shared SMO solver takes libsvm's steps: on each case
    /// (RBF and linear, shrinking on and off) the same iteration count,
    /// support vectors, dual coefficients, bias and dual objective as
    /// scikit-learn's SVR, which wraps libsvm (same f32 kernel rows, same
    /// order of operations: the coefficients agree to rounding; the
    /// separate loop this replaced, on f64 rows without shrinking, stopped
    /// elsewhere within the tolerance). The RBF iteration counts assume a
    /// libm `exp` that rounds as the reference machine's.
    #[test]
    fn svr_takes_the_same_steps_as_libsvm() {
        let (r, x, y) = reference();
        for c in r["cases"].as_array().expect("cases") {
            let (p, eps) = case_params(c);
            let label = format!(
                "{:?} C={} eps={eps} shrinking={}",
                p.kernel, p.c, p.shrinking
            );
            let m = fit_svr(x.view(), &y, &p, eps, &mut Progress::none()).expect("fit");
            assert_eq!(
                m.iterations as u64,
                c["iterations"].as_u64().expect("n"),
                "{label}"
            );
            let support: Vec<usize> = c["support"]
                .as_array()
                .expect("support")
                .iter()
                .map(|v| v.as_u64().expect("index") as usize)
                .collect();
            assert_eq!(m.support, support, "{label}");
            for (a, b) in m.coef.iter().zip(floats(&c["beta"])) {
                assert!((a - b).abs() <= 1e-9 * p.c, "{label}: beta {a} vs {b}");
            }
            let rho = c["rho"].as_f64().expect("rho");
            assert!(
                (m.rho - rho).abs() <= 1e-9,
                "{label}: rho {} vs {rho}",
                m.rho
            );
            let obj = c["objective"].as_f64().expect("objective");
            let ours = dual_objective(&m, &y, eps);
            assert!(
                (ours - obj).abs() <= 1e-9 * obj.abs(),
                "{label}: objective {ours} vs {obj}"
            );
            // The solver's own objective (from its f32 kernel rows).
            assert!(
                (m.objective - obj).abs() <= 1e-6 * obj.abs(),
                "{label}: {} vs {obj}",
                m.objective
            );
            for (a, b) in m.predict(x.view()).iter().zip(floats(&c["predictions"])) {
                assert!((a - b).abs() <= 1e-9, "{label}: prediction {a} vs {b}");
            }
        }
    }

    /// The optimality conditions in the tube's terms, from the model alone
    /// (f64 kernel, not the solver's f32 rows): with r = y - f(x), rows with
    /// β = 0 lie inside the tube (|r| ≤ ε), free support vectors on its
    /// edge (|r| = ε, on the side of β's sign), bounded ones (|β| = C) on
    /// or outside it; all within the stopping tolerance. And Σβ = 0.
    #[test]
    fn the_svr_solution_satisfies_the_kkt_conditions() {
        let (r, x, y) = reference();
        for c in r["cases"].as_array().expect("cases") {
            let (p, eps) = case_params(c);
            let slack = p.tol + 1e-5;
            let m = fit_svr(x.view(), &y, &p, eps, &mut Progress::none()).expect("fit");
            let mut beta = vec![0.0; y.len()];
            for (&i, &b) in m.support.iter().zip(&m.coef) {
                beta[i] = b;
            }
            let sum: f64 = beta.iter().sum();
            assert!(sum.abs() <= 1e-9 * p.c, "sum of beta {sum}");
            let f = m.predict(x.view());
            for (i, (&b, (&fi, &yi))) in beta.iter().zip(f.iter().zip(&y)).enumerate() {
                let r = yi - fi;
                assert!(b.abs() <= p.c, "row {i}: |beta| {b} > C");
                if b == 0.0 {
                    assert!(r.abs() <= eps + slack, "row {i}: r {r} outside the tube");
                } else if b.abs() < p.c {
                    assert!(
                        (r - eps * b.signum()).abs() <= slack,
                        "row {i}: r {r}, beta {b}"
                    );
                } else {
                    assert!(r * b.signum() >= eps - slack, "row {i}: r {r}, beta {b}");
                }
            }
        }
    }
}
