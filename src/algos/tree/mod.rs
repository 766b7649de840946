//! CART classification tree (Breiman, Friedman, Olshen & Stone, *Classification
//! and Regression Trees*, 1984), following scikit-learn's
//! `DecisionTreeClassifier` (1.7) and its `BestSplitter` / `DepthFirstTreeBuilder`:
//!
//! * impurity: Gini `1 - Σ p_k²` or entropy `-Σ p_k log₂ p_k` (information gain);
//! * at every node each candidate feature is scanned in sorted order and split
//!   only between two *distinct* consecutive values (values closer than 1e-7
//!   count as equal, as in scikit-learn); the threshold is the midpoint and
//!   rows with `x[f] <= threshold` go left;
//! * the split maximising the impurity decrease wins; a split is taken even
//!   when the decrease is zero (XOR needs it), unless `min_impurity_decrease`
//!   forbids it; a node is a leaf when it is pure, at `max_depth`, has fewer
//!   than `min_samples_split` rows or fewer than `2 * min_samples_leaf`;
//! * ties: the first best split in a deterministic order wins — features in
//!   index order (scikit-learn visits them in a random order, so its choice
//!   among equally good splits depends on `random_state`); with
//!   `max_features = Some(m)` the order is the random draw of the node;
//! * `max_features = Some(m)`: `m` features are drawn without replacement at
//!   every node (Breiman's random forest); as in scikit-learn, constant features
//!   count as visited and drawing goes on past `m` until one non-constant
//!   feature has been seen;
//! * feature importances are the normalised total weighted impurity decrease
//!   (scikit-learn's `feature_importances_`).
//!
//! Rows may carry integer multiplicities (a bootstrap sample: `fit_indices`
//! with repeated indices). As in scikit-learn's forests, multiplicities are
//! sample weights: class counts and impurities are weighted, while
//! `min_samples_split` / `min_samples_leaf` count distinct rows.
//!
//! Implementation: every feature is sorted once; each node keeps, for every
//! feature, its rows in sorted order in one contiguous segment, and a split
//! partitions the segments stably (no sorting below the root). A fit is
//! O(p·n log n + p·n·depth).
//!
//! Why our own: linfa-trees 0.8.1 rescans all rows at every node (4–10x slower
//! than scikit-learn here), mishandles tied feature values (digits accuracy
//! .744 vs .880) and breaks ties in HashMap order, so its trees change from
//! run to run (see LINFA-FINDINGS.md).

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{Array2, ArrayView2};
use rand::Rng as _;

use super::core::{rng, AlgoError, Classifier, Progress, Rng};

/// Values closer than this are the same value for splitting (scikit-learn's
/// `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f64 = 1e-7;
/// Impurities at or below this are pure (scikit-learn's `EPSILON`).
const EPSILON: f64 = f64::EPSILON;
/// Marks "no child / no feature" in a node.
const NONE: usize = usize::MAX;

/// Impurity measure used to choose splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Criterion {
    /// Gini impurity `1 - Σ p_k²` (scikit-learn's default).
    #[default]
    Gini,
    /// Shannon entropy `-Σ p_k log₂ p_k`; the decrease is the information gain.
    Entropy,
}

/// Hyper-parameters of a tree; defaults are scikit-learn's.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeParams {
    pub criterion: Criterion,
    /// Maximum depth (root = depth 0); `None` grows until leaves are pure.
    pub max_depth: Option<usize>,
    /// A node with fewer rows than this is a leaf (>= 2).
    pub min_samples_split: usize,
    /// Each child of a split keeps at least this many rows (>= 1).
    pub min_samples_leaf: usize,
    /// A split must decrease the weighted impurity by at least this much
    /// (`N_t/N · (I - N_L/N_t·I_L - N_R/N_t·I_R)`, scikit-learn's formula).
    pub min_impurity_decrease: f64,
    /// Features drawn at each node; `None` = all, in index order.
    pub max_features: Option<usize>,
}

impl Default for TreeParams {
    fn default() -> Self {
        TreeParams {
            criterion: Criterion::Gini,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_impurity_decrease: 0.0,
            max_features: None,
        }
    }
}

impl TreeParams {
    /// Validates every parameter for data with `n_features` columns.
    pub fn check(&self, n_features: usize) -> Result<(), AlgoError> {
        if self.max_depth == Some(0) {
            return Err(AlgoError::param(
                "max_depth",
                "must be >= 1 (or none), got 0",
            ));
        }
        // Ranges of the registry's parameters live in their spec constants.
        MIN_SAMPLES_SPLIT.check_usize(self.min_samples_split)?;
        MIN_LEAF.check_usize(self.min_samples_leaf)?;
        if !(self.min_impurity_decrease >= 0.0 && self.min_impurity_decrease.is_finite()) {
            return Err(AlgoError::param(
                "min_impurity_decrease",
                format!(
                    "must be finite and >= 0, got {}",
                    self.min_impurity_decrease
                ),
            ));
        }
        if let Some(m) = self.max_features {
            if m == 0 || m > n_features {
                return Err(AlgoError::param(
                    "max_features",
                    format!("must be in 1..={n_features} (the number of features), got {m}"),
                ));
            }
        }
        Ok(())
    }
}

/// Checks the shapes and values of a training set.
pub(crate) fn validate(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
) -> Result<(), AlgoError> {
    let (n, p) = x.dim();
    if n != y.len() {
        return Err(AlgoError::BadData(format!(
            "x has {n} rows but y has {} labels",
            y.len()
        )));
    }
    if n == 0 {
        return Err(AlgoError::BadData("no training rows".into()));
    }
    if p == 0 {
        return Err(AlgoError::BadData("no features".into()));
    }
    if n >= u32::MAX as usize {
        return Err(AlgoError::BadData(format!("too many rows ({n})")));
    }
    if n_classes == 0 {
        return Err(AlgoError::BadData("n_classes must be >= 1".into()));
    }
    if let Some((i, &c)) = y.iter().enumerate().find(|(_, &c)| c >= n_classes) {
        return Err(AlgoError::BadData(format!(
            "label {c} of row {i} is not a class (n_classes = {n_classes})"
        )));
    }
    for (i, row) in x.outer_iter().enumerate() {
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(AlgoError::BadData(format!(
                "row {i}, feature {j}: value {} is not a finite number",
                row[j]
            )));
        }
    }
    Ok(())
}

/// Training data laid out for growing trees: feature-major columns and, per
/// feature, all rows sorted by value. Built once and shared by the trees of
/// a forest.
pub(crate) struct Prepared {
    n: usize,
    p: usize,
    k: usize,
    /// `cols[f * n + i]` = x[i, f].
    cols: Vec<f64>,
    y: Vec<u32>,
    /// `order[f * n ..][..n]` = rows sorted by feature `f`.
    order: Vec<u32>,
}

impl Prepared {
    /// `x`, `y` must have passed `validate`.
    pub(crate) fn new(x: ArrayView2<'_, f64>, y: &[usize], n_classes: usize) -> Prepared {
        let (n, p) = x.dim();
        let mut cols = vec![0.0; n * p];
        for (i, row) in x.outer_iter().enumerate() {
            for (f, &v) in row.iter().enumerate() {
                cols[f * n + i] = v;
            }
        }
        let mut order = Vec::with_capacity(n * p);
        let mut pairs: Vec<(f64, u32)> = Vec::with_capacity(n);
        for col in cols.chunks_exact(n) {
            pairs.clear();
            pairs.extend(col.iter().enumerate().map(|(i, &v)| (v, i as u32)));
            pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order.extend(pairs.iter().map(|q| q.1));
        }
        Prepared {
            n,
            p,
            k: n_classes,
            cols,
            y: y.iter().map(|&c| c as u32).collect(),
            order,
        }
    }

    pub(crate) fn n_rows(&self) -> usize {
        self.n
    }

    pub(crate) fn label(&self, i: usize) -> usize {
        self.y[i] as usize
    }

    /// Value of feature `f` in row `i`.
    pub(crate) fn value(&self, i: usize, f: usize) -> f64 {
        self.cols[f * self.n + i]
    }
}

/// One node of a fitted tree (scikit-learn's `tree_` arrays, as a struct).
#[derive(Debug, Clone, PartialEq)]
struct Node {
    /// Split feature, `NONE` for a leaf.
    feature: usize,
    threshold: f64,
    left: usize,
    right: usize,
    impurity: f64,
    /// Distinct training rows reaching the node.
    n_rows: usize,
    /// Weighted training rows (sum of multiplicities).
    weight: f64,
    depth: usize,
}

/// A node of a [`FlatTree`]: 24 bytes, so a tree's top levels share a few
/// cache lines.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FlatNode {
    threshold: f64,
    /// Split feature, [`FLAT_LEAF`] for a leaf.
    feature: u32,
    /// Left child; for a leaf, its row in `FlatTree::proba`.
    left: u32,
    right: u32,
}

const FLAT_LEAF: u32 = u32::MAX;

/// A classification tree laid out for prediction: the nodes alone (no
/// training statistics) and each leaf's class proportions precomputed.
/// Built by [`DecisionTree::flat`]; gives the same numbers as the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FlatTree {
    nodes: Vec<FlatNode>,
    /// `n_leaves x k` class proportions.
    proba: Vec<f64>,
    k: usize,
}

impl FlatTree {
    /// About the number of comparisons a row costs (log2 of the node count).
    pub(crate) fn depth_hint(&self) -> usize {
        (usize::BITS - self.nodes.len().leading_zeros()) as usize
    }

    /// Adds the class proportions of the leaf each row of `block` (rows of
    /// `p` values) reaches to that row's `k` sums in `sums`. Eight rows go
    /// down the tree together, one level per step, so that their memory
    /// reads and branches overlap instead of waiting on each other.
    pub(crate) fn add_block(&self, block: &[f64], p: usize, sums: &mut [f64]) {
        const LANES: usize = 8;
        let k = self.k;
        if p == 0 || k == 0 {
            return;
        }
        for (rows, out) in block.chunks(LANES * p).zip(sums.chunks_mut(LANES * k)) {
            let m = rows.len() / p;
            let mut ids = [0u32; LANES];
            loop {
                let mut moved = false;
                for (l, id) in ids.iter_mut().enumerate().take(m) {
                    let n = &self.nodes[*id as usize];
                    if n.feature != FLAT_LEAF {
                        *id = if rows[l * p + n.feature as usize] <= n.threshold {
                            n.left
                        } else {
                            n.right
                        };
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
            for (id, s) in ids.iter().take(m).zip(out.chunks_exact_mut(k)) {
                let at = self.nodes[*id as usize].left as usize * k;
                for (o, &v) in s.iter_mut().zip(&self.proba[at..at + k]) {
                    *o += v;
                }
            }
        }
    }
}

/// A fitted classification tree.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTree {
    nodes: Vec<Node>,
    /// Weighted class counts per node, `n_nodes x n_classes`.
    values: Vec<f64>,
    n_features: usize,
    n_classes: usize,
    importances: Vec<f64>,
    depth: usize,
    n_leaves: usize,
}

impl DecisionTree {
    /// Normalised total impurity decrease per feature (sums to 1 unless the
    /// tree is a single leaf, then all zeros), as scikit-learn's
    /// `feature_importances_`.
    pub fn feature_importances(&self) -> &[f64] {
        &self.importances
    }

    /// Depth of the deepest leaf (a single leaf has depth 0).
    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn n_leaves(&self) -> usize {
        self.n_leaves
    }

    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Leaf reached by a row whose feature `f` is `get(f)`.
    fn leaf_by(&self, get: impl Fn(usize) -> f64) -> usize {
        let mut id = 0;
        loop {
            let node = &self.nodes[id];
            if node.feature == NONE {
                return id;
            }
            id = if get(node.feature) <= node.threshold {
                node.left
            } else {
                node.right
            };
        }
    }

    /// Weighted class counts of the leaf reached by the row (length n_classes).
    fn leaf_counts_by(&self, get: impl Fn(usize) -> f64) -> (&[f64], f64) {
        let id = self.leaf_by(get);
        let k = self.n_classes;
        (&self.values[id * k..(id + 1) * k], self.nodes[id].weight)
    }

    /// The tree in a compact form for prediction over many rows.
    pub(crate) fn flat(&self) -> FlatTree {
        let k = self.n_classes;
        let mut proba = Vec::new();
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(id, n)| {
                if n.feature == NONE {
                    // The leaf's class proportions, as `add_proba_by` adds
                    // them (nothing for a leaf without weight).
                    let at = proba.len() / k.max(1);
                    let counts = &self.values[id * k..(id + 1) * k];
                    proba.extend(counts.iter().map(|&c| {
                        if n.weight > 0.0 {
                            c / n.weight
                        } else {
                            0.0
                        }
                    }));
                    FlatNode {
                        threshold: 0.0,
                        feature: FLAT_LEAF,
                        left: at as u32,
                        right: 0,
                    }
                } else {
                    FlatNode {
                        threshold: n.threshold,
                        feature: n.feature as u32,
                        left: n.left as u32,
                        right: n.right as u32,
                    }
                }
            })
            .collect();
        FlatTree { nodes, proba, k }
    }

    /// Adds the class proportions of the row's leaf to `out` (a forest sums
    /// them over its trees).
    pub(crate) fn add_proba_by(&self, get: impl Fn(usize) -> f64, out: &mut [f64]) {
        let (counts, w) = self.leaf_counts_by(get);
        if w > 0.0 {
            for (o, &c) in out.iter_mut().zip(counts) {
                *o += c / w;
            }
        }
    }

    /// The tree as indented text in the style of scikit-learn's
    /// `export_text`, at most `max_lines` lines (the last one says how many
    /// were left out). Missing names are shown as `x[j]` / `class j`.
    pub fn describe(
        &self,
        feature_names: &[String],
        class_names: &[String],
        max_lines: usize,
    ) -> Vec<String> {
        enum Item {
            Node(usize, usize),
            Text(String),
        }
        let fname = |f: usize| {
            feature_names
                .get(f)
                .cloned()
                .unwrap_or_else(|| format!("x[{f}]"))
        };
        let cname = |c: usize| {
            class_names
                .get(c)
                .cloned()
                .unwrap_or_else(|| format!("class {c}"))
        };
        let internal = self.nodes.len() - self.n_leaves;
        let total = 2 * internal + self.n_leaves;
        if max_lines == 0 {
            return Vec::new();
        }
        let limit = if total <= max_lines {
            total
        } else {
            max_lines - 1
        };
        let k = self.n_classes;
        let mut lines = Vec::with_capacity(limit + 1);
        let mut stack = vec![Item::Node(0, 0)];
        while let Some(item) = stack.pop() {
            if lines.len() >= limit {
                break;
            }
            match item {
                Item::Text(s) => lines.push(s),
                Item::Node(id, d) => {
                    let node = &self.nodes[id];
                    let indent = "|   ".repeat(d);
                    if node.feature == NONE {
                        let counts = &self.values[id * k..(id + 1) * k];
                        let (best, &cmax) =
                            counts
                                .iter()
                                .enumerate()
                                .fold(
                                    (0, &f64::NEG_INFINITY),
                                    |a, b| if b.1 > a.1 { b } else { a },
                                );
                        let pct = if node.weight > 0.0 {
                            100.0 * cmax / node.weight
                        } else {
                            0.0
                        };
                        lines.push(format!(
                            "{indent}|--- class: {} ({} samples, {pct:.0}%)",
                            cname(best),
                            node.weight
                        ));
                    } else {
                        let name = fname(node.feature);
                        let thr = fmt_threshold(node.threshold);
                        lines.push(format!("{indent}|--- {name} <= {thr}"));
                        stack.push(Item::Node(node.right, d + 1));
                        stack.push(Item::Text(format!("{indent}|--- {name} >  {thr}")));
                        stack.push(Item::Node(node.left, d + 1));
                    }
                }
            }
        }
        if total > max_lines {
            lines.push(format!("... ({} more lines)", total - limit));
        }
        lines
    }
}

/// About four significant digits, at least one decimal, no trailing zeros.
fn fmt_threshold(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i64;
    let decimals = (3 - mag).clamp(1, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

impl Classifier for DecisionTree {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Majority class of each row's leaf (lowest class on ties). Returns an
    /// empty vector if `x` does not have `n_features` columns.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        if x.ncols() != self.n_features {
            return Vec::new();
        }
        x.outer_iter()
            .map(|row| argmax(self.leaf_counts_by(|f| row[f]).0))
            .collect()
    }

    /// Class proportions of each row's leaf (scikit-learn's `predict_proba`).
    /// `None` if `x` does not have `n_features` columns.
    fn scores(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        if x.ncols() != self.n_features {
            return None;
        }
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        for (row, mut o) in x.outer_iter().zip(out.outer_iter_mut()) {
            if let Some(s) = o.as_slice_mut() {
                self.add_proba_by(|f| row[f], s);
            }
        }
        Some(out)
    }
}

/// Index of the first maximum (numpy's `argmax`).
pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Fits a tree on all rows of `x`. Reports once at the end
/// (iter 1 of 1, metric "leaves", value = number of leaves).
pub fn fit(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    params: &TreeParams,
    seed: u64,
    progress: &mut Progress,
) -> Result<DecisionTree, AlgoError> {
    params.check(x.ncols())?;
    validate(x, y, n_classes)?;
    let prep = Prepared::new(x, y, n_classes);
    let weights = vec![1u32; prep.n];
    let tree = build(&prep, &weights, params, &mut rng(seed), None)?;
    progress.report(1, 1, "leaves", tree.n_leaves as f64)?;
    Ok(tree)
}

/// Fits a tree on the rows listed in `indices` (they may repeat: a row drawn
/// `k` times has weight `k`, as a bootstrap sample in scikit-learn), without
/// copying them out of `x`. Feature draws (`max_features`) use `rng`.
pub fn fit_indices(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    indices: &[usize],
    params: &TreeParams,
    rng: &mut Rng,
) -> Result<DecisionTree, AlgoError> {
    params.check(x.ncols())?;
    validate(x, y, n_classes)?;
    if indices.is_empty() {
        return Err(AlgoError::BadData(
            "no rows selected (empty index list)".into(),
        ));
    }
    if indices.len() >= u32::MAX as usize {
        return Err(AlgoError::BadData("too many row indices".into()));
    }
    let n = x.nrows();
    let mut weights = vec![0u32; n];
    for &i in indices {
        match weights.get_mut(i) {
            Some(w) => *w += 1,
            None => {
                return Err(AlgoError::BadData(format!(
                    "row index {i} out of range (x has {n} rows)"
                )))
            }
        }
    }
    let prep = Prepared::new(x, y, n_classes);
    build(&prep, &weights, params, rng, None)
}

/// The best split found so far at a node.
struct Found {
    proxy: f64,
    feature: usize,
    /// Number of (distinct) rows going left.
    pos: usize,
    threshold: f64,
}

/// A node waiting to be grown.
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    parent: usize,
    is_left: bool,
    counts: Vec<u64>,
}

/// State for growing one tree.
struct Grower<'a> {
    prep: &'a Prepared,
    params: &'a TreeParams,
    /// (label, multiplicity) per row of `prep`.
    yw: Vec<(u32, u32)>,
    /// Rows with weight > 0.
    m: usize,
    /// `lists[f * m ..][start..end]` = rows of a node sorted by feature `f`.
    lists: Vec<u32>,
    /// `c log₂ c` for c = 0..=total weight (entropy only).
    xlogx: Vec<f64>,
    /// Left class counts while scanning a feature.
    left: Vec<u64>,
    /// Feature pool for random draws.
    features: Vec<usize>,
}

fn impurity(criterion: Criterion, counts: &[u64], w: u64) -> f64 {
    if w == 0 {
        return 0.0;
    }
    let w = w as f64;
    match criterion {
        Criterion::Gini => {
            let sq: f64 = counts.iter().map(|&c| (c as f64) * (c as f64)).sum();
            1.0 - sq / (w * w)
        }
        Criterion::Entropy => {
            let mut h = 0.0;
            for &c in counts {
                if c > 0 {
                    let q = c as f64 / w;
                    h -= q * q.log2();
                }
            }
            h
        }
    }
}

impl Grower<'_> {
    fn is_leaf(&self, depth: usize, n_rows: usize, impurity: f64) -> bool {
        let p = self.params;
        p.max_depth.is_some_and(|d| depth >= d)
            || n_rows < p.min_samples_split
            || n_rows < 2 * p.min_samples_leaf
            || impurity <= EPSILON
    }

    /// Scans feature `f` over the node's rows and updates `best`. Returns
    /// false if the feature is constant on the node.
    fn scan(
        &mut self,
        f: usize,
        start: usize,
        end: usize,
        counts: &[u64],
        best: &mut Found,
    ) -> bool {
        let n = self.prep.n;
        let vals = &self.prep.cols[f * n..(f + 1) * n];
        let seg = &self.lists[f * self.m + start..f * self.m + end];
        let len = seg.len();
        if vals[seg[len - 1] as usize] <= vals[seg[0] as usize] + FEATURE_THRESHOLD {
            return false;
        }
        let msl = self.params.min_samples_leaf;
        let left = &mut self.left;
        left.fill(0);
        let w_node: u64 = counts.iter().sum();
        let mut wl = 0u64;
        let mut wr = w_node;
        match self.params.criterion {
            Criterion::Gini => {
                // Proxy Σ L_k²/W_L + Σ R_k²/W_R in exact integer sums.
                let mut sq_l = 0u64;
                let mut sq_r: u64 = counts.iter().map(|&c| c * c).sum();
                for kk in 0..len - 1 {
                    let i = seg[kk] as usize;
                    let (c, w) = self.yw[i];
                    let (c, w) = (c as usize, w as u64);
                    let lc = left[c];
                    let rc = counts[c] - lc;
                    sq_l += w * (2 * lc + w);
                    sq_r -= w * (2 * rc - w);
                    left[c] = lc + w;
                    wl += w;
                    wr -= w;
                    let v = vals[i];
                    let vn = vals[seg[kk + 1] as usize];
                    if vn <= v + FEATURE_THRESHOLD {
                        continue;
                    }
                    let nl = kk + 1;
                    if nl < msl {
                        continue;
                    }
                    if len - nl < msl {
                        break;
                    }
                    let proxy = sq_l as f64 / wl as f64 + sq_r as f64 / wr as f64;
                    if proxy > best.proxy {
                        *best = Found {
                            proxy,
                            feature: f,
                            pos: nl,
                            threshold: midpoint(v, vn),
                        };
                    }
                }
            }
            Criterion::Entropy => {
                // Proxy -(W_L·H_L + W_R·H_R) = Σ L log L + Σ R log R - W_L log W_L - W_R log W_R.
                let t = &self.xlogx;
                for kk in 0..len - 1 {
                    let i = seg[kk] as usize;
                    let (c, w) = self.yw[i];
                    left[c as usize] += w as u64;
                    wl += w as u64;
                    wr -= w as u64;
                    let v = vals[i];
                    let vn = vals[seg[kk + 1] as usize];
                    if vn <= v + FEATURE_THRESHOLD {
                        continue;
                    }
                    let nl = kk + 1;
                    if nl < msl {
                        continue;
                    }
                    if len - nl < msl {
                        break;
                    }
                    let mut proxy = -t[wl as usize] - t[wr as usize];
                    for (&l, &c) in left.iter().zip(counts) {
                        proxy += t[l as usize] + t[(c - l) as usize];
                    }
                    if proxy > best.proxy {
                        *best = Found {
                            proxy,
                            feature: f,
                            pos: nl,
                            threshold: midpoint(v, vn),
                        };
                    }
                }
            }
        }
        true
    }

    /// Best split of the node `start..end`, if any feature can split it.
    fn best_split(
        &mut self,
        start: usize,
        end: usize,
        counts: &[u64],
        r: &mut Rng,
    ) -> Option<Found> {
        let mut best = Found {
            proxy: f64::NEG_INFINITY,
            feature: NONE,
            pos: 0,
            threshold: 0.0,
        };
        let p = self.prep.p;
        match self.params.max_features {
            None => {
                for f in 0..p {
                    self.scan(f, start, end, counts, &mut best);
                }
            }
            Some(mf) => {
                let mut remaining = p;
                let mut visited = 0;
                let mut found = false;
                while remaining > 0 && (visited < mf || !found) {
                    let j = r.gen_range(0..remaining);
                    let f = self.features[j];
                    self.features.swap(j, remaining - 1);
                    remaining -= 1;
                    visited += 1;
                    found |= self.scan(f, start, end, counts, &mut best);
                }
            }
        }
        (best.feature != NONE).then_some(best)
    }
}

/// scikit-learn's threshold between two distinct sorted values.
fn midpoint(v: f64, vn: f64) -> f64 {
    let t = v / 2.0 + vn / 2.0;
    if t == vn || t.is_infinite() {
        v
    } else {
        t
    }
}

/// Grows one tree on the rows of `prep` with `weights[i] > 0` (weights are
/// multiplicities). Checks `stop` at every node.
pub(crate) fn build(
    prep: &Prepared,
    weights: &[u32],
    params: &TreeParams,
    r: &mut Rng,
    stop: Option<&AtomicBool>,
) -> Result<DecisionTree, AlgoError> {
    let (n, p, k) = (prep.n, prep.p, prep.k);
    if weights.len() != n {
        return Err(AlgoError::BadData(format!(
            "{} weights for {n} rows",
            weights.len()
        )));
    }
    let m = weights.iter().filter(|&&w| w > 0).count();
    if m == 0 {
        return Err(AlgoError::BadData("no rows with positive weight".into()));
    }
    let mut lists = Vec::with_capacity(p * m);
    for order in prep.order.chunks_exact(n) {
        lists.extend(order.iter().copied().filter(|&i| weights[i as usize] > 0));
    }
    let mut root_counts = vec![0u64; k];
    for (i, &w) in weights.iter().enumerate() {
        root_counts[prep.y[i] as usize] += w as u64;
    }
    let total_w: u64 = root_counts.iter().sum();
    let xlogx = match params.criterion {
        Criterion::Gini => Vec::new(),
        Criterion::Entropy => (0..=total_w)
            .map(|c| {
                let c = c as f64;
                if c > 0.0 {
                    c * c.log2()
                } else {
                    0.0
                }
            })
            .collect(),
    };
    let mut g = Grower {
        prep,
        params,
        yw: prep
            .y
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .collect(),
        m,
        lists,
        xlogx,
        left: vec![0; k],
        features: (0..p).collect(),
    };

    let w_total = total_w as f64;
    let mut nodes: Vec<Node> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut importances = vec![0.0; p];
    let mut goes_left = vec![false; n];
    let mut tmp = vec![0u32; m];
    let mut stack = vec![Pending {
        start: 0,
        end: m,
        depth: 0,
        parent: NONE,
        is_left: false,
        counts: root_counts,
    }];

    // Adds a node, links it to its parent, returns its id.
    fn push_node(
        nodes: &mut Vec<Node>,
        values: &mut Vec<f64>,
        node: Node,
        counts: &[u64],
        parent: usize,
        is_left: bool,
    ) -> usize {
        let id = nodes.len();
        nodes.push(node);
        values.extend(counts.iter().map(|&c| c as f64));
        if let Some(par) = nodes.get_mut(parent) {
            if is_left {
                par.left = id;
            } else {
                par.right = id;
            }
        }
        id
    }
    let leaf = |impurity: f64, n_rows: usize, weight: u64, depth: usize| Node {
        feature: NONE,
        threshold: 0.0,
        left: NONE,
        right: NONE,
        impurity,
        n_rows,
        weight: weight as f64,
        depth,
    };

    while let Some(nd) = stack.pop() {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Err(AlgoError::Cancelled);
        }
        let n_rows = nd.end - nd.start;
        let w_node: u64 = nd.counts.iter().sum();
        let imp = impurity(params.criterion, &nd.counts, w_node);
        let mut split = None;
        if !g.is_leaf(nd.depth, n_rows, imp) {
            if let Some(s) = g.best_split(nd.start, nd.end, &nd.counts, r) {
                // Class counts of the two children.
                let seg = &g.lists[s.feature * m + nd.start..s.feature * m + nd.end];
                let mut lc = vec![0u64; k];
                for &i in &seg[..s.pos] {
                    let (c, w) = g.yw[i as usize];
                    lc[c as usize] += w as u64;
                }
                let rc: Vec<u64> = nd.counts.iter().zip(&lc).map(|(&a, &b)| a - b).collect();
                let wl: u64 = lc.iter().sum();
                let wr = w_node - wl;
                let imp_l = impurity(params.criterion, &lc, wl);
                let imp_r = impurity(params.criterion, &rc, wr);
                let wn = w_node as f64;
                let improvement =
                    (wn / w_total) * (imp - (wr as f64 / wn) * imp_r - (wl as f64 / wn) * imp_l);
                if improvement + EPSILON >= params.min_impurity_decrease {
                    split = Some((s, lc, rc, wl, wr, imp_l, imp_r));
                }
            }
        }
        let Some((s, lc, rc, wl, wr, imp_l, imp_r)) = split else {
            push_node(
                &mut nodes,
                &mut values,
                leaf(imp, n_rows, w_node, nd.depth),
                &nd.counts,
                nd.parent,
                nd.is_left,
            );
            continue;
        };
        importances[s.feature] += w_node as f64 * imp - wl as f64 * imp_l - wr as f64 * imp_r;
        let id = push_node(
            &mut nodes,
            &mut values,
            Node {
                feature: s.feature,
                threshold: s.threshold,
                left: NONE,
                right: NONE,
                impurity: imp,
                n_rows,
                weight: w_node as f64,
                depth: nd.depth,
            },
            &nd.counts,
            nd.parent,
            nd.is_left,
        );
        let mid = nd.start + s.pos;
        let depth = nd.depth + 1;
        let left_leaf = g.is_leaf(depth, s.pos, imp_l);
        let right_leaf = g.is_leaf(depth, nd.end - mid, imp_r);
        if left_leaf {
            push_node(
                &mut nodes,
                &mut values,
                leaf(imp_l, s.pos, wl, depth),
                &lc,
                id,
                true,
            );
        }
        if right_leaf {
            push_node(
                &mut nodes,
                &mut values,
                leaf(imp_r, nd.end - mid, wr, depth),
                &rc,
                id,
                false,
            );
        }
        if left_leaf && right_leaf {
            continue;
        }
        // Partition every other feature's segment stably into left | right.
        {
            let base = s.feature * m;
            for (j, &i) in g.lists[base + nd.start..base + nd.end].iter().enumerate() {
                goes_left[i as usize] = j < s.pos;
            }
        }
        for f in (0..p).filter(|&f| f != s.feature) {
            let seg = &mut g.lists[f * m + nd.start..f * m + nd.end];
            let mut l = 0;
            let mut rr = 0;
            for j in 0..seg.len() {
                let i = seg[j];
                let gl = goes_left[i as usize];
                seg[l] = i;
                tmp[rr] = i;
                l += gl as usize;
                rr += !gl as usize;
            }
            seg[l..].copy_from_slice(&tmp[..rr]);
        }
        if !right_leaf {
            stack.push(Pending {
                start: mid,
                end: nd.end,
                depth,
                parent: id,
                is_left: false,
                counts: rc,
            });
        }
        if !left_leaf {
            stack.push(Pending {
                start: nd.start,
                end: mid,
                depth,
                parent: id,
                is_left: true,
                counts: lc,
            });
        }
    }

    let root_weight = nodes.first().map_or(0.0, |nd| nd.weight);
    if root_weight > 0.0 {
        for v in &mut importances {
            *v /= root_weight;
        }
    }
    let sum: f64 = importances.iter().sum();
    if sum > 0.0 {
        for v in &mut importances {
            *v /= sum;
        }
    }
    let n_leaves = nodes.iter().filter(|nd| nd.feature == NONE).count();
    let depth = nodes.iter().map(|nd| nd.depth).max().unwrap_or(0);
    Ok(DecisionTree {
        nodes,
        values,
        n_features: p,
        n_classes: k,
        importances,
        depth,
        n_leaves,
    })
}

pub mod regression;

#[cfg(test)]
pub(crate) mod tests;

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    choice, int, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec, ParamValues,
    Task, TrainClassifier,
};

pub const CRITERION: ParamSpec = choice(
    "criterion",
    &["gini", "entropy"],
    "gini",
    "split quality: Gini impurity or information gain (a numeric target uses squared error)",
);
pub const MAX_DEPTH: ParamSpec = int(
    "max_depth",
    0,
    10_000,
    "0",
    "deepest level a tree may grow to; 0 = no limit",
);
pub const MIN_SAMPLES_SPLIT: ParamSpec = int(
    "min_samples_split",
    2,
    1_000_000,
    "2",
    "fewest rows a node needs to be split",
);
pub const MIN_LEAF: ParamSpec = int(
    "min_samples_leaf",
    1,
    1_000_000,
    "1",
    "fewest training rows a leaf may hold",
);

/// `criterion` as a [`Criterion`].
pub(crate) fn criterion(v: &ParamValues) -> Result<Criterion, ParamError> {
    Ok(match v.choice(&CRITERION)? {
        "entropy" => Criterion::Entropy,
        _ => Criterion::Gini,
    })
}

/// `max_depth` (0 = no limit).
pub(crate) fn max_depth(v: &ParamValues) -> Result<Option<usize>, ParamError> {
    let d = v.usize(&MAX_DEPTH)?;
    Ok((d > 0).then_some(d))
}

/// Our CART tree in the registry.
pub struct Tree;

impl Algorithm for Tree {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "decision-tree",
        title: "Decision tree (CART)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-trees mishandles tied values (0.744 vs 0.880 on digits), is not deterministic and is 4x slower",
        topics: &["decision-tree", "information-theory", "top-ten-algorithms"],
        params: &[CRITERION, MAX_DEPTH, MIN_SAMPLES_SPLIT, MIN_LEAF],
    };
    type Params = TreeParams;
    fn params(v: &ParamValues) -> Result<TreeParams, ParamError> {
        Ok(TreeParams {
            criterion: criterion(v)?,
            max_depth: max_depth(v)?,
            min_samples_split: v.usize(&MIN_SAMPLES_SPLIT)?,
            min_samples_leaf: v.usize(&MIN_LEAF)?,
            ..TreeParams::default()
        })
    }
}

impl TrainClassifier for TreeParams {
    fn fit(
        &self,
        d: FitData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit(d.x, d.y, d.n_classes, self, seed, progress)?))
    }
}
