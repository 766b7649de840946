//! Support vector classifier (C-SVC), our own port of the libsvm algorithm
//! that scikit-learn's `SVC` wraps.
//!
//! # Algorithm
//! For every pair of classes (one-vs-one, `k(k-1)/2` binary problems) we
//! solve the C-SVC dual
//!
//! ```text
//! min_a  ½ aᵀQa − eᵀa   s.t.  yᵀa = 0,  0 ≤ a_i ≤ C,   Q_ij = y_i y_j K(x_i, x_j)
//! ```
//!
//! by SMO with the second-order working-set selection of Fan, Chen & Lin,
//! "Working set selection using second order information for training
//! support vector machines", JMLR 6 (2005) 1889–1918 (WSS 3, as in libsvm
//! 3.x: Chang & Lin, "LIBSVM: a library for support vector machines",
//! ACM TIST 2011). The solver follows libsvm's `Solver` line by line:
//! the same stopping rule (maximal KKT violation `m(a) − M(a) < tol`), the
//! same clipping of the two-variable update, the same shrinking heuristic
//! (shrink every `min(l, 1000)` iterations, one "unshrink" with gradient
//! reconstruction when the violation first drops below `10·tol`, full
//! gradient reconstruction before the final check), the same bias
//! (`rho` = mean of `y_i ∇_i` over free variables, midpoint of the feasible
//! interval when none is free), and kernel rows stored as `f32` in an LRU
//! cache of `cache_mb` megabytes (see below for threads), with libsvm's row
//! swapping when shrinking. Multiclass prediction is one-vs-one voting,
//! ties going to the lower class index (libsvm's rule); `gamma: None` is
//! scikit-learn's `"scale"`, `1 / (n_features · Var(X))`.
//!
//! # Why not linfa-svm
//! linfa-svm is binary only, precomputes the dense `n × n` kernel matrix
//! (gigabytes at 16k rows), is ~40x slower than libsvm here, and its
//! shrinking option returns wrong solutions. This module keeps libsvm's memory
//! bound, speed and exact solution, shrinking included.
//!
//! # Parallelism and determinism
//! The binary problems are independent; with more than one of them they are
//! solved on up to `available_parallelism()` threads. Each problem is solved
//! deterministically, so the model does not depend on the thread count or
//! scheduling (the cache size changes speed, never the iterates). Memory:
//! the kernel caches of the problems being solved at the same time share
//! `cache_mb` (each of `t` threads gets `cache_mb / t`, but at least two
//! kernel rows, as in libsvm); libsvm, solving one problem at a time, gives
//! each problem the whole `cache_mb`.
//! The `seed` argument of [`fit`] is unused: C-SVC has no randomness
//! (scikit-learn's `random_state` only matters for `probability=True`).
//!
//! # Progress
//! After each binary problem `p` (1-based, in libsvm's pair order
//! (0,1), (0,2), …, (1,2), …) we report `Step { iter: p, total: n_pairs,
//! metric: "dual objective", value }` with that problem's final dual
//! objective (libsvm's `obj`, negative). These final reports come in pair
//! order. Every 1000 SMO iterations a problem also reports its current
//! objective (tracked step by step) with the same `iter`; these heartbeats
//! let the UI cancel a long solve (within 1000 iterations), and with
//! threads the heartbeats of two problems can interleave.
//!
//! # Iteration cap
//! `max_iter` bounds the SMO iterations of each binary problem (libsvm uses
//! `max(10⁷, 100·l)`, scikit-learn no cap). When a problem reaches it, its
//! current (feasible, not optimal) solution is kept, the gradient is
//! rebuilt so the bias is consistent, and
//! [`SvmModel::reached_max_iter`] returns true.
//!
//! # Layout
//! `kernel` (kernel functions and the rows of `Q`), `cache` (the LRU cache
//! of kernel rows), `solver` (SMO for one binary problem: working-set
//! selection, shrinking, `rho`), `multiclass` (one-vs-one fit and the
//! fitted [`SvmModel`]), `svr` (ε-SVR: the same solver on the doubled
//! problem); the parameters are here.

mod cache;
mod kernel;
mod multiclass;
mod solver;
pub mod svr;
#[cfg(test)]
mod tests;

pub use kernel::KernelKind;
pub use multiclass::{fit, fit_sparse, PairInfo, SvmModel};

use super::core::AlgoError;

/// Hyper-parameters, named and defaulted as scikit-learn's `SVC`.
#[derive(Debug, Clone, PartialEq)]
pub struct SvmParams {
    /// Box constraint `C` (the range of [`C`]). Default 1.
    pub c: f64,
    /// Default RBF.
    pub kernel: KernelKind,
    /// Kernel coefficient for RBF and polynomial kernels (> 0); `None` is
    /// scikit-learn's `"scale"`: `1 / (n_features · X.var())` (variance over
    /// all entries of the training matrix; 1 when that variance is 0).
    pub gamma: Option<f64>,
    /// Polynomial degree (the range of [`DEGREE`]). Default 3.
    pub degree: u32,
    /// Polynomial constant term (the range of [`COEF0`]). Default 0.
    pub coef0: f64,
    /// Stopping tolerance on the maximal KKT violation (> 0). Default 1e-3.
    pub tol: f64,
    /// Kernel-row cache in MiB (> 0), shared by the binary problems solved
    /// at the same time. Default 200. Changes speed only, not the result.
    pub cache_mb: f64,
    /// libsvm's shrinking heuristic. Default on: it gives the same solution
    /// (within `tol`) as without, faster on large problems.
    pub shrinking: bool,
    /// SMO iteration cap per binary problem (>= 1). Default 10,000,000.
    pub max_iter: usize,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            c: 1.0,
            kernel: KernelKind::Rbf,
            gamma: None,
            degree: 3,
            coef0: 0.0,
            tol: 1e-3,
            cache_mb: 200.0,
            shrinking: true,
            max_iter: 10_000_000,
        }
    }
}

impl SvmParams {
    /// Validates every parameter range before fitting.
    pub fn check(&self, n_features: usize) -> Result<(), AlgoError> {
        // The ranges of the registry's parameters live in their spec
        // constants (`C`, `DEGREE`, `COEF0`, `TOL`), nowhere else.
        C.check_float(self.c)?;
        if let Some(g) = self.gamma {
            if !(g.is_finite() && g > 0.0) {
                return Err(AlgoError::param(
                    "gamma",
                    format!("must be a finite number > 0 (or \"scale\"), got {g}"),
                ));
            }
        }
        DEGREE.check_int(i64::from(self.degree))?;
        COEF0.check_float(self.coef0)?;
        TOL.check_float(self.tol)?;
        if !(self.cache_mb.is_finite() && self.cache_mb > 0.0) {
            return Err(AlgoError::param(
                "cache_mb",
                format!("must be a finite number > 0, got {}", self.cache_mb),
            ));
        }
        if self.max_iter == 0 {
            return Err(AlgoError::param("max_iter", "must be >= 1, got 0"));
        }
        if n_features == 0 {
            return Err(AlgoError::BadData(
                "the data has no feature columns".to_string(),
            ));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec,
    ParamValues, SparseFitData, Task, TrainClassifier,
};
use super::core::{Classifier, Progress};

pub const KERNEL: ParamSpec = choice(
    "kernel",
    &["rbf", "linear", "poly"],
    "rbf",
    "kernel function",
);
pub const C: ParamSpec = float("c", 0.0, 1e9, true, "1", "soft-margin penalty C");
pub const GAMMA: ParamSpec = float(
    "gamma",
    0.0,
    1e9,
    false,
    "0",
    "kernel width; 0 = 'scale': 1/(n_features * var(X))",
);
pub const DEGREE: ParamSpec = int("degree", 1, 20, "3", "polynomial kernel degree");
pub const COEF0: ParamSpec = float("coef0", -1e6, 1e6, false, "0", "polynomial kernel constant");
pub const TOL: ParamSpec = float(
    "tol",
    0.0,
    1.0,
    true,
    "0.001",
    "stopping tolerance on the KKT violation",
);

pub const EPSILON: ParamSpec = float(
    "epsilon",
    0.0,
    1e9,
    false,
    "0.1",
    "numeric target (ε-SVR) only: errors within ±epsilon cost nothing",
);

/// Our SMO SVM in the registry.
pub struct Svm;

impl Algorithm for Svm {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "svm",
        title: "Support vector machine (SMO)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-svm is binary only, stores the full n x n kernel, is 40-60x slower and its shrinking gives wrong answers",
        topics: &["svm", "top-ten-algorithms"],
        params: &[KERNEL, C, GAMMA, DEGREE, COEF0, TOL, EPSILON],
    };
    type Params = SvmParams;
    fn params(v: &ParamValues) -> Result<SvmParams, ParamError> {
        let gamma = v.float(&GAMMA)?;
        Ok(SvmParams {
            c: v.float(&C)?,
            kernel: match v.choice(&KERNEL)? {
                "linear" => KernelKind::Linear,
                "poly" => KernelKind::Poly,
                _ => KernelKind::Rbf,
            },
            gamma: (gamma > 0.0).then_some(gamma),
            degree: v.u32(&DEGREE)?,
            coef0: v.float(&COEF0)?,
            tol: v.float(&TOL)?,
            ..SvmParams::default()
        })
    }
}

impl TrainClassifier for SvmParams {
    fn fit(
        &self,
        d: FitData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit(d.x, d.y, d.n_classes, self, seed, progress)?))
    }

    /// Text: kernel rows from sparse dot products, never a dense matrix.
    fn accepts_sparse(&self) -> bool {
        true
    }

    fn fit_sparse(
        &self,
        d: SparseFitData<'_>,
        _seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_sparse(d.x, d.y, d.n_classes, self, progress)?))
    }
}
