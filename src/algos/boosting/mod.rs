//! Boosting: gradient-boosted trees ([`gbdt`], scikit-learn's
//! `GradientBoostingClassifier`) and AdaBoost with stumps ([`adaboost`],
//! SAMME), on a weighted level-wise CART builder of their own ([`tree`]).
//! Checked against scikit-learn 1.7.2 on the bundled datasets by
//! `tests/all/boosting_parity.rs`.

pub mod adaboost;
pub mod gbdt;
pub mod tree;

pub use adaboost::{AdaBoostModel, AdaBoostParams};
pub use gbdt::{GbdtModel, GbdtParams};

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting.
// ---------------------------------------------------------------------------

use super::algorithm::{
    float, int, AlgoSpec, Algorithm, FitData, Implementation, ParamError, ParamSpec, ParamValues,
    Task, TrainClassifier,
};
use super::core::{AlgoError, Classifier, Progress};
use super::tree::MIN_LEAF;

pub const N_ESTIMATORS_GBDT: ParamSpec = int(
    "n_estimators",
    1,
    5_000,
    "100",
    "boosting stages (one tree per class per stage)",
);
pub const N_ESTIMATORS_ADA: ParamSpec = int(
    "n_estimators",
    1,
    5_000,
    "50",
    "boosting rounds at most (stops early on a perfect or useless learner)",
);
pub const LEARNING_RATE_GBDT: ParamSpec = float(
    "learning_rate",
    0.0,
    10.0,
    true,
    "0.1",
    "shrinkage of every tree's contribution",
);
pub const LEARNING_RATE_ADA: ParamSpec = float(
    "learning_rate",
    0.0,
    10.0,
    true,
    "1",
    "multiplies every learner's weight alpha",
);
pub const DEPTH_GBDT: ParamSpec = int(
    "max_depth",
    0,
    64,
    "3",
    "depth of each regression tree; 0 = grow until leaves are pure",
);
pub const DEPTH_ADA: ParamSpec = int(
    "max_depth",
    1,
    64,
    "1",
    "depth of each weak tree; 1 = stumps",
);
pub const SUBSAMPLE: ParamSpec = float(
    "subsample",
    0.0,
    1.0,
    true,
    "1",
    "share of the rows drawn (without replacement) for each stage",
);

/// Gradient-boosted trees in the registry.
pub struct Gbdt;

impl Algorithm for Gbdt {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "gbdt",
        title: "Gradient-boosted trees (log-loss, Newton leaves)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa has no gradient boosting; the topic is the boosting itself: the training log-loss is reported every stage",
        topics: &["gbdt", "xgboost", "other-algorithms"],
        params: &[
            N_ESTIMATORS_GBDT,
            LEARNING_RATE_GBDT,
            DEPTH_GBDT,
            MIN_LEAF,
            SUBSAMPLE,
        ],
    };
    type Params = GbdtParams;
    fn params(v: &ParamValues) -> Result<GbdtParams, ParamError> {
        let depth = v.usize(&DEPTH_GBDT)?;
        Ok(GbdtParams {
            n_estimators: v.usize(&N_ESTIMATORS_GBDT)?,
            learning_rate: v.float(&LEARNING_RATE_GBDT)?,
            max_depth: (depth > 0).then_some(depth),
            min_samples_leaf: v.usize(&MIN_LEAF)?,
            subsample: v.float(&SUBSAMPLE)?,
            ..GbdtParams::default()
        })
    }
}

impl TrainClassifier for GbdtParams {
    fn fit(
        &self,
        d: FitData<'_>,
        seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        let p = GbdtParams {
            seed,
            ..self.clone()
        };
        Ok(Box::new(gbdt::fit(d.x, d.y, d.n_classes, &p, progress)?))
    }
}

/// AdaBoost (SAMME) in the registry.
pub struct AdaBoost;

impl Algorithm for AdaBoost {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "adaboost",
        title: "AdaBoost (SAMME, decision stumps)",
        task: Task::Classification,
        implementation: Implementation::Own,
        why: "linfa has no AdaBoost; the weighted error of every round is reported",
        topics: &["adaboost", "other-algorithms"],
        params: &[N_ESTIMATORS_ADA, LEARNING_RATE_ADA, DEPTH_ADA, MIN_LEAF],
    };
    type Params = AdaBoostParams;
    fn params(v: &ParamValues) -> Result<AdaBoostParams, ParamError> {
        Ok(AdaBoostParams {
            n_estimators: v.usize(&N_ESTIMATORS_ADA)?,
            learning_rate: v.float(&LEARNING_RATE_ADA)?,
            max_depth: v.usize(&DEPTH_ADA)?,
            min_samples_leaf: v.usize(&MIN_LEAF)?,
        })
    }
}

impl TrainClassifier for AdaBoostParams {
    fn fit(
        &self,
        d: FitData<'_>,
        _seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Box<dyn Classifier>, AlgoError> {
        Ok(Box::new(adaboost::fit(
            d.x,
            d.y,
            d.n_classes,
            self,
            progress,
        )?))
    }
}

#[cfg(test)]
mod tests;
