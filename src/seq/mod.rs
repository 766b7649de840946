//! Sequence models and data: HMM, linear-chain CRF, CoNLL files. The
//! tagging experiments built on them are in `experiment::tagging`.

pub mod conll;
pub mod crf;
pub mod hmm;
pub mod hmm_io;
