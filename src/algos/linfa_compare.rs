//! linfa's own decision tree and SVM, run side by side with ours so a
//! learner can compare the two implementations on the same data. These are
//! the crates the project findings measured: linfa-trees mishandles tied
//! values and is not deterministic; linfa-svm is binary only and keeps the
//! full n x n kernel matrix in memory (and its `shrinking` option gives wrong
//! answers, so it stays off here).

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_svm::Svm;
use linfa_trees::{DecisionTree, SplitQuality};
use ndarray::{Array1, ArrayView2};

use super::core::{AlgoError, Classifier};

pub struct LinfaTree {
    model: DecisionTree<f64, usize>,
    n_features: usize,
    n_classes: usize,
}

pub fn fit_tree(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    entropy: bool,
    max_depth: Option<usize>,
) -> Result<LinfaTree, AlgoError> {
    if x.nrows() != y.len() || x.nrows() == 0 {
        return Err(AlgoError::BadData(format!(
            "{} rows but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    let ds = DatasetBase::new(x.to_owned(), Array1::from(y.to_vec()));
    let model = DecisionTree::params()
        .split_quality(if entropy {
            SplitQuality::Entropy
        } else {
            SplitQuality::Gini
        })
        .max_depth(max_depth)
        .fit(&ds)
        .map_err(|e| AlgoError::Failed(format!("linfa-trees: {e}")))?;
    Ok(LinfaTree {
        model,
        n_features: x.ncols(),
        n_classes,
    })
}

impl Classifier for LinfaTree {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        if x.ncols() != self.n_features {
            return Vec::new();
        }
        self.model.predict(&x).to_vec()
    }
}

/// Rows above which linfa-svm's dense kernel matrix gets too big to try.
pub const SVM_MAX_ROWS: usize = 5000;

pub struct LinfaSvm {
    model: Svm<f64, bool>,
    n_features: usize,
}

/// linfa-svm's settings, named as in `svm`.
pub struct LinfaSvmParams<'a> {
    pub c: f64,
    pub kernel: &'a str,
    /// 0 = scikit-learn's "scale".
    pub gamma: f64,
    pub degree: u32,
    pub coef0: f64,
}

pub fn fit_svm(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    n_classes: usize,
    p: &LinfaSvmParams<'_>,
) -> Result<LinfaSvm, AlgoError> {
    let LinfaSvmParams {
        c,
        kernel,
        gamma,
        degree,
        coef0,
    } = *p;
    if n_classes != 2 {
        return Err(AlgoError::BadData(format!(
            "linfa-svm is binary only and this data has {n_classes} classes; use `svm` (ours, one-vs-one) instead"
        )));
    }
    if x.nrows() > SVM_MAX_ROWS {
        return Err(AlgoError::BadData(format!(
            "linfa-svm keeps the full {n} x {n} kernel matrix; above {SVM_MAX_ROWS} training rows use `svm`",
            n = x.nrows()
        )));
    }
    if x.nrows() != y.len() || x.nrows() == 0 {
        return Err(AlgoError::BadData(format!(
            "{} rows but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    // gamma 0 means scikit-learn's "scale": 1 / (n_features * var(X)).
    let gamma = if gamma > 0.0 {
        gamma
    } else {
        let n = x.len() as f64;
        let mean = x.sum() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        if var > 0.0 {
            1.0 / (x.ncols() as f64 * var)
        } else {
            1.0
        }
    };
    let targets = Array1::from(y.iter().map(|&c| c == 1).collect::<Vec<bool>>());
    let ds = DatasetBase::new(x.to_owned(), targets);
    let params = Svm::<f64, bool>::params()
        .pos_neg_weights(c, c)
        .shrinking(false);
    let params = match kernel {
        "linear" => params.linear_kernel(),
        // linfa's polynomial kernel is (<x, x'> + constant)^degree, without gamma.
        "poly" => params.polynomial_kernel(coef0, f64::from(degree)),
        // linfa's Gaussian kernel is exp(-|x - x'|^2 / eps): eps = 1 / gamma.
        _ => params.gaussian_kernel(1.0 / gamma),
    };
    let model = params
        .fit(&ds)
        .map_err(|e| AlgoError::Failed(format!("linfa-svm: {e}")))?;
    Ok(LinfaSvm {
        model,
        n_features: x.ncols(),
    })
}

impl Classifier for LinfaSvm {
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn n_classes(&self) -> usize {
        2
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Vec<usize> {
        if x.ncols() != self.n_features {
            return Vec::new();
        }
        let p: Array1<bool> = self.model.predict(&x);
        p.iter().map(|&b| usize::from(b)).collect()
    }
}
