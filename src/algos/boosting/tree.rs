//! The weak learners of boosting: a weighted CART tree grown level by level
//! on pre-sorted feature orders, either a **regression** tree (squared error
//! on real targets: the pseudo-residuals of gradient boosting) or a
//! **classification** tree with weighted Gini impurity (the stumps of
//! AdaBoost).
//!
//! Why not `crate::algos::tree`: that builder is a classification tree whose
//! row weights are integer multiplicities (bootstrap counts); boosting needs
//! real-valued targets (GBDT) and real-valued sample weights (AdaBoost).
//!
//! Split rules follow scikit-learn's `BestSplitter` (1.7): each feature is
//! scanned in sorted order, a split is only placed between two distinct
//! consecutive values (closer than 1e-7 counts as equal) at the midpoint,
//! rows with `x[f] <= threshold` go left, each child keeps at least
//! `min_samples_leaf` rows, and the best proxy improvement wins (the first one
//! in feature-index order on ties; scikit-learn visits features in a random
//! order, so among equally good splits its choice depends on `random_state`).
//! A node is a leaf at `max_depth`, below `min_samples_split` rows, below
//! `2 * min_samples_leaf` rows, or when its impurity is <= f64::EPSILON.
//! Rows of weight 0 take no part (scikit-learn drops them too).
//!
//! Regression criterion: scikit-learn's `friedman_mse` proxy
//! `(w_R·s_L − w_L·s_R)² / (w_L·w_R)`, which within a node is, up to the
//! constant factor `1/(w_L+w_R)`, the same as the weighted squared-error
//! reduction `s_L²/w_L + s_R²/w_R − S²/W`: both criteria choose the same
//! split when, as here, `min_impurity_decrease = 0` and trees grow depth-wise.
//!
//! Cost: O(p·n) per level of the tree (one pass over every feature's sorted
//! rows per level), after one O(p·n log n) sort shared by all trees of a fit.

use ndarray::ArrayView2;

/// Values closer than this are the same value for splitting (scikit-learn's
/// `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f64 = 1e-7;
/// Impurities at or below this are pure (scikit-learn's `EPSILON`).
const EPSILON: f64 = f64::EPSILON;
const NONE: u32 = u32::MAX;

/// Growth limits of one weak learner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    pub max_depth: Option<usize>,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
}

/// The training matrix sorted once per feature, shared by every tree of a fit.
pub(crate) struct Sorted {
    pub n: usize,
    pub p: usize,
    /// `order[f * n + j]` = the j-th row in increasing order of feature `f`.
    order: Vec<u32>,
    /// `vals[f * n + j]` = x[order[f * n + j], f].
    vals: Vec<f64>,
    /// `cols[f * n + i]` = x[i, f].
    cols: Vec<f64>,
}

impl Sorted {
    /// `x` must hold finite values only.
    pub(crate) fn new(x: ArrayView2<'_, f64>) -> Sorted {
        let (n, p) = x.dim();
        let mut order = Vec::with_capacity(n * p);
        let mut vals = Vec::with_capacity(n * p);
        let mut pairs: Vec<(f64, u32)> = Vec::with_capacity(n);
        let mut cols = Vec::with_capacity(n * p);
        for f in 0..p {
            cols.extend(x.column(f).iter().copied());
            pairs.clear();
            pairs.extend(x.column(f).iter().enumerate().map(|(i, &v)| (v, i as u32)));
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order.extend(pairs.iter().map(|&(_, i)| i));
            vals.extend(pairs.iter().map(|&(v, _)| v));
        }
        Sorted {
            n,
            p,
            order,
            vals,
            cols,
        }
    }
}

/// A fitted tree. Leaves carry `dim` values each: one (the mean target) for
/// a regression tree, the weighted class totals for a classification tree.
#[derive(Debug, Clone, PartialEq)]
pub struct WeakTree {
    /// Split feature per node, `u32::MAX` at leaves.
    feature: Vec<u32>,
    threshold: Vec<f64>,
    left: Vec<u32>,
    right: Vec<u32>,
    /// `value[node * dim ..][..dim]`.
    value: Vec<f64>,
    dim: usize,
}

impl WeakTree {
    /// The leaf a row falls in (`get(f)` = the row's value of feature `f`).
    pub(crate) fn leaf_by(&self, get: impl Fn(usize) -> f64) -> usize {
        let mut node = 0usize;
        while let Some(&f) = self.feature.get(node).filter(|&&f| f != NONE) {
            node = if get(f as usize) <= self.threshold[node] {
                self.left[node] as usize
            } else {
                self.right[node] as usize
            };
        }
        node
    }

    pub(crate) fn leaf_values(&self, leaf: usize) -> &[f64] {
        &self.value[leaf * self.dim..(leaf + 1) * self.dim]
    }

    pub(crate) fn set_leaf_value(&mut self, leaf: usize, v: f64) {
        self.value[leaf * self.dim] = v;
    }

    /// Number of nodes (splits and leaves).
    pub fn n_nodes(&self) -> usize {
        self.feature.len()
    }

    /// Depth of the deepest leaf (a single leaf has depth 0).
    pub fn depth(&self) -> usize {
        fn go(t: &WeakTree, node: usize) -> usize {
            if t.feature[node] == NONE {
                0
            } else {
                1 + go(t, t.left[node] as usize).max(go(t, t.right[node] as usize))
            }
        }
        if self.feature.is_empty() {
            0
        } else {
            go(self, 0)
        }
    }
}

/// What a tree is fitted to.
pub(crate) enum Target<'a> {
    /// Real targets, squared error.
    Regression(&'a [f64]),
    /// Class labels `0..k`, weighted Gini.
    Classes(&'a [usize], usize),
}

/// Node statistics: total weight, and per output either the weighted sum of
/// targets (regression) or the weighted class totals.
#[derive(Clone)]
struct Stats {
    w: f64,
    n: usize,
    /// Regression: [Σw·y, Σw·y²]; classification: class totals.
    acc: Vec<f64>,
}

impl Target<'_> {
    fn dim(&self) -> usize {
        match self {
            Target::Regression(_) => 2,
            Target::Classes(_, k) => *k,
        }
    }

    fn add(&self, s: &mut Stats, i: usize, w: f64) {
        s.w += w;
        s.n += 1;
        match self {
            Target::Regression(r) => {
                s.acc[0] += w * r[i];
                s.acc[1] += w * r[i] * r[i];
            }
            Target::Classes(y, _) => s.acc[y[i]] += w,
        }
    }

    /// Weighted impurity per unit weight: variance or Gini.
    fn impurity(&self, s: &Stats) -> f64 {
        if s.w <= 0.0 {
            return 0.0;
        }
        match self {
            Target::Regression(_) => {
                let m = s.acc[0] / s.w;
                s.acc[1] / s.w - m * m
            }
            Target::Classes(..) => 1.0 - s.acc.iter().map(|c| (c / s.w).powi(2)).sum::<f64>(),
        }
    }
}

/// Per frontier node, the running scan state of one feature.
#[derive(Clone)]
struct Scan {
    w_l: f64,
    n_l: usize,
    /// Regression: Σw·y on the left. Classification: Σ_k l_k² and Σ_k r_k².
    a: f64,
    b: f64,
    last: f64,
    /// Classification: left class totals.
    counts: Vec<f64>,
    /// The node's totals: rows, weight, Σw·y (regression), class totals.
    tot_n: usize,
    tot_w: f64,
    tot_s: f64,
    tot_counts: Vec<f64>,
}

#[derive(Clone, Copy)]
struct Best {
    proxy: f64,
    feature: usize,
    threshold: f64,
}

/// Grows one tree on the rows with `weights[i] > 0`. Returns the tree and,
/// per row, its leaf (`u32::MAX` for rows of weight 0).
pub(crate) fn grow(
    sorted: &Sorted,
    target: &Target<'_>,
    weights: &[f64],
    limits: &Limits,
) -> (WeakTree, Vec<u32>) {
    let (n, p) = (sorted.n, sorted.p);
    let dim = target.dim();
    let k = match target {
        Target::Classes(_, k) => *k,
        Target::Regression(_) => 0,
    };
    let mut node_of = vec![NONE; n];
    let mut root = Stats {
        w: 0.0,
        n: 0,
        acc: vec![0.0; dim],
    };
    for (i, &w) in weights.iter().enumerate().take(n) {
        if w > 0.0 {
            node_of[i] = 0;
            target.add(&mut root, i, w);
        }
    }
    let mut stats: Vec<Stats> = vec![root];
    let mut feature = vec![NONE];
    let mut threshold = vec![0.0];
    let mut left = vec![NONE];
    let mut right = vec![NONE];
    let splittable = |s: &Stats, depth: usize| {
        limits.max_depth.is_none_or(|d| depth < d)
            && s.n >= limits.min_samples_split
            && s.n >= 2 * limits.min_samples_leaf
            && target.impurity(s) > EPSILON
    };
    let mut frontier: Vec<usize> = if splittable(&stats[0], 0) {
        vec![0]
    } else {
        Vec::new()
    };
    let mut depth = 0;
    let mut local = vec![NONE; 1];
    let msl = limits.min_samples_leaf;
    while !frontier.is_empty() {
        local.resize(stats.len(), NONE);
        for (a, &node) in frontier.iter().enumerate() {
            local[node] = a as u32;
        }
        // Frontier slot of every row's node (NONE: row out or node finished).
        let slot: Vec<u32> = node_of
            .iter()
            .map(|&node| {
                if node == NONE {
                    NONE
                } else {
                    local[node as usize]
                }
            })
            .collect();
        let mut best: Vec<Option<Best>> = vec![None; frontier.len()];
        let blank = Scan {
            w_l: 0.0,
            n_l: 0,
            a: 0.0,
            b: 0.0,
            last: f64::NAN,
            counts: vec![0.0; k],
            tot_n: 0,
            tot_w: 0.0,
            tot_s: 0.0,
            tot_counts: Vec::with_capacity(k),
        };
        let mut scans: Vec<Scan> = vec![blank; frontier.len()];
        for f in 0..p {
            if n > 0 && sorted.vals[(f + 1) * n - 1] <= sorted.vals[f * n] + FEATURE_THRESHOLD {
                continue; // constant over all rows: no split anywhere
            }
            for (a, s) in scans.iter_mut().enumerate() {
                let tot = &stats[frontier[a]];
                s.w_l = 0.0;
                s.n_l = 0;
                s.a = 0.0;
                s.b = match target {
                    Target::Regression(_) => 0.0,
                    Target::Classes(..) => tot.acc.iter().map(|c| c * c).sum(),
                };
                s.counts.iter_mut().for_each(|c| *c = 0.0);
                s.tot_n = tot.n;
                s.tot_w = tot.w;
                s.tot_s = tot.acc.first().copied().unwrap_or(0.0);
                if k > 0 {
                    s.tot_counts.clear();
                    s.tot_counts.extend_from_slice(&tot.acc);
                }
            }
            let order = &sorted.order[f * n..(f + 1) * n];
            let vals = &sorted.vals[f * n..(f + 1) * n];
            // One monomorphic loop per target kind (no match per row).
            match target {
                Target::Regression(r) => scan_feature(
                    order,
                    vals,
                    &slot,
                    &mut scans,
                    &mut best,
                    f,
                    msl,
                    |s, i| {
                        let w = weights[i];
                        s.w_l += w;
                        s.a += w * r[i];
                    },
                    |s| {
                        let w_r = s.tot_w - s.w_l;
                        let d = w_r * s.a - s.w_l * (s.tot_s - s.a);
                        d * d / (s.w_l * w_r)
                    },
                ),
                Target::Classes(y, _) => scan_feature(
                    order,
                    vals,
                    &slot,
                    &mut scans,
                    &mut best,
                    f,
                    msl,
                    |s, i| {
                        let w = weights[i];
                        let c = y[i];
                        let l = s.counts[c];
                        let r = s.tot_counts[c] - l;
                        s.w_l += w;
                        s.a += 2.0 * l * w + w * w;
                        s.b -= 2.0 * r * w - w * w;
                        s.counts[c] = l + w;
                    },
                    |s| s.a / s.w_l + s.b / (s.tot_w - s.w_l),
                ),
            }
        }
        // Split the frontier nodes that found a split.
        let mut child_of: Vec<Option<(u32, u32)>> = vec![None; frontier.len()];
        for (a, b) in best.iter().enumerate() {
            let Some(b) = b else { continue };
            let node = frontier[a];
            let l = stats.len();
            feature[node] = b.feature as u32;
            threshold[node] = b.threshold;
            left[node] = l as u32;
            right[node] = l as u32 + 1;
            for _ in 0..2 {
                stats.push(Stats {
                    w: 0.0,
                    n: 0,
                    acc: vec![0.0; dim],
                });
                feature.push(NONE);
                threshold.push(0.0);
                left.push(NONE);
                right.push(NONE);
            }
            child_of[a] = Some((l as u32, l as u32 + 1));
        }
        // Move rows to their children.
        for i in 0..n {
            let node = node_of[i];
            if node == NONE {
                continue;
            }
            let a = local[node as usize];
            if a == NONE {
                continue;
            }
            if let Some((l, r)) = child_of[a as usize] {
                let f = feature[node as usize] as usize;
                let v = sorted_value(sorted, f, i);
                let c = if v <= threshold[node as usize] { l } else { r };
                node_of[i] = c;
                target.add(&mut stats[c as usize], i, weights[i]);
            }
        }
        for &node in &frontier {
            local[node] = NONE;
        }
        depth += 1;
        frontier = child_of
            .iter()
            .flatten()
            .flat_map(|&(l, r)| [l as usize, r as usize])
            .filter(|&c| splittable(&stats[c], depth))
            .collect();
    }
    let mut value = Vec::with_capacity(stats.len() * dim);
    for s in &stats {
        match target {
            Target::Regression(_) => value.push(if s.w > 0.0 { s.acc[0] / s.w } else { 0.0 }),
            Target::Classes(..) => value.extend_from_slice(&s.acc),
        }
    }
    let dim = match target {
        Target::Regression(_) => 1,
        Target::Classes(_, k) => *k,
    };
    (
        WeakTree {
            feature,
            threshold,
            left,
            right,
            value,
            dim,
        },
        node_of,
    )
}

/// Scans one feature's sorted rows for every frontier node at once: before
/// adding each row, a split between it and the node's previous row is a
/// candidate if the values differ and both sides keep `msl` rows.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn scan_feature(
    order: &[u32],
    vals: &[f64],
    slot: &[u32],
    scans: &mut [Scan],
    best: &mut [Option<Best>],
    f: usize,
    msl: usize,
    add: impl Fn(&mut Scan, usize),
    proxy: impl Fn(&Scan) -> f64,
) {
    for (&i, &v) in order.iter().zip(vals) {
        let a = slot[i as usize];
        if a == NONE {
            continue;
        }
        let a = a as usize;
        let s = &mut scans[a];
        if s.n_l >= msl && s.tot_n - s.n_l >= msl && v > s.last + FEATURE_THRESHOLD {
            let p = proxy(s);
            if best[a].is_none_or(|b| p > b.proxy) {
                let mut thr = s.last / 2.0 + v / 2.0;
                if thr == v || !thr.is_finite() {
                    thr = s.last;
                }
                best[a] = Some(Best {
                    proxy: p,
                    feature: f,
                    threshold: thr,
                });
            }
        }
        add(s, i as usize);
        s.n_l += 1;
        s.last = v;
    }
}

/// x[i, f].
fn sorted_value(sorted: &Sorted, f: usize, i: usize) -> f64 {
    sorted.cols[f * sorted.n + i]
}
