//! A small CPU neural-network engine for the deep-learning labs: f32 tensors
//! (ndarray), a tape with reverse-mode autodiff, layers, optimisers and a
//! mini-batch training loop that reports through [`crate::algos::Progress`].
//! Terminal-free.
//!
//! # Decision: our own engine, not candle
//!
//! Measured on this project's 2-core machine (2026-12-07) while other jobs ran
//! on it (load average 7–10, so every figure is inflated and noisy; the quiet
//! figures of `shared/CRATES.md` are given beside them). Task: the digits MLP
//! 64 → 64 ReLU → 10, 1,347 training rows of our stratified 75/25 split
//! (seed 0), pixels / 16, batch 32, Adam lr 1e-3, 20 epochs, every parameter
//! drawn from our seeded RNG.
//!
//! | | own engine (`mlwb::nn`) | candle-core + candle-nn 0.11.1 |
//! |---|---|---|
//! | new crates | none (ndarray, rand already in) | candle's tree (gemm, half, safetensors, rayon, …) |
//! | clean release build, mlwb + trainer | 453 s (= mlwb alone) | 961 s: **+508 s** (quiet machine: +68 s, 1:25 → 2:33) |
//! | trainer binary | 3.4 MB | 7.7 MB (mlwb without a trainer: 2.7 MB) |
//! | ms / epoch, one thread (median of 20) | **1.26–1.35** | 6.4–10.1 (quiet: 3.75) |
//! | ms / epoch, default threads (2) | same (matrixmultiply, one thread) | 17–29 (quiet: 12.5) |
//! | test accuracy after 20 epochs | 0.971 | 0.967 |
//! | determinism | bit-identical losses across runs | bit-identical across runs and thread counts, but only after overwriting every `VarMap` variable from our RNG (`Device::Cpu.set_seed` errors) |
//! | backward of each op | written here, as the notes derive it, gradient-checked | opaque |
//!
//! Own wins on every count that matters here: 5–7× faster per epoch than candle
//! on one thread (per-op overhead: ~30 µs per training step of the MLP, forward,
//! backward and Adam included), no build-time or binary cost, deterministic by
//! construction, and every backward pass is readable next to the note that
//! derives it. So there is no candle dependency. scikit-learn's
//! `MLPClassifier` on the same task, one thread: 17.1 ms / epoch under the same
//! load (quiet: 7.5), test accuracy 0.973 (`benches/compare_mlp_sklearn.py`).
//! The VGG-style CNN of `benches/nn.rs` (conv3×3×16, conv3×3×16, pool,
//! conv3×3×32, pool, fc10) takes ~65–100 ms / epoch here (~65 ms of CPU time;
//! JAX on one quiet core: 60 ms) and reaches 0.991 test accuracy in 20 epochs.
//!
//! How the figures were taken (the candle trainer lives outside the repo; it
//! loads digits and the split through `mlwb`, overwrites candle's variables
//! sorted by name from `crate::algos::rng(0)` with Glorot-uniform values, and
//! prints each epoch's loss bits and wall time):
//!
//! ```text
//! # /tmp/candle-mlp: [dependencies] mlwb = { path = <a checkout> }, rand = "0.8.6",
//! #   candle-core = "=0.11.1", candle-nn = "=0.11.1" (both optional, feature "candle")
//! rm -rf target-candle target-base
//! time CARGO_TARGET_DIR=target-candle cargo build --release                        # 961 s
//! time CARGO_TARGET_DIR=target-base   cargo build --release --no-default-features  # 453 s
//! ls -l target-*/release/candle-mlp                                                # 7.7 / 2.7 MB
//! RAYON_NUM_THREADS=1 target-candle/release/candle-mlp 20   # median ms/epoch, loss bits
//! target-candle/release/candle-mlp 20                       # default threads
//! # /tmp/own-mlp: the same trainer on mlwb::nn (3.4 MB binary)
//! own-mlp 20                                                # twice: identical loss bits
//! # in this repository:
//! MLWB_NN_TIMING=20 cargo bench --bench nn                  # MLP and CNN ms/epoch, JSON
//! env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/compare_mlp_sklearn.py
//! ```
//!
//! # Design
//!
//! - [`Graph`] is the tape (a Wengert list): each op computes its value
//!   eagerly and records an `Op` with its input indices and what its
//!   backward needs. [`Graph::backward`] walks the list once in reverse;
//!   gradients reaching a node from several uses add up; parameter gradients
//!   are added to the [`ParamStore`], so they accumulate across backward
//!   passes until [`ParamStore::zero_grad`]. One graph is reused across steps
//!   ([`Graph::reset`] keeps its allocations; im2col buffers are recycled).
//! - Parameters live in a [`ParamStore`] under stable names (`fc1.weight`,
//!   `conv2.bias`, `bn.running_mean`, …), iterated in name order. Each is
//!   initialised from its own stream `crate::algos::rng(seed ^ hash(name))`
//!   and nothing else, so the same seed gives bit-identical numbers whatever
//!   order the layers were built in. The tape holds a copy of each parameter
//!   for the step (a few kB for these models).
//! - Fused ops where it saves per-op overhead and is the textbook formula
//!   anyway: `linear` (x·W + b), `cross_entropy` from logits (gradient
//!   `(softmax − target)/n`), one standardisation kernel for the four norms
//!   (see [`norm`]) plus one per-channel affine.
//! - GEMMs go through ndarray's `dot` (matrixmultiply, one thread).
//! - Errors, not panics: shapes, settings and data are checked and reported
//!   as [`NnError`] (convertible to [`AlgoError`]).
//!
//! # Ops and layers
//!
//! Ops on [`Graph`]: `linear`, `matmul` (2-D, batched 3-D, 3-D·2-D), `add`,
//! `sub`, `mul`, `div` (numpy broadcasting, e.g. a row vector), `scale`,
//! `sum_axis`, `mean_axis`, `sum`, `mean`, `exp`, `log`, `relu`, `tanh`,
//! `sigmoid`, `softmax`, `log_softmax` (stable), `l2_normalize` (rows), `cross_entropy` (with label
//! smoothing), `mse`, `reshape`, `permute`, `transpose`, `concat`, `slice`,
//! `gather` (embedding lookup), `dropout` (inverted, seeded), `conv2d`
//! (im2col and one GEMM; stride, padding), `max_pool2`, `spatial_mean`, `standardize`,
//! `standardize_fixed`, `channel_affine`, `crf_nll` (a linear-chain CRF's loss over
//! per-token scores, with its forward–backward gradient: [`crf`]).
//!
//! Contrastive losses composed from those ops: [`contrastive::nt_xent`]
//! (SimCLR) and [`contrastive::clip_loss`] (CLIP).
//!
//! Layers: [`Linear`], [`Conv2d`], [`MaxPool2d`], [`BatchNorm`] (train/eval,
//! running statistics), [`LayerNorm`], [`InstanceNorm`], [`GroupNorm`],
//! [`Dropout`], [`Embedding`], [`RecurrentCell`] (plain RNN, LSTM, GRU;
//! unrolled on the tape), [`attention`] (scaled dot-product, optional mask) and
//! [`MultiHeadAttention`], [`Act`], [`Flatten`], [`Sequential`]. Initialisers:
//! [`WeightInit`] (Glorot uniform/normal, He normal/uniform, N(0, 1), zeros).
//! Optimisers: [`Sgd`] (momentum, Nesterov, weight decay), [`Adam`] (L2 or
//! decoupled AdamW weight decay). Training: [`train_classifier`] with
//! [`TrainConfig`]; [`mlp`] and [`vgg_small`] build the two reference
//! networks. After a step, [`ParamStore::grad_norms`] gives each parameter's
//! gradient norm and [`Graph::activation_stats`] each layer's activation
//! statistics, histogram and gradient norm ([`History`] keeps both for the
//! last step of a training run).

pub mod contrastive;
mod conv;
pub mod crf;
pub mod graph;
pub mod layers;
pub mod norm;
pub mod optim;
pub mod params;
pub mod probe;
pub mod train;
pub mod transformer;

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
pub use transformer::{
    gelu, padding_mask, sinusoidal_table, warmup_lr, EncoderBlock, EncoderConfig, EncoderOutput,
    NormPlacement, Positions, TransformerEncoder,
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
