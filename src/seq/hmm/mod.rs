//! Discrete-emission (categorical) hidden Markov model: scoring, decoding,
//! posteriors, Baum–Welch and supervised fitting, sampling.
//!
//! # Model
//! [`Hmm`] keeps hmmlearn's `CategoricalHMM` names: `startprob` (N, the initial
//! state distribution π), `transmat` (N x N, row `i` = P(next state | state `i`))
//! and `emissionprob` (N x M, row `i` = P(symbol | state `i`)). States are
//! `0..N`, symbols `0..M`; all indices in this module (states, symbols,
//! sequences, positions, rows) are 0-based. A valid model has every row (and
//! `startprob`) made of finite numbers `>= 0` that sum to 1 within `1e-6`
//! ([`Hmm::new`] / [`Hmm::validate`]). Every public method validates the model
//! first (cheap: `O(N² + NM)`), so an edited model gives an [`HmmError`], never
//! a panic or a NaN.
//!
//! # Algorithms and their reference
//! The reference is hmmlearn 0.3.3 (`CategoricalHMM`), checked by
//! `tests/all/hmm_parity.rs` against `tests/reference/hmm_reference.json`.
//!
//! * **Forward / backward** (Rabiner 1989, *A tutorial on hidden Markov models*,
//!   Proc. IEEE 77(2), §V.A) in the scaled form: `alpha[t]` is normalised each
//!   step, so `alpha[t][i] = P(z_t = i | o_0..t)`, and the normaliser is
//!   `c_t = P(o_t | o_0..t-1)`; `log P(O) = Σ_t ln c_t`, stable for any length
//!   (tested on 1,000,000 steps). `beta[t][i] = P(o_t+1.. | z_t = i) /
//!   P(o_t+1.. | o_0..t)` (Rabiner's scaled beta, `beta[T-1] = 1`), so the
//!   posterior state marginals are simply `gamma[t] = alpha[t] * beta[t]`
//!   (renormalised per step, as hmmlearn does, to absorb rounding). hmmlearn's
//!   "scaling" backward lattice is our `beta[t] / c_t`.
//!   When a normaliser falls below `1e-300` (where hmmlearn's "scaling"
//!   implementation raises an underflow error) the sequence is redone in log
//!   space (log-sum-exp, as hmmlearn's "log" implementation), so extreme but
//!   possible sequences still get exact results. A sequence of probability 0
//!   has log-likelihood `-inf` ([`Hmm::log_likelihood`]); methods that need
//!   posteriors return [`HmmError::ZeroProbability`] for it.
//! * **Viterbi** in log space, exactly hmmlearn's `_hmmc.viterbi`:
//!   `delta[0][i] = ln π_i + ln b_i(o_0)`,
//!   `delta[t][i] = max_j (delta[t-1][j] + ln a_ji) + ln b_i(o_t)`. Ties: the last
//!   state is the FIRST maximum of `delta[T-1]` (`std::max_element`), but each
//!   back-pointer is the LAST maximising predecessor (hmmlearn back-tracks with
//!   `std::max` over `(value, index)` pairs, which prefers the larger index on
//!   equal values, and picks the last state when all are `-inf`). `psi` here
//!   stores exactly those back-pointers, so the path is hmmlearn's bit for bit
//!   (ties included: see the "ties" model in the reference file).
//! * **Baum–Welch** ([`Hmm::baum_welch`]): EM from `self`, hmmlearn's
//!   `fit` with `init_params=""`, `params="ste"` and the default priors (1, i.e.
//!   none). Each iteration computes the expected counts under the current
//!   model (E-step, whose total log-likelihood is recorded: hmmlearn's
//!   `monitor_.history`, the likelihood of the model BEFORE that iteration's
//!   update), then re-estimates (M-step): `π ∝ Σ_seq gamma_0`,
//!   `a_ij ∝ Σ xi_t(i, j)`, `b_i(k) ∝ Σ_{t: o_t = k} gamma_t(i)`. The update of
//!   the iteration that stops is kept (as hmmlearn). It stops after `n_iter`
//!   iterations or when `history[k] - history[k-1] < tol` (hmmlearn's
//!   `ConvergenceMonitor.converged`). A row whose expected count is exactly
//!   0 (a state never visited) keeps its previous values, where hmmlearn would
//!   leave a row of zeros; that cannot happen when every state has a positive
//!   posterior somewhere.
//! * **Supervised fit** ([`fit_supervised`]): counts of start states,
//!   transitions and emissions plus additive smoothing, normalised per row.
//!
//! # Speed
//! Tables are laid out for the inner loops (transposed log transition matrix,
//! emission table symbol-major so a step reads N contiguous values), the
//! Viterbi back-pointers are stored as `u8` when N <= 256, N in {2..6, 8} get
//! loops of fixed length (unrolled by the compiler), and everything runs over
//! contiguous slices. [`Hmm::log_likelihood`] (N in {2..6, 8}) rescales alpha
//! only when its sum falls below 1e-100 instead of at every step (one
//! logarithm and division every few hundred steps); a step so unlikely that
//! this could underflow sends the sequence to the every-step scaling, then to
//! log space. See `benches/hmm.rs` and `benches/compare_hmmlearn.py`: on 1,000,000
//! steps x 4 states Viterbi takes ~10 ms (hmmlearn 0.3.3: ~31 ms), the
//! log-likelihood ~7 ms (~30 ms "scaling", ~130 ms "log"), and 10 Baum–Welch
//! iterations on 100 x 1,000 steps ~42 ms (~115 ms "scaling", ~590 ms "log").
//!
//! # Errors
//! Every method returns a `Result`: an invalid (edited) model, an empty
//! sequence or an out-of-range symbol is an [`HmmError`] naming the sequence
//! and position, never a panic.
//!
//! # Layout
//! `forward` (forward/backward passes and posteriors, scaled with a log-space
//! fallback, and the log-likelihood), `viterbi` (decoding), `learn` (supervised
//! counts and Baum–Welch); the model, its validation, errors, the probability
//! tables and sampling are here.

mod forward;
mod learn;
#[cfg(test)]
mod tests;
mod viterbi;

pub use forward::{Forward, ForwardTrellis};
pub use learn::fit_supervised;
pub use viterbi::Trellis;

use std::fmt;

use ndarray::{Array1, Array2};
use rand::Rng as _;

use crate::algos::core::{rng, AlgoError};

/// Rows must sum to 1 within this.
pub const SUM_TOL: f64 = 1e-6;

/// A scaled-forward normaliser below this switches the sequence to log space
/// (hmmlearn's `min_sum`).
const MIN_SUM: f64 = 1e-300;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why a model or a computation was refused. Indices are 0-based.
#[derive(Debug, Clone, PartialEq)]
pub enum HmmError {
    /// Shapes that do not fit together (the message says which and how).
    Shape(String),
    /// A probability vector that does not sum to 1 within [`SUM_TOL`].
    /// `row` is `None` for `startprob`.
    RowSum {
        matrix: &'static str,
        row: Option<usize>,
        sum: f64,
    },
    /// A negative, NaN or infinite probability.
    BadEntry {
        matrix: &'static str,
        row: Option<usize>,
        col: usize,
        value: f64,
    },
    /// An observation outside `0..n_symbols`.
    SymbolOutOfRange {
        seq: usize,
        pos: usize,
        symbol: usize,
        n_symbols: usize,
    },
    /// A state label outside `0..n_states` (supervised fit).
    StateOutOfRange {
        seq: usize,
        pos: usize,
        state: usize,
        n_states: usize,
    },
    /// A sequence with no observation.
    EmptySequence { seq: usize },
    /// No sequence at all.
    NoSequences,
    /// The sequence cannot be produced by the model: from position `pos` on
    /// its probability is exactly 0.
    ZeroProbability { seq: usize, pos: usize },
    /// A parameter out of range (`n_iter`, `tol`, `smoothing`, ...).
    InvalidParam { name: &'static str, message: String },
    /// The run was cancelled through [`Progress`](crate::algos::Progress).
    Cancelled,
}

/// A number for a message: up to 10 significant digits, no trailing zeros
/// (`0.97`, not `0.9700000000000001`).
pub(crate) fn short_num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e10) {
        let s = format!("{x:.9e}");
        let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
        let mant = mant.trim_end_matches('0').trim_end_matches('.');
        return format!("{mant}e{exp}");
    }
    let digits = 9 - (x.abs().max(1e-300).log10().floor() as i64).clamp(-5, 9);
    let s = format!("{:.*}", digits.max(0) as usize, x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn place(matrix: &str, row: Option<usize>) -> String {
    match row {
        Some(r) => format!("{matrix} row {r}"),
        None => matrix.to_string(),
    }
}

impl fmt::Display for HmmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HmmError::Shape(m) => write!(f, "{m}"),
            HmmError::RowSum { matrix, row, sum } => write!(
                f,
                "{} sums to {}, expected 1 (within 1e-6)",
                place(matrix, *row),
                short_num(*sum)
            ),
            HmmError::BadEntry {
                matrix,
                row,
                col,
                value,
            } => write!(
                f,
                "{}, entry {col}: {value} is not a probability (expected a finite number >= 0)",
                place(matrix, *row)
            ),
            HmmError::SymbolOutOfRange {
                seq,
                pos,
                symbol,
                n_symbols,
            } => write!(
                f,
                "sequence {seq}, position {pos}: symbol {symbol} is out of range (the model has {n_symbols} symbols, 0..={})",
                n_symbols.saturating_sub(1)
            ),
            HmmError::StateOutOfRange {
                seq,
                pos,
                state,
                n_states,
            } => write!(
                f,
                "sequence {seq}, position {pos}: state {state} is out of range (there are {n_states} states, 0..={})",
                n_states.saturating_sub(1)
            ),
            HmmError::EmptySequence { seq } => {
                write!(f, "sequence {seq} is empty (expected at least one observation)")
            }
            HmmError::NoSequences => write!(f, "no sequences (expected at least one)"),
            HmmError::ZeroProbability { seq, pos } => write!(
                f,
                "sequence {seq} has probability 0 under the model: the observation at position {pos} cannot follow the ones before it"
            ),
            HmmError::InvalidParam { name, message } => {
                write!(f, "invalid parameter `{name}`: {message}")
            }
            HmmError::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for HmmError {}

impl From<AlgoError> for HmmError {
    fn from(e: AlgoError) -> Self {
        match e {
            AlgoError::Cancelled => HmmError::Cancelled,
            AlgoError::InvalidParam { message, .. } => HmmError::InvalidParam {
                name: "parameter",
                message,
            },
            AlgoError::BadData(m) | AlgoError::Failed(m) => HmmError::Shape(m),
        }
    }
}

impl From<HmmError> for AlgoError {
    fn from(e: HmmError) -> Self {
        match e {
            HmmError::Cancelled => AlgoError::Cancelled,
            HmmError::InvalidParam { name, message } => AlgoError::param(name, message),
            other => AlgoError::BadData(other.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, HmmError>;

// ---------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------

/// A categorical HMM (hmmlearn's `CategoricalHMM` parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct Hmm {
    /// Initial state distribution (N).
    pub startprob: Array1<f64>,
    /// `transmat[[i, j]]` = P(z_t+1 = j | z_t = i) (N x N).
    pub transmat: Array2<f64>,
    /// `emissionprob[[i, k]]` = P(o_t = k | z_t = i) (N x M).
    pub emissionprob: Array2<f64>,
}

/// Probability tables laid out for the inner loops.
struct Tables {
    n: usize,
    m: usize,
    pi: Vec<f64>,
    /// Row-major N x N.
    a: Vec<f64>,
    /// Symbol-major M x N: `bt[k * n + i] = b_i(k)`.
    bt: Vec<f64>,
}

struct LogTables {
    n: usize,
    log_pi: Vec<f64>,
    /// Row-major: `log_a[i * n + j] = ln a_ij`.
    log_a: Vec<f64>,
    /// Transposed: `log_at[i * n + j] = ln a_ji`.
    log_at: Vec<f64>,
    /// Symbol-major: `log_bt[k * n + i] = ln b_i(k)`.
    log_bt: Vec<f64>,
}

impl Tables {
    fn new(h: &Hmm) -> Tables {
        let n = h.startprob.len();
        let m = h.emissionprob.ncols();
        let mut bt = vec![0.0; m * n];
        for ((i, k), &v) in h.emissionprob.indexed_iter() {
            bt[k * n + i] = v;
        }
        Tables {
            n,
            m,
            pi: h.startprob.iter().copied().collect(),
            a: h.transmat.iter().copied().collect(),
            bt,
        }
    }

    fn logs(&self) -> LogTables {
        let n = self.n;
        let log_a: Vec<f64> = self.a.iter().map(|v| v.ln()).collect();
        let mut log_at = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                log_at[i * n + j] = log_a[j * n + i];
            }
        }
        LogTables {
            n,
            log_pi: self.pi.iter().map(|v| v.ln()).collect(),
            log_a,
            log_at,
            log_bt: self.bt.iter().map(|v| v.ln()).collect(),
        }
    }

    #[inline]
    fn b(&self, k: usize) -> &[f64] {
        &self.bt[k * self.n..(k + 1) * self.n]
    }
}

impl LogTables {
    #[inline]
    fn b(&self, k: usize) -> &[f64] {
        &self.log_bt[k * self.n..(k + 1) * self.n]
    }
}

fn check_vector(matrix: &'static str, row: Option<usize>, v: &[f64]) -> Result<()> {
    for (col, &value) in v.iter().enumerate() {
        if !(value.is_finite() && value >= 0.0) {
            return Err(HmmError::BadEntry {
                matrix,
                row,
                col,
                value,
            });
        }
    }
    let sum: f64 = v.iter().sum();
    if (sum - 1.0).abs() > SUM_TOL {
        return Err(HmmError::RowSum { matrix, row, sum });
    }
    Ok(())
}

fn check_matrix(matrix: &'static str, a: &Array2<f64>) -> Result<()> {
    for (r, row) in a.rows().into_iter().enumerate() {
        let v: Vec<f64> = row.iter().copied().collect();
        check_vector(matrix, Some(r), &v)?;
    }
    Ok(())
}

/// log(Σ exp(v)), `-inf` for an empty or all `-inf` slice.
#[inline]
fn logsumexp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max.is_infinite() {
        return max;
    }
    let acc: f64 = v.iter().map(|&x| (x - max).exp()).sum();
    acc.ln() + max
}

/// First maximum (`std::max_element` / `np.argmax`); 0 for an empty slice.
fn first_argmax(v: &[f64]) -> usize {
    let mut best = 0usize;
    for (i, &x) in v.iter().enumerate() {
        if let Some(&b) = v.get(best) {
            if x > b {
                best = i;
            }
        }
    }
    best
}

impl Hmm {
    /// A validated model: `startprob` of length N >= 1, `transmat` N x N,
    /// `emissionprob` N x M with M >= 1; every entry finite and `>= 0`, every
    /// row (and `startprob`) summing to 1 within `1e-6`.
    pub fn new(
        startprob: Array1<f64>,
        transmat: Array2<f64>,
        emissionprob: Array2<f64>,
    ) -> Result<Hmm> {
        let h = Hmm {
            startprob,
            transmat,
            emissionprob,
        };
        h.validate()?;
        Ok(h)
    }

    /// Checks shapes and probabilities (see [`Hmm::new`]).
    pub fn validate(&self) -> Result<()> {
        self.check_shapes()?;
        let v: Vec<f64> = self.startprob.iter().copied().collect();
        check_vector("startprob", None, &v)?;
        check_matrix("transmat", &self.transmat)?;
        check_matrix("emissionprob", &self.emissionprob)?;
        Ok(())
    }

    fn check_shapes(&self) -> Result<()> {
        let n = self.startprob.len();
        if n == 0 {
            return Err(HmmError::Shape(
                "startprob is empty (expected one probability per state)".into(),
            ));
        }
        if self.transmat.dim() != (n, n) {
            let (r, c) = self.transmat.dim();
            return Err(HmmError::Shape(format!(
                "transmat is {r} x {c}, expected {n} x {n} (startprob has {n} states)"
            )));
        }
        if self.emissionprob.nrows() != n {
            return Err(HmmError::Shape(format!(
                "emissionprob has {} rows, expected {n} (one per state)",
                self.emissionprob.nrows()
            )));
        }
        if self.emissionprob.ncols() == 0 {
            return Err(HmmError::Shape(
                "emissionprob has no columns (expected one per symbol)".into(),
            ));
        }
        Ok(())
    }

    /// Number of hidden states N.
    pub fn n_states(&self) -> usize {
        self.startprob.len()
    }

    /// Number of observable symbols M.
    pub fn n_symbols(&self) -> usize {
        self.emissionprob.ncols()
    }

    fn check_seq(&self, seq_index: usize, seq: &[usize]) -> Result<()> {
        if seq.is_empty() {
            return Err(HmmError::EmptySequence { seq: seq_index });
        }
        let m = self.n_symbols();
        if let Some(pos) = seq.iter().position(|&o| o >= m) {
            return Err(HmmError::SymbolOutOfRange {
                seq: seq_index,
                pos,
                symbol: seq[pos],
                n_symbols: m,
            });
        }
        Ok(())
    }

    fn check_seqs(&self, seqs: &[Vec<usize>]) -> Result<()> {
        if seqs.is_empty() {
            return Err(HmmError::NoSequences);
        }
        for (k, s) in seqs.iter().enumerate() {
            self.check_seq(k, s)?;
        }
        Ok(())
    }

    /// A sequence of `len` hidden states and the observations they emit,
    /// deterministic for a seed (inverse-CDF draws from
    /// [`crate::algos::rng`]). Errors only for an invalid model.
    pub fn sample(&self, len: usize, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
        self.validate()?;
        let mut r = rng(seed);
        let n = self.n_states();
        let mut states = Vec::with_capacity(len);
        let mut obs = Vec::with_capacity(len);
        let draw = |r: &mut crate::algos::core::Rng, p: &mut dyn Iterator<Item = f64>| -> usize {
            let u: f64 = r.gen::<f64>();
            let mut acc = 0.0;
            let mut last_positive = 0;
            for (k, v) in p.enumerate() {
                if v > 0.0 {
                    last_positive = k;
                }
                acc += v;
                if acc > u {
                    return k;
                }
            }
            last_positive
        };
        if n == 0 || self.n_symbols() == 0 {
            return Ok((states, obs));
        }
        let mut z = draw(&mut r, &mut self.startprob.iter().copied());
        for t in 0..len {
            if t > 0 {
                z = draw(&mut r, &mut self.transmat.row(z).iter().copied());
            }
            states.push(z);
            obs.push(draw(&mut r, &mut self.emissionprob.row(z).iter().copied()));
        }
        Ok((states, obs))
    }
}

// ---------------------------------------------------------------------------
// The registry's view: specs, typed parameters, fitting a tagger.
// ---------------------------------------------------------------------------

use crate::algos::algorithm::{
    choice, float, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues,
    Task,
};
use crate::algos::Progress;
use crate::seq::conll::Corpus;
use crate::seq::tagger::TrainTagger;
use crate::seq::tagger::{fit_hmm_tagger, Tagger};

pub const FIT: ParamSpec = choice(
    "fit",
    &["counts", "baum-welch"],
    "counts",
    "learn from the labelled states (counts), or unsupervised by EM (casino only)",
);
pub const SMOOTHING: ParamSpec = float(
    "smoothing",
    0.0,
    1e6,
    false,
    "0.01",
    "additive smoothing of transition and emission counts",
);
pub const ITERATIONS: ParamSpec = int(
    "iterations",
    1,
    10_000,
    "100",
    "Baum-Welch iterations (fit=baum-welch)",
);

/// How the HMM learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmmFit {
    /// From the labelled states.
    Counts,
    /// Unsupervised, by EM (the casino only).
    BaumWelch,
}

/// Typed parameters of the HMM experiments.
#[derive(Debug, Clone, PartialEq)]
pub struct HmmParams {
    pub fit: HmmFit,
    pub smoothing: f64,
    pub iterations: usize,
}

/// The HMM in the registry.
pub struct HmmAlgo;

impl Algorithm for HmmAlgo {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "hmm",
        title: "Hidden Markov model (supervised counts, Viterbi decoding)",
        task: Task::Tagging,
        implementation: Implementation::Own,
        why: "linfa has no sequence models",
        topics: &[
            "hmm",
            "viterbi",
            "sequence-labeling",
            "ner",
            "generative-vs-discriminative",
        ],
        params: &[FIT, SMOOTHING, ITERATIONS],
    };
    type Params = HmmParams;
    fn params(v: &ParamValues) -> std::result::Result<HmmParams, ParamError> {
        Ok(HmmParams {
            fit: match v.choice(&FIT)? {
                "baum-welch" => HmmFit::BaumWelch,
                _ => HmmFit::Counts,
            },
            smoothing: v.float(&SMOOTHING)?,
            iterations: v.usize(&ITERATIONS)?,
        })
    }
}

impl TrainTagger for HmmParams {
    fn fit(
        &self,
        train: &Corpus,
        _seed: u64,
        _progress: &mut Progress<'_>,
    ) -> std::result::Result<Tagger, AlgoError> {
        if self.fit == HmmFit::BaumWelch {
            return Err(AlgoError::BadData(
                "fit=baum-welch learns hidden states without labels: use it on the casino rolls; a tagger is trained from its labels (fit=counts)".into(),
            ));
        }
        fit_hmm_tagger(train, self.smoothing).map(Tagger::Hmm)
    }

    fn casino(&self) -> Option<&HmmParams> {
        Some(self)
    }
}
