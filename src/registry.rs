//! The algorithm registry: every runnable algorithm, built from its
//! family's [`Algorithm`] impl (spec, typed parameters, how it fits). One
//! list; nothing matches on a name string. Parameters are checked against
//! the spec before any fitting (linfa's Params -> ValidParams idea) and
//! turned into the family's typed parameters once per run.

pub use crate::algos::algorithm::{
    AlgoSpec, Algorithm, FitData, Implementation, LassoPath, ParamError, ParamKind, ParamSpec,
    ParamValues, Reduce, RegressData, SparseFitData, Task, TrainClassifier, TrainClusterer,
    TrainRegressor, Value,
};
use crate::algos::{
    boosting, forest, gmm, kmeans, knn, linear, linear_svm, linfa_compare, logistic, naive_bayes,
    pca, svm, tree,
};
use crate::labs;
pub use crate::labs::RunLab;
pub use crate::seq::tagger::TrainTagger;
use crate::seq::{crf, hmm};

/// Typed parameters ready to fit, by task.
pub enum Prepared {
    Classifier(Box<dyn TrainClassifier>),
    Regressor(Box<dyn TrainRegressor>),
    Clusterer(Box<dyn TrainClusterer>),
    Reducer(Box<dyn Reduce>),
    Tagger(Box<dyn TrainTagger>),
    Lab(Box<dyn RunLab>),
}

type Prepare<T> = fn(&ParamValues) -> Result<Box<T>, ParamError>;

/// How an algorithm's checked values become typed parameters of its task.
#[derive(Clone, Copy)]
pub enum Runner {
    Classifier(Prepare<dyn TrainClassifier>),
    Regressor(Prepare<dyn TrainRegressor>),
    Clusterer(Prepare<dyn TrainClusterer>),
    Reducer(Prepare<dyn Reduce>),
    Tagger(Prepare<dyn TrainTagger>),
    Lab(Prepare<dyn RunLab>),
}

/// One registered algorithm.
pub struct Registered {
    pub spec: &'static AlgoSpec,
    pub runner: Runner,
}

impl Registered {
    /// Check `k=v` settings and build the typed parameters, once.
    pub fn prepare(
        &self,
        given: &[(String, String)],
    ) -> Result<(ParamValues, Prepared), ParamError> {
        let values = self.spec.values(given)?;
        let prepared = match self.runner {
            Runner::Classifier(f) => Prepared::Classifier(f(&values)?),
            Runner::Regressor(f) => Prepared::Regressor(f(&values)?),
            Runner::Clusterer(f) => Prepared::Clusterer(f(&values)?),
            Runner::Reducer(f) => Prepared::Reducer(f(&values)?),
            Runner::Tagger(f) => Prepared::Tagger(f(&values)?),
            Runner::Lab(f) => Prepared::Lab(f(&values)?),
        };
        Ok((values, prepared))
    }

    /// The regression form of a classifier registered under the same name
    /// (decision-tree, random-forest, knn, svm), built from the same checked
    /// values; `None` when it has none.
    pub fn regressor(
        &self,
        values: &ParamValues,
    ) -> Option<Result<Box<dyn TrainRegressor>, ParamError>> {
        REGRESSION_FORMS
            .iter()
            .find(|(name, _)| *name == self.spec.name)
            .map(|(_, f)| f(values))
    }

    /// The tasks this entry serves: its spec's, and regression when it has
    /// a regression form.
    pub fn tasks(&self) -> Vec<Task> {
        let mut t = vec![self.spec.task];
        if self.spec.task != Task::Regression
            && REGRESSION_FORMS.iter().any(|(n, _)| *n == self.spec.name)
        {
            t.push(Task::Regression);
        }
        t
    }
}

/// Regression forms of classifiers, under the classifier's name: the task
/// is decided by the dataset's target (classes or numbers), the parameters
/// are the classifier's spec (parameters one task does not use are named
/// so in their help).
pub static REGRESSION_FORMS: &[(&str, Prepare<dyn TrainRegressor>)] = &[
    ("decision-tree", regressor::<tree::Tree>),
    ("random-forest", regressor::<forest::Forest>),
    ("knn", regressor::<knn::Knn>),
    ("svm", svm::svr::svr_params),
];

fn regressor<A: Algorithm>(v: &ParamValues) -> Result<Box<dyn TrainRegressor>, ParamError>
where
    A::Params: TrainRegressor,
{
    Ok(Box::new(A::params(v)?))
}

fn classifier<A: Algorithm>(v: &ParamValues) -> Result<Box<dyn TrainClassifier>, ParamError>
where
    A::Params: TrainClassifier,
{
    Ok(Box::new(A::params(v)?))
}

fn clusterer<A: Algorithm>(v: &ParamValues) -> Result<Box<dyn TrainClusterer>, ParamError>
where
    A::Params: TrainClusterer,
{
    Ok(Box::new(A::params(v)?))
}

fn reducer<A: Algorithm>(v: &ParamValues) -> Result<Box<dyn Reduce>, ParamError>
where
    A::Params: Reduce,
{
    Ok(Box::new(A::params(v)?))
}

fn tagger<A: Algorithm>(v: &ParamValues) -> Result<Box<dyn TrainTagger>, ParamError>
where
    A::Params: TrainTagger,
{
    Ok(Box::new(A::params(v)?))
}

fn lab<A: Algorithm>(v: &ParamValues) -> Result<Box<dyn RunLab>, ParamError>
where
    A::Params: RunLab,
{
    Ok(Box::new(A::params(v)?))
}

/// Every runnable algorithm, in the order `mlwb algos` lists them.
pub static REGISTRY: &[Registered] = &[
    Registered {
        spec: &naive_bayes::GaussianNb::SPEC,
        runner: Runner::Classifier(classifier::<naive_bayes::GaussianNb>),
    },
    Registered {
        spec: &naive_bayes::MultinomialNb::SPEC,
        runner: Runner::Classifier(classifier::<naive_bayes::MultinomialNb>),
    },
    Registered {
        spec: &knn::Knn::SPEC,
        runner: Runner::Classifier(classifier::<knn::Knn>),
    },
    Registered {
        spec: &tree::Tree::SPEC,
        runner: Runner::Classifier(classifier::<tree::Tree>),
    },
    Registered {
        spec: &linfa_compare::LinfaTreeAlgo::SPEC,
        runner: Runner::Classifier(classifier::<linfa_compare::LinfaTreeAlgo>),
    },
    Registered {
        spec: &forest::Forest::SPEC,
        runner: Runner::Classifier(classifier::<forest::Forest>),
    },
    Registered {
        spec: &boosting::Gbdt::SPEC,
        runner: Runner::Classifier(classifier::<boosting::Gbdt>),
    },
    Registered {
        spec: &boosting::AdaBoost::SPEC,
        runner: Runner::Classifier(classifier::<boosting::AdaBoost>),
    },
    Registered {
        spec: &logistic::LogisticLbfgs::SPEC,
        runner: Runner::Classifier(classifier::<logistic::LogisticLbfgs>),
    },
    Registered {
        spec: &logistic::LogisticGd::SPEC,
        runner: Runner::Classifier(classifier::<logistic::LogisticGd>),
    },
    Registered {
        spec: &svm::Svm::SPEC,
        runner: Runner::Classifier(classifier::<svm::Svm>),
    },
    Registered {
        spec: &linear_svm::LinearSvm::SPEC,
        runner: Runner::Classifier(classifier::<linear_svm::LinearSvm>),
    },
    Registered {
        spec: &linfa_compare::LinfaSvmAlgo::SPEC,
        runner: Runner::Classifier(classifier::<linfa_compare::LinfaSvmAlgo>),
    },
    Registered {
        spec: &linear::LinearRegression::SPEC,
        runner: Runner::Regressor(regressor::<linear::LinearRegression>),
    },
    Registered {
        spec: &linear::Ridge::SPEC,
        runner: Runner::Regressor(regressor::<linear::Ridge>),
    },
    Registered {
        spec: &linear::Lasso::SPEC,
        runner: Runner::Regressor(regressor::<linear::Lasso>),
    },
    Registered {
        spec: &linear::ElasticNet::SPEC,
        runner: Runner::Regressor(regressor::<linear::ElasticNet>),
    },
    Registered {
        spec: &kmeans::KMeans::SPEC,
        runner: Runner::Clusterer(clusterer::<kmeans::KMeans>),
    },
    Registered {
        spec: &gmm::Gmm::SPEC,
        runner: Runner::Clusterer(clusterer::<gmm::Gmm>),
    },
    Registered {
        spec: &hmm::HmmAlgo::SPEC,
        runner: Runner::Tagger(tagger::<hmm::HmmAlgo>),
    },
    Registered {
        spec: &crf::Crf::SPEC,
        runner: Runner::Tagger(tagger::<crf::Crf>),
    },
    Registered {
        spec: &crate::seqnn::bilstm_crf::BiLstmCrf::SPEC,
        runner: Runner::Tagger(tagger::<crate::seqnn::bilstm_crf::BiLstmCrf>),
    },
    Registered {
        spec: &pca::Pca::SPEC,
        runner: Runner::Reducer(reducer::<pca::Pca>),
    },
    Registered {
        spec: &labs::mlp::Mlp::SPEC,
        runner: Runner::Lab(lab::<labs::mlp::Mlp>),
    },
    Registered {
        spec: &labs::cnn::Cnn::SPEC,
        runner: Runner::Lab(lab::<labs::cnn::Cnn>),
    },
    Registered {
        spec: &labs::arch::ArchLab::SPEC,
        runner: Runner::Lab(lab::<labs::arch::ArchLab>),
    },
    Registered {
        spec: &labs::init::InitLab::SPEC,
        runner: Runner::Lab(lab::<labs::init::InitLab>),
    },
    Registered {
        spec: &labs::depth::ResidualDepth::SPEC,
        runner: Runner::Lab(lab::<labs::depth::ResidualDepth>),
    },
    Registered {
        spec: &labs::norm::NormLayers::SPEC,
        runner: Runner::Lab(lab::<labs::norm::NormLayers>),
    },
    Registered {
        spec: &labs::attention::AttentionLab::SPEC,
        runner: Runner::Lab(lab::<labs::attention::AttentionLab>),
    },
    Registered {
        spec: &labs::rnn::RnnMemory::SPEC,
        runner: Runner::Lab(lab::<labs::rnn::RnnMemory>),
    },
    Registered {
        spec: &labs::seq2seq::Seq2Seq::SPEC,
        runner: Runner::Lab(lab::<labs::seq2seq::Seq2Seq>),
    },
    Registered {
        spec: &labs::transformer::TransformerLab::SPEC,
        runner: Runner::Lab(lab::<labs::transformer::TransformerLab>),
    },
    Registered {
        spec: &labs::bert::BertLab::SPEC,
        runner: Runner::Lab(lab::<labs::bert::BertLab>),
    },
    Registered {
        spec: &labs::gcn::Gcn::SPEC,
        runner: Runner::Lab(lab::<labs::gcn::Gcn>),
    },
    Registered {
        spec: &labs::node_embedding::NodeEmbedding::SPEC,
        runner: Runner::Lab(lab::<labs::node_embedding::NodeEmbedding>),
    },
    Registered {
        spec: &labs::contrastive::Contrastive::SPEC,
        runner: Runner::Lab(lab::<labs::contrastive::Contrastive>),
    },
    Registered {
        spec: &labs::multimodal::Multimodal::SPEC,
        runner: Runner::Lab(lab::<labs::multimodal::Multimodal>),
    },
    Registered {
        spec: &labs::bayesnet::BayesNetLab::SPEC,
        runner: Runner::Lab(lab::<labs::bayesnet::BayesNetLab>),
    },
    Registered {
        spec: &labs::segment::SegmentLab::SPEC,
        runner: Runner::Lab(lab::<labs::segment::SegmentLab>),
    },
    Registered {
        spec: &labs::adversarial::Adversarial::SPEC,
        runner: Runner::Lab(lab::<labs::adversarial::Adversarial>),
    },
    Registered {
        spec: &labs::calibration::Calibration::SPEC,
        runner: Runner::Lab(lab::<labs::calibration::Calibration>),
    },
    Registered {
        spec: &labs::relation::RelationLab::SPEC,
        runner: Runner::Lab(lab::<labs::relation::RelationLab>),
    },
    Registered {
        spec: &labs::gen_disc::GenDiscLab::SPEC,
        runner: Runner::Lab(lab::<labs::gen_disc::GenDiscLab>),
    },
];

/// The specs of every algorithm, in registry order.
pub fn algos() -> impl Iterator<Item = &'static AlgoSpec> {
    REGISTRY.iter().map(|r| r.spec)
}

pub fn find(name: &str) -> Option<&'static AlgoSpec> {
    lookup(name).map(|r| r.spec)
}

pub fn lookup(name: &str) -> Option<&'static Registered> {
    REGISTRY.iter().find(|r| r.spec.name == name)
}

/// "no algorithm `x`; the algorithms are: ...".
pub fn unknown_algo(name: &str) -> String {
    let names: Vec<&str> = algos().map(|a| a.name).collect();
    let hint = crate::text::closest(name, names.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    format!(
        "no algorithm `{name}`; the algorithms are: {}{hint}",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_valid_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for r in REGISTRY {
            let a = r.spec;
            assert!(names.insert(a.name), "duplicate {}", a.name);
            // Builds the typed parameters: a family reading a parameter
            // that is not in its spec fails here.
            let (p, _) = r.prepare(&[]).unwrap_or_else(|e| panic!("{}: {e}", a.name));
            assert_eq!(p.len(), a.params.len());
            assert!(!a.topics.is_empty());
            let task = match r.runner {
                Runner::Classifier(_) => Task::Classification,
                Runner::Regressor(_) => Task::Regression,
                Runner::Clusterer(_) => Task::Clustering,
                Runner::Reducer(_) => Task::Reduction,
                Runner::Tagger(_) => Task::Tagging,
                Runner::Lab(_) => Task::Lab,
            };
            assert_eq!(task, a.task, "{}", a.name);
            if let Some(r) = r.regressor(&p) {
                assert!(r.is_ok(), "{}", a.name);
            }
        }
        for (name, _) in REGRESSION_FORMS {
            assert!(lookup(name).is_some(), "{name}");
        }
    }

    #[test]
    fn reading_a_parameter_outside_the_spec_is_an_error() {
        let v = svm::Svm::SPEC.values(&[]).expect("defaults");
        assert_eq!(v.int(&kmeans::K), Err(ParamError::NotInSpec("k")));
        assert!(v.float(&svm::C).is_ok());
    }

    /// The bounds every face accepts: the TUI (field stepping clamps to
    /// the spec and `run` checks with [`AlgoSpec::values`]), the CLI
    /// (`experiment::run` calls [`Registered::prepare`]) and `mlwb check`
    /// (calls [`AlgoSpec::values`]) all go through [`ParamSpec::parse`].
    #[test]
    fn every_parameter_accepts_its_bounds_and_refuses_just_outside() {
        for r in REGISTRY {
            for p in r.spec.params {
                let set = |v: String| r.prepare(&[(p.name.to_string(), v)]);
                match p.kind {
                    ParamKind::Int { min, max } => {
                        assert!(set(min.to_string()).is_ok(), "{} {}", r.spec.name, p.name);
                        assert!(set(max.to_string()).is_ok(), "{} {}", r.spec.name, p.name);
                        assert!(
                            set((min - 1).to_string()).is_err(),
                            "{} {}",
                            r.spec.name,
                            p.name
                        );
                        assert!(
                            set((max + 1).to_string()).is_err(),
                            "{} {}",
                            r.spec.name,
                            p.name
                        );
                    }
                    ParamKind::Float {
                        min,
                        max,
                        min_exclusive,
                    } => {
                        let below = if min_exclusive {
                            min
                        } else {
                            min - min.abs().max(1.0) * 1e-9
                        };
                        let inside = if min_exclusive { min + 1e-12 } else { min };
                        assert!(
                            set(inside.to_string()).is_ok(),
                            "{} {}",
                            r.spec.name,
                            p.name
                        );
                        assert!(set(max.to_string()).is_ok(), "{} {}", r.spec.name, p.name);
                        assert!(
                            set(below.to_string()).is_err(),
                            "{} {}",
                            r.spec.name,
                            p.name
                        );
                        let above = max + max.abs().max(1.0) * 1e-9;
                        assert!(
                            set(above.to_string()).is_err(),
                            "{} {}",
                            r.spec.name,
                            p.name
                        );
                    }
                    ParamKind::Choice { options } => {
                        for o in options {
                            assert!(set(o.to_string()).is_ok(), "{} {}", r.spec.name, p.name);
                        }
                        assert!(set("no-such-choice".into()).is_err());
                    }
                    ParamKind::Text { max_chars } => {
                        assert!(
                            set(p.default.to_string()).is_ok(),
                            "{} {}",
                            r.spec.name,
                            p.name
                        );
                        assert!(set("字".repeat(max_chars + 1)).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn invalid_parameters_are_refused_before_fitting() {
        let svm = find("svm").expect("svm");
        let bad = |k: &str, v: &str| {
            svm.values(&[(k.to_string(), v.to_string())])
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
        assert!(bad("depth", "3").contains(
            "has no such parameter; it has: kernel, c, gamma, degree, coef0, tol, epsilon"
        ));
        assert!(bad("gama", "3").ends_with("; did you mean `gamma`?"));
        assert!(!bad("depth", "3").contains("did you mean"));
        let ok = svm
            .values(&[
                ("kernel".into(), "linear".into()),
                ("C".into(), "10".into()),
            ])
            .expect("valid");
        assert_eq!(ok.get("c"), Some(Value::Float(10.0)));
        assert_eq!(ok.get("kernel"), Some(Value::Choice("linear")));
    }
}
