//! mlwb: a terminal study workbench for machine learning.
//!
//! The core (`content`, `mathtext`, `text`) knows nothing of the terminal;
//! `tui` and `cli` are two thin faces on it.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod algos;
pub mod cli;
pub mod cli_hmm;
pub mod cli_quiz;
pub mod cli_run;
pub mod content;
pub mod data;
pub mod experiment;
pub mod mathtext;
pub mod metrics;
pub mod nn;
pub mod quiz;
pub mod seq;
pub mod text;
pub mod tui;
