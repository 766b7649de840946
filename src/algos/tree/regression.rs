//! CART regression tree and random-forest regressor, following
//! scikit-learn 1.7's `DecisionTreeRegressor` (criterion `squared_error`)
//! and `RandomForestRegressor`:
//!
//! * a node's impurity is the weighted variance of its targets; the split
//!   maximising `S_L²/W_L + S_R²/W_R` (S = weighted sum of targets, W =
//!   weight: the variance reduction up to constants) wins, first best in
//!   the visiting order;
//! * thresholds are midpoints between distinct consecutive values (closer
//!   than 1e-7 is equal), `x <= threshold` goes left; a leaf predicts the
//!   weighted mean of its rows;
//! * the same stopping rules and parameters as the classification tree
//!   ([`TreeParams`]; its `criterion` is ignored here);
//! * the forest grows each tree on a bootstrap sample (multiplicities as
//!   weights) with `max_features` drawn per split and averages the trees.
//!
//! Simpler than the classification tree's presorted segments: each node
//! sorts its rows per feature (O(p·n log n) per level); fine up to the tens
//! of thousands of rows a study table has.

use ndarray::ArrayView2;
use rand::seq::SliceRandom;
use rand::Rng as _;

use super::{TreeParams, EPSILON, FEATURE_THRESHOLD, NONE};
use crate::algos::core::{rng, AlgoError, Progress, Regressor, Rng};
use crate::algos::forest::{ForestParams, MaxFeatures};

#[derive(Debug, Clone, PartialEq)]
struct Node {
    feature: usize,
    threshold: f64,
    left: usize,
    right: usize,
    value: f64,
}

/// A fitted regression tree.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionTree {
    nodes: Vec<Node>,
    n_features: usize,
}

impl RegressionTree {
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.feature == NONE).count()
    }

    fn value(&self, row: ndarray::ArrayView1<'_, f64>) -> f64 {
        let mut i = 0;
        loop {
            let n = &self.nodes[i];
            if n.feature == NONE {
                return n.value;
            }
            i = if row[n.feature] <= n.threshold {
                n.left
            } else {
                n.right
            };
        }
    }
}

impl Regressor for RegressionTree {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        if x.ncols() != self.n_features {
            return Vec::new();
        }
        x.rows().into_iter().map(|r| self.value(r)).collect()
    }
}

fn validate(x: ArrayView2<'_, f64>, y: &[f64]) -> Result<(), AlgoError> {
    if x.nrows() != y.len() || y.is_empty() {
        return Err(AlgoError::BadData(format!(
            "{} rows of features but {} target values",
            x.nrows(),
            y.len()
        )));
    }
    if x.ncols() == 0 {
        return Err(AlgoError::BadData("the data has no feature columns".into()));
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
    Ok(())
}

struct Best {
    proxy: f64,
    feature: usize,
    threshold: f64,
}

/// Column-major copy of `x`: feature `f` of row `i` at `f * n + i`.
fn columns(x: ArrayView2<'_, f64>) -> Vec<f64> {
    let mut c = Vec::with_capacity(x.len());
    for col in x.columns() {
        c.extend(col.iter());
    }
    c
}

/// Grows a tree on rows with weights (`w[i] = 0`: not in the sample);
/// `cols` is the column-major copy of the features.
fn build(
    cols: &[f64],
    p: usize,
    y: &[f64],
    w: &[u32],
    params: &TreeParams,
    rng: &mut Rng,
) -> RegressionTree {
    let n = y.len();
    let total_w: f64 = w.iter().map(|&v| f64::from(v)).sum();
    let rows: Vec<usize> = (0..y.len()).filter(|&i| w[i] > 0).collect();
    let mut nodes: Vec<Node> = Vec::new();
    // (rows, depth, parent, is_left)
    let mut stack = vec![(rows, 0usize, NONE, false)];
    let mut feats: Vec<usize> = (0..p).collect();
    let mut sorted: Vec<usize> = Vec::new();
    while let Some((rows, depth, parent, is_left)) = stack.pop() {
        let (mut sw, mut s, mut s2) = (0.0, 0.0, 0.0);
        for &i in &rows {
            let wi = f64::from(w[i]);
            sw += wi;
            s += wi * y[i];
            s2 += wi * y[i] * y[i];
        }
        let mean = s / sw;
        let impurity = (s2 / sw - mean * mean).max(0.0);
        let id = nodes.len();
        nodes.push(Node {
            feature: NONE,
            threshold: 0.0,
            left: NONE,
            right: NONE,
            value: mean,
        });
        if parent != NONE {
            if is_left {
                nodes[parent].left = id;
            } else {
                nodes[parent].right = id;
            }
        }
        let n_rows = rows.len();
        let msl = params.min_samples_leaf;
        if params.max_depth.is_some_and(|d| depth >= d)
            || n_rows < params.min_samples_split
            || n_rows < 2 * msl
            || impurity <= EPSILON
        {
            continue;
        }
        let m = params.max_features.unwrap_or(p).clamp(1, p);
        if params.max_features.is_some() {
            feats.shuffle(rng);
        } else {
            feats.sort_unstable();
        }
        let mut best = Best {
            proxy: f64::NEG_INFINITY,
            feature: NONE,
            threshold: 0.0,
        };
        for (visited, &f) in feats.iter().enumerate() {
            if visited >= m && best.feature != NONE {
                break;
            }
            let col = &cols[f * n..(f + 1) * n];
            sorted.clear();
            sorted.extend_from_slice(&rows);
            sorted.sort_unstable_by(|&a, &b| col[a].total_cmp(&col[b]));
            let lo = col[sorted[0]];
            let hi = col[sorted[n_rows - 1]];
            if hi <= lo + FEATURE_THRESHOLD {
                continue;
            }
            let (mut wl, mut sl) = (0.0, 0.0);
            for k in 0..n_rows - 1 {
                let i = sorted[k];
                let wi = f64::from(w[i]);
                wl += wi;
                sl += wi * y[i];
                let (a, b) = (col[i], col[sorted[k + 1]]);
                if b <= a + FEATURE_THRESHOLD {
                    continue;
                }
                if k + 1 < msl || n_rows - k - 1 < msl {
                    continue;
                }
                let wr = sw - wl;
                let sr = s - sl;
                let proxy = sl * sl / wl + sr * sr / wr;
                if proxy > best.proxy {
                    let mut t = a / 2.0 + b / 2.0;
                    if t == b || !t.is_finite() {
                        t = a;
                    }
                    best = Best {
                        proxy,
                        feature: f,
                        threshold: t,
                    };
                }
            }
        }
        if best.feature == NONE {
            continue;
        }
        let (left, right): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&i| cols[best.feature * n + i] <= best.threshold);
        if params.min_impurity_decrease > 0.0 {
            let imp = |r: &[usize]| {
                let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
                for &i in r {
                    let wi = f64::from(w[i]);
                    a += wi;
                    b += wi * y[i];
                    c += wi * y[i] * y[i];
                }
                (a, (c / a - (b / a) * (b / a)).max(0.0))
            };
            let ((wl, il), (wr, ir)) = (imp(&left), imp(&right));
            let dec = sw / total_w * (impurity - wl / sw * il - wr / sw * ir);
            if dec < params.min_impurity_decrease {
                continue;
            }
        }
        nodes[id].feature = best.feature;
        nodes[id].threshold = best.threshold;
        // Right pushed first so the left subtree is numbered first.
        stack.push((right, depth + 1, id, false));
        stack.push((left, depth + 1, id, true));
    }
    RegressionTree {
        nodes,
        n_features: p,
    }
}

/// Fits a regression tree on all rows. Reports once (metric "leaves").
pub fn fit_tree(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    params: &TreeParams,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<RegressionTree, AlgoError> {
    params.check(x.ncols())?;
    validate(x, y)?;
    let w = vec![1u32; y.len()];
    let tree = build(&columns(x), x.ncols(), y, &w, params, &mut rng(seed));
    progress.report(1, 1, "leaves", tree.n_leaves() as f64)?;
    Ok(tree)
}

/// A fitted random-forest regressor: the mean of its trees.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRegressor {
    trees: Vec<RegressionTree>,
    n_features: usize,
}

impl Regressor for ForestRegressor {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        if x.ncols() != self.n_features || self.trees.is_empty() {
            return Vec::new();
        }
        let mut sum = vec![0.0; x.nrows()];
        for t in &self.trees {
            for (s, v) in sum.iter_mut().zip(t.predict(x)) {
                *s += v;
            }
        }
        let k = self.trees.len() as f64;
        sum.into_iter().map(|s| s / k).collect()
    }
}

/// Fits a forest: tree `t` uses its own generator seeded from (`seed`, t),
/// so the result does not depend on the number of threads. Reports after
/// every finished tree (metric "trees").
pub fn fit_forest(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    params: &ForestParams,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<ForestRegressor, AlgoError> {
    params.check(x.ncols())?;
    validate(x, y)?;
    let p = x.ncols();
    let tp = TreeParams {
        criterion: params.criterion,
        max_depth: params.max_depth,
        min_samples_split: params.min_samples_split,
        min_samples_leaf: params.min_samples_leaf,
        min_impurity_decrease: params.min_impurity_decrease,
        max_features: match params.max_features {
            MaxFeatures::All => None,
            m => Some(m.resolve(p)),
        },
    };
    let n = y.len();
    let cols = columns(x);
    let cols = &cols;
    let grow = |t: usize| {
        let mut r = rng(crate::algos::forest::tree_seed(seed, t));
        let mut w = vec![0u32; n];
        if params.bootstrap {
            for _ in 0..n {
                w[r.gen_range(0..n)] += 1;
            }
        } else {
            w.fill(1);
        }
        build(cols, p, y, &w, &tp, &mut r)
    };
    let threads = if params.threads == 0 {
        std::thread::available_parallelism().map_or(1, |v| v.get())
    } else {
        params.threads
    }
    .clamp(1, params.n_trees.max(1));
    let mut trees = Vec::with_capacity(params.n_trees);
    // Batches of `threads` trees: each batch in parallel, then reported.
    let mut t0 = 0;
    while t0 < params.n_trees {
        let t1 = (t0 + threads).min(params.n_trees);
        let batch: Vec<RegressionTree> = std::thread::scope(|s| {
            let hs: Vec<_> = (t0..t1).map(|t| s.spawn(move || grow(t))).collect();
            hs.into_iter()
                .map(|h| {
                    h.join()
                        .map_err(|_| AlgoError::Failed("a tree worker failed".into()))
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        trees.extend(batch);
        progress.report(t1, params.n_trees, "trees", t1 as f64)?;
        t0 = t1;
    }
    Ok(ForestRegressor {
        trees,
        n_features: p,
    })
}

// The registry's view: the regression forms of `decision-tree` and
// `random-forest` read the classifiers' parameters (criterion unused).

use crate::algos::algorithm::{RegressData, TrainRegressor};

impl TrainRegressor for TreeParams {
    fn fit(
        &self,
        d: RegressData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError> {
        Ok(Box::new(fit_tree(d.x, d.y, self, seed, progress)?))
    }
}

impl TrainRegressor for ForestParams {
    fn fit(
        &self,
        d: RegressData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError> {
        Ok(Box::new(fit_forest(d.x, d.y, self, seed, progress)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_step_function_is_split_at_the_midpoint_and_leaves_are_means() {
        let x = array![[1.0], [2.0], [3.0], [10.0], [11.0], [12.0]];
        let y = [1.0, 2.0, 3.0, 10.0, 11.0, 13.0];
        let p = TreeParams {
            max_depth: Some(1),
            ..TreeParams::default()
        };
        let t = fit_tree(x.view(), &y, &p, 0, &mut Progress::none()).expect("fit");
        assert_eq!(t.nodes[0].threshold, 6.5);
        assert_eq!(
            t.predict(array![[0.0], [7.0]].view()),
            vec![2.0, 34.0 / 3.0]
        );
        // Fully grown, it reproduces the training targets.
        let full = fit_tree(
            x.view(),
            &y,
            &TreeParams::default(),
            0,
            &mut Progress::none(),
        )
        .expect("fit");
        assert_eq!(full.predict(x.view()), y.to_vec());
    }

    #[test]
    fn the_forest_is_deterministic_per_seed_and_independent_of_threads() {
        let x = array![
            [1.0, 0.0],
            [2.0, 1.0],
            [3.0, 0.0],
            [4.0, 1.0],
            [5.0, 0.0],
            [6.0, 1.0]
        ];
        let y = [1.0, 2.5, 2.9, 4.2, 5.1, 6.3];
        let fit = |threads, seed| {
            let p = ForestParams {
                n_trees: 8,
                threads,
                max_features: MaxFeatures::All,
                ..ForestParams::default()
            };
            fit_forest(x.view(), &y, &p, seed, &mut Progress::none())
                .expect("fit")
                .predict(x.view())
        };
        assert_eq!(fit(1, 3), fit(4, 3));
        assert_ne!(fit(1, 3), fit(1, 4));
    }
}
