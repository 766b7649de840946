//! Sequence models and data: HMM, linear-chain CRF, CoNLL files, and the
//! tagging experiments built on them.

pub mod conll;
pub mod crf;
pub mod hmm;
pub mod hmm_io;
pub mod tagging;
