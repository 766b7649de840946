//! Principal component analysis, our own (the comment on [`pca`] says what
//! is wrong with linfa-reduction's).

use ndarray::{Array2, ArrayView2, Axis};

use super::core::AlgoError;

/// PCA: the projection on the first components and the share of the total
/// variance each explains.
pub struct PcaResult {
    pub projection: Array2<f64>,
    pub explained_variance_ratio: Vec<f64>,
}

/// Our own PCA (eigen-decomposition of the covariance matrix by cyclic
/// Jacobi rotations). Not linfa-reduction's: in 0.8.1 its explained-variance
/// ratios are normalised over the computed components only (iris: 0.946 /
/// 0.054 where scikit-learn gives 0.925 / 0.053; digits 0.52 / 0.48 vs
/// 0.149 / 0.136), and its randomised truncated SVD panics ("NaN values in
/// array") on unscaled wine and breast_cancer.
pub fn pca(x: ArrayView2<'_, f64>, components: usize) -> Result<PcaResult, AlgoError> {
    let (n, d) = x.dim();
    if components == 0 || components > d {
        return Err(AlgoError::param(
            "components",
            format!("must be between 1 and the number of features ({d}), got {components}"),
        ));
    }
    if n < 2 {
        return Err(AlgoError::BadData("PCA needs at least two rows".into()));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(AlgoError::BadData("PCA needs finite values".into()));
    }
    let mean = x
        .mean_axis(Axis(0))
        .ok_or_else(|| AlgoError::BadData("no rows".into()))?;
    let xc = &x - &mean;
    // Total variance is the trace of the covariance: the column variances.
    let total: f64 = xc.iter().map(|v| v * v).sum::<f64>() / (n as f64 - 1.0);
    let (values, vectors) = if d <= EXACT_PCA_MAX_FEATURES {
        let cov = xc.t().dot(&xc) / (n as f64 - 1.0);
        let (values, vectors) = jacobi_eigen(cov);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let vals: Vec<f64> = order.iter().take(components).map(|&i| values[i]).collect();
        let vecs = Array2::from_shape_fn((d, components), |(r, k)| vectors[(r, order[k])]);
        (vals, vecs)
    } else {
        top_eigen(&xc, components)
    };
    let mut basis = Array2::zeros((d, components));
    let mut ratio = Vec::with_capacity(components);
    for (k, value) in values.iter().enumerate().take(components) {
        let mut v = vectors.column(k).to_owned();
        // Sign convention: the largest entry of each component is positive.
        let big = v
            .iter()
            .copied()
            .fold(0.0f64, |m, e| if e.abs() > m.abs() { e } else { m });
        if big < 0.0 {
            v.mapv_inplace(|e| -e);
        }
        basis.column_mut(k).assign(&v);
        ratio.push(if total > 0.0 {
            value.max(0.0) / total
        } else {
            0.0
        });
    }
    Ok(PcaResult {
        projection: xc.dot(&basis),
        explained_variance_ratio: ratio,
    })
}

/// Up to this many features PCA diagonalises the covariance matrix exactly
/// (Jacobi); above it (e.g. TF-IDF text) the leading components come from
/// orthogonal iteration on X, which never forms the d x d matrix.
const EXACT_PCA_MAX_FEATURES: usize = 200;

/// The `k` leading eigenpairs of the covariance of centred `xc` by
/// orthogonal (block power) iteration: V <- orth(Xc^T (Xc V)), from a fixed
/// start so results are reproducible.
fn top_eigen(xc: &Array2<f64>, k: usize) -> (Vec<f64>, Array2<f64>) {
    let (n, d) = xc.dim();
    let mut v = Array2::from_shape_fn((d, k), |(i, j)| {
        (((i * 7 + j * 13) % 17) as f64 - 8.0) / 8.0 + if i == j { 1.0 } else { 0.0 }
    });
    orthonormalise(&mut v);
    let mut values = vec![0.0; k];
    for _ in 0..300 {
        let mut w = xc.t().dot(&xc.dot(&v)) / (n as f64 - 1.0);
        let new_values: Vec<f64> = (0..k).map(|j| v.column(j).dot(&w.column(j))).collect();
        orthonormalise(&mut w);
        let change: f64 = new_values
            .iter()
            .zip(&values)
            .map(|(a, b)| (a - b).abs())
            .sum();
        let scale: f64 = new_values
            .iter()
            .map(|a| a.abs())
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
        v = w;
        values = new_values;
        if change <= 1e-12 * scale {
            break;
        }
    }
    (values, v)
}

/// Gram-Schmidt on the columns (twice, for stability).
fn orthonormalise(v: &mut Array2<f64>) {
    for _ in 0..2 {
        for j in 0..v.ncols() {
            for i in 0..j {
                let proj = v.column(i).dot(&v.column(j));
                let ci = v.column(i).to_owned();
                let mut cj = v.column_mut(j);
                cj.scaled_add(-proj, &ci);
            }
            let norm = v.column(j).dot(&v.column(j)).sqrt();
            if norm > 0.0 {
                v.column_mut(j).mapv_inplace(|e| e / norm);
            }
        }
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic
/// Jacobi rotations: simple, accurate, and fine for the few hundred
/// dimensions of tabular data.
fn jacobi_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let d = a.nrows();
    let mut v = Array2::<f64>::eye(d);
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let mut off = 0.0;
        for p in 0..d {
            for q in (p + 1)..d {
                off += a[(p, q)] * a[(p, q)];
            }
        }
        if off.sqrt() <= 1e-14 * scale {
            break;
        }
        for p in 0..d {
            for q in (p + 1)..d {
                let apq = a[(p, q)];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[(q, q)] - a[(p, p)]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let akp = a[(k, p)];
                    let akq = a[(k, q)];
                    a[(k, p)] = c * akp - s * akq;
                    a[(k, q)] = s * akp + c * akq;
                }
                for k in 0..d {
                    let apk = a[(p, k)];
                    let aqk = a[(q, k)];
                    a[(p, k)] = c * apk - s * aqk;
                    a[(q, k)] = s * apk + c * aqk;
                }
                for k in 0..d {
                    let vkp = v[(k, p)];
                    let vkq = v[(k, q)];
                    v[(k, p)] = c * vkp - s * vkq;
                    v[(k, q)] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..d).map(|i| a[(i, i)]).collect(), v)
}

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, reducing.
// ---------------------------------------------------------------------------

use super::algorithm::{
    int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Reduce, Task,
};

pub const COMPONENTS: ParamSpec = int(
    "components",
    1,
    10_000,
    "2",
    "number of principal components",
);

/// PCA in the registry.
pub struct Pca;

/// Typed parameters of [`Pca`].
#[derive(Debug, Clone, PartialEq)]
pub struct PcaParams {
    pub components: usize,
}

impl Algorithm for Pca {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "pca",
        title: "Principal component analysis",
        task: Task::Reduction,
        implementation: Implementation::Own,
        why: "linfa-reduction 0.8.1 normalises explained variance over the kept components only and panics on unscaled wine",
        topics: &["svd"],
        params: &[COMPONENTS],
    };
    type Params = PcaParams;
    fn params(v: &ParamValues) -> Result<PcaParams, ParamError> {
        Ok(PcaParams {
            components: v.usize(&COMPONENTS)?,
        })
    }
}

impl Reduce for PcaParams {
    fn reduce(&self, x: ArrayView2<'_, f64>) -> Result<PcaResult, AlgoError> {
        pca(x, self.components)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn pca_matches_sklearn_on_iris() {
        // The reference figures (tests/reference/sklearn_reference.json):
        // PCA(svd_solver="full").fit(iris).explained_variance_ratio_[:3]
        let text = include_str!("../../datasets/iris.csv");
        let rows: Vec<Vec<f64>> = text
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .take(4)
                    .map(|v| v.parse().expect("number"))
                    .collect()
            })
            .collect();
        let x = Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j]);
        let r = pca(x.view(), 3).expect("pca");
        let want = [0.924618723202, 0.0530664831171, 0.0171026098079];
        for (got, want) in r.explained_variance_ratio.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        // Projections are centred and uncorrelated.
        let c0 = r.projection.column(0);
        let c1 = r.projection.column(1);
        assert!(c0.sum().abs() < 1e-9);
        assert!(c0.dot(&c1).abs() < 1e-6);
    }

    #[test]
    fn orthogonal_iteration_agrees_with_jacobi() {
        let x = Array2::from_shape_fn((60, 12), |(i, j)| {
            (((i * 31 + j * 17) % 23) as f64).sin() * (j as f64 + 1.0)
        });
        let mean = x.mean_axis(Axis(0)).expect("mean");
        let xc = &x - &mean;
        let (big, _) = top_eigen(&xc, 2);
        let cov = xc.t().dot(&xc) / 59.0;
        let (mut all, _) = jacobi_eigen(cov);
        all.sort_by(|a, b| b.total_cmp(a));
        assert!(
            (big[0] - all[0]).abs() < 1e-6 * all[0],
            "{} vs {}",
            big[0],
            all[0]
        );
        assert!(
            (big[1] - all[1]).abs() < 1e-6 * all[0],
            "{} vs {}",
            big[1],
            all[1]
        );
    }

    #[test]
    fn pca_explains_variance_in_order() {
        let x = array![
            [2.0, 0.0, 1.0],
            [0.0, 1.0, 0.5],
            [4.0, 1.0, 2.0],
            [6.0, 0.0, 3.1],
            [1.0, 2.0, 0.4]
        ];
        let r = pca(x.view(), 2).expect("pca");
        assert_eq!(r.projection.dim(), (5, 2));
        assert!(r.explained_variance_ratio[0] >= r.explained_variance_ratio[1]);
        assert!(r.explained_variance_ratio.iter().sum::<f64>() <= 1.0 + 1e-9);
        assert!(pca(x.view(), 4).is_err());
    }
}
