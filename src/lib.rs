//! mlwb: a terminal study workbench for machine learning.
//!
//! The core knows nothing of the terminal (only `tui` imports ratatui or
//! crossterm); `tui` and `cli` are two thin faces on it. Modules, top down;
//! a module imports only modules below it:
//!
//! - [`cli`]: clap definitions and the non-interactive subcommands
//!   (`run`, `hmm`, `quiz`; shared JSON and error output in `out`).
//! - [`tui`]: the reader, the experiment pane and quiz mode.
//! - [`experiment`]: runs an algorithm on a dataset (on a background thread,
//!   with progress and cancel) and builds the [`experiment::Report`];
//!   HMM/CRF tagging runs.
//! - [`quiz`]: the card deck, numeric generators, the session queue and
//!   mastery rule, the progress store (FSRS).
//! - [`content`]: the knowledge map: YAML schema, loading, checks, notes.
//! - [`registry`]: every runnable algorithm and lab (the `Algorithm` impls
//!   of `algos`, `seq` and `labs`), listed once, looked up by name.
//! - [`labs`]: demonstrations with charts, tables and pictures (one
//!   generic [`labs::LabOutcome`]), mostly on the neural engine.
//! - [`metrics`]: classification report, confusion matrix, ROC/PR, ARI,
//!   entity-level scores, entropy.
//! - [`seq`]: HMM, linear-chain CRF, CoNLL files, HMM file formats;
//!   [`nn`]: the neural engine (tape autodiff on ndarray, layers, training).
//! - [`algos`]: the algorithms, one file or folder per family, the
//!   `Algorithm` trait; progress reporting and errors in [`algos::core`].
//! - [`data`]: the dataset manifest, CSV and text loaders, scalers,
//!   stratified split and k-fold.
//! - Leaves: [`mathtext`] (LaTeX subset to Unicode), [`mathexpr`] (typed
//!   expressions and their numeric equivalence), [`text`] (width-aware
//!   wrapping), [`settings`] (the language setting), [`rng`] (the seeded generator).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod algos;
pub mod bayesnet;
pub mod cli;
pub mod content;
pub mod data;
pub mod experiment;
pub mod labs;
pub mod mathexpr;
pub mod mathtext;
pub mod metrics;
pub mod nn;
pub mod quiz;
pub mod registry;
pub mod rng;
pub mod seq;
pub mod seqnn;
pub mod settings;
pub mod text;
pub mod tui;
