//! The algorithm registry: every runnable algorithm with its topics, its
//! typed hyper-parameters (defaults and valid ranges, checked before any
//! fitting: linfa's Params -> ValidParams idea) and how to fit it.

use std::collections::BTreeMap;
use std::fmt;

use ndarray::ArrayView2;
use serde::Serialize;

use super::core::{AlgoError, Classifier, Clusterer, Progress};
use super::{forest, gmm, kmeans, linfa_compare, logistic, naive_bayes, svm, tree};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ParamKind {
    Int {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
        min_exclusive: bool,
    },
    Choice {
        options: &'static [&'static str],
    },
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    #[serde(flatten)]
    pub kind: ParamKind,
    pub default: &'static str,
    pub help: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Classification,
    Clustering,
    Reduction,
    /// Sequence labelling (HMM, CRF) on CoNLL corpora or the casino rolls.
    Tagging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Implementation {
    /// Our own code (the comment in `why` says why not linfa's).
    Own,
    Linfa,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct AlgoSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub task: Task,
    pub implementation: Implementation,
    pub why: &'static str,
    /// Topic ids of the knowledge map this algorithm belongs to.
    pub topics: &'static [&'static str],
    pub params: &'static [ParamSpec],
}

const fn int(
    name: &'static str,
    min: i64,
    max: i64,
    default: &'static str,
    help: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Int { min, max },
        default,
        help,
    }
}

const fn float(
    name: &'static str,
    min: f64,
    max: f64,
    min_exclusive: bool,
    default: &'static str,
    help: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Float {
            min,
            max,
            min_exclusive,
        },
        default,
        help,
    }
}

const fn choice(
    name: &'static str,
    options: &'static [&'static str],
    default: &'static str,
    help: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Choice { options },
        default,
        help,
    }
}

const CRITERION: ParamSpec = choice(
    "criterion",
    &["gini", "entropy"],
    "gini",
    "split quality: Gini impurity or information gain",
);
const MAX_DEPTH: ParamSpec = int(
    "max_depth",
    0,
    10_000,
    "0",
    "deepest level a tree may grow to; 0 = no limit",
);
const MIN_LEAF: ParamSpec = int(
    "min_samples_leaf",
    1,
    1_000_000,
    "1",
    "fewest training rows a leaf may hold",
);

pub static ALGOS: &[AlgoSpec] = &[
    AlgoSpec {
        name: "gaussian-nb",
        title: "Gaussian naive Bayes",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-bayes 0.8.1 panics (unwrap on an undefined ordering) when a feature has zero variance in every class or a variance overflows (values near 1e308)",
        topics: &["naive-bayes", "generative-vs-discriminative", "top-ten-algorithms"],
        params: &[float("var_smoothing", 0.0, 1.0, false, "1e-9", "share of the largest feature variance added to every variance")],
    },
    AlgoSpec {
        name: "multinomial-nb",
        title: "Multinomial naive Bayes",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-bayes 0.8.1 prints its whole model to stderr (a leftover dbg!) on every fit",
        topics: &["naive-bayes", "text-classification", "tf-idf"],
        params: &[float("alpha", 0.0, 1000.0, true, "1", "additive (Laplace) smoothing of the counts")],
    },
    AlgoSpec {
        name: "decision-tree",
        title: "Decision tree (CART)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-trees mishandles tied values (0.744 vs 0.880 on digits), is not deterministic and is 4x slower",
        topics: &["decision-tree", "information-theory", "top-ten-algorithms"],
        params: &[
            CRITERION,
            MAX_DEPTH,
            int("min_samples_split", 2, 1_000_000, "2", "fewest rows a node needs to be split"),
            MIN_LEAF,
        ],
    },
    AlgoSpec {
        name: "decision-tree-linfa",
        title: "Decision tree, linfa-trees (for comparison)",
        task: Task::Classification,
        implementation: Implementation::Linfa,
        why: "linfa's tree beside ours: see how tie handling changes the result (digits)",
        topics: &["decision-tree"],
        params: &[CRITERION, MAX_DEPTH],
    },
    AlgoSpec {
        name: "random-forest",
        title: "Random forest",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa draws one feature subset per tree (not per split) and is 14x slower and less accurate",
        topics: &["random-forest", "other-algorithms"],
        params: &[
            int("n_trees", 1, 5_000, "100", "number of trees"),
            CRITERION,
            MAX_DEPTH,
            choice("max_features", &["sqrt", "log2", "all"], "sqrt", "features tried at each split"),
            MIN_LEAF,
            int("threads", 0, 256, "0", "worker threads; 0 = all cores (results do not depend on it)"),
        ],
    },
    AlgoSpec {
        name: "logistic-regression",
        title: "Logistic regression (softmax, L-BFGS)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-logistic stalls on multinomial problems (objective 735 vs 99 on digits)",
        topics: &["logistic-regression", "top-ten-algorithms"],
        params: &[
            float("c", 0.0, 1e9, true, "1", "inverse L2 strength: objective = sum of log-losses + |W|^2/(2C)"),
            int("max_iter", 1, 1_000_000, "1000", "L-BFGS iteration cap"),
        ],
    },
    AlgoSpec {
        name: "logistic-gd",
        title: "Logistic regression by gradient descent",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "the topic is the training process itself: loss reported every epoch",
        topics: &["logistic-regression", "feature-scaling"],
        params: &[
            float("learning_rate", 0.0, 1000.0, true, "0.1", "step size of each full-batch gradient step"),
            int("epochs", 1, 1_000_000, "300", "number of gradient steps"),
            float("l2", 0.0, 1000.0, false, "0", "L2 penalty added to the mean loss: (l2/2)|W|^2"),
        ],
    },
    AlgoSpec {
        name: "svm",
        title: "Support vector machine (SMO)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa-svm is binary only, stores the full n x n kernel, is 40-60x slower and its shrinking gives wrong answers",
        topics: &["svm", "top-ten-algorithms"],
        params: &[
            choice("kernel", &["rbf", "linear", "poly"], "rbf", "kernel function"),
            float("c", 0.0, 1e9, true, "1", "soft-margin penalty C"),
            float("gamma", 0.0, 1e9, false, "0", "kernel width; 0 = 'scale': 1/(n_features * var(X))"),
            int("degree", 1, 20, "3", "polynomial kernel degree"),
            float("coef0", -1e6, 1e6, false, "0", "polynomial kernel constant"),
            float("tol", 0.0, 1.0, true, "0.001", "stopping tolerance on the KKT violation"),
        ],
    },
    AlgoSpec {
        name: "svm-linfa",
        title: "SVM, linfa-svm (binary only, for comparison)",
        task: Task::Classification,
        implementation: Implementation::Linfa,
        why: "linfa's SMO beside ours: same answers on small binary sets, much slower",
        topics: &["svm"],
        params: &[
            choice("kernel", &["rbf", "linear", "poly"], "rbf", "kernel function"),
            float("c", 0.0, 1e9, true, "1", "soft-margin penalty C"),
            float("gamma", 0.0, 1e9, false, "0", "RBF width; 0 = 'scale': 1/(n_features * var(X))"),
            int("degree", 1, 20, "3", "polynomial kernel degree"),
            float("coef0", -1e6, 1e6, false, "0", "polynomial kernel constant"),
        ],
    },
    AlgoSpec {
        name: "kmeans",
        title: "k-means (k-means++ and Lloyd)",
        task: Task::Clustering,
        implementation: Implementation::Own,
        why: "linfa-clustering reaches the same solutions 4-5x slower than scikit-learn",
        topics: &["em"],
        params: &[
            int("k", 1, 1000, "3", "number of clusters"),
            int("n_init", 1, 1000, "10", "restarts; the lowest inertia wins"),
            int("max_iter", 1, 100_000, "300", "Lloyd iterations per restart"),
        ],
    },
    AlgoSpec {
        name: "gmm",
        title: "Gaussian mixture by EM",
        task: Task::Clustering,
        implementation: Implementation::Own,
        why: "the topic is EM itself: the log-likelihood is reported every iteration (linfa is also 2.6x slower)",
        topics: &["em", "probabilistic-graphical-models"],
        params: &[
            int("k", 1, 1000, "3", "number of mixture components"),
            choice("covariance", &["full", "diag"], "full", "covariance matrix of each component"),
            int("max_iter", 1, 100_000, "100", "EM iterations"),
            float("tol", 0.0, 1.0, true, "0.001", "stop when the mean log-likelihood gains less than this"),
        ],
    },
    AlgoSpec {
        name: "hmm",
        title: "Hidden Markov model (supervised counts, Viterbi decoding)",
        task: Task::Tagging,
        implementation: Implementation::Own,
        why: "linfa has no sequence models",
        topics: &["hmm", "viterbi", "sequence-labeling", "ner", "generative-vs-discriminative"],
        params: &[
            choice(
                "fit",
                &["counts", "baum-welch"],
                "counts",
                "learn from the labelled states (counts), or unsupervised by EM (casino only)",
            ),
            float("smoothing", 0.0, 1e6, false, "0.01", "additive smoothing of transition and emission counts"),
            int("iterations", 1, 10_000, "100", "Baum-Welch iterations (fit=baum-welch)"),
        ],
    },
    AlgoSpec {
        name: "crf",
        title: "Linear-chain CRF (L-BFGS, L2)",
        task: Task::Tagging,
        implementation: Implementation::Own,
        why: "linfa has no sequence models",
        topics: &["crf", "ner", "lstm-crf", "sequence-labeling", "structured-prediction", "generative-vs-discriminative"],
        params: &[
            float("c2", 0.0, 1e6, false, "1", "L2 penalty c2 * |w|^2 (CRFsuite's definition)"),
            int("max_iter", 1, 100_000, "100", "L-BFGS iterations"),
        ],
    },
    AlgoSpec {
        name: "pca",
        title: "Principal component analysis",
        task: Task::Reduction,
        implementation: Implementation::Own,
        why: "linfa-reduction 0.8.1 normalises explained variance over the kept components only and panics on unscaled wine",
        topics: &["svd"],
        params: &[int("components", 1, 10_000, "2", "number of principal components")],
    },
];

pub fn find(name: &str) -> Option<&'static AlgoSpec> {
    ALGOS.iter().find(|a| a.name == name)
}

/// A checked parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Float(f64),
    Choice(&'static str),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Choice(v) => write!(f, "{v}"),
        }
    }
}

/// Every parameter of an algorithm, checked against its spec. Only a
/// `Params` can be passed to [`fit`], so nothing unchecked reaches a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<&'static str, Value>);

impl Params {
    fn int(&self, name: &str) -> i64 {
        match self.0.get(name) {
            Some(Value::Int(v)) => *v,
            _ => 0,
        }
    }
    fn usize(&self, name: &str) -> usize {
        usize::try_from(self.int(name)).unwrap_or(0)
    }
    fn float(&self, name: &str) -> f64 {
        match self.0.get(name) {
            Some(Value::Float(v)) => *v,
            Some(Value::Int(v)) => *v as f64,
            _ => 0.0,
        }
    }
    fn choice(&self, name: &str) -> &'static str {
        match self.0.get(name) {
            Some(Value::Choice(v)) => v,
            _ => "",
        }
    }
    pub fn get(&self, name: &str) -> Option<Value> {
        self.0.get(name).copied()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Value)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }
}

fn parse_value(spec: &ParamSpec, raw: &str) -> Result<Value, AlgoError> {
    let raw = raw.trim();
    match spec.kind {
        ParamKind::Int { min, max } => {
            let v: i64 = raw.parse().map_err(|_| {
                AlgoError::param(spec.name, format!("expected a whole number, got `{raw}`"))
            })?;
            if v < min || v > max {
                return Err(AlgoError::param(
                    spec.name,
                    format!("must be between {min} and {max}, got {v}"),
                ));
            }
            Ok(Value::Int(v))
        }
        ParamKind::Float {
            min,
            max,
            min_exclusive,
        } => {
            let v: f64 = raw.parse().map_err(|_| {
                AlgoError::param(spec.name, format!("expected a number, got `{raw}`"))
            })?;
            let low_ok = if min_exclusive { v > min } else { v >= min };
            if !v.is_finite() || !low_ok || v > max {
                let lo = if min_exclusive {
                    format!("greater than {min}")
                } else {
                    format!("at least {min}")
                };
                return Err(AlgoError::param(
                    spec.name,
                    format!("must be {lo} and at most {max}, got {raw}"),
                ));
            }
            Ok(Value::Float(v))
        }
        ParamKind::Choice { options } => options
            .iter()
            .find(|o| **o == raw)
            .map(|o| Value::Choice(o))
            .ok_or_else(|| {
                AlgoError::param(
                    spec.name,
                    format!("expected one of {}, got `{raw}`", options.join(", ")),
                )
            }),
    }
}

impl AlgoSpec {
    /// Check `k=v` settings against the spec; unset parameters take their
    /// defaults. Unknown names are refused with the list of known ones.
    pub fn params(&self, given: &[(String, String)]) -> Result<Params, AlgoError> {
        let mut out = BTreeMap::new();
        for spec in self.params {
            out.insert(spec.name, parse_value(spec, spec.default)?);
        }
        for (k, v) in given {
            let spec = self.params.iter().find(|p| p.name == k).ok_or_else(|| {
                let known: Vec<&str> = self.params.iter().map(|p| p.name).collect();
                AlgoError::param(
                    k,
                    format!(
                        "`{}` has no such parameter; it has: {}",
                        self.name,
                        known.join(", ")
                    ),
                )
            })?;
            out.insert(spec.name, parse_value(spec, v)?);
        }
        Ok(Params(out))
    }
}

/// A fitted model of any task.
pub enum Fitted {
    Classifier(Box<dyn Classifier>),
    Clusterer(Box<dyn Clusterer>),
}

/// What a fit learns from.
#[derive(Clone, Copy)]
pub struct FitData<'a> {
    /// One row per sample, one column per feature.
    pub x: ArrayView2<'a, f64>,
    /// The feature names, for messages about a column (may be empty).
    pub names: &'a [String],
    /// Class of each row, `0..n_classes` (ignored by clusterers).
    pub y: &'a [usize],
    pub n_classes: usize,
}

/// Fit `spec` with checked `params`. PCA is not fitted here (see `pca::pca`).
pub fn fit(
    spec: &AlgoSpec,
    params: &Params,
    data: FitData<'_>,
    seed: u64,
    progress: &mut Progress<'_>,
) -> Result<Fitted, AlgoError> {
    let FitData {
        x,
        names,
        y,
        n_classes,
    } = data;
    let p = params;
    let depth = |p: &Params| (p.usize("max_depth") > 0).then(|| p.usize("max_depth"));
    let criterion = |p: &Params| match p.choice("criterion") {
        "entropy" => tree::Criterion::Entropy,
        _ => tree::Criterion::Gini,
    };
    let c = |m: Box<dyn Classifier>| Ok(Fitted::Classifier(m));
    match spec.name {
        "gaussian-nb" => c(Box::new(naive_bayes::fit_gaussian_nb(
            x,
            y,
            n_classes,
            p.float("var_smoothing"),
            names,
        )?)),
        "multinomial-nb" => c(Box::new(naive_bayes::fit_multinomial_nb(
            x,
            y,
            n_classes,
            p.float("alpha"),
        )?)),
        "decision-tree" => {
            let tp = tree::TreeParams {
                criterion: criterion(p),
                max_depth: depth(p),
                min_samples_split: p.usize("min_samples_split"),
                min_samples_leaf: p.usize("min_samples_leaf"),
                ..tree::TreeParams::default()
            };
            c(Box::new(tree::fit(x, y, n_classes, &tp, seed, progress)?))
        }
        "decision-tree-linfa" => c(Box::new(linfa_compare::fit_tree(
            x,
            names,
            y,
            n_classes,
            p.choice("criterion") == "entropy",
            depth(p),
        )?)),
        "svm-linfa" => {
            let lp = linfa_compare::LinfaSvmParams {
                c: p.float("c"),
                kernel: p.choice("kernel"),
                gamma: p.float("gamma"),
                degree: u32::try_from(p.int("degree")).unwrap_or(3),
                coef0: p.float("coef0"),
            };
            c(Box::new(linfa_compare::fit_svm(x, names, y, n_classes, &lp)?))
        }
        "random-forest" => {
            let fp = forest::ForestParams {
                n_trees: p.usize("n_trees"),
                criterion: criterion(p),
                max_depth: depth(p),
                min_samples_leaf: p.usize("min_samples_leaf"),
                max_features: match p.choice("max_features") {
                    "log2" => forest::MaxFeatures::Log2,
                    "all" => forest::MaxFeatures::All,
                    _ => forest::MaxFeatures::Sqrt,
                },
                threads: p.usize("threads"),
                ..forest::ForestParams::default()
            };
            c(Box::new(forest::fit(x, y, n_classes, &fp, seed, progress)?))
        }
        "logistic-regression" => {
            let lp = logistic::LbfgsParams {
                c: p.float("c"),
                max_iter: p.usize("max_iter"),
                ..logistic::LbfgsParams::default()
            };
            c(Box::new(logistic::fit_lbfgs(
                x, y, n_classes, &lp, seed, progress,
            )?))
        }
        "logistic-gd" => {
            let gp = logistic::GdParams {
                learning_rate: p.float("learning_rate"),
                epochs: p.usize("epochs"),
                l2: p.float("l2"),
                ..logistic::GdParams::default()
            };
            c(Box::new(logistic::fit_gd(
                x, y, n_classes, &gp, seed, progress,
            )?))
        }
        "svm" => {
            let gamma = p.float("gamma");
            let sp = svm::SvmParams {
                c: p.float("c"),
                kernel: match p.choice("kernel") {
                    "linear" => svm::KernelKind::Linear,
                    "poly" => svm::KernelKind::Poly,
                    _ => svm::KernelKind::Rbf,
                },
                gamma: (gamma > 0.0).then_some(gamma),
                degree: u32::try_from(p.int("degree")).unwrap_or(3),
                coef0: p.float("coef0"),
                tol: p.float("tol"),
                ..svm::SvmParams::default()
            };
            c(Box::new(svm::fit(x, y, n_classes, &sp, seed, progress)?))
        }
        "kmeans" => {
            let kp = kmeans::KMeansParams {
                k: p.usize("k"),
                n_init: p.usize("n_init"),
                max_iter: p.usize("max_iter"),
                ..kmeans::KMeansParams::default()
            };
            Ok(Fitted::Clusterer(Box::new(kmeans::fit(
                x, &kp, seed, progress,
            )?)))
        }
        "gmm" if p.choice("covariance") == "full" && x.ncols() > 100 => Err(AlgoError::BadData(format!(
            "a full covariance in {} dimensions is a {0} x {0} matrix per component: too slow to be useful here; use --param covariance=diag",
            x.ncols()
        ))),
        "gmm" => {
            let gp = gmm::GmmParams {
                k: p.usize("k"),
                covariance: match p.choice("covariance") {
                    "diag" => gmm::Covariance::Diag,
                    _ => gmm::Covariance::Full,
                },
                max_iter: p.usize("max_iter"),
                tol: p.float("tol"),
                ..gmm::GmmParams::default()
            };
            Ok(Fitted::Clusterer(Box::new(gmm::fit(
                x, &gp, seed, progress,
            )?)))
        }
        other => Err(AlgoError::Failed(format!(
            "`{other}` is not fitted through the registry"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_valid_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for a in ALGOS {
            assert!(names.insert(a.name), "duplicate {}", a.name);
            let p = a.params(&[]).unwrap_or_else(|e| panic!("{}: {e}", a.name));
            assert_eq!(p.0.len(), a.params.len());
            assert!(!a.topics.is_empty());
        }
    }

    #[test]
    fn invalid_parameters_are_refused_before_fitting() {
        let svm = find("svm").expect("svm");
        let bad = |k: &str, v: &str| {
            svm.params(&[(k.to_string(), v.to_string())])
                .expect_err(k)
                .to_string()
        };
        assert_eq!(
            bad("c", "0"),
            "invalid parameter `c`: must be greater than 0 and at most 1000000000, got 0"
        );
        assert_eq!(
            bad("c", "abc"),
            "invalid parameter `c`: expected a number, got `abc`"
        );
        assert_eq!(
            bad("kernel", "sigmoid"),
            "invalid parameter `kernel`: expected one of rbf, linear, poly, got `sigmoid`"
        );
        assert_eq!(
            bad("degree", "0"),
            "invalid parameter `degree`: must be between 1 and 20, got 0"
        );
        assert_eq!(
            bad("degree", "2.5"),
            "invalid parameter `degree`: expected a whole number, got `2.5`"
        );
        assert_eq!(
            bad("gamma", "NaN"),
            "invalid parameter `gamma`: must be at least 0 and at most 1000000000, got NaN"
        );
        assert!(bad("depth", "3")
            .contains("has no such parameter; it has: kernel, c, gamma, degree, coef0, tol"));
        let ok = svm
            .params(&[
                ("kernel".into(), "linear".into()),
                ("c".into(), "10".into()),
            ])
            .expect("valid");
        assert_eq!(ok.get("c"), Some(Value::Float(10.0)));
        assert_eq!(ok.get("kernel"), Some(Value::Choice("linear")));
    }
}
