//! Neural sequence taggers: models built from the engine (`nn`) and trained
//! on the CoNLL corpora of `seq`. They sit above both (which do not import
//! each other) and reach the tagging experiments through
//! `seq::tagger::SequenceTagger`.
//!
//! - [`bilstm_crf`]: word and casing embeddings, a bidirectional LSTM for
//!   the per-token tag scores, and a CRF layer on top (`nn::crf`), trained
//!   jointly — `mlwb run --algo bilstm-crf`.

pub mod bilstm_crf;
