//! A small CPU neural-network engine for the deep-learning labs: f32 tensors
//! (ndarray), a tape with reverse-mode autodiff, layers, optimisers and a
//! mini-batch training loop that reports through [`crate::algos::Progress`].
//! Terminal-free.
//!
//! DECISION-PLACEHOLDER

mod conv;
pub mod graph;
pub mod layers;
pub mod norm;
pub mod optim;
pub mod params;
pub mod train;

#[cfg(test)]
mod tests;

pub use graph::{ActivationStats, Graph, Var};
pub use layers::{
    attention, causal_mask, Act, Activation, BatchNorm, CellKind, CellState, Conv2d, Dropout,
    Embedding, Flatten, GroupNorm, InstanceNorm, Layer, LayerNorm, Linear, MaxPool2d,
    MultiHeadAttention, RecurrentCell, Sequential,
};
pub use optim::{Adam, Optimizer, Sgd};
pub use params::{Init, ParamId, ParamStore, WeightInit};
pub use train::{
    evaluate, mlp, predict, predict_proba, to_tensor, train_classifier, vgg_small, ClassData,
    EpochReport, History, MlpSpec, TrainConfig,
};

use crate::algos::AlgoError;

/// Tensors are `f32`: half the memory traffic of f64 and twice the SIMD
/// width in the GEMM, which is what a small network's time is spent on.
/// Gradient checks therefore compare against central differences computed
/// with the perturbation actually applied and the projection summed in f64,
/// with a relative tolerance (see the tests).
pub type Tensor = ndarray::ArrayD<f32>;

/// Why building, running or training a network failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NnError {
    /// A setting is out of its valid range (checked before any work).
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParam { name: String, message: String },
    /// Tensors that do not fit together (a bug in a model, or wrong input).
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// The data cannot be used (empty, labels out of range, NaN inputs).
    #[error("{0}")]
    Data(String),
    /// The loss became NaN or infinite.
    #[error("diverged at epoch {epoch} (loss is {loss}): try a smaller learning rate")]
    Diverged { epoch: usize, loss: String },
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl NnError {
    pub fn param(name: &str, message: impl Into<String>) -> NnError {
        NnError::InvalidParam {
            name: name.to_string(),
            message: message.into(),
        }
    }
}

impl From<AlgoError> for NnError {
    fn from(e: AlgoError) -> NnError {
        match e {
            AlgoError::Cancelled => NnError::Cancelled,
            AlgoError::InvalidParam { name, message } => NnError::InvalidParam { name, message },
            AlgoError::BadData(m) => NnError::Data(m),
            AlgoError::Failed(m) => NnError::Data(m),
        }
    }
}

impl From<NnError> for AlgoError {
    fn from(e: NnError) -> AlgoError {
        match e {
            NnError::Cancelled => AlgoError::Cancelled,
            NnError::InvalidParam { name, message } => AlgoError::InvalidParam { name, message },
            NnError::Data(m) => AlgoError::BadData(m),
            other => AlgoError::Failed(other.to_string()),
        }
    }
}
