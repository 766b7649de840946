//! Linear regression and its penalised forms, following scikit-learn 1.7:
//!
//! - `linear-regression` (`LinearRegression`): least squares by Householder
//!   QR on centred data ([`lstsq`]), the intercept from the means; a
//!   rank-deficient design is refused with the column named (scikit-learn
//!   silently returns the minimum-norm solution instead). Standard errors
//!   from `σ̂² (XᵀX)⁻¹`, `σ̂² = RSS / (n - p - 1)`.
//! - `ridge` (`Ridge`): `min ||y - Xw||² + alpha ||w||²` (no 1/n), by
//!   Cholesky on the centred normal equations `(XᵀX + alpha I) w = Xᵀy`.
//! - `lasso`, `elastic-net` (`Lasso`, `ElasticNet`): coordinate descent
//!   ([`cd`]) on `1/(2n) ||y - Xw||² + alpha·l1_ratio·|w|₁ +
//!   alpha·(1 - l1_ratio)/2·|w|²`, the same stopping rule (weight change,
//!   then duality gap).
//!
//! Why our own: linfa-linear 0.8 has OLS without standard errors or a rank
//! message and linfa-elasticnet stops on a different rule (and pulls in
//! ndarray-linalg's BLAS build); these are a few hundred lines each.

pub mod cd;
pub mod lstsq;

use ndarray::{Array1, Array2, ArrayView2};

use super::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, LassoPath, ParamError, ParamSpec, ParamValues,
    RegressData, Task, TrainRegressor,
};
use super::core::{AlgoError, Coefficients, Progress, Regressor};

/// `intercept + x · coef`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub coefficients: Coefficients,
    /// Coordinate descent: sweeps made (0 for closed forms).
    pub n_iter: usize,
}

impl Regressor for LinearModel {
    fn n_features(&self) -> usize {
        self.coefficients.coef.len()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        if x.ncols() != self.n_features() {
            return Vec::new();
        }
        let w = Array1::from(self.coefficients.coef.clone());
        x.dot(&w)
            .iter()
            .map(|v| v + self.coefficients.intercept)
            .collect()
    }
    fn coefficients(&self) -> Option<Coefficients> {
        Some(self.coefficients.clone())
    }
}

fn check(d: &RegressData<'_>) -> Result<(), AlgoError> {
    let (n, p) = d.x.dim();
    if n != d.y.len() {
        return Err(AlgoError::BadData(format!(
            "{n} rows of features but {} target values",
            d.y.len()
        )));
    }
    if n < 2 || p == 0 {
        return Err(AlgoError::BadData(format!(
            "a linear model needs at least 2 rows and 1 feature, got {n} x {p}"
        )));
    }
    if let Some(((r, j), v)) = d.x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "feature {}, row {r}: {v} is not a finite number",
            d.names
                .get(j)
                .cloned()
                .unwrap_or_else(|| (j + 1).to_string())
        )));
    }
    if let Some((r, v)) = d.y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "target row {r}: {v} is not a finite number"
        )));
    }
    Ok(())
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Ordinary least squares with standard errors.
pub fn fit_ols(d: RegressData<'_>) -> Result<LinearModel, AlgoError> {
    check(&d)?;
    let (n, p) = d.x.dim();
    let xm =
        d.x.mean_axis(ndarray::Axis(0))
            .unwrap_or_else(|| Array1::zeros(p));
    let ym = mean(d.y);
    let xc = &d.x - &xm;
    let yc = Array1::from_iter(d.y.iter().map(|v| v - ym));
    if n <= p {
        return Err(AlgoError::BadData(format!(
            "least squares with an intercept needs more rows than features; got {n} rows for \
             {p} features. Use ridge or lasso instead"
        )));
    }
    let sol = lstsq::qr_solve(xc.view(), yc.view(), d.names)?;
    let intercept = ym - xm.iter().zip(&sol.w).map(|(a, b)| a * b).sum::<f64>();
    let fitted = xc.dot(&Array1::from(sol.w.clone()));
    let rss: f64 = yc.iter().zip(&fitted).map(|(a, b)| (a - b).powi(2)).sum();
    let dof = n - p - 1;
    let std_err = (dof > 0).then(|| {
        let s2 = rss / dof as f64;
        let se: Vec<f64> = (0..p)
            .map(|j| (s2 * sol.xtx_inv[j * p + j]).sqrt())
            .collect();
        // Var(b0) = s² (1/n + x̄ᵀ (XcᵀXc)⁻¹ x̄)
        let mut q = 0.0;
        for i in 0..p {
            for j in 0..p {
                q += xm[i] * sol.xtx_inv[i * p + j] * xm[j];
            }
        }
        ((s2 * (1.0 / n as f64 + q)).sqrt(), se)
    });
    Ok(LinearModel {
        coefficients: Coefficients {
            intercept,
            coef: sol.w,
            std_err,
        },
        n_iter: 0,
    })
}

/// Ridge by Cholesky on the centred normal equations.
pub fn fit_ridge(d: RegressData<'_>, alpha: f64) -> Result<LinearModel, AlgoError> {
    check(&d)?;
    let p = d.x.ncols();
    let xm =
        d.x.mean_axis(ndarray::Axis(0))
            .unwrap_or_else(|| Array1::zeros(p));
    let ym = mean(d.y);
    let xc = &d.x - &xm;
    let yc = Array1::from_iter(d.y.iter().map(|v| v - ym));
    let mut a: Array2<f64> = xc.t().dot(&xc);
    for j in 0..p {
        a[(j, j)] += alpha;
    }
    let b = xc.t().dot(&yc).to_vec();
    let w = lstsq::cholesky_solve(&a, &b).map_err(|e| match e {
        AlgoError::Failed(m) if alpha == 0.0 => AlgoError::BadData(format!(
            "{m}; with alpha=0 ridge is least squares and the features are rank deficient: \
             use alpha > 0"
        )),
        other => other,
    })?;
    let intercept = ym - xm.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
    Ok(LinearModel {
        coefficients: Coefficients {
            intercept,
            coef: w,
            std_err: None,
        },
        n_iter: 0,
    })
}

/// Settings of the coordinate descent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnetParams {
    pub alpha: f64,
    /// 1 = lasso, 0 = ridge-like (scaled by 1/(2n)).
    pub l1_ratio: f64,
    pub max_iter: usize,
    pub tol: f64,
}

/// Lasso / elastic net by coordinate descent from zero weights.
pub fn fit_enet(
    d: RegressData<'_>,
    p: &EnetParams,
    progress: &mut Progress<'_>,
) -> Result<LinearModel, AlgoError> {
    check(&d)?;
    let n = d.x.nrows();
    let (cols, xm) = cd::centred_columns(d.x);
    let ym = mean(d.y);
    let yc: Vec<f64> = d.y.iter().map(|v| v - ym).collect();
    let fit = cd::enet_cd(
        &cols,
        n,
        &yc,
        vec![0.0; xm.len()],
        p.alpha,
        p.l1_ratio,
        p.max_iter,
        p.tol,
        progress,
    )?;
    let intercept = ym - xm.iter().zip(&fit.w).map(|(a, b)| a * b).sum::<f64>();
    Ok(LinearModel {
        coefficients: Coefficients {
            intercept,
            coef: fit.w,
            std_err: None,
        },
        n_iter: fit.n_iter,
    })
}

/// Points on the path (the chart's resolution).
pub const PATH_ALPHAS: usize = 40;

/// The lasso / elastic-net path, warm-started down the alpha grid.
pub fn path(
    d: RegressData<'_>,
    l1_ratio: f64,
    max_iter: usize,
    tol: f64,
) -> Result<LassoPath, AlgoError> {
    check(&d)?;
    let n = d.x.nrows();
    let (cols, xm) = cd::centred_columns(d.x);
    let ym = mean(d.y);
    let yc: Vec<f64> = d.y.iter().map(|v| v - ym).collect();
    let alphas = cd::alpha_grid(&cols, n, &yc, l1_ratio, PATH_ALPHAS);
    let mut w = vec![0.0; xm.len()];
    let mut coefs = vec![Vec::with_capacity(alphas.len()); xm.len()];
    for &a in &alphas {
        let fit = cd::enet_cd(
            &cols,
            n,
            &yc,
            w,
            a,
            l1_ratio,
            max_iter,
            tol,
            &mut Progress::none(),
        )?;
        for (c, v) in coefs.iter_mut().zip(&fit.w) {
            c.push(*v);
        }
        w = fit.w;
    }
    Ok(LassoPath {
        l1_ratio,
        alphas,
        coefs,
    })
}

// ---------------------------------------------------------------------------
// The registry's view.
// ---------------------------------------------------------------------------

pub const RIDGE_ALPHA: ParamSpec = float(
    "alpha",
    0.0,
    1e9,
    false,
    "1",
    "L2 penalty: minimise ||y - Xw||² + alpha ||w||²",
);
pub const ALPHA: ParamSpec = float(
    "alpha",
    0.0,
    1e9,
    true,
    "1",
    "penalty strength (the loss is scaled by 1/(2n), as scikit-learn)",
);
pub const L1_RATIO: ParamSpec = float(
    "l1_ratio",
    0.0,
    1.0,
    false,
    "0.5",
    "share of the penalty that is L1 (1 = lasso, 0 = ridge)",
);
pub const MAX_ITER: ParamSpec = int(
    "max_iter",
    1,
    1_000_000,
    "1000",
    "coordinate-descent sweeps at most",
);
pub const TOL: ParamSpec = float(
    "tol",
    0.0,
    1.0,
    true,
    "0.0001",
    "stop when the duality gap is below tol · ||y||²",
);

const TOPICS: &[&str] = &["linear-regression", "regularized-regression"];
const WHY: &str = "linfa-linear has no standard errors nor a rank message; linfa-elasticnet stops on another rule and needs a BLAS build";

/// Ordinary least squares in the registry.
pub struct LinearRegression;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OlsParams;

impl Algorithm for LinearRegression {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "linear-regression",
        title: "Linear regression (least squares, QR)",
        task: Task::Regression,
        implementation: Implementation::Own,
        why: WHY,
        topics: &["linear-regression"],
        params: &[],
    };
    type Params = OlsParams;
    fn params(_: &ParamValues) -> Result<OlsParams, ParamError> {
        Ok(OlsParams)
    }
}

impl TrainRegressor for OlsParams {
    fn fit(
        &self,
        d: RegressData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError> {
        Ok(Box::new(fit_ols(d)?))
    }
    fn lasso_path(&self, d: RegressData<'_>) -> Option<Result<LassoPath, AlgoError>> {
        Some(path(d, 1.0, 1000, 1e-4))
    }
}

/// Ridge in the registry.
pub struct Ridge;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RidgeParams {
    pub alpha: f64,
}

impl Algorithm for Ridge {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "ridge",
        title: "Ridge regression (L2, closed form)",
        task: Task::Regression,
        implementation: Implementation::Own,
        why: WHY,
        topics: TOPICS,
        params: &[RIDGE_ALPHA],
    };
    type Params = RidgeParams;
    fn params(v: &ParamValues) -> Result<RidgeParams, ParamError> {
        Ok(RidgeParams {
            alpha: v.float(&RIDGE_ALPHA)?,
        })
    }
}

impl TrainRegressor for RidgeParams {
    fn fit(
        &self,
        d: RegressData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError> {
        Ok(Box::new(fit_ridge(d, self.alpha)?))
    }
    fn lasso_path(&self, d: RegressData<'_>) -> Option<Result<LassoPath, AlgoError>> {
        Some(path(d, 1.0, 1000, 1e-4))
    }
}

/// The lasso in the registry.
pub struct Lasso;

impl Algorithm for Lasso {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "lasso",
        title: "Lasso (L1, coordinate descent)",
        task: Task::Regression,
        implementation: Implementation::Own,
        why: WHY,
        topics: TOPICS,
        params: &[ALPHA, MAX_ITER, TOL],
    };
    type Params = EnetParams;
    fn params(v: &ParamValues) -> Result<EnetParams, ParamError> {
        Ok(EnetParams {
            alpha: v.float(&ALPHA)?,
            l1_ratio: 1.0,
            max_iter: v.usize(&MAX_ITER)?,
            tol: v.float(&TOL)?,
        })
    }
}

/// The elastic net in the registry.
pub struct ElasticNet;

impl Algorithm for ElasticNet {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "elastic-net",
        title: "Elastic net (L1 + L2, coordinate descent)",
        task: Task::Regression,
        implementation: Implementation::Own,
        why: WHY,
        topics: TOPICS,
        params: &[ALPHA, L1_RATIO, MAX_ITER, TOL],
    };
    type Params = EnetParams;
    fn params(v: &ParamValues) -> Result<EnetParams, ParamError> {
        Ok(EnetParams {
            alpha: v.float(&ALPHA)?,
            l1_ratio: v.float(&L1_RATIO)?,
            max_iter: v.usize(&MAX_ITER)?,
            tol: v.float(&TOL)?,
        })
    }
}

impl TrainRegressor for EnetParams {
    fn fit(
        &self,
        d: RegressData<'_>,
        _seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError> {
        Ok(Box::new(fit_enet(d, self, progress)?))
    }
    fn lasso_path(&self, d: RegressData<'_>) -> Option<Result<LassoPath, AlgoError>> {
        // The path of this model's own mix (pure L2 has no finite alpha_max:
        // show the lasso's then).
        let r = if self.l1_ratio > 0.0 {
            self.l1_ratio
        } else {
            1.0
        };
        Some(path(d, r, self.max_iter, self.tol))
    }
}

#[cfg(test)]
mod tests;
