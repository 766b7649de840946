//! Algorithms: our own implementations and linfa-backed ones, behind one
//! registry (names, typed parameters with valid ranges, fit/predict).

pub mod algorithm;
pub mod boosting;
pub mod core;
pub mod forest;
pub mod gmm;
pub mod kmeans;
pub mod knn;
pub mod linear;
pub mod linear_svm;
pub mod linfa_compare;
pub mod logistic;
pub mod naive_bayes;
pub mod optim;
pub mod pca;
pub mod svm;
pub mod tree;

pub use self::core::{
    rng, AlgoError, Classifier, Clusterer, Coefficients, HistoryPoint, Progress, Regressor, Rng,
    Step,
};
