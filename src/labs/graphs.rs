//! What the graph labs (`gcn`, `node-embedding`) and the representation
//! labs (`contrastive`, `multimodal`) share: the karate club as a graph, the
//! GCN's normalised adjacency, a 2-D projection by our PCA, a scatter of
//! points by group, a logistic-regression probe, nearest-neighbour agreement
//! and the effective rank of an embedding.

use ndarray::{Array2, ArrayView2, Axis};

use super::{LabError, Scatter};
use crate::algos::logistic::{fit_lbfgs, LbfgsParams};
use crate::algos::{pca, Progress};
use crate::data::graph::{load_graph, GraphData};

/// The graph the user chose (`karate`, the only bundled one, by default).
pub fn karate(dataset: Option<&str>) -> Result<GraphData, LabError> {
    Ok(load_graph(dataset.unwrap_or("karate"))?)
}

/// `D^-1/2 (A + I) D^-1/2` of an unweighted graph (Kipf & Welling's
/// renormalised adjacency): self-loops added, each entry divided by the
/// square roots of both end points' degrees (self-loop included).
pub fn normalised_adjacency(g: &GraphData) -> Array2<f64> {
    let n = g.n_nodes;
    let mut a = Array2::<f64>::eye(n);
    for &(u, v, _) in &g.edges {
        a[[u, v]] = 1.0;
        a[[v, u]] = 1.0;
    }
    let d: Vec<f64> = a.rows().into_iter().map(|r| r.sum()).collect();
    for ((i, j), v) in a.indexed_iter_mut() {
        *v /= (d[i] * d[j]).sqrt();
    }
    a
}

/// The first two principal components of `x` (our PCA) and the share of
/// variance they explain. A 2-column input is returned as it is.
pub fn project_2d(x: ArrayView2<'_, f64>) -> Result<(Array2<f64>, f64), LabError> {
    if x.ncols() == 2 {
        return Ok((x.to_owned(), 1.0));
    }
    let r = pca::pca(x, 2)?;
    Ok((r.projection, r.explained_variance_ratio.iter().sum()))
}

/// A scatter of the rows of `xy` (2 columns) grouped by `labels`.
pub fn scatter_by(
    mut s: Scatter,
    xy: ArrayView2<'_, f64>,
    labels: &[usize],
    names: &[String],
) -> Scatter {
    // Name every group first so the legend keeps class order.
    for n in names {
        s.groups.push(super::Series {
            name: n.clone(),
            points: Vec::new(),
        });
    }
    for (row, &c) in xy.rows().into_iter().zip(labels) {
        if let Some(g) = s.groups.get_mut(c) {
            g.points.push([row[0], row[1]]);
        }
    }
    s.groups.retain(|g| !g.points.is_empty());
    s
}

/// Share of rows whose nearest other row (cosine similarity) has the same
/// label.
pub fn nearest_neighbour_agreement(x: ArrayView2<'_, f64>, labels: &[usize]) -> f64 {
    let n = x.nrows();
    if n < 2 {
        return 0.0;
    }
    let norms: Vec<f64> = x
        .rows()
        .into_iter()
        .map(|r| r.dot(&r).sqrt().max(1e-12))
        .collect();
    let mut same = 0usize;
    for i in 0..n {
        let mut best = (f64::NEG_INFINITY, i);
        for j in 0..n {
            if j == i {
                continue;
            }
            let c = x.row(i).dot(&x.row(j)) / (norms[i] * norms[j]);
            if c > best.0 {
                best = (c, j);
            }
        }
        if labels[best.1] == labels[i] {
            same += 1;
        }
    }
    same as f64 / n as f64
}

/// Cosine similarities of every pair of rows.
pub fn cosine_matrix(x: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut u = x.to_owned();
    for mut r in u.rows_mut() {
        let n = r.dot(&r).sqrt().max(1e-12);
        r.mapv_inplace(|v| v / n);
    }
    u.dot(&u.t())
}

/// Logistic regression (our L-BFGS, C = 1) fitted on the rows `train` of
/// `x`, its accuracy on the rows `test`. Features are standardised with the
/// training rows' statistics first.
pub fn probe_accuracy(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    train: &[usize],
    test: &[usize],
) -> Result<f64, LabError> {
    let xtr = x.select(Axis(0), train);
    let xte = x.select(Axis(0), test);
    let mean = xtr
        .mean_axis(Axis(0))
        .unwrap_or_else(|| ndarray::Array1::zeros(x.ncols()));
    let sd = xtr
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 1e-12 { s } else { 1.0 });
    let xtr = (&xtr - &mean) / &sd;
    let xte = (&xte - &mean) / &sd;
    let ytr: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    let params = LbfgsParams {
        max_iter: 300,
        ..LbfgsParams::default()
    };
    let m = fit_lbfgs(
        xtr.view(),
        &ytr,
        n_classes,
        &params,
        0,
        &mut Progress::none(),
    )?;
    let Some(p) = m.decision_function(xte.view()) else {
        return Err(LabError::setup("probe: feature count mismatch"));
    };
    let right = p
        .rows()
        .into_iter()
        .zip(test)
        .filter(|(r, &i)| argmax(r.iter().copied()) == y[i])
        .count();
    Ok(right as f64 / test.len().max(1) as f64)
}

/// Leave-one-out accuracy of [`probe_accuracy`] (small sets: 34 nodes).
pub fn probe_leave_one_out(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
) -> Result<f64, LabError> {
    let n = x.nrows();
    let mut right = 0.0;
    for i in 0..n {
        let train: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        right += probe_accuracy(x, y, n_classes, &train, &[i])?;
    }
    Ok(right / n.max(1) as f64)
}

/// Index of the largest value (the first on ties; 0 for none).
pub fn argmax(v: impl Iterator<Item = f64>) -> usize {
    let mut best = (f64::NEG_INFINITY, 0);
    for (i, x) in v.enumerate() {
        if x > best.0 {
            best = (x, i);
        }
    }
    best.1
}

/// Effective rank of an embedding (Roy & Vetterli): `exp` of the entropy of
/// its normalised singular values, after centring the rows. 1 when every
/// row lies on one line, `d` when all directions carry equal variance.
pub fn effective_rank(x: ArrayView2<'_, f64>) -> f64 {
    let n = x.nrows();
    if n < 2 {
        return 0.0;
    }
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| ndarray::Array1::zeros(x.ncols()));
    let xc = &x - &mean;
    let cov = xc.t().dot(&xc) / (n as f64 - 1.0);
    // Singular values of xc are sqrt of the eigenvalues of its covariance.
    let eig = symmetric_eigenvalues(cov);
    let sv: Vec<f64> = eig.iter().map(|&e| e.max(0.0).sqrt()).collect();
    let total: f64 = sv.iter().sum();
    if total <= 1e-12 {
        return 0.0;
    }
    let h: f64 = sv
        .iter()
        .map(|&s| s / total)
        .filter(|&p| p > 0.0)
        .map(|p| -p * p.ln())
        .sum();
    h.exp()
}

/// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations.
fn symmetric_eigenvalues(mut a: Array2<f64>) -> Vec<f64> {
    let d = a.nrows();
    for _sweep in 0..60 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[[i, j]] * a[[i, j]])
            .sum();
        if off < 1e-20 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[[p, q]];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let akp = a[[k, p]];
                    let akq = a[[k, q]];
                    a[[k, p]] = c * akp - s * akq;
                    a[[k, q]] = s * akp + c * akq;
                }
                for k in 0..d {
                    let apk = a[[p, k]];
                    let aqk = a[[q, k]];
                    a[[p, k]] = c * apk - s * aqk;
                    a[[q, k]] = s * apk + c * aqk;
                }
            }
        }
    }
    (0..d).map(|i| a[[i, i]]).collect()
}

/// Mean over the columns of each column's standard deviation.
pub fn mean_std(x: ArrayView2<'_, f64>) -> f64 {
    if x.nrows() < 2 {
        return 0.0;
    }
    x.std_axis(Axis(0), 0.0).mean().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn effective_rank_of_known_spectra() {
        // Two directions with equal spread: rank 2; one line: rank 1.
        let x = array![[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
        assert!((effective_rank(x.view()) - 2.0).abs() < 1e-9);
        let line = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
        assert!((effective_rank(line.view()) - 1.0).abs() < 1e-6);
        let same = array![[1.0, 2.0], [1.0, 2.0]];
        assert_eq!(effective_rank(same.view()), 0.0);
        let e = symmetric_eigenvalues(array![[2.0, 1.0], [1.0, 2.0]]);
        let mut e = e;
        e.sort_by(f64::total_cmp);
        assert!((e[0] - 1.0).abs() < 1e-12 && (e[1] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn nearest_neighbours_and_probe() {
        let x = array![[1.0, 0.1], [1.0, 0.2], [-1.0, 0.1], [-1.0, 0.3]];
        assert_eq!(nearest_neighbour_agreement(x.view(), &[0, 0, 1, 1]), 1.0);
        assert_eq!(nearest_neighbour_agreement(x.view(), &[0, 1, 0, 1]), 0.0);
        // Ten points per class on either side of x = 0.
        let x = Array2::from_shape_fn((20, 2), |(i, j)| {
            let k = (i % 10) as f64;
            match (i < 10, j) {
                (true, 0) => 1.0 + 0.1 * k,
                (false, 0) => -1.0 - 0.1 * k,
                _ => 0.05 * k,
            }
        });
        let y: Vec<usize> = (0..20).map(|i| usize::from(i >= 10)).collect();
        let acc = probe_leave_one_out(x.view(), &y, 2).unwrap();
        assert_eq!(acc, 1.0);
        let train: Vec<usize> = (0..20).filter(|i| i % 2 == 0).collect();
        let test: Vec<usize> = (0..20).filter(|i| i % 2 == 1).collect();
        let half = probe_accuracy(x.view(), &y, 2, &train, &test);
        assert_eq!(half.unwrap(), 1.0);
    }
}
