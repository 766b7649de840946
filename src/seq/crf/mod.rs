//! Linear-chain conditional random field (CRF) for sequence labelling (NER, POS),
//! trained like CRFsuite's `lbfgs` trainer. Our own: linfa has no CRF.
//!
//! # Model
//! For a sentence `x = x_1..x_n` and labels `y = y_1..y_n`,
//!
//! `score(x, y) = sum_t sum_{a in A(x, t)} w_state[a, y_t] + sum_{t>1} w_trans[y_{t-1}, y_t]`,
//! `p(y | x) = exp(score(x, y)) / Z(x)`,
//!
//! where `A(x, t)` is the set of *attributes* of token `t` (strings from the
//! templates below, each with value 1). As in CRFsuite's CRF1d there are no
//! start/end transition weights: the first token's context is covered by the
//! `BOS` attribute, the last one's by `EOS`.
//!
//! # Feature templates ([`token_attributes`])
//! For token `w = x_t` (characters are Unicode scalar values):
//! * `bias` (always);
//! * `word=<w>` and `lower=<w lower-cased>` (`str::to_lowercase`);
//! * `prefix{k}=<first k chars>` and `suffix{k}=<last k chars>` for k = 1, 2, 3,
//!   only when `w` has at least k characters;
//! * `shape=<s>`: each character mapped to `X` (upper case), `x` (lower case),
//!   `d` (ASCII digit) or itself, a run of the same shape character cut after 4
//!   ("Washington" → `Xxxxx`, "1999" → `dddd`, "U.S." → `X.X.`, "5-year" → `d-xxxx`);
//! * flags, present only when true: `is_title` (first character upper case, no
//!   other character upper case), `is_upper` (some upper-case character, no
//!   lower-case one), `is_digit` (non-empty, ASCII digits only), `has_hyphen`
//!   (contains `-`);
//! * previous word: `-1:word=`, `-1:lower=`, `-1:is_title`, `-1:is_upper` (same
//!   definitions), or `BOS` for the first token; next word: `+1:word=`,
//!   `+1:lower=`, `+1:is_title`, `+1:is_upper`, or `EOS` for the last token.
//!
//! "Upper case" / "lower case" are Unicode's derived `Uppercase` / `Lowercase`
//! properties (`char::is_uppercase`; the reference script uses Python's
//! `str.isupper` / `str.islower` on one character, which agree on the bundled data).
//! tests/reference/make_crf_reference.py builds exactly these strings and hands
//! them to python-crfsuite as plain string attributes (value 1); the parity test
//! checks the strings of a whole sentence and the attribute and feature counts.
//!
//! # Feature index (CRFsuite's defaults)
//! Built from the training data only, like CRFsuite with `feature.minfreq = 0`,
//! `feature.possible_states = 0` and `feature.possible_transitions = 0`:
//! * a **state feature** `(attribute, label)` exists only if that attribute occurs
//!   on a token with that label somewhere in training;
//! * a **transition feature** `(label, label')` exists only if `label'` follows
//!   `label` somewhere in training.
//!
//! Any other pair has a fixed weight of 0 (it is not a parameter). At prediction
//! time attributes never seen in training are ignored. Labels are numbered in
//! order of first appearance (CRFsuite's order); attributes likewise.
//!
//! # Training objective (CRFsuite's definition of `c2`)
//! `F(w) = -sum_i log p(y_i | x_i) + c2 * ||w||^2`,
//!
//! exactly CRFsuite's (`train_lbfgs.c`, `lbfgs_evaluate`: `f += c2 * norm`,
//! `g += 2 c2 w`); note: `c2 ||w||^2`, **not** `c2/2 ||w||^2`. Its gradient is
//! expected minus empirical feature counts plus `2 c2 w`. `log Z` and the marginals
//! come from forward–backward (see "Numerics"). L1 (`c1`) is not
//! supported (CRFsuite switches to OWL-QN for it).
//!
//! Minimised from `w = 0` by the shared L-BFGS ([`crate::algos::optim::lbfgs`]) with
//! CRFsuite's defaults ([`lbfgs::Options::crfsuite`]): memory 6, stop when
//! `||g|| / max(1, ||w||) <= epsilon = 1e-5`, or when the objective fell by less
//! than `delta = 1e-5` (relative) over the last `period = 10` iterations, or after
//! `max_iter` iterations; Moré–Thuente line search with libLBFGS's constants and at
//! most 20 evaluations. The objective (CRFsuite's "Loss") is reported after every
//! iteration as `progress.report(iter, max_iter, "objective", F)`; a cancel stops
//! the fit with [`AlgoError::Cancelled`]. Deterministic (no randomness at all).
//!
//! # Decoding
//! [`CrfModel::predict`]: Viterbi (max-sum), ties to the lower label index.
//! [`CrfModel::marginals`]: per-token label probabilities from forward–backward.
//!
//! # Numerics and speed
//! Forward–backward runs per sentence with per-position scaling, CRFsuite's
//! approach, kept in the log domain where it matters: emission scores are shifted
//! by their maximum per token and transition scores by their overall maximum
//! before exponentiation, the forward and backward vectors are renormalised at
//! every position, and `log Z` is the sum of the logarithms of the scale factors
//! plus the shifts. If a scale factor is not a normal positive `f64` (weights with
//! a dynamic range beyond ~700 nats) that sentence is redone by the plain
//! log-space recursions `alpha_t(j) = e_t(j) + log sum_i exp(alpha_{t-1}(i) +
//! T(i, j))` (with log-sum-exp), so log Z and the marginals stay finite for any
//! finite weights. The unit tests check both passes against brute-force
//! enumeration of all label paths (log Z, token and pair marginals).
//!
//! Cost of one objective-and-gradient evaluation: O(tokens x active attributes x
//! labels per attribute) for the state part (emission sums and expected counts)
//! and O(tokens x labels^2) multiply-adds plus O(tokens x labels) exponentials and
//! one logarithm per token for the chain. Attributes are mapped to ids once per fit;
//! the state features of an attribute are one contiguous index range (CSR), so
//! emission scores and expected counts are index walks. Empirical counts are
//! computed once. One thread.
//!
//! # Parity with CRFsuite (tests/all/crf_parity.rs)
//! On datasets/ner_synthetic and ner_chatbot with c2 = 1, max_iter = 100, our fit
//! builds CRFsuite's feature set exactly (5,613 and 1,626 features), stops by the
//! delta test after the same number of iterations (59 and 35), ends on the same
//! objective to the 6 decimals CRFsuite logs (434.891823, 185.186637) and tags
//! every test token as CRFsuite does (entity micro-F1 0.9296 and 0.9603). Our
//! objective at CRFsuite's own weights equals its logged loss (ignored test
//! `objective_at_crfsuites_weights`). Training is about as fast as CRFsuite's C
//! code (benches/compare_crfsuite.py).
//!
//! # Layout
//! `features` (templates, feature index, encoded corpus, emission and
//! transition scores), `lattice` (forward–backward and Viterbi of one
//! sentence), `train` (objective, gradient and the L-BFGS driver: [`fit`]),
//! `model` (the fitted [`CrfModel`]); the parameters are here.

mod features;
mod lattice;
mod model;
#[cfg(test)]
mod tests;
mod train;

pub use features::{token_attributes, word_shape};
pub use model::{CrfModel, StateWeight, TrainingSummary, TransitionWeight};
pub use train::fit;

use crate::algos::core::AlgoError;
use crate::algos::optim::lbfgs;

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

/// Parameters of [`fit`]; defaults are CRFsuite's (`c2 = 1`, memory 6,
/// `epsilon = 1e-5`, `period = 10`, `delta = 1e-5`) with `max_iter = 100`
/// (CRFsuite's own default is unlimited).
#[derive(Debug, Clone, PartialEq)]
pub struct CrfParams {
    /// L2 coefficient: the penalty is `c2 * ||w||^2` (CRFsuite's definition; >= 0).
    pub c2: f64,
    /// Maximum number of L-BFGS iterations (>= 1).
    pub max_iter: usize,
    /// L-BFGS memory (CRFsuite's `num_memories`; 1..=1000).
    pub memory: usize,
    /// Stop when `||g|| / max(1, ||w||) <= epsilon` (>= 0).
    pub epsilon: f64,
    /// Window of the `delta` test in iterations (CRFsuite's `period`; 0 = off).
    pub period: usize,
    /// Stop when the objective fell by less than `delta` (relative) over the last
    /// `period` iterations (>= 0).
    pub delta: f64,
}

impl Default for CrfParams {
    fn default() -> Self {
        CrfParams {
            c2: 1.0,
            max_iter: 100,
            memory: 6,
            epsilon: 1e-5,
            period: 10,
            delta: 1e-5,
        }
    }
}

impl CrfParams {
    /// Validates every parameter range (the error names the parameter).
    pub fn check(&self) -> Result<(), AlgoError> {
        // The range of `c2` lives in its spec constant.
        C2.check_float(self.c2)?;
        self.lbfgs_options().check()
    }

    fn lbfgs_options(&self) -> lbfgs::Options {
        lbfgs::Options {
            memory: self.memory,
            epsilon: self.epsilon,
            past: self.period,
            delta: self.delta,
            ..lbfgs::Options::crfsuite(self.max_iter)
        }
    }
}

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting a tagger.
// ---------------------------------------------------------------------------

use crate::algos::algorithm::{
    float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};
use crate::algos::Progress;
use crate::seq::conll::Corpus;
use crate::seq::tagger::Tagger;
use crate::seq::tagger::TrainTagger;

pub const C2: ParamSpec = float(
    "c2",
    0.0,
    1e6,
    false,
    "1",
    "L2 penalty c2 * |w|^2 (CRFsuite's definition)",
);
pub const MAX_ITER: ParamSpec = int("max_iter", 1, 100_000, "100", "L-BFGS iterations");

/// The linear-chain CRF in the registry.
pub struct Crf;

impl Algorithm for Crf {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "crf",
        title: "Linear-chain CRF (L-BFGS, L2)",
        task: Task::Tagging,
        implementation: Implementation::Own,
        why: "linfa has no sequence models",
        topics: &[
            "crf",
            "crf-forward-algorithm",
            "ner",
            "lstm-crf",
            "sequence-labeling",
            "structured-prediction",
            "generative-vs-discriminative",
        ],
        params: &[C2, MAX_ITER],
    };
    type Params = CrfParams;
    fn params(v: &ParamValues) -> Result<CrfParams, ParamError> {
        Ok(CrfParams {
            c2: v.float(&C2)?,
            max_iter: v.usize(&MAX_ITER)?,
            ..CrfParams::default()
        })
    }
}

impl TrainTagger for CrfParams {
    fn fit(
        &self,
        train: &Corpus,
        _seed: u64,
        progress: &mut Progress<'_>,
    ) -> Result<Tagger, AlgoError> {
        let tokens: Vec<Vec<String>> = train.sentences.iter().map(|s| s.tokens.clone()).collect();
        let tags: Vec<Vec<String>> = train.sentences.iter().map(|s| s.tags.clone()).collect();
        fit(&tokens, &tags, self, progress).map(Tagger::Crf)
    }
}
