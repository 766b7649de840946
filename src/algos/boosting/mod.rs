//! Boosting: gradient-boosted trees ([`gbdt`], scikit-learn's
//! `GradientBoostingClassifier`) and AdaBoost with stumps ([`adaboost`],
//! SAMME), on a weighted level-wise CART builder of their own ([`tree`]).
//! Checked against scikit-learn 1.7.2 on the bundled datasets by
//! `tests/boosting_parity.rs`.

pub mod adaboost;
pub mod gbdt;
pub mod tree;

pub use adaboost::{AdaBoostModel, AdaBoostParams};
pub use gbdt::{GbdtModel, GbdtParams};

#[cfg(test)]
mod tests;
