//! One integration-test crate: every file here is a module of it, so the
//! crate is linked once (forty test binaries, each linking all of mlwb,
//! took ~2 GB of disk and a minute of linking). Run one file's tests with
//! `cargo test --test all tui::` and one test with its full name.

mod common;

mod architecture;
mod boosting_parity;
mod cli;
mod compare;
mod compare_tui;
mod content_review;
mod crf_parity;
mod data_pane_tui;
mod encode_cli;
mod hmm_parity;
mod interview;
mod interview_modes;
mod knn_parity;
mod lab_cli;
mod lab_graphs;
mod lab_relations;
mod lab_tui;
mod labs;
mod param_bounds;
mod parity;
mod pipeline_cli;
mod predict_regression_cli;
mod properties;
mod quiz;
mod regression_cli;
mod regression_parity;
mod regression_tui;
mod run_cli;
mod seq_cli;
mod seq_labs;
mod seqeval_parity;
mod sparse_text;
mod symbolic;
mod tagger_cli;
mod text_cli;
mod text_parity;
mod tui;
mod tui_interview;
mod xformer_tui;
