//! linfa's own decision tree and SVM, run side by side with ours so a
//! learner can compare the two implementations on the same data. These are
//! the crates the project findings measured: linfa-trees mishandles tied
//! values and is not deterministic; linfa-svm is binary only and keeps the
//! full n x n kernel matrix in memory (and its `shrinking` option gives wrong
//! answers, so it stays off here).
//!
//! Neither checks its input. linfa-trees sorts with `partial_cmp` falling
//! back to `Greater` and linfa-svm's solver compares gradients, so a NaN
//! does not panic in either, but it makes the splits and the kernel
//! meaningless without a word; so do kernel values that overflow. Both fits
//! here refuse non-finite values, and the SVM values so large that its
//! kernel overflows, naming the feature.

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_svm::Svm;
use linfa_trees::{DecisionTree, SplitQuality};
use ndarray::{Array1, ArrayView2};

use super::core::{AlgoError, Classifier};

/// `feature 3 (`petal_width`)`, or `feature 3` when the name is not known.
fn feature(j: usize, names: &[String]) -> String {
    match names.get(j) {
        Some(n) => format!("feature {j} (`{n}`)"),
        None => format!("feature {j}"),
    }
}

/// Refuse NaN and infinite values before handing `x` to linfa.
fn check_finite(x: ArrayView2<'_, f64>, names: &[String]) -> Result<(), AlgoError> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((r, j), v)) => Err(AlgoError::BadData(format!(
            "{}, row {r}: {v} is not a finite number",
            feature(j, names)
        ))),
        None => Ok(()),
    }
}

pub struct LinfaTree {
    model: DecisionTree<f64, usize>,
    n_features: usize,
    n_classes: usize,
}

pub fn fit_tree(
    x: ArrayView2<'_, f64>,
    names: &[String],
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
    check_finite(x, names)?;
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
#[derive(Debug, Clone, PartialEq)]
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
    names: &[String],
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
    check_finite(x, names)?;
    // Every kernel value must be finite: |x - x'|^2 <= 4 max |x|^2 (rbf),
    // <x, x'> <= max |x|^2 (linear), (<x, x'> + coef0)^degree (poly).
    let max_sq = x.rows().into_iter().map(|r| r.dot(&r)).fold(0.0, f64::max);
    let bound = match kernel {
        "linear" => max_sq,
        "poly" => (max_sq + coef0.abs()).powi(i32::try_from(degree).unwrap_or(i32::MAX)),
        _ => 4.0 * max_sq,
    };
    if !bound.is_finite() {
        let (j, big) = (0..x.ncols())
            .map(|j| (j, x.column(j).iter().fold(0.0f64, |m, v| m.max(v.abs()))))
            .fold((0, 0.0), |best, c| if c.1 > best.1 { c } else { best });
        return Err(AlgoError::BadData(format!(
            "{} has values as large as {big:e}, so linfa-svm's {kernel} kernel overflows; \
             rescale the features (e.g. --scale maxabs)",
            feature(j, names)
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

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    float, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec, ParamValues, Task,
    TrainClassifier,
};
use super::core::Progress;
use super::svm::{COEF0, DEGREE, KERNEL};
use super::tree::{CRITERION, MAX_DEPTH};

pub const SVM_C: ParamSpec = super::svm::C;
pub const SVM_GAMMA: ParamSpec = float(
    "gamma",
    0.0,
    1e9,
    false,
    "0",
    "RBF width; 0 = 'scale': 1/(n_features * var(X))",
);

/// linfa-trees' decision tree in the registry.
pub struct LinfaTreeAlgo;

/// Typed parameters of [`LinfaTreeAlgo`].
#[derive(Debug, Clone, PartialEq)]
pub struct LinfaTreeParams {
    pub entropy: bool,
    pub max_depth: Option<usize>,
}

impl Algorithm for LinfaTreeAlgo {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "decision-tree-linfa",
        title: "Decision tree, linfa-trees (for comparison)",
        task: Task::Classification,
        implementation: Implementation::Linfa,
        why: "linfa's tree beside ours: see how tie handling changes the result (digits)",
        topics: &["decision-tree"],
        params: &[CRITERION, MAX_DEPTH],
    };
    type Params = LinfaTreeParams;
    fn params(v: &ParamValues) -> Result<LinfaTreeParams, ParamError> {
        Ok(LinfaTreeParams {
            entropy: v.choice(&CRITERION)? == "entropy",
            max_depth: super::tree::max_depth(v)?,
        })
    }
}

impl TrainClassifier for LinfaTreeParams {
    fn fit(
        &self,
        d: FitData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_tree(
            d.x,
            d.names,
            d.y,
            d.n_classes,
            self.entropy,
            self.max_depth,
        )?))
    }
}

/// linfa-svm in the registry.
pub struct LinfaSvmAlgo;

impl Algorithm for LinfaSvmAlgo {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "svm-linfa",
        title: "SVM, linfa-svm (binary only, for comparison)",
        task: Task::Classification,
        implementation: Implementation::Linfa,
        why: "linfa's SMO beside ours: same answers on small binary sets, much slower",
        topics: &["svm"],
        params: &[KERNEL, SVM_C, SVM_GAMMA, DEGREE, COEF0],
    };
    type Params = LinfaSvmParams<'static>;
    fn params(v: &ParamValues) -> Result<LinfaSvmParams<'static>, ParamError> {
        Ok(LinfaSvmParams {
            c: v.float(&SVM_C)?,
            kernel: v.choice(&KERNEL)?,
            gamma: v.float(&SVM_GAMMA)?,
            degree: v.u32(&DEGREE)?,
            coef0: v.float(&COEF0)?,
        })
    }
}

impl TrainClassifier for LinfaSvmParams<'static> {
    fn fit(
        &self,
        d: FitData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(fit_svm(d.x, d.names, d.y, d.n_classes, self)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn svm_params(kernel: &str) -> LinfaSvmParams<'_> {
        LinfaSvmParams {
            c: 1.0,
            kernel,
            gamma: 0.0,
            degree: 3,
            coef0: 0.0,
        }
    }

    #[test]
    fn non_finite_values_and_kernel_overflow_are_refused_before_linfa() {
        let names = ["a".to_string(), "b".to_string()];
        let y = [0, 1, 0, 1];
        let nan = array![[1.0, 2.0], [2.0, 1.0], [f64::NAN, 2.5], [2.5, 1.0]];
        let msg = |r: Result<(), AlgoError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        let want = "feature 0 (`a`), row 2: NaN is not a finite number";
        assert_eq!(
            msg(fit_tree(nan.view(), &names, &y, 2, false, None).map(|_| ())),
            want
        );
        let p = svm_params("rbf");
        assert_eq!(
            msg(fit_svm(nan.view(), &names, &y, 2, &p).map(|_| ())),
            want
        );
        let huge = array![[1.0, 1e200], [2.0, -1e200], [1.5, 1e200], [2.5, -1e200]];
        for k in ["linear", "rbf", "poly"] {
            let p = svm_params(k);
            let m = msg(fit_svm(huge.view(), &names, &y, 2, &p).map(|_| ()));
            assert!(
                m.starts_with("feature 1 (`b`) has values as large as 1e200"),
                "{k}: {m}"
            );
        }
        // Large but finite data still goes to linfa: the tree has no kernel.
        let tree = fit_tree(huge.view(), &names, &y, 2, false, None).expect("tree");
        assert_eq!(tree.predict(huge.view()).len(), 4);
        let ok = array![[0.0, 0.0], [1.0, 1.0], [0.1, 0.0], [0.9, 1.0]];
        let svm = fit_svm(ok.view(), &[], &y, 2, &svm_params("linear")).expect("svm");
        assert_eq!(svm.predict(ok.view()), vec![0, 1, 0, 1]);
    }
}
