//! The one interface every runnable algorithm implements: its [`AlgoSpec`]
//! (name, task, parameters with their valid ranges), how `k=v` settings
//! become checked [`ParamValues`] (the one function every face calls:
//! [`AlgoSpec::values`]), and how those become the family's typed
//! parameters ([`Algorithm::params`]). How a typed parameter set fits is
//! per task: [`TrainClassifier`], [`TrainClusterer`], [`Reduce`],
//! `seq::tagger::TrainTagger`. The registry (`crate::registry`) lists the impls.

use std::collections::BTreeMap;
use std::fmt;

use ndarray::ArrayView2;
use serde::Serialize;

use super::core::{AlgoError, Classifier, Clusterer, Progress, Regressor};
use crate::data::sparse::Csr;

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
    /// Free text of at most `max_chars` characters (a sentence to segment,
    /// a node name, `A=x,B=y` evidence).
    Text {
        max_chars: usize,
    },
}

/// One hyper-parameter: its name, valid range, default and help. The
/// constants beside each family (`svm::C`, `tree::MAX_DEPTH`, ...) are the
/// only place a range is written down.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    #[serde(flatten)]
    pub kind: ParamKind,
    pub default: &'static str,
    pub help: &'static str,
}

pub const fn int(
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

pub const fn float(
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

pub const fn choice(
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

/// A free-text parameter of at most `max_chars` characters.
pub const fn text(
    name: &'static str,
    max_chars: usize,
    default: &'static str,
    help: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Text { max_chars },
        default,
        help,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Classification,
    /// A numeric target: least squares and its penalised forms, and the
    /// regression forms of trees, forests, k-NN and SVM.
    Regression,
    Clustering,
    Reduction,
    /// Sequence labelling (HMM, CRF) on CoNLL corpora or the casino rolls.
    Tagging,
    /// A lab (`crate::labs`): a demonstration with its own charts, tables
    /// and pictures, mostly on the neural engine.
    Lab,
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

/// Why parameter settings were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A value out of its range or of the wrong kind.
    #[error("invalid parameter `{name}`: {message}")]
    Invalid { name: String, message: String },
    /// A name the algorithm does not have.
    #[error(
        "invalid parameter `{name}`: `{algo}` has no such parameter; it has: {}{}",
        known.join(", "),
        suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    Unknown {
        algo: &'static str,
        name: String,
        known: Vec<&'static str>,
        suggestion: Option<&'static str>,
    },
    /// A family read a parameter that is not in its spec (a bug, caught by
    /// the test that builds every algorithm's parameters from its defaults).
    #[error("parameter `{0}` is not in this algorithm's spec")]
    NotInSpec(&'static str),
}

impl ParamError {
    pub fn invalid(name: &str, message: impl Into<String>) -> ParamError {
        ParamError::Invalid {
            name: name.to_string(),
            message: message.into(),
        }
    }
}

impl From<ParamError> for AlgoError {
    fn from(e: ParamError) -> AlgoError {
        match e {
            ParamError::Invalid { name, message } => AlgoError::InvalidParam { name, message },
            other => AlgoError::Failed(other.to_string()),
        }
    }
}

/// A checked parameter value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Float(f64),
    Choice(&'static str),
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Choice(v) => write!(f, "{v}"),
            Value::Text(v) => write!(f, "{v}"),
        }
    }
}

impl ParamSpec {
    /// Parse and range-check one value: the only place a range is checked
    /// (CLI `--param`, TUI fields, `mlwb check`, the families' `check`).
    pub fn parse(&self, raw: &str) -> Result<Value, ParamError> {
        let raw = raw.trim();
        match self.kind {
            ParamKind::Int { .. } => {
                let v: i64 = raw.parse().map_err(|_| {
                    ParamError::invalid(self.name, format!("expected a whole number, got `{raw}`"))
                })?;
                self.check_int(v).map(Value::Int)
            }
            ParamKind::Float { .. } => {
                let v: f64 = raw.parse().map_err(|_| {
                    ParamError::invalid(self.name, format!("expected a number, got `{raw}`"))
                })?;
                self.check_float_as(v, raw).map(Value::Float)
            }
            ParamKind::Choice { options } => options
                .iter()
                .find(|o| **o == raw)
                .map(|o| Value::Choice(o))
                .ok_or_else(|| {
                    ParamError::invalid(
                        self.name,
                        format!("expected one of {}, got `{raw}`", options.join(", ")),
                    )
                }),
            ParamKind::Text { max_chars } => {
                let n = raw.chars().count();
                if n > max_chars {
                    Err(ParamError::invalid(
                        self.name,
                        format!("at most {max_chars} characters, got {n}"),
                    ))
                } else if raw.chars().any(char::is_control) {
                    Err(ParamError::invalid(
                        self.name,
                        "must be one line of text (no control characters)",
                    ))
                } else {
                    Ok(Value::Text(raw.to_string()))
                }
            }
        }
    }

    /// Range-check a whole number against this spec.
    pub fn check_int(&self, v: i64) -> Result<i64, ParamError> {
        match self.kind {
            ParamKind::Int { min, max } if v < min || v > max => Err(ParamError::invalid(
                self.name,
                format!("must be between {min} and {max}, got {v}"),
            )),
            ParamKind::Int { .. } => Ok(v),
            _ => Err(ParamError::NotInSpec(self.name)),
        }
    }

    /// Range-check a count against this spec.
    pub fn check_usize(&self, v: usize) -> Result<usize, ParamError> {
        self.check_int(i64::try_from(v).unwrap_or(i64::MAX))?;
        Ok(v)
    }

    /// Range-check a number against this spec.
    pub fn check_float(&self, v: f64) -> Result<f64, ParamError> {
        self.check_float_as(v, &v.to_string())
    }

    fn check_float_as(&self, v: f64, raw: &str) -> Result<f64, ParamError> {
        let ParamKind::Float {
            min,
            max,
            min_exclusive,
        } = self.kind
        else {
            return Err(ParamError::NotInSpec(self.name));
        };
        let low_ok = if min_exclusive { v > min } else { v >= min };
        if !v.is_finite() || !low_ok || v > max {
            let lo = if min_exclusive {
                format!("greater than {min}")
            } else {
                format!("at least {min}")
            };
            return Err(ParamError::invalid(
                self.name,
                format!("must be {lo} and at most {max}, got {raw}"),
            ));
        }
        Ok(v)
    }

    /// Check a choice against this spec.
    pub fn check_choice(&self, v: &str) -> Result<&'static str, ParamError> {
        match self.parse(v)? {
            Value::Choice(c) => Ok(c),
            _ => Err(ParamError::NotInSpec(self.name)),
        }
    }
}

/// Every parameter of an algorithm, checked against its spec (unset ones at
/// their defaults). Typed reads go through the spec constants
/// (`values.float(&svm::C)?`); reading one the algorithm does not have is a
/// [`ParamError::NotInSpec`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ParamValues {
    #[serde(skip)]
    specs: &'static [ParamSpec],
    values: BTreeMap<&'static str, Value>,
}

impl ParamValues {
    fn value(&self, spec: &ParamSpec) -> Result<Value, ParamError> {
        if !self.specs.contains(spec) {
            return Err(ParamError::NotInSpec(spec.name));
        }
        self.values
            .get(spec.name)
            .cloned()
            .ok_or(ParamError::NotInSpec(spec.name))
    }

    pub fn int(&self, spec: &ParamSpec) -> Result<i64, ParamError> {
        match self.value(spec)? {
            Value::Int(v) => Ok(v),
            _ => Err(ParamError::NotInSpec(spec.name)),
        }
    }

    pub fn usize(&self, spec: &ParamSpec) -> Result<usize, ParamError> {
        let v = self.int(spec)?;
        usize::try_from(v)
            .map_err(|_| ParamError::invalid(spec.name, format!("must be >= 0, got {v}")))
    }

    pub fn u32(&self, spec: &ParamSpec) -> Result<u32, ParamError> {
        let v = self.int(spec)?;
        u32::try_from(v)
            .map_err(|_| ParamError::invalid(spec.name, format!("out of range, got {v}")))
    }

    pub fn float(&self, spec: &ParamSpec) -> Result<f64, ParamError> {
        match self.value(spec)? {
            Value::Float(v) => Ok(v),
            _ => Err(ParamError::NotInSpec(spec.name)),
        }
    }

    pub fn choice(&self, spec: &ParamSpec) -> Result<&'static str, ParamError> {
        match self.value(spec)? {
            Value::Choice(v) => Ok(v),
            _ => Err(ParamError::NotInSpec(spec.name)),
        }
    }

    pub fn text(&self, spec: &ParamSpec) -> Result<String, ParamError> {
        match self.value(spec)? {
            Value::Text(v) => Ok(v),
            _ => Err(ParamError::NotInSpec(spec.name)),
        }
    }

    /// A value by name, for display.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.values.get(name).cloned()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Value)> + '_ {
        self.values.iter().map(|(k, v)| (*k, v.clone()))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl AlgoSpec {
    /// The parameter called `name` (case-insensitive: `C=10` sets `c`).
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
    }

    /// Check `k=v` settings against the spec; unset parameters take their
    /// defaults. Unknown names are refused with the list of known ones and
    /// the closest one. The CLI, the TUI and `mlwb check` all call this.
    pub fn values(&self, given: &[(String, String)]) -> Result<ParamValues, ParamError> {
        let mut values = BTreeMap::new();
        for spec in self.params {
            values.insert(spec.name, spec.parse(spec.default)?);
        }
        for (k, v) in given {
            let spec = self.param(k).ok_or_else(|| self.unknown(k))?;
            values.insert(spec.name, spec.parse(v)?);
        }
        Ok(ParamValues {
            specs: self.params,
            values,
        })
    }

    fn unknown(&self, name: &str) -> ParamError {
        let suggestion = crate::text::closest(name, self.params.iter().map(|p| p.name));
        ParamError::Unknown {
            algo: self.name,
            name: name.to_string(),
            known: self.params.iter().map(|p| p.name).collect(),
            suggestion,
        }
    }
}

/// A runnable algorithm: its spec and its typed parameters, built once
/// from checked values (`Params` -> typed params, linfa's idea).
pub trait Algorithm {
    const SPEC: AlgoSpec;
    type Params: Clone + Send + Sync + 'static;
    fn params(values: &ParamValues) -> Result<Self::Params, ParamError>;
}

/// What a classifier or clusterer learns from.
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

/// Training rows with sparse features (vectorised text), never densified.
pub struct SparseFitData<'a> {
    pub x: &'a Csr,
    /// The feature names (the vocabulary).
    pub names: &'a [String],
    pub y: &'a [usize],
    pub n_classes: usize,
}

/// Typed parameters that fit a classifier.
pub trait TrainClassifier: Send + Sync {
    fn fit(
        &self,
        data: FitData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError>;

    /// Whether [`TrainClassifier::fit_sparse`] works (and the fitted model
    /// answers [`Classifier::predict_sparse`]).
    fn accepts_sparse(&self) -> bool {
        false
    }

    /// Fit on sparse rows without making them dense.
    fn fit_sparse(
        &self,
        _data: SparseFitData<'_>,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Err(AlgoError::BadData(
            "this algorithm works on dense features only".into(),
        ))
    }
}

/// Typed parameters that fit a clustering.
pub trait TrainClusterer: Send + Sync {
    fn fit(
        &self,
        x: ArrayView2<'_, f64>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Clusterer>, AlgoError>;
}

/// Typed parameters of a dimensionality reduction.
pub trait Reduce: Send + Sync {
    fn reduce(&self, x: ArrayView2<'_, f64>) -> Result<super::pca::PcaResult, AlgoError>;
}

/// What a regressor learns from.
#[derive(Clone, Copy)]
pub struct RegressData<'a> {
    /// One row per sample, one column per feature.
    pub x: ArrayView2<'a, f64>,
    /// The feature names, for messages about a column (may be empty).
    pub names: &'a [String],
    /// The target value of each row.
    pub y: &'a [f64],
}

/// The lasso (or elastic-net) path: the weights at each penalty of a
/// decreasing log grid, warm-started from the previous one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LassoPath {
    pub l1_ratio: f64,
    /// Penalties from `alpha_max = max|Xᵀy| / (n · l1_ratio)` (all weights
    /// zero) down to `alpha_max / 1000`.
    pub alphas: Vec<f64>,
    /// `coefs[j][k]`: weight of feature `j` at `alphas[k]`.
    pub coefs: Vec<Vec<f64>>,
}

/// Typed parameters that fit a regressor.
pub trait TrainRegressor: Send + Sync {
    fn fit(
        &self,
        data: RegressData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Regressor>, AlgoError>;
    /// Linear models: the lasso path on the same data (the run's `l1_ratio`
    /// for elastic net, 1 for the others). `None` for the other models.
    fn lasso_path(&self, _data: RegressData<'_>) -> Option<Result<LassoPath, AlgoError>> {
        None
    }
}
