//! Sequence models and data: HMM, linear-chain CRF, CoNLL files, the fitted
//! taggers. The tagging experiments built on them are in
//! `experiment::tagging`.

pub mod conll;
pub mod crf;
pub mod hmm;
pub mod hmm_io;
pub mod relations;
pub mod segment;
pub mod tagger;
