//! Numerical optimisation shared by the models trained by minimising a
//! smooth objective: one L-BFGS ([`lbfgs::minimize`]) for logistic regression
//! (`algos::logistic`) and the linear-chain CRF (`seq::crf`).

pub mod lbfgs;
