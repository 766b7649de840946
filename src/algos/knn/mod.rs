//! k-nearest-neighbour classification, scikit-learn's
//! `KNeighborsClassifier`: the k training rows nearest to a query vote for
//! its class, each with weight 1 (`uniform`) or 1/distance (`distance`).
//!
//! The neighbour search is exact, either brute force or a KD-tree of our
//! own. Not the `kiddo` crate: its trees take the dimension as a const
//! generic (`KdTree<f64, K>`), while ours is only known when a CSV is read
//! (4 for iris, 13 for wine, 64 for digits), so using it would mean one
//! monomorphised tree per dimension behind a match; it also does not
//! promise which of several equidistant points it returns, and we want
//! brute force and the tree to agree exactly (below). The tree here is
//! about 150 lines.
//!
//! Ties, as close to scikit-learn as practical:
//! - Neighbours are ordered by (distance, training row index), so of
//!   several training rows at exactly the k-th distance the earliest rows
//!   are kept, in both searches alike. (scikit-learn's brute force keeps
//!   index order for equal distances in most cases; its trees may keep
//!   another of the tied rows.)
//! - A class vote tie goes to the smallest class index, as scikit-learn's
//!   `argmax` over `predict_proba` (and `scipy.stats.mode`).
//! - With `distance` weights, a query that coincides with training rows
//!   (distance 0) gives those rows all the weight (1 each) and the others
//!   none, as scikit-learn's `_get_weights`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::core::{AlgoError, Classifier};

/// The distance between two rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    Euclidean,
    Manhattan,
    Chebyshev,
    /// (Σ |xᵢ − yᵢ|^p)^(1/p), p ≥ 1 (p = 1 and 2 are read as Manhattan
    /// and Euclidean, as scikit-learn does).
    Minkowski(f64),
}

impl Metric {
    /// Minkowski with p = 1 or 2 is the Manhattan or Euclidean metric
    /// (scikit-learn swaps them in the same way), computed without `powf`.
    fn normalised(self) -> Metric {
        match self {
            Metric::Minkowski(1.0) => Metric::Manhattan,
            Metric::Minkowski(2.0) => Metric::Euclidean,
            m => m,
        }
    }

    /// The contribution of one coordinate difference to the reduced
    /// distance (monotone in the true distance: no square or p-th root).
    #[inline]
    fn term(self, diff: f64) -> f64 {
        match self {
            Metric::Euclidean => diff * diff,
            Metric::Manhattan | Metric::Chebyshev => diff.abs(),
            Metric::Minkowski(p) => diff.abs().powf(p),
        }
    }

    /// Reduced distance between two rows: Σ terms, or the largest term for
    /// Chebyshev.
    #[inline]
    fn reduced(self, a: &[f64], b: &[f64]) -> f64 {
        // Plain index loops: as fast as iterator chains when optimised, and
        // several times faster in the debug builds the tests run in.
        let n = a.len().min(b.len());
        let mut acc = 0.0f64;
        match self {
            Metric::Euclidean => {
                for j in 0..n {
                    let d = a[j] - b[j];
                    acc += d * d;
                }
            }
            Metric::Manhattan => {
                for j in 0..n {
                    acc += (a[j] - b[j]).abs();
                }
            }
            Metric::Chebyshev => {
                for j in 0..n {
                    acc = acc.max((a[j] - b[j]).abs());
                }
            }
            Metric::Minkowski(p) => {
                for j in 0..n {
                    acc += (a[j] - b[j]).abs().powf(p);
                }
            }
        }
        acc
    }

    /// The true distance from a reduced one.
    fn distance(self, reduced: f64) -> f64 {
        match self {
            Metric::Euclidean => reduced.sqrt(),
            Metric::Manhattan | Metric::Chebyshev => reduced,
            Metric::Minkowski(p) => reduced.powf(1.0 / p),
        }
    }

    /// Reduced distance from `q` to the nearest point of the box
    /// `lo..=hi` (a lower bound for every point inside it).
    #[inline]
    fn to_box(self, q: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
        let mut acc = 0.0f64;
        for ((&x, &l), &h) in q.iter().zip(lo).zip(hi) {
            let gap = if x < l {
                l - x
            } else if x > h {
                x - h
            } else {
                0.0
            };
            let t = self.term(gap);
            acc = if self == Metric::Chebyshev {
                acc.max(t)
            } else {
                acc + t
            };
        }
        acc
    }
}

/// How each neighbour's vote counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    Uniform,
    /// 1 / distance.
    Distance,
}

/// How the neighbours are found (the answers are identical).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// scikit-learn's rule of thumb: brute force when there are more than
    /// 15 features (a KD-tree then prunes little: in high dimension nearly
    /// every box is about as close as the nearest point) or when k is at
    /// least half the training rows (most of the set is visited anyway);
    /// a KD-tree otherwise.
    Auto,
    KdTree,
    Brute,
}

/// The largest dimension for which `Search::Auto` builds a KD-tree.
pub const AUTO_MAX_TREE_DIM: usize = 15;

/// Training rows per KD-tree leaf (scikit-learn's default `leaf_size`).
const LEAF_SIZE: usize = 30;

/// A candidate neighbour, ordered by (reduced distance, row index).
#[derive(Debug, Clone, Copy)]
struct Cand {
    d: f64,
    i: usize,
}

impl Ord for Cand {
    fn cmp(&self, o: &Self) -> Ordering {
        self.d.total_cmp(&o.d).then(self.i.cmp(&o.i))
    }
}
impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Cand {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Cand {}

/// The k smallest candidates seen so far (a max-heap on (distance, index)).
struct Best {
    k: usize,
    heap: BinaryHeap<Cand>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }
    #[inline]
    fn push(&mut self, c: Cand) {
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if self.heap.peek().is_some_and(|w| c < *w) {
            self.heap.pop();
            self.heap.push(c);
        }
    }
    /// Whether a subtree whose points are all at reduced distance ≥ `bound`
    /// can still hold a neighbour. Equal bounds are visited: a point there
    /// at exactly the k-th distance with a smaller row index would win.
    #[inline]
    fn may_improve(&self, bound: f64) -> bool {
        self.heap.len() < self.k || self.heap.peek().is_some_and(|w| bound <= w.d)
    }
    fn into_sorted(self) -> Vec<Cand> {
        self.heap.into_sorted_vec()
    }
}

/// A KD-tree node over `order[start..end]`; `children` is `None` for a leaf.
struct Node {
    start: usize,
    end: usize,
    children: Option<(usize, usize)>,
}

/// A KD-tree: nodes split at the median of their widest coordinate, each
/// with its bounding box; searched depth first, nearer child first,
/// skipping boxes farther than the current k-th neighbour.
struct KdTree {
    dim: usize,
    /// Training row index of each stored point, in tree order.
    order: Vec<usize>,
    /// The points in tree order, row-major (leaves are contiguous).
    points: Vec<f64>,
    nodes: Vec<Node>,
    /// Per node, its box: `dim` lower bounds then `dim` upper bounds.
    boxes: Vec<f64>,
}

impl KdTree {
    fn build(x: ArrayView2<'_, f64>) -> KdTree {
        let (n, dim) = x.dim();
        let mut tree = KdTree {
            dim,
            order: (0..n).collect(),
            points: Vec::new(),
            nodes: Vec::new(),
            boxes: Vec::new(),
        };
        tree.split(x, 0, n);
        tree.points = Vec::with_capacity(n * dim);
        for &i in &tree.order {
            tree.points.extend(x.row(i).iter());
        }
        tree
    }

    /// Build the node over `order[start..end]`; returns its index.
    fn split(&mut self, x: ArrayView2<'_, f64>, start: usize, end: usize) -> usize {
        let d = self.dim;
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for &i in &self.order[start..end] {
            for (j, v) in x.row(i).iter().enumerate() {
                lo[j] = lo[j].min(*v);
                hi[j] = hi[j].max(*v);
            }
        }
        let id = self.nodes.len();
        self.nodes.push(Node {
            start,
            end,
            children: None,
        });
        self.boxes.extend(&lo);
        self.boxes.extend(&hi);
        let (axis, spread) =
            (0..d)
                .map(|j| (j, hi[j] - lo[j]))
                .fold((0, 0.0), |b, c| if c.1 > b.1 { c } else { b });
        // A small node, or one whose points all coincide, is a leaf.
        if end - start <= LEAF_SIZE || spread <= 0.0 {
            return id;
        }
        let mid = start + (end - start) / 2;
        self.order[start..end]
            .select_nth_unstable_by(mid - start, |&a, &b| x[(a, axis)].total_cmp(&x[(b, axis)]));
        let left = self.split(x, start, mid);
        let right = self.split(x, mid, end);
        self.nodes[id].children = Some((left, right));
        id
    }

    fn bound(&self, node: usize, q: &[f64], metric: Metric) -> f64 {
        let b = &self.boxes[node * 2 * self.dim..(node + 1) * 2 * self.dim];
        metric.to_box(q, &b[..self.dim], &b[self.dim..])
    }

    fn search(&self, node: usize, q: &[f64], metric: Metric, best: &mut Best) {
        let Some(nd) = self.nodes.get(node) else {
            return;
        };
        match nd.children {
            None => {
                for pos in nd.start..nd.end {
                    let p = &self.points[pos * self.dim..(pos + 1) * self.dim];
                    best.push(Cand {
                        d: metric.reduced(q, p),
                        i: self.order[pos],
                    });
                }
            }
            Some((l, r)) => {
                let (bl, br) = (self.bound(l, q, metric), self.bound(r, q, metric));
                let first = if bl <= br {
                    [(l, bl), (r, br)]
                } else {
                    [(r, br), (l, bl)]
                };
                for (child, b) in first {
                    if best.may_improve(b) {
                        self.search(child, q, metric, best);
                    }
                }
            }
        }
    }
}

/// A fitted k-NN classifier: the training rows themselves (and a KD-tree
/// over them when one is used).
pub struct KnnModel {
    train: Array2<f64>,
    y: Vec<usize>,
    n_classes: usize,
    k: usize,
    weights: Weights,
    metric: Metric,
    tree: Option<KdTree>,
}

/// k-NN settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnnConfig {
    pub k: usize,
    pub weights: Weights,
    pub metric: Metric,
    pub search: Search,
}

/// "Fit" k-NN: check the data, keep the rows, build the tree if one is used.
pub fn fit_knn(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    cfg: KnnConfig,
) -> Result<KnnModel, AlgoError> {
    let (n, d) = x.dim();
    if n != y.len() || n == 0 {
        return Err(AlgoError::BadData(format!(
            "{n} rows of features but {} labels",
            y.len()
        )));
    }
    if d == 0 {
        return Err(AlgoError::BadData(
            "k-NN needs at least one feature column to measure distances".into(),
        ));
    }
    if cfg.k == 0 {
        return Err(AlgoError::param("n_neighbors", "must be at least 1, got 0"));
    }
    if cfg.k > n {
        return Err(AlgoError::param(
            "n_neighbors",
            format!(
                "{} neighbours asked for, but there are only {n} training rows; \
                 use n_neighbors <= {n}",
                cfg.k
            ),
        ));
    }
    if let Metric::Minkowski(p) = cfg.metric {
        if !(p >= 1.0 && p.is_finite()) {
            return Err(AlgoError::param(
                "p",
                format!(
                    "the Minkowski power must be at least 1 (below 1 it is not a metric), got {p}"
                ),
            ));
        }
    }
    if let Some(&c) = y.iter().find(|&&c| c >= n_classes) {
        return Err(AlgoError::BadData(format!(
            "label {c} is out of range for {n_classes} classes"
        )));
    }
    if let Some(((r, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(AlgoError::BadData(format!(
            "feature {j}, row {r}: {v} is not a finite number"
        )));
    }
    let use_tree = match cfg.search {
        Search::KdTree => true,
        Search::Brute => false,
        Search::Auto => d <= AUTO_MAX_TREE_DIM && cfg.k < n / 2,
    };
    Ok(KnnModel {
        train: x.as_standard_layout().into_owned(),
        y: y.to_vec(),
        n_classes,
        k: cfg.k,
        weights: cfg.weights,
        metric: cfg.metric.normalised(),
        tree: use_tree.then(|| KdTree::build(x)),
    })
}

impl KnnModel {
    /// Whether the KD-tree is used (else brute force).
    pub fn uses_tree(&self) -> bool {
        self.tree.is_some()
    }

    /// The k nearest training rows of `q` as (row index, distance), nearest
    /// first; equal distances in row order.
    pub fn neighbours(&self, q: ArrayView1<'_, f64>) -> Vec<(usize, f64)> {
        let q = q.to_vec();
        let mut best = Best::new(self.k);
        match &self.tree {
            Some(t) => t.search(0, &q, self.metric, &mut best),
            None => {
                let flat = self.train.as_slice().unwrap_or(&[]);
                for (i, row) in flat.chunks_exact(self.train.ncols().max(1)).enumerate() {
                    let d = self.metric.reduced(&q, row);
                    best.push(Cand { d, i });
                }
            }
        }
        best.into_sorted()
            .into_iter()
            .map(|c| (c.i, self.metric.distance(c.d)))
            .collect()
    }

    /// The normalised (weighted) class votes of one query.
    fn votes(&self, q: ArrayView1<'_, f64>) -> Vec<f64> {
        let nb = self.neighbours(q);
        let mut votes = vec![0.0; self.n_classes];
        let exact = nb.iter().any(|&(_, d)| d == 0.0);
        for &(i, d) in &nb {
            let w = match self.weights {
                Weights::Uniform => 1.0,
                // Rows at distance 0 take all the weight.
                Weights::Distance if exact => f64::from(u8::from(d == 0.0)),
                Weights::Distance => 1.0 / d,
            };
            votes[self.y[i]] += w;
        }
        let total: f64 = votes.iter().sum();
        if total > 0.0 && total.is_finite() {
            votes.iter_mut().for_each(|v| *v /= total);
        }
        votes
    }
}

/// The first largest vote (the smallest class index among equal ones).
fn first_max(v: &[f64]) -> usize {
    let mut best = 0;
    for (j, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = j;
        }
    }
    best
}

impl Classifier for KnnModel {
    fn n_features(&self) -> usize {
        self.train.ncols()
    }
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        if x.ncols() != self.n_features() {
            return Vec::new();
        }
        x.rows()
            .into_iter()
            .map(|q| first_max(&self.votes(q)))
            .collect()
    }
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features() {
            return None;
        }
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        for (r, q) in x.rows().into_iter().enumerate() {
            for (c, v) in self.votes(q).into_iter().enumerate() {
                out[(r, c)] = v;
            }
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec,
    ParamValues, Task, TrainClassifier,
};
use super::core::Progress;

pub const N_NEIGHBORS: ParamSpec = int(
    "n_neighbors",
    1,
    200,
    "5",
    "k, the number of nearest training rows that vote",
);
pub const WEIGHTS: ParamSpec = choice(
    "weights",
    &["uniform", "distance"],
    "uniform",
    "each neighbour's vote: 1, or 1/distance (rows at distance 0 take all)",
);
pub const METRIC: ParamSpec = choice(
    "metric",
    &["euclidean", "manhattan", "chebyshev", "minkowski"],
    "euclidean",
    "distance between rows (minkowski uses p)",
);
pub const P: ParamSpec = float(
    "p",
    1.0,
    100.0,
    false,
    "2",
    "power of the Minkowski distance (metric=minkowski only)",
);
pub const SEARCH: ParamSpec = choice(
    "algorithm",
    &["auto", "kd-tree", "brute"],
    "auto",
    "neighbour search: KD-tree, brute force, or auto (tree up to 15 features)",
);

/// k-NN in the registry.
pub struct Knn;

impl Algorithm for Knn {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "knn",
        title: "k-nearest neighbours",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa has no k-NN classifier (linfa-nn only finds neighbours); our KD-tree and brute force agree exactly, ties included",
        topics: &["knn", "top-ten-algorithms"],
        params: &[N_NEIGHBORS, WEIGHTS, METRIC, P, SEARCH],
    };
    type Params = KnnConfig;
    fn params(v: &ParamValues) -> Result<KnnConfig, ParamError> {
        let weights = match v.choice(&WEIGHTS)? {
            "distance" => Weights::Distance,
            _ => Weights::Uniform,
        };
        let metric = match v.choice(&METRIC)? {
            "manhattan" => Metric::Manhattan,
            "chebyshev" => Metric::Chebyshev,
            "minkowski" => Metric::Minkowski(v.float(&P)?),
            _ => Metric::Euclidean,
        };
        let search = match v.choice(&SEARCH)? {
            "kd-tree" => Search::KdTree,
            "brute" => Search::Brute,
            _ => Search::Auto,
        };
        Ok(KnnConfig {
            k: v.usize(&N_NEIGHBORS)?,
            weights,
            metric,
            search,
        })
    }
}

impl TrainClassifier for KnnConfig {
    fn fit(
        &self,
        d: FitData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_knn(d.x, d.y, d.n_classes, *self)?))
    }
}

pub mod regression;

#[cfg(test)]
mod tests;
