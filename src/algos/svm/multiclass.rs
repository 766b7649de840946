//! One-vs-one multiclass: rows grouped by class, the `k(k-1)/2` binary
//! problems solved (on several threads when useful, reported in pair order),
//! and the fitted [`SvmModel`] with its decision functions and voting.

use super::kernel::{KData, Kernel};
use super::solver::{Solution, Solver};
use super::SvmParams;
use crate::algos::core::{AlgoError, Classifier, Progress};
use crate::data::sparse::Csr;
use ndarray::{Array2, ArrayView2};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Writes the kernel values of row `r` against every support vector into
/// its second argument, given a zeroed scratch row (the first).
type KernelRowFill<'a> = dyn Fn(usize, &mut [f64], &mut [f64]) + Sync + 'a;

/// Solution summary of one binary (one-vs-one) problem.
#[derive(Debug, Clone, PartialEq)]
pub struct PairInfo {
    /// The two classes: `dual` is solved with `y = +1` for `classes.0`.
    pub classes: (usize, usize),
    /// Final dual objective `½ aᵀQa − eᵀa` (libsvm's `obj`).
    pub dual_objective: f64,
    /// libsvm's `rho`: the decision value is `Σ coef_i K(x_i, x) − rho`.
    pub rho: f64,
    /// SMO iterations used.
    pub iterations: usize,
    /// The iteration cap was reached before the tolerance.
    pub reached_max_iter: bool,
}

#[derive(Debug, Clone)]
struct PairModel {
    /// Label positions (indices into `SvmModel::labels`), a < b.
    a: usize,
    b: usize,
    /// Coefficients `y_i alpha_i` of the support vectors of label a
    /// (all of them, zero where unused by this pair), then of label b.
    coef_a: Vec<f64>,
    coef_b: Vec<f64>,
    info: PairInfo,
}

/// A fitted support vector classifier.
#[derive(Debug, Clone)]
pub struct SvmModel {
    n_features: usize,
    n_classes: usize,
    kernel: Kernel,
    /// Classes present in the training data, ascending.
    labels: Vec<usize>,
    /// Support vectors, grouped by label.
    sv: SvRows,
    /// Training-row index of each support vector.
    sv_rows: Vec<usize>,
    /// Per label: first support vector and count.
    sv_start: Vec<usize>,
    sv_count: Vec<usize>,
    pairs: Vec<PairModel>,
}

/// Support vectors as they were given: dense rows (row-major), or sparse
/// rows (text) with their squared norms.
#[derive(Debug, Clone)]
enum SvRows {
    Dense(Vec<f64>),
    Sparse { m: Csr, sq: Vec<f64> },
}

// ------------------------------------------------------------------ fit

/// Training rows: a dense matrix, or sparse rows (never densified).
#[derive(Clone, Copy)]
enum Input<'a> {
    Dense(ArrayView2<'a, f64>),
    Sparse(&'a Csr),
}

/// Grouped rows, dense (row-major, `d` a row) or sparse.
enum GroupedRows {
    Dense(Vec<f64>),
    Sparse(Csr),
}

/// Rows grouped by label (libsvm's `svm_group_classes`, labels sorted).
struct Grouped {
    x: GroupedRows,
    d: usize,
    /// Training row of each grouped row.
    rows: Vec<usize>,
    start: Vec<usize>,
    count: Vec<usize>,
}

fn solve_pair(
    gr: &Grouped,
    a: usize,
    b: usize,
    kernel: Kernel,
    params: &SvmParams,
    cache_mb: f64,
    beat: &mut dyn FnMut(f64) -> bool,
) -> Result<Solution, AlgoError> {
    let d = gr.d;
    let (sa, ca, sb, cb) = (gr.start[a], gr.count[a], gr.start[b], gr.count[b]);
    let mut y = vec![1i8; ca];
    y.resize(ca + cb, -1);
    let kd = match &gr.x {
        GroupedRows::Dense(gx) => {
            let mut x = Vec::with_capacity((ca + cb) * d);
            x.extend_from_slice(&gx[sa * d..(sa + ca) * d]);
            x.extend_from_slice(&gx[sb * d..(sb + cb) * d]);
            KData::new(x, d, y, kernel)
        }
        GroupedRows::Sparse(m) => {
            let rows: Vec<usize> = (sa..sa + ca).chain(sb..sb + cb).collect();
            KData::new_sparse(m.select_rows(&rows), y, kernel)
        }
    };
    Solver::new(kd, params.c, params.tol, cache_mb).solve(params.shrinking, params.max_iter, beat)
}

enum Msg {
    Beat(usize, f64),
    Done(usize, Result<Solution, AlgoError>),
}

/// Solves all pairs, on several threads when useful; reports in pair order.
fn solve_all(
    gr: &Grouped,
    pairs: &[(usize, usize)],
    kernel: Kernel,
    params: &SvmParams,
    progress: &mut Progress,
) -> Result<Vec<Solution>, AlgoError> {
    const METRIC: &str = "dual objective";
    let n_pairs = pairs.len();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(n_pairs);
    if threads <= 1 {
        let mut out = Vec::with_capacity(n_pairs);
        for (p, &(a, b)) in pairs.iter().enumerate() {
            let mut beat = |obj: f64| progress.report(p + 1, n_pairs, METRIC, obj).is_ok();
            let sol = solve_pair(gr, a, b, kernel, params, params.cache_mb, &mut beat)?;
            progress.report(p + 1, n_pairs, METRIC, sol.obj)?;
            out.push(sol);
        }
        return Ok(out);
    }

    // The caches of the problems solved at the same time share `cache_mb`.
    let cache_mb = params.cache_mb / threads as f64;
    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let mut results: Vec<Option<Solution>> = (0..n_pairs).map(|_| None).collect();
    let mut failure: Option<AlgoError> = None;
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<Msg>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, cancel) = (&next, &cancel);
            s.spawn(move || loop {
                let p = next.fetch_add(1, Ordering::SeqCst);
                if p >= n_pairs || cancel.load(Ordering::SeqCst) {
                    break;
                }
                let (a, b) = pairs[p];
                let mut beat = |obj: f64| {
                    let _ = tx.send(Msg::Beat(p, obj));
                    !cancel.load(Ordering::SeqCst)
                };
                let res = solve_pair(gr, a, b, kernel, params, cache_mb, &mut beat);
                let _ = tx.send(Msg::Done(p, res));
            });
        }
        drop(tx);
        let mut reported = 0usize;
        for msg in rx {
            match msg {
                Msg::Beat(p, obj) => {
                    if failure.is_none() && progress.report(p + 1, n_pairs, METRIC, obj).is_err() {
                        failure = Some(AlgoError::Cancelled);
                        cancel.store(true, Ordering::SeqCst);
                    }
                }
                Msg::Done(p, Ok(sol)) => {
                    results[p] = Some(sol);
                    while failure.is_none() && reported < n_pairs {
                        let Some(sol) = &results[reported] else { break };
                        if progress
                            .report(reported + 1, n_pairs, METRIC, sol.obj)
                            .is_err()
                        {
                            failure = Some(AlgoError::Cancelled);
                            cancel.store(true, Ordering::SeqCst);
                        }
                        reported += 1;
                    }
                }
                Msg::Done(_, Err(e)) => {
                    if failure.is_none() {
                        failure = Some(e);
                    }
                    cancel.store(true, Ordering::SeqCst);
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    results
        .into_iter()
        .map(|r| r.ok_or_else(|| AlgoError::Failed("a binary SVM problem was not solved".into())))
        .collect()
}

/// Fits a C-SVC (one-vs-one for more than two classes).
///
/// `y` holds class indices in `0..n_classes`; at least two classes must be
/// present (classes without samples get no votes and a zero score). `seed`
/// is unused (the method is deterministic).
pub fn fit(
    x: ArrayView2<f64>,
    y: &[usize],
    n_classes: usize,
    params: &SvmParams,
    seed: u64,
    progress: &mut Progress,
) -> Result<SvmModel, AlgoError> {
    let _ = seed;
    fit_input(Input::Dense(x), y, n_classes, params, progress)
}

/// [`fit`] on sparse rows (vectorised text): kernel rows come from sparse
/// dot products, and no dense copy of `x` is made. On the same numbers the
/// model is the one [`fit`] gives on the dense matrix (the kernel values are
/// the same bits), except that gamma = "scale" is computed from the stored
/// entries (`E[x²] − E[x]²` over all `n · d` cells, as scikit-learn does for
/// sparse input), which can differ from the dense two-pass variance in the
/// last digits.
pub fn fit_sparse(
    x: &Csr,
    y: &[usize],
    n_classes: usize,
    params: &SvmParams,
    progress: &mut Progress,
) -> Result<SvmModel, AlgoError> {
    fit_input(Input::Sparse(x), y, n_classes, params, progress)
}

fn fit_input(
    x: Input<'_>,
    y: &[usize],
    n_classes: usize,
    params: &SvmParams,
    progress: &mut Progress,
) -> Result<SvmModel, AlgoError> {
    let (n, d) = match x {
        Input::Dense(x) => x.dim(),
        Input::Sparse(m) => (m.nrows(), m.ncols()),
    };
    params.check(d)?;
    if n != y.len() {
        return Err(AlgoError::BadData(format!(
            "x has {n} rows but y has {} labels",
            y.len()
        )));
    }
    if n_classes < 2 {
        return Err(AlgoError::BadData(format!(
            "a classifier needs at least 2 classes, got n_classes = {n_classes}"
        )));
    }
    if let Some(&bad) = y.iter().find(|&&c| c >= n_classes) {
        return Err(AlgoError::BadData(format!(
            "label {bad} is out of range for {n_classes} classes"
        )));
    }
    let finite = match x {
        Input::Dense(x) => x.iter().all(|v| v.is_finite()),
        Input::Sparse(m) => m.values().iter().all(|v| v.is_finite()),
    };
    if !finite {
        return Err(AlgoError::BadData(
            "x contains NaN or infinite values".to_string(),
        ));
    }
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    let labels: Vec<usize> = (0..n_classes).filter(|&c| counts[c] > 0).collect();
    if labels.len() < 2 {
        return Err(AlgoError::BadData(format!(
            "the training data must contain at least 2 classes, found {}",
            labels.len()
        )));
    }

    // gamma = "scale": 1 / (n_features * X.var()), numpy's two-pass variance.
    let gamma = match params.gamma {
        Some(g) => g,
        None => {
            let m = (n * d) as f64;
            let var = match x {
                Input::Dense(x) => {
                    let mean = x.iter().sum::<f64>() / m;
                    x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / m
                }
                Input::Sparse(s) => {
                    let mean = s.values().iter().sum::<f64>() / m;
                    let sq = s.values().iter().map(|v| v * v).sum::<f64>() / m;
                    sq - mean * mean
                }
            };
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

    // Group rows by label, stable within a label (libsvm's permutation).
    let k = labels.len();
    let mut pos_of_class = vec![usize::MAX; n_classes];
    for (p, &c) in labels.iter().enumerate() {
        pos_of_class[c] = p;
    }
    let count: Vec<usize> = labels.iter().map(|&c| counts[c]).collect();
    let mut start = vec![0usize; k];
    for p in 1..k {
        start[p] = start[p - 1] + count[p - 1];
    }
    let mut fill = start.clone();
    let mut rows = vec![0usize; n];
    for (i, &c) in y.iter().enumerate() {
        let p = pos_of_class[c];
        rows[fill[p]] = i;
        fill[p] += 1;
    }
    let gx = match x {
        Input::Dense(x) => {
            let mut gx = Vec::with_capacity(n * d);
            for &r in &rows {
                gx.extend(x.row(r).iter());
            }
            GroupedRows::Dense(gx)
        }
        Input::Sparse(m) => GroupedRows::Sparse(m.select_rows(&rows)),
    };
    let gr = Grouped {
        x: gx,
        d,
        rows,
        start,
        count,
    };

    let pairs: Vec<(usize, usize)> = (0..k)
        .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
        .collect();
    let sols = solve_all(&gr, &pairs, kernel, params, progress)?;

    // Support vectors: rows with a nonzero coefficient in any pair.
    let mut nonzero = vec![false; n];
    for (&(a, b), sol) in pairs.iter().zip(&sols) {
        let (sa, ca, sb) = (gr.start[a], gr.count[a], gr.start[b]);
        for (t, &cf) in sol.coef.iter().enumerate() {
            if cf != 0.0 {
                let g = if t < ca { sa + t } else { sb + t - ca };
                nonzero[g] = true;
            }
        }
    }
    // Position of each grouped row among its label's support vectors.
    let mut sv_pos = vec![usize::MAX; n];
    let mut sv_grouped = Vec::new();
    let mut sv_rows = Vec::new();
    let mut sv_start = vec![0usize; k];
    let mut sv_count = vec![0usize; k];
    for p in 0..k {
        sv_start[p] = sv_rows.len();
        for g in gr.start[p]..gr.start[p] + gr.count[p] {
            if nonzero[g] {
                sv_pos[g] = sv_count[p];
                sv_count[p] += 1;
                sv_rows.push(gr.rows[g]);
                sv_grouped.push(g);
            }
        }
    }
    let sv = match &gr.x {
        GroupedRows::Dense(gx) => {
            let mut sv = Vec::with_capacity(sv_grouped.len() * d);
            for &g in &sv_grouped {
                sv.extend_from_slice(&gx[g * d..g * d + d]);
            }
            SvRows::Dense(sv)
        }
        GroupedRows::Sparse(m) => {
            let m = m.select_rows(&sv_grouped);
            let sq = m
                .rows()
                .map(|(_, v)| v.iter().fold(0.0, |s, x| s + x * x))
                .collect();
            SvRows::Sparse { m, sq }
        }
    };
    let mut pair_models = Vec::with_capacity(pairs.len());
    for (&(a, b), sol) in pairs.iter().zip(sols) {
        let (sa, ca, sb) = (gr.start[a], gr.count[a], gr.start[b]);
        let mut coef_a = vec![0.0; sv_count[a]];
        let mut coef_b = vec![0.0; sv_count[b]];
        for (t, &cf) in sol.coef.iter().enumerate() {
            if cf != 0.0 {
                if t < ca {
                    coef_a[sv_pos[sa + t]] = cf;
                } else {
                    coef_b[sv_pos[sb + t - ca]] = cf;
                }
            }
        }
        pair_models.push(PairModel {
            a,
            b,
            coef_a,
            coef_b,
            info: PairInfo {
                classes: (labels[a], labels[b]),
                dual_objective: sol.obj,
                rho: sol.rho,
                iterations: sol.iterations,
                reached_max_iter: sol.reached_max_iter,
            },
        });
    }
    Ok(SvmModel {
        n_features: d,
        n_classes,
        kernel,
        labels,
        sv,
        sv_rows,
        sv_start,
        sv_count,
        pairs: pair_models,
    })
}

// -------------------------------------------------------------- predict

impl SvmModel {
    /// Number of support vectors per class (`n_classes` entries; scikit-learn's
    /// `n_support_`, with 0 for classes absent from the training data).
    pub fn n_support(&self) -> Vec<usize> {
        let mut out = vec![0; self.n_classes];
        for (p, &c) in self.labels.iter().enumerate() {
            out[c] = self.sv_count[p];
        }
        out
    }

    /// Training-row indices of the support vectors, grouped by class
    /// (scikit-learn's `support_`).
    pub fn support_indices(&self) -> &[usize] {
        &self.sv_rows
    }

    /// The gamma actually used (resolved from "scale" if needed).
    pub fn gamma(&self) -> f64 {
        self.kernel.gamma
    }

    /// One entry per binary problem, in pair order.
    pub fn pair_info(&self) -> Vec<PairInfo> {
        self.pairs.iter().map(|p| p.info.clone()).collect()
    }

    /// True if some binary problem stopped at `max_iter` instead of `tol`.
    pub fn reached_max_iter(&self) -> bool {
        self.pairs.iter().any(|p| p.info.reached_max_iter)
    }

    /// Raw one-vs-one decision values, `n_rows x n_pairs` in pair order,
    /// positive in favour of the pair's lower class (libsvm's sign, and
    /// scikit-learn's `decision_function_shape="ovo"` for > 2 classes).
    /// Empty (0 columns) if the feature count does not match.
    pub fn decision_function_ovo(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let n = x.nrows();
        if x.ncols() != self.n_features {
            return Array2::zeros((n, 0));
        }
        let work = n
            .saturating_mul(self.sv_rows.len().max(1))
            .saturating_mul(self.n_features);
        self.decisions(n, work, &|r, row, kv| {
            for (v, &e) in row.iter_mut().zip(x.row(r).iter()) {
                *v = e;
            }
            self.kernel_values(row, kv);
        })
    }

    /// [`SvmModel::decision_function_ovo`] on sparse rows (text), without
    /// a dense copy of them. Empty (0 columns) if the column count does not
    /// match.
    pub fn decision_function_ovo_sparse(&self, x: &Csr) -> Array2<f64> {
        let n = x.nrows();
        if x.ncols() != self.n_features {
            return Array2::zeros((n, 0));
        }
        let nnz_sv = match &self.sv {
            SvRows::Dense(_) => self.sv_rows.len().saturating_mul(self.n_features),
            SvRows::Sparse { m, .. } => m.nnz(),
        };
        let work = n.saturating_mul(nnz_sv.max(1));
        self.decisions(n, work, &|r, row, kv| {
            // Scatter the row into the dense scratch row, use it, clear it.
            let (ix, v) = x.row(r);
            for (&c, &val) in ix.iter().zip(v) {
                row[c] = val;
            }
            self.kernel_values(row, kv);
            for &c in ix {
                row[c] = 0.0;
            }
        })
    }

    /// Decision values of `n` rows; `fill(r, scratch, kv)` writes the kernel
    /// values of row `r` against every support vector into `kv`, given a
    /// zeroed scratch row of `n_features` values that it must leave zeroed
    /// or overwrite whole. Rows are split over threads when `work` is large.
    fn decisions(&self, n: usize, work: usize, fill: &KernelRowFill) -> Array2<f64> {
        let np = self.pairs.len();
        let mut out = vec![0.0; n * np];
        if n == 0 || np == 0 {
            return Array2::zeros((n, np));
        }
        let threads = if work > 2_000_000 {
            std::thread::available_parallelism()
                .map(|t| t.get())
                .unwrap_or(1)
                .min(n)
        } else {
            1
        };
        let rows_per = n.div_ceil(threads);
        std::thread::scope(|s| {
            for (ci, chunk) in out.chunks_mut(rows_per * np).enumerate() {
                let mut job = move || {
                    let mut kv = vec![0.0; self.sv_rows.len()];
                    let mut row = vec![0.0; self.n_features];
                    for (r, dst) in chunk.chunks_mut(np).enumerate() {
                        fill(ci * rows_per + r, &mut row, &mut kv);
                        self.pair_values(&kv, dst);
                    }
                };
                if threads == 1 {
                    job();
                } else {
                    s.spawn(job);
                }
            }
        });
        Array2::from_shape_vec((n, np), out).unwrap_or_else(|_| Array2::zeros((n, np)))
    }

    /// `K(row, sv)` for every support vector, `row` dense.
    fn kernel_values(&self, row: &[f64], kv: &mut [f64]) {
        match &self.sv {
            SvRows::Dense(sv) => {
                for (v, s) in kv.iter_mut().zip(sv.chunks_exact(self.n_features)) {
                    *v = self.kernel.eval(row, s);
                }
            }
            SvRows::Sparse { m, sq } => {
                let sq_row = if self.kernel.kind == super::KernelKind::Rbf {
                    row.iter().fold(0.0, |s, x| s + x * x)
                } else {
                    0.0
                };
                for ((v, (ix, vals)), &sq_s) in kv.iter_mut().zip(m.rows()).zip(sq) {
                    let dot = ix.iter().zip(vals).fold(0.0, |s, (&c, &x)| s + row[c] * x);
                    *v = self.kernel.value_from_dot(dot, sq_row, sq_s);
                }
            }
        }
    }

    fn pair_values(&self, kv: &[f64], out: &mut [f64]) {
        for (o, p) in out.iter_mut().zip(&self.pairs) {
            let ka = &kv[self.sv_start[p.a]..self.sv_start[p.a] + self.sv_count[p.a]];
            let kb = &kv[self.sv_start[p.b]..self.sv_start[p.b] + self.sv_count[p.b]];
            let sa: f64 = p.coef_a.iter().zip(ka).map(|(c, k)| c * k).sum();
            let sb: f64 = p.coef_b.iter().zip(kb).map(|(c, k)| c * k).sum();
            *o = sa + sb - p.info.rho;
        }
    }

    /// Binary decision function (scikit-learn's `decision_function` for two
    /// classes): positive means the higher of the two trained classes.
    /// `None` unless exactly two classes were present in training, or if the
    /// feature count does not match.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Option<Vec<f64>> {
        if self.pairs.len() != 1 || x.ncols() != self.n_features {
            return None;
        }
        let dec = self.decision_function_ovo(x);
        Some(dec.column(0).iter().map(|v| -v).collect())
    }

    fn vote(&self, dec: &[f64]) -> usize {
        let mut votes = vec![0usize; self.labels.len()];
        for (p, &v) in self.pairs.iter().zip(dec) {
            if v > 0.0 {
                votes[p.a] += 1;
            } else {
                votes[p.b] += 1;
            }
        }
        let mut best = 0;
        for (i, &v) in votes.iter().enumerate() {
            if v > votes[best] {
                best = i;
            }
        }
        self.labels[best]
    }
}

impl SvmModel {
    /// Votes of each row of one-vs-one decision values.
    fn votes(&self, dec: &Array2<f64>) -> Vec<usize> {
        dec.rows()
            .into_iter()
            .map(|r| match r.as_slice() {
                Some(s) => self.vote(s),
                None => self.vote(&r.to_vec()),
            })
            .collect()
    }

    /// Class scores from one-vs-one decision values (see `scores`).
    fn scores_from(&self, dec: &Array2<f64>) -> Array2<f64> {
        let n = dec.nrows();
        let mut out = Array2::zeros((n, self.n_classes));
        if self.n_classes == 2 && self.pairs.len() == 1 {
            for r in 0..n {
                out[[r, 0]] = dec[[r, 0]];
                out[[r, 1]] = -dec[[r, 0]];
            }
            return out;
        }
        let mut conf = vec![0.0; self.n_classes];
        for r in 0..n {
            conf.iter_mut().for_each(|c| *c = 0.0);
            for (q, p) in self.pairs.iter().enumerate() {
                let v = dec[[r, q]];
                let (ca, cb) = (self.labels[p.a], self.labels[p.b]);
                conf[ca] += v;
                conf[cb] -= v;
                if v >= 0.0 {
                    out[[r, ca]] += 1.0;
                } else {
                    out[[r, cb]] += 1.0;
                }
            }
            for (c, &s) in conf.iter().enumerate() {
                out[[r, c]] += s / (3.0 * (s.abs() + 1.0));
            }
        }
        out
    }
}

impl Classifier for SvmModel {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// One-vs-one voting, ties to the lower class (libsvm). Returns an empty
    /// Vec if the feature count does not match the training data.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        if x.ncols() != self.n_features {
            return Vec::new();
        }
        self.votes(&self.decision_function_ovo(x))
    }

    /// Two classes: `[-f, f]` with `f` the decision function
    /// ([`SvmModel::decision_function`]). More classes: scikit-learn's
    /// `decision_function_shape="ovr"` values, i.e. the one-vs-one vote
    /// count of each class plus `s / (3 (|s| + 1))` where `s` is the sum of
    /// its one-vs-one decision values (a margin in (-1/3, 1/3) that breaks
    /// ties; its argmax can differ from `predict` on exact vote ties).
    /// `None` if the feature count does not match.
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features {
            return None;
        }
        Some(self.scores_from(&self.decision_function_ovo(x)))
    }

    fn predict_sparse(&self, x: &Csr) -> Option<Vec<usize>> {
        if x.ncols() != self.n_features {
            return None;
        }
        Some(self.votes(&self.decision_function_ovo_sparse(x)))
    }

    fn scores_sparse(&self, x: &Csr) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features {
            return None;
        }
        Some(self.scores_from(&self.decision_function_ovo_sparse(x)))
    }
}
