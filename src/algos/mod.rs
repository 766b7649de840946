//! Algorithms: our own implementations and linfa-backed ones, behind one
//! registry (names, typed parameters with valid ranges, fit/predict).

pub mod core;
pub mod forest;
pub mod gmm;
pub mod kmeans;
pub mod linfa_compare;
pub mod linfa_models;
pub mod logistic;
pub mod optim;
pub mod registry;
pub mod svm;
pub mod tree;

pub use self::core::{rng, AlgoError, Classifier, Clusterer, Progress, Rng, Step};
