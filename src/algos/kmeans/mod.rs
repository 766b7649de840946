//! k-means clustering: Lloyd's algorithm with greedy k-means++ seeding and
//! several restarts, following scikit-learn's `KMeans(init="k-means++",
//! algorithm="lloyd")` (scikit-learn 1.7, `sklearn/cluster/_kmeans.py`).
//!
//! * Seeding: greedy k-means++ (Arthur & Vassilvitskii, "k-means++: the
//!   advantages of careful seeding", SODA 2007), drawing `2 + ⌊ln k⌋`
//!   candidates per centre with probability proportional to the squared
//!   distance to the nearest centre chosen so far, and keeping the candidate
//!   that lowers the potential most (as scikit-learn does).
//! * Iterations: Lloyd (assign each row to its nearest centre, move each
//!   centre to the mean of its rows). Stops when no label changes or when
//!   the squared Frobenius norm of the centre shift is `<= tol * mean(var)`,
//!   the mean over features of the per-feature variance (scikit-learn's
//!   tolerance scaling), or after `max_iter` iterations.
//! * An empty cluster is re-seeded with the row farthest from its own
//!   centre (scikit-learn's `_relocate_empty_clusters`).
//! * `n_init` restarts; the run with the lowest inertia (sum of squared
//!   distances to the closest centre) wins.
//! * Rows are centred before fitting (as scikit-learn does) so the
//!   expanded distance `‖x‖² − 2x·c + ‖c‖²` stays accurate.
//!
//! Why our own and not linfa-clustering: linfa's KMeans reaches the same
//! solutions but is 4–5x slower than scikit-learn here (see
//! LINFA-FINDINGS), and cannot report per-iteration progress or be
//! cancelled. This module reports the inertia after every Lloyd iteration.
//!
//! Determinism: all randomness comes from `rng(seed)`, drawn in the
//! seeding, which is done for every restart (in restart order) before any
//! Lloyd iteration. Rows are processed in fixed-size blocks whose partial
//! sums are combined in block order; with several restarts, whole restarts
//! run on the cores, each on one thread. So the result is the same whatever
//! the number of threads.
//!
//! Speed: the assignment pass takes `‖c‖² − 2x·c` per centre with a
//! four-lane dot product over contiguous centred rows. A matrix product per
//! block of rows (`block · Cᵀ` through matrixmultiply, as scikit-learn does
//! with BLAS) was measured no faster at 20 features and 3 clusters (4.9–5.4
//! against 3.7–4.6 ms a pass over 100,000 rows), so it is not used. Threads
//! per pass lost to one thread on a busy machine (a pass is a few ms, about
//! a scheduler time slice); whole restarts on threads do not.

use std::ops::Range;
use std::sync::OnceLock;

use ndarray::{Array2, ArrayView2};
use rand::Rng as _;

use super::core::{rng, AlgoError, Clusterer, Progress, Rng};

/// Hyper-parameters of k-means (defaults as scikit-learn, except `k`).
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    /// Number of clusters (>= 1, <= number of rows).
    pub k: usize,
    /// Number of k-means++ restarts; the lowest inertia wins (>= 1).
    pub n_init: usize,
    /// Maximum Lloyd iterations per restart (>= 1).
    pub max_iter: usize,
    /// Relative tolerance on the centre shift (>= 0), scaled by the mean
    /// feature variance.
    pub tol: f64,
}

impl Default for KMeansParams {
    fn default() -> Self {
        KMeansParams {
            k: 3,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
        }
    }
}

impl KMeansParams {
    /// Validates every parameter range (the data-dependent `k <= n_rows`
    /// is checked by [`fit`]).
    pub fn check(&self) -> Result<(), AlgoError> {
        if self.k == 0 {
            return Err(AlgoError::param("k", "must be >= 1, got 0"));
        }
        if self.n_init == 0 {
            return Err(AlgoError::param("n_init", "must be >= 1, got 0"));
        }
        if self.max_iter == 0 {
            return Err(AlgoError::param("max_iter", "must be >= 1, got 0"));
        }
        if !self.tol.is_finite() || self.tol < 0.0 {
            return Err(AlgoError::param(
                "tol",
                format!("must be a finite number >= 0, got {}", self.tol),
            ));
        }
        Ok(())
    }
}

/// A fitted k-means clustering.
#[derive(Debug, Clone)]
pub struct KMeansModel {
    centers: Array2<f64>,
    labels: Vec<usize>,
    inertia: f64,
    n_iter: usize,
}

impl KMeansModel {
    /// Cluster centres, `k x n_features`.
    pub fn centers(&self) -> &Array2<f64> {
        &self.centers
    }

    /// Cluster of each training row.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Inertia of the training rows (sum of squared distances to their
    /// centre), scikit-learn's `inertia_`.
    pub fn inertia_value(&self) -> f64 {
        self.inertia
    }

    /// Lloyd iterations of the winning restart (scikit-learn's `n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    pub fn n_features(&self) -> usize {
        self.centers.ncols()
    }

    /// Nearest centre per row, or `BadData` if the feature count differs.
    pub fn try_predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>, AlgoError> {
        check_features(x, self.n_features())?;
        // Contiguous rows and centres, blocks of rows on both cores; each
        // distance is `nearest_exact`'s.
        let d = self.n_features();
        let xs = x.as_standard_layout();
        let cs = self.centers.as_standard_layout();
        let (Some(xs), Some(cs)) = (xs.as_slice(), cs.as_slice()) else {
            return Err(AlgoError::Failed("data is not contiguous".into()));
        };
        let mut out = vec![0usize; x.nrows()];
        if d == 0 {
            return Ok(out);
        }
        par_blocks(x.nrows(), &mut out, 1, cs.len(), |rows, out| {
            for (xi, o) in xs[rows.start * d..rows.end * d].chunks_exact(d).zip(out) {
                *o = nearest_exact(xi, cs).0;
            }
        })?;
        Ok(out)
    }
}

impl Clusterer for KMeansModel {
    fn n_clusters(&self) -> usize {
        self.centers.nrows()
    }

    /// Nearest centre per row. Best effort: if `x` does not have the
    /// training feature count, returns an empty Vec (the registry checks
    /// shapes first; use [`KMeansModel::try_predict`] for an error).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        self.try_predict(x).unwrap_or_default()
    }

    /// Sum of squared distances to the nearest centre; NaN if the feature
    /// count differs from the training data.
    fn inertia(&self, x: ArrayView2<'_, f64>) -> f64 {
        if x.ncols() != self.n_features() {
            return f64::NAN;
        }
        let xs = x.as_standard_layout();
        let cs = self.centers.as_standard_layout();
        let (Some(xs), Some(cs)) = (xs.as_slice(), cs.as_slice()) else {
            return f64::NAN;
        };
        if xs.is_empty() {
            return 0.0;
        }
        xs.chunks_exact(self.n_features().max(1))
            .map(|r| nearest_exact(r, cs).1)
            .sum()
    }
}

/// Fits k-means. Reports `("inertia", value)` after every Lloyd iteration;
/// `iter` counts iterations over all restarts, `total = n_init * max_iter`.
pub fn fit(
    x: ArrayView2<'_, f64>,
    params: &KMeansParams,
    seed: u64,
    progress: &mut Progress,
) -> Result<KMeansModel, AlgoError> {
    fit_on_threads(x, params, seed, progress, n_threads())
}

/// [`fit`] with at most `threads` threads for the restarts (the result is
/// the same for every `threads >= 1`).
pub(crate) fn fit_on_threads(
    x: ArrayView2<'_, f64>,
    params: &KMeansParams,
    seed: u64,
    progress: &mut Progress,
    threads: usize,
) -> Result<KMeansModel, AlgoError> {
    params.check()?;
    let data = Data::new(x, params.k)?;
    let mut rng = rng(seed);
    // All the randomness is in the seeding: draw every restart's start in
    // restart order first, then run the Lloyd restarts (on several cores
    // when there are several restarts; each restart is computed the same
    // way wherever it runs, so the result does not depend on the threads).
    let inits = (0..params.n_init)
        .map(|_| kmeans_plusplus(&data, params.k, &mut rng))
        .collect::<Result<Vec<_>, _>>()?;
    let runs = run_restarts(&data, inits, params, progress, threads)?;
    let mut best: Option<Run> = None;
    for run in runs {
        let better = match &best {
            None => true,
            Some(b) => {
                run.inertia < b.inertia && !same_clustering(&run.labels, &b.labels, params.k)
            }
        };
        if better {
            best = Some(run);
        }
    }
    let run = best.ok_or_else(|| AlgoError::Failed("k-means produced no run".into()))?;
    let d = data.d;
    let mut centers = Array2::zeros((params.k, d));
    for (j, mut row) in centers.rows_mut().into_iter().enumerate() {
        for (a, v) in row.iter_mut().enumerate() {
            *v = run.centers[j * d + a] + data.mean[a];
        }
    }
    Ok(KMeansModel {
        centers,
        labels: run.labels,
        inertia: run.inertia,
        n_iter: run.n_iter,
    })
}

// ---------------------------------------------------------------------------
// Data preparation and shared helpers (also used by the GMM module).

/// Returns `BadData` unless `x` has `n_features` columns and finite values.
pub(crate) fn check_features(x: ArrayView2<'_, f64>, n_features: usize) -> Result<(), AlgoError> {
    if x.ncols() != n_features {
        return Err(AlgoError::BadData(format!(
            "the model was fitted on {} features but the data has {}",
            n_features,
            x.ncols()
        )));
    }
    check_finite(x)
}

/// Returns `BadData` at the first NaN or infinite value.
pub(crate) fn check_finite(x: ArrayView2<'_, f64>) -> Result<(), AlgoError> {
    for (i, row) in x.rows().into_iter().enumerate() {
        if let Some(a) = row.iter().position(|v| !v.is_finite()) {
            return Err(AlgoError::BadData(format!(
                "row {} column {} is not a finite number ({})",
                i + 1,
                a + 1,
                row[a]
            )));
        }
    }
    Ok(())
}

/// Checks a data matrix for clustering into `k` groups: at least one
/// feature, at least `k` rows, all values finite.
pub(crate) fn check_data(x: ArrayView2<'_, f64>, k: usize) -> Result<(), AlgoError> {
    if x.ncols() == 0 {
        return Err(AlgoError::BadData("the data has no feature columns".into()));
    }
    if x.nrows() < k {
        return Err(AlgoError::BadData(format!(
            "{} rows cannot be split into k = {} clusters (need at least k rows)",
            x.nrows(),
            k
        )));
    }
    check_finite(x)
}

/// Index and squared distance of the nearest of the `k` centres stored
/// row after row in `centers` (first on ties), each distance computed
/// directly as `Σ (x - c)²` ([`sq_dist`]'s order of additions).
pub(crate) fn nearest_exact(x: &[f64], centers: &[f64]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    if x.is_empty() {
        return (0, 0.0);
    }
    for (j, c) in centers.chunks_exact(x.len()).enumerate() {
        let d = sq_dist(x, c);
        if d < best.1 {
            best = (j, d);
        }
    }
    best
}

/// Centred rows, contiguous, with their squared norms.
struct Data {
    n: usize,
    d: usize,
    /// `n * d`, row-major, centred.
    x: Vec<f64>,
    /// `‖x_i‖²` of the centred rows.
    norms: Vec<f64>,
    /// Column means that were subtracted.
    mean: Vec<f64>,
    /// `tol` scale: mean over features of the (population) variance.
    mean_var: f64,
}

impl Data {
    fn new(x: ArrayView2<'_, f64>, k: usize) -> Result<Data, AlgoError> {
        check_data(x, k)?;
        let (n, d) = x.dim();
        let mut mean = vec![0.0; d];
        for row in x.rows() {
            for (m, v) in mean.iter_mut().zip(row.iter()) {
                *m += v;
            }
        }
        for m in &mut mean {
            *m /= n as f64;
        }
        let mut xc = Vec::with_capacity(n * d);
        for row in x.rows() {
            xc.extend(row.iter().zip(&mean).map(|(v, m)| v - m));
        }
        let norms: Vec<f64> = xc.chunks_exact(d).map(|r| dot(r, r)).collect();
        let mut var = vec![0.0; d];
        for r in xc.chunks_exact(d) {
            for (s, v) in var.iter_mut().zip(r) {
                *s += v * v;
            }
        }
        let mean_var = var.iter().sum::<f64>() / (n as f64 * d as f64);
        Ok(Data {
            n,
            d,
            x: xc,
            norms,
            mean,
            mean_var,
        })
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}

/// Dot product with four independent accumulators (vectorises well).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut s = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}

/// Squared Euclidean distance.
#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        let t0 = x[0] - y[0];
        let t1 = x[1] - y[1];
        let t2 = x[2] - y[2];
        let t3 = x[3] - y[3];
        acc[0] += t0 * t0;
        acc[1] += t1 * t1;
        acc[2] += t2 * t2;
        acc[3] += t3 * t3;
    }
    let mut s = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += (x - y) * (x - y);
    }
    s
}

// ---------------------------------------------------------------------------
// Deterministic block parallelism.

/// Rows per block. Partial results are per block and combined in block
/// order, so results do not depend on the number of threads.
pub(crate) const BLOCK_ROWS: usize = 512;

/// Passes with less work than this (in multiply-adds, roughly 50 µs) run
/// on the calling thread: spawning would cost more than it saves.
const PAR_MIN_WORK: usize = 150_000;

fn n_threads() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8)
    })
}

/// A block: its index, its rows, and its part of the output.
type Block<'a, T> = (usize, Range<usize>, &'a mut [T]);

/// Runs `f(rows, out_rows)` on every block of `BLOCK_ROWS` rows of an
/// `n_rows`-row problem, where `out_rows` is the matching part of `out`
/// (`width` values per row; `width` may be 0 for no output). Blocks run on
/// up to `available_parallelism` threads when the pass does at least
/// `PAR_MIN_WORK` operations (`work_per_row` each); results come back in
/// block order.
pub(crate) fn par_blocks<T, R, F>(
    n_rows: usize,
    out: &mut [T],
    width: usize,
    work_per_row: usize,
    f: F,
) -> Result<Vec<R>, AlgoError>
where
    T: Send,
    R: Send,
    F: Fn(Range<usize>, &mut [T]) -> R + Sync,
{
    let mut blocks: Vec<Block<'_, T>> = Vec::new();
    let mut rest = out;
    let mut start = 0;
    let mut b = 0;
    while start < n_rows {
        let end = (start + BLOCK_ROWS).min(n_rows);
        let take = ((end - start) * width).min(rest.len());
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
        rest = tail;
        blocks.push((b, start..end, head));
        start = end;
        b += 1;
    }
    let threads = if n_rows.saturating_mul(work_per_row) >= PAR_MIN_WORK {
        n_threads().min(blocks.len())
    } else {
        1
    };
    if threads <= 1 {
        return Ok(blocks.into_iter().map(|(_, r, o)| f(r, o)).collect());
    }
    let mut buckets: Vec<Vec<Block<'_, T>>> = (0..threads).map(|_| Vec::new()).collect();
    for blk in blocks {
        let t = blk.0 % threads;
        buckets[t].push(blk);
    }
    let f = &f;
    let run = move |bucket: Vec<Block<'_, T>>| -> Vec<(usize, R)> {
        bucket.into_iter().map(|(i, r, o)| (i, f(r, o))).collect()
    };
    let mut results: Vec<(usize, R)> = std::thread::scope(|s| {
        let mut it = buckets.into_iter();
        let first = it.next().unwrap_or_default();
        let handles: Vec<_> = it.map(|bk| s.spawn(move || run(bk))).collect();
        let mut res = run(first);
        let mut failed = false;
        for h in handles {
            match h.join() {
                Ok(v) => res.extend(v),
                Err(_) => failed = true,
            }
        }
        if failed {
            Err(AlgoError::Failed("a worker thread panicked".into()))
        } else {
            Ok(res)
        }
    })?;
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

// ---------------------------------------------------------------------------
// k-means++ seeding.

/// Greedy k-means++ on the centred data; returns `k * d` centres.
fn kmeans_plusplus(data: &Data, k: usize, rng: &mut Rng) -> Result<Vec<f64>, AlgoError> {
    let (n, d) = (data.n, data.d);
    let trials = 2 + (k as f64).ln() as usize;
    let mut centers = Vec::with_capacity(k * d);
    let first = rng.gen_range(0..n);
    centers.extend_from_slice(data.row(first));
    // Squared distance of every row to its nearest chosen centre.
    let mut closest = vec![0.0; n];
    let c0 = data.row(first);
    par_blocks(n, &mut closest, 1, d, |rows, out| {
        for (o, i) in out.iter_mut().zip(rows) {
            *o = sq_dist(data.row(i), c0);
        }
    })?;
    let mut pot: f64 = closest.iter().sum();
    let mut cumsum = vec![0.0; n];
    let mut cand_dist = vec![0.0; n * trials];
    let mut cand = vec![0usize; trials];
    for _ in 1..k {
        let mut s = 0.0;
        for (c, v) in cumsum.iter_mut().zip(&closest) {
            s += v;
            *c = s;
        }
        for c in cand.iter_mut() {
            let r = rng.gen::<f64>() * pot;
            *c = cumsum.partition_point(|&v| v < r).min(n - 1);
        }
        let cand_ref = &cand;
        let closest_ref = &closest;
        let partial = par_blocks(n, &mut cand_dist, trials, trials * d, |rows, out| {
            let mut pots = vec![0.0; trials];
            for (o, i) in out.chunks_exact_mut(trials).zip(rows) {
                let xi = data.row(i);
                for ((ot, &c), p) in o.iter_mut().zip(cand_ref).zip(pots.iter_mut()) {
                    let v = sq_dist(xi, data.row(c)).min(closest_ref[i]);
                    *ot = v;
                    *p += v;
                }
            }
            pots
        })?;
        let mut pots = vec![0.0; trials];
        for p in partial {
            for (a, b) in pots.iter_mut().zip(p) {
                *a += b;
            }
        }
        let mut best = 0;
        for (t, &p) in pots.iter().enumerate() {
            if p < pots[best] {
                best = t;
            }
        }
        pot = pots[best];
        for (c, o) in closest.iter_mut().zip(cand_dist.chunks_exact(trials)) {
            *c = o[best];
        }
        centers.extend_from_slice(data.row(cand[best]));
    }
    Ok(centers)
}

// ---------------------------------------------------------------------------
// Lloyd iterations.

struct Run {
    /// `k * d`, centred coordinates.
    centers: Vec<f64>,
    labels: Vec<usize>,
    inertia: f64,
    n_iter: usize,
}

/// Per-block result of an assignment pass.
struct Acc {
    sums: Vec<f64>,
    counts: Vec<usize>,
    inertia: f64,
    changed: usize,
}

/// Assigns every row to its nearest centre (expanded distance), writing
/// `labels`; with `update`, also accumulates per-cluster sums and counts.
/// With `par`, blocks of rows may run on several threads.
fn assign(
    data: &Data,
    centers: &[f64],
    k: usize,
    labels: &mut [usize],
    update: bool,
    par: bool,
) -> Result<Acc, AlgoError> {
    let d = data.d;
    let cnorm: Vec<f64> = centers.chunks_exact(d).map(|c| dot(c, c)).collect();
    let cnorm = &cnorm;
    // Work 0 keeps `par_blocks` on this thread (same blocks, same sums).
    let work = if par { k * d } else { 0 };
    let partial = par_blocks(data.n, labels, 1, work, |rows, lab| {
        let mut acc = Acc {
            sums: if update { vec![0.0; k * d] } else { Vec::new() },
            counts: vec![0; k],
            inertia: 0.0,
            changed: 0,
        };
        for (l, i) in lab.iter_mut().zip(rows) {
            let xi = data.row(i);
            let mut bj = 0;
            let mut bd = f64::INFINITY;
            for (j, (c, cn)) in centers.chunks_exact(d).zip(cnorm).enumerate() {
                let v = cn - 2.0 * dot(xi, c);
                let better = v < bd;
                bd = if better { v } else { bd };
                bj = if better { j } else { bj };
            }
            acc.inertia += (data.norms[i] + bd).max(0.0);
            acc.changed += usize::from(*l != bj);
            *l = bj;
            acc.counts[bj] += 1;
            if update {
                for (s, v) in acc.sums[bj * d..(bj + 1) * d].iter_mut().zip(xi) {
                    *s += v;
                }
            }
        }
        acc
    })?;
    let mut total = Acc {
        sums: vec![0.0; if update { k * d } else { 0 }],
        counts: vec![0; k],
        inertia: 0.0,
        changed: 0,
    };
    for p in partial {
        for (a, b) in total.sums.iter_mut().zip(&p.sums) {
            *a += b;
        }
        for (a, b) in total.counts.iter_mut().zip(&p.counts) {
            *a += b;
        }
        total.inertia += p.inertia;
        total.changed += p.changed;
    }
    Ok(total)
}

/// Moves rows into empty clusters: each empty cluster takes the row that
/// is farthest from the centre it was assigned to (scikit-learn's rule).
/// Updates `acc.sums` / `acc.counts` only; labels follow next iteration.
fn relocate_empty(data: &Data, centers: &[f64], labels: &[usize], acc: &mut Acc, k: usize) {
    let d = data.d;
    let empty: Vec<usize> = (0..k).filter(|&j| acc.counts[j] == 0).collect();
    if empty.is_empty() {
        return;
    }
    let mut far: Vec<(f64, usize)> = (0..data.n)
        .map(|i| {
            let l = labels[i];
            (sq_dist(data.row(i), &centers[l * d..(l + 1) * d]), i)
        })
        .collect();
    far.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (&j, &(_, i)) in empty.iter().zip(&far) {
        let old = labels[i];
        let xi = data.row(i);
        if acc.counts[old] > 0 {
            for (s, v) in acc.sums[old * d..(old + 1) * d].iter_mut().zip(xi) {
                *s -= v;
            }
            acc.counts[old] -= 1;
        }
        acc.sums[j * d..(j + 1) * d].copy_from_slice(xi);
        acc.counts[j] = 1;
    }
}

/// One restart of Lloyd's algorithm from `centers`; `report` gets the
/// inertia after every iteration (and may cancel); `par` lets each pass
/// spread its row blocks over the cores.
fn lloyd(
    data: &Data,
    mut centers: Vec<f64>,
    params: &KMeansParams,
    par: bool,
    report: &mut dyn FnMut(f64) -> Result<(), AlgoError>,
) -> Result<Run, AlgoError> {
    let (k, d) = (params.k, data.d);
    let tol = params.tol * data.mean_var;
    let mut labels = vec![usize::MAX; data.n];
    let mut strict = false;
    let mut n_iter = 0;
    let mut new_centers = vec![0.0; k * d];
    for it in 0..params.max_iter {
        let mut acc = assign(data, &centers, k, &mut labels, true, par)?;
        let relocated = acc.counts.contains(&0);
        if relocated {
            relocate_empty(data, &centers, &labels, &mut acc, k);
        }
        for j in 0..k {
            let c = &mut new_centers[j * d..(j + 1) * d];
            if acc.counts[j] > 0 {
                let inv = 1.0 / acc.counts[j] as f64;
                for (v, s) in c.iter_mut().zip(&acc.sums[j * d..(j + 1) * d]) {
                    *v = s * inv;
                }
            } else {
                c.copy_from_slice(&centers[j * d..(j + 1) * d]);
            }
        }
        let shift: f64 = new_centers
            .iter()
            .zip(&centers)
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        std::mem::swap(&mut centers, &mut new_centers);
        n_iter = it + 1;
        report(acc.inertia)?;
        if acc.changed == 0 && !relocated {
            strict = true;
            break;
        }
        if shift <= tol {
            break;
        }
    }
    if !strict {
        // Make the labels match the final centres.
        assign(data, &centers, k, &mut labels, false, par)?;
    }
    let inertia = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| sq_dist(data.row(i), &centers[l * d..(l + 1) * d]))
        .sum();
    Ok(Run {
        centers,
        labels,
        inertia,
        n_iter,
    })
}

/// What a restart worker tells the thread that owns `progress`.
enum Msg {
    /// Restart `r` finished an iteration with this inertia.
    Iter(usize, f64),
    /// Restart `r` ended.
    Done(usize, Result<Run, AlgoError>),
}

/// Runs one Lloyd restart per start in `inits` and returns them in restart
/// order. With one restart (or one core) they run one after the other, each
/// pass spread over the cores by row blocks. With several, whole restarts
/// are handed out to the cores (a restart is long enough that waiting for a
/// thread to be scheduled costs little, where per-pass threads lose on a
/// busy machine), each run on one thread. Either way a restart does the same
/// arithmetic, so the runs, and the reports, are those of the sequential
/// order: progress reports are passed on in restart order (a later
/// restart's are held back until the earlier ones have ended), with
/// `iter` counting iterations over all restarts.
fn run_restarts(
    data: &Data,
    inits: Vec<Vec<f64>>,
    params: &KMeansParams,
    progress: &mut Progress,
    threads: usize,
) -> Result<Vec<Run>, AlgoError> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{mpsc, Mutex};

    let total = params.n_init.saturating_mul(params.max_iter);
    let mut done = 0usize;
    let threads = threads.min(inits.len());
    let small = data.n.saturating_mul(params.k * data.d) < PAR_MIN_WORK;
    if threads <= 1 || small {
        let mut runs = Vec::with_capacity(inits.len());
        for init in inits {
            let mut report = |v: f64| {
                done += 1;
                progress.report(done, total, "inertia", v)
            };
            runs.push(lloyd(data, init, params, true, &mut report)?);
        }
        return Ok(runs);
    }
    let n_runs = inits.len();
    let queue: Vec<Mutex<Option<Vec<f64>>>> =
        inits.into_iter().map(|c| Mutex::new(Some(c))).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Msg>();
    let worker = |tx: mpsc::Sender<Msg>| loop {
        let r = next.fetch_add(1, Ordering::SeqCst);
        if r >= n_runs || stop.load(Ordering::SeqCst) {
            break;
        }
        let init = queue[r].lock().ok().and_then(|mut c| c.take());
        let Some(init) = init else {
            let _ = tx.send(Msg::Done(r, Err(AlgoError::Failed("restart lost".into()))));
            break;
        };
        let mut report = |v: f64| {
            if stop.load(Ordering::SeqCst) {
                return Err(AlgoError::Cancelled);
            }
            // The receiver only goes away once every run is in.
            let _ = tx.send(Msg::Iter(r, v));
            Ok(())
        };
        let run = lloyd(data, init, params, false, &mut report);
        let _ = tx.send(Msg::Done(r, run));
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let tx = tx.clone();
                s.spawn(move || worker(tx))
            })
            .collect();
        drop(tx);
        // Reports of restart `current` go out as they come; later ones wait.
        let mut held: Vec<Vec<f64>> = vec![Vec::new(); n_runs];
        let mut ended: Vec<Option<Result<Run, AlgoError>>> = (0..n_runs).map(|_| None).collect();
        let mut current = 0usize;
        let mut error: Option<AlgoError> = None;
        let mut emit = |v: f64, error: &mut Option<AlgoError>| {
            if error.is_none() {
                done += 1;
                if let Err(e) = progress.report(done, total, "inertia", v) {
                    stop.store(true, Ordering::SeqCst);
                    *error = Some(e);
                }
            }
        };
        for msg in rx.iter() {
            match msg {
                Msg::Iter(r, v) if r == current => emit(v, &mut error),
                Msg::Iter(r, v) => held[r].push(v),
                Msg::Done(r, run) => {
                    if let Err(e) = &run {
                        if error.is_none() {
                            stop.store(true, Ordering::SeqCst);
                            error = Some(e.clone());
                        }
                    }
                    ended[r] = Some(run);
                    while current < n_runs && ended[current].is_some() {
                        current += 1;
                        if current < n_runs {
                            for v in std::mem::take(&mut held[current]) {
                                emit(v, &mut error);
                            }
                        }
                    }
                }
            }
        }
        let mut panicked = false;
        for h in handles {
            panicked |= h.join().is_err();
        }
        if let Some(e) = error {
            return Err(e);
        }
        if panicked {
            return Err(AlgoError::Failed("a worker thread panicked".into()));
        }
        ended
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(AlgoError::Failed("a restart did not end".into()))))
            .collect()
    })
}

/// True if two labelings are the same partition up to a renaming of the
/// clusters (scikit-learn's `_is_same_clustering`).
fn same_clustering(a: &[usize], b: &[usize], k: usize) -> bool {
    let mut map = vec![usize::MAX; k];
    for (&x, &y) in a.iter().zip(b) {
        if x >= k || y >= k {
            return false;
        }
        if map[x] == usize::MAX {
            map[x] = y;
        } else if map[x] != y {
            return false;
        }
    }
    true
}

#[cfg(test)]
pub(crate) mod tests;

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
    TrainClusterer,
};

pub const K: ParamSpec = int("k", 1, 1000, "3", "number of clusters");
pub const N_INIT: ParamSpec = int("n_init", 1, 1000, "10", "restarts; the lowest inertia wins");
pub const MAX_ITER: ParamSpec = int(
    "max_iter",
    1,
    100_000,
    "300",
    "Lloyd iterations per restart",
);

/// k-means in the registry.
pub struct KMeans;

impl Algorithm for KMeans {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "kmeans",
        title: "k-means (k-means++ and Lloyd)",
        task: Task::Clustering,
        implementation: Implementation::Own,
        why: "linfa-clustering reaches the same solutions 4-5x slower than scikit-learn",
        topics: &["kmeans", "em"],
        params: &[K, N_INIT, MAX_ITER],
    };
    type Params = KMeansParams;
    fn params(v: &ParamValues) -> Result<KMeansParams, ParamError> {
        Ok(KMeansParams {
            k: v.usize(&K)?,
            n_init: v.usize(&N_INIT)?,
            max_iter: v.usize(&MAX_ITER)?,
            ..KMeansParams::default()
        })
    }
}

impl TrainClusterer for KMeansParams {
    fn fit(
        &self,
        x: ArrayView2<'_, f64>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Clusterer>, AlgoError> {
        Ok(Box::new(fit(x, self, seed, progress)?))
    }
}
