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
//! `tests/hmm_parity.rs` against `tests/reference/hmm_reference.json`.
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

use std::fmt;

use ndarray::{Array1, Array2};
use rand::Rng as _;

use crate::algos::core::{rng, AlgoError, Progress};

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
    /// The run was cancelled through [`Progress`].
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

/// Scaled forward pass of one sequence (see the module notes).
#[derive(Debug, Clone, PartialEq)]
pub struct Forward {
    /// T x N, row t = P(z_t | o_0..t) (sums to 1).
    pub alpha: Array2<f64>,
    /// T, `ln c_t = ln P(o_t | o_0..t-1)`.
    pub log_scale: Array1<f64>,
    /// `ln P(o_0..T-1) = Σ log_scale`.
    pub log_likelihood: f64,
}

/// Viterbi trellis for a step-by-step view.
#[derive(Debug, Clone, PartialEq)]
pub struct Trellis {
    /// T x N, `delta[[t, i]]` = log-probability of the best path ending in
    /// state i at step t (with the observations up to t).
    pub delta: Array2<f64>,
    /// T x N back-pointers: `psi[[t, i]]` = the predecessor (state at t-1) of
    /// that best path; row 0 is all 0 (no predecessor).
    pub psi: Array2<usize>,
    /// The most likely state sequence.
    pub path: Vec<usize>,
    /// Its joint log-probability with the observations.
    pub log_prob: f64,
}

/// Forward trellis in log space for a step-by-step view.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardTrellis {
    /// T x N, `log_alpha[[t, i]] = ln P(o_0..t, z_t = i)` (unnormalised).
    pub log_alpha: Array2<f64>,
    /// `ln P(O) = logsumexp(log_alpha[T-1])`.
    pub log_likelihood: f64,
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

/// Storage for Viterbi back-pointers: the smallest unsigned type that holds N.
trait PsiIndex: Copy + Default {
    fn from_usize(j: usize) -> Self;
    fn to_usize(self) -> usize;
}

macro_rules! psi_index {
    ($t:ty) => {
        impl PsiIndex for $t {
            #[inline(always)]
            fn from_usize(j: usize) -> Self {
                j as $t
            }
            #[inline(always)]
            fn to_usize(self) -> usize {
                self as usize
            }
        }
    };
}
psi_index!(u8);
psi_index!(u16);
psi_index!(u32);
psi_index!(usize);

/// One Viterbi step: `cur[i] = max_j(prev[j] + log_at[i][j]) + lb[i]`, the
/// back-pointer being the LAST maximising j (hmmlearn's back-tracking rule).
#[inline(always)]
fn viterbi_step<P: PsiIndex>(
    n: usize,
    log_at: &[f64],
    prev: &[f64],
    lb: &[f64],
    cur: &mut [f64],
    psi: &mut [P],
) {
    for (i, ((c, p), &b)) in cur.iter_mut().zip(psi.iter_mut()).zip(lb).enumerate() {
        let col = &log_at[i * n..(i + 1) * n];
        let mut best = f64::NEG_INFINITY;
        let mut arg = 0usize;
        for (j, (&d, &la)) in prev.iter().zip(col).enumerate() {
            let v = d + la;
            if v >= best {
                best = v;
                arg = j;
            }
        }
        *c = best + b;
        *p = P::from_usize(arg);
    }
}

/// The same for a fixed, small number of states (unrolled by the compiler).
#[inline(always)]
fn viterbi_step_fixed<const N: usize, P: PsiIndex>(
    log_at: &[[f64; N]; N],
    prev: &[f64; N],
    lb: &[f64],
    cur: &mut [f64; N],
    psi: &mut [P],
) {
    for i in 0..N {
        let col = &log_at[i];
        let mut best = f64::NEG_INFINITY;
        let mut arg = 0usize;
        for j in 0..N {
            let v = prev[j] + col[j];
            let ge = v >= best;
            best = if ge { v } else { best };
            arg = if ge { j } else { arg };
        }
        cur[i] = best + lb[i];
        psi[i] = P::from_usize(arg);
    }
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

fn backtrack<P: PsiIndex>(n: usize, psi: &[P], last_row: &[f64]) -> (Vec<usize>, f64) {
    let t_len = psi.len() / n.max(1);
    let mut path = vec![0usize; t_len];
    let mut state = first_argmax(last_row);
    let log_prob = last_row.get(state).copied().unwrap_or(f64::NEG_INFINITY);
    for t in (0..t_len).rev() {
        path[t] = state;
        if t > 0 {
            state = psi[t * n + state].to_usize();
        }
    }
    (path, log_prob)
}

fn viterbi_dyn<P: PsiIndex>(lt: &LogTables, seq: &[usize]) -> (Vec<usize>, f64) {
    let n = lt.n;
    let mut psi: Vec<P> = vec![P::default(); seq.len() * n];
    let mut prev: Vec<f64> = lt
        .log_pi
        .iter()
        .zip(lt.b(seq[0]))
        .map(|(p, b)| p + b)
        .collect();
    let mut cur = vec![0.0; n];
    for (t, &o) in seq.iter().enumerate().skip(1) {
        viterbi_step(
            n,
            &lt.log_at,
            &prev,
            lt.b(o),
            &mut cur,
            &mut psi[t * n..(t + 1) * n],
        );
        std::mem::swap(&mut prev, &mut cur);
    }
    backtrack(n, &psi, &prev)
}

fn viterbi_fixed<const N: usize, P: PsiIndex>(lt: &LogTables, seq: &[usize]) -> (Vec<usize>, f64) {
    let mut log_at = [[0.0; N]; N];
    for (i, row) in log_at.iter_mut().enumerate() {
        row.copy_from_slice(&lt.log_at[i * N..(i + 1) * N]);
    }
    let mut psi: Vec<P> = vec![P::default(); seq.len() * N];
    let mut prev = [0.0; N];
    for (i, p) in prev.iter_mut().enumerate() {
        *p = lt.log_pi[i] + lt.b(seq[0])[i];
    }
    let mut cur = [0.0; N];
    for (&o, psi_row) in seq.iter().zip(psi.chunks_exact_mut(N)).skip(1) {
        viterbi_step_fixed::<N, P>(&log_at, &prev, lt.b(o), &mut cur, psi_row);
        std::mem::swap(&mut prev, &mut cur);
    }
    backtrack(N, &psi, &prev)
}

fn viterbi_any<P: PsiIndex>(lt: &LogTables, seq: &[usize]) -> (Vec<usize>, f64) {
    match lt.n {
        2 => viterbi_fixed::<2, P>(lt, seq),
        3 => viterbi_fixed::<3, P>(lt, seq),
        4 => viterbi_fixed::<4, P>(lt, seq),
        5 => viterbi_fixed::<5, P>(lt, seq),
        6 => viterbi_fixed::<6, P>(lt, seq),
        8 => viterbi_fixed::<8, P>(lt, seq),
        _ => viterbi_dyn::<P>(lt, seq),
    }
}

/// Expected counts gathered by the E-step.
struct Stats {
    start: Vec<f64>,
    trans: Vec<f64>,
    /// N x M row-major.
    obs: Vec<f64>,
    log_likelihood: f64,
}

impl Stats {
    fn new(n: usize, m: usize) -> Stats {
        Stats {
            start: vec![0.0; n],
            trans: vec![0.0; n * n],
            obs: vec![0.0; n * m],
            log_likelihood: 0.0,
        }
    }
}

/// Reusable buffers of the scaled passes.
struct Work {
    alpha: Vec<f64>,
    /// Normalisers c_t.
    c: Vec<f64>,
    beta: Vec<f64>,
    beta_next: Vec<f64>,
    tmp: Vec<f64>,
    gamma: Vec<f64>,
}

impl Work {
    fn new(n: usize) -> Work {
        Work {
            alpha: Vec::new(),
            c: Vec::new(),
            beta: vec![0.0; n],
            beta_next: vec![0.0; n],
            tmp: vec![0.0; n],
            gamma: vec![0.0; n],
        }
    }
}

/// Scaled forward pass into `alpha` (T*N) and `c` (T). False when a normaliser
/// drops below [`MIN_SUM`] (underflow or an impossible observation).
fn scaled_forward(tb: &Tables, seq: &[usize], alpha: &mut Vec<f64>, c: &mut Vec<f64>) -> bool {
    let n = tb.n;
    alpha.clear();
    alpha.resize(seq.len() * n, 0.0);
    c.clear();
    c.resize(seq.len(), 0.0);
    let mut sum = 0.0;
    {
        let row = &mut alpha[0..n];
        for ((r, &p), &b) in row.iter_mut().zip(&tb.pi).zip(tb.b(seq[0])) {
            *r = p * b;
            sum += *r;
        }
        if !(sum >= MIN_SUM && sum.is_finite()) {
            return false;
        }
        let inv = 1.0 / sum;
        row.iter_mut().for_each(|r| *r *= inv);
        c[0] = sum;
    }
    for t in 1..seq.len() {
        let (done, rest) = alpha.split_at_mut(t * n);
        let prev = &done[(t - 1) * n..];
        let cur = &mut rest[..n];
        cur.iter_mut().for_each(|x| *x = 0.0);
        for (&p, arow) in prev.iter().zip(tb.a.chunks_exact(n)) {
            for (x, &a) in cur.iter_mut().zip(arow) {
                *x += p * a;
            }
        }
        let mut sum = 0.0;
        for (x, &b) in cur.iter_mut().zip(tb.b(seq[t])) {
            *x *= b;
            sum += *x;
        }
        if !(sum >= MIN_SUM && sum.is_finite()) {
            return false;
        }
        let inv = 1.0 / sum;
        cur.iter_mut().for_each(|x| *x *= inv);
        c[t] = sum;
    }
    true
}

/// `Σ ln c_t` with one logarithm every few hundred steps: the normalisers
/// are multiplied while the product stays above 1e-290 (each is in
/// `[1e-300, 1]`, so nothing underflows).
#[derive(Clone, Copy)]
struct LogSum {
    prod: f64,
    logs: f64,
}

impl LogSum {
    fn new() -> LogSum {
        LogSum {
            prod: 1.0,
            logs: 0.0,
        }
    }
    #[inline(always)]
    fn add(&mut self, c: f64) {
        let p = self.prod * c;
        if p > 1e-290 {
            self.prod = p;
        } else {
            self.logs += self.prod.ln() + c.ln();
            self.prod = 1.0;
        }
    }
    fn value(self) -> f64 {
        self.logs + self.prod.ln()
    }
}

/// Log-likelihood by the scaled forward pass keeping two rows only; `None`
/// on underflow.
fn scaled_log_likelihood(
    tb: &Tables,
    seq: &[usize],
    prev: &mut Vec<f64>,
    cur: &mut Vec<f64>,
) -> Option<f64> {
    let n = tb.n;
    let mut sum = 0.0;
    for ((r, &p), &b) in prev.iter_mut().zip(&tb.pi).zip(tb.b(seq[0])) {
        *r = p * b;
        sum += *r;
    }
    if !(sum >= MIN_SUM && sum.is_finite()) {
        return None;
    }
    let mut ll = LogSum::new();
    ll.add(sum);
    let inv = 1.0 / sum;
    prev.iter_mut().for_each(|r| *r *= inv);
    for &o in &seq[1..] {
        cur.iter_mut().for_each(|x| *x = 0.0);
        for (&p, arow) in prev.iter().zip(tb.a.chunks_exact(n)) {
            for (x, &a) in cur.iter_mut().zip(arow) {
                *x += p * a;
            }
        }
        let mut sum = 0.0;
        for (x, &b) in cur.iter_mut().zip(tb.b(o)) {
            *x *= b;
            sum += *x;
        }
        if !(sum >= MIN_SUM && sum.is_finite()) {
            return None;
        }
        ll.add(sum);
        let inv = 1.0 / sum;
        cur.iter_mut().for_each(|x| *x *= inv);
        std::mem::swap(prev, cur);
    }
    Some(ll.value())
}

/// Log-likelihood for a fixed, small N with lazy scaling: alpha is left
/// unnormalised and rescaled only when its sum drops below 1e-100, which
/// takes the division and the logarithm off most steps. `None` when a single
/// step shrinks it below 1e-250 (the caller then normalises every step).
fn lazy_log_likelihood<const N: usize>(tb: &Tables, seq: &[usize]) -> Option<f64> {
    let mut a = [[0.0; N]; N];
    for (row, src) in a.iter_mut().zip(tb.a.chunks_exact(N)) {
        row.copy_from_slice(src);
    }
    let mut alpha = [0.0; N];
    let b0 = tb.b(seq[0]);
    for i in 0..N {
        alpha[i] = tb.pi[i] * b0[i];
    }
    let mut logs = 0.0;
    let mut s: f64 = alpha.iter().sum();
    for &o in &seq[1..] {
        if s < 1e-100 {
            if s.is_nan() || s < 1e-250 {
                return None;
            }
            logs += s.ln();
            let inv = 1.0 / s;
            alpha.iter_mut().for_each(|x| *x *= inv);
        }
        let b = tb.b(o);
        let mut next = [0.0; N];
        for i in 0..N {
            let ai = alpha[i];
            for j in 0..N {
                next[j] += ai * a[i][j];
            }
        }
        s = 0.0;
        for j in 0..N {
            next[j] *= b[j];
            s += next[j];
        }
        alpha = next;
    }
    if !(s >= 1e-250 && s.is_finite()) {
        return None;
    }
    Some(logs + s.ln())
}

fn fast_log_likelihood(tb: &Tables, seq: &[usize]) -> Option<f64> {
    match tb.n {
        2 => lazy_log_likelihood::<2>(tb, seq),
        3 => lazy_log_likelihood::<3>(tb, seq),
        4 => lazy_log_likelihood::<4>(tb, seq),
        5 => lazy_log_likelihood::<5>(tb, seq),
        6 => lazy_log_likelihood::<6>(tb, seq),
        8 => lazy_log_likelihood::<8>(tb, seq),
        _ => None,
    }
}

/// Log-space forward lattice (T*N), `la[t][i] = ln P(o_0..t, z_t = i)`.
fn log_forward(lt: &LogTables, seq: &[usize]) -> Vec<f64> {
    let n = lt.n;
    let mut la = vec![0.0; seq.len() * n];
    for ((x, &p), &b) in la.iter_mut().zip(&lt.log_pi).zip(lt.b(seq[0])) {
        *x = p + b;
    }
    let mut buf = vec![0.0; n];
    for t in 1..seq.len() {
        let (done, rest) = la.split_at_mut(t * n);
        let prev = &done[(t - 1) * n..];
        let lb = lt.b(seq[t]);
        for (j, x) in rest[..n].iter_mut().enumerate() {
            for (i, bv) in buf.iter_mut().enumerate() {
                *bv = prev[i] + lt.log_a[i * n + j];
            }
            *x = logsumexp(&buf) + lb[j];
        }
    }
    la
}

/// Log-space backward lattice (T*N), `lb[t][i] = ln P(o_t+1.. | z_t = i)`.
fn log_backward(lt: &LogTables, seq: &[usize]) -> Vec<f64> {
    let n = lt.n;
    let t_len = seq.len();
    let mut lb = vec![0.0; t_len * n];
    let mut buf = vec![0.0; n];
    for t in (0..t_len.saturating_sub(1)).rev() {
        let (head, tail) = lb.split_at_mut((t + 1) * n);
        let next = &tail[..n];
        let le = lt.b(seq[t + 1]);
        for (i, x) in head[t * n..].iter_mut().enumerate() {
            for (j, bv) in buf.iter_mut().enumerate() {
                *bv = lt.log_a[i * n + j] + le[j] + next[j];
            }
            *x = logsumexp(&buf);
        }
    }
    lb
}

/// First position where the log forward lattice is all `-inf`.
fn first_impossible(la: &[f64], n: usize) -> usize {
    la.chunks_exact(n)
        .position(|row| row.iter().all(|&x| x == f64::NEG_INFINITY))
        .unwrap_or(0)
}

/// Adds one sequence's expected counts to `stats` (scaled passes, log space
/// on underflow).
fn accumulate(
    tb: &Tables,
    lt: &LogTables,
    seq_index: usize,
    seq: &[usize],
    w: &mut Work,
    stats: &mut Stats,
) -> Result<()> {
    let n = tb.n;
    let m = tb.m;
    let t_len = seq.len();
    if !scaled_forward(tb, seq, &mut w.alpha, &mut w.c) {
        return accumulate_log(lt, m, seq_index, seq, stats);
    }
    let mut ll = LogSum::new();
    w.c.iter().for_each(|&c| ll.add(c));
    stats.log_likelihood += ll.value();
    // t = T-1: beta = 1, gamma = alpha.
    w.beta_next.iter_mut().for_each(|b| *b = 1.0);
    add_gamma(
        &w.alpha[(t_len - 1) * n..t_len * n],
        &w.beta_next,
        &mut w.gamma,
        &mut stats.obs,
        m,
        seq[t_len - 1],
    );
    if t_len == 1 {
        for (s, g) in stats.start.iter_mut().zip(&w.gamma) {
            *s += g;
        }
        return Ok(());
    }
    for t in (0..t_len - 1).rev() {
        let inv_c = 1.0 / w.c[t + 1];
        for ((x, &b), &bn) in w.tmp.iter_mut().zip(tb.b(seq[t + 1])).zip(&w.beta_next) {
            *x = b * bn * inv_c;
        }
        let alpha_t = &w.alpha[t * n..(t + 1) * n];
        for (((&al, arow), xrow), beta) in alpha_t
            .iter()
            .zip(tb.a.chunks_exact(n))
            .zip(stats.trans.chunks_exact_mut(n))
            .zip(w.beta.iter_mut())
        {
            let mut s = 0.0;
            for ((x, &a), &tv) in xrow.iter_mut().zip(arow).zip(&w.tmp) {
                let at = a * tv;
                s += at;
                *x += al * at;
            }
            *beta = s;
        }
        add_gamma(alpha_t, &w.beta, &mut w.gamma, &mut stats.obs, m, seq[t]);
        std::mem::swap(&mut w.beta, &mut w.beta_next);
    }
    for (s, g) in stats.start.iter_mut().zip(&w.gamma) {
        *s += g;
    }
    Ok(())
}

/// gamma = normalise(alpha * beta); adds it to the emission counts of symbol `o`.
#[inline]
fn add_gamma(alpha: &[f64], beta: &[f64], gamma: &mut [f64], obs: &mut [f64], m: usize, o: usize) {
    let mut sum = 0.0;
    for ((g, &a), &b) in gamma.iter_mut().zip(alpha).zip(beta) {
        *g = a * b;
        sum += *g;
    }
    let inv = if sum > 0.0 { 1.0 / sum } else { 0.0 };
    for (i, g) in gamma.iter_mut().enumerate() {
        *g *= inv;
        obs[i * m + o] += *g;
    }
}

/// The E-step of one sequence in log space (hmmlearn's "log" implementation).
fn accumulate_log(
    lt: &LogTables,
    m: usize,
    seq_index: usize,
    seq: &[usize],
    stats: &mut Stats,
) -> Result<()> {
    let n = lt.n;
    let t_len = seq.len();
    let la = log_forward(lt, seq);
    let ll = logsumexp(&la[(t_len - 1) * n..]);
    if ll == f64::NEG_INFINITY {
        return Err(HmmError::ZeroProbability {
            seq: seq_index,
            pos: first_impossible(&la, n),
        });
    }
    let lb = log_backward(lt, seq);
    stats.log_likelihood += ll;
    let mut row = vec![0.0; n];
    for t in 0..t_len {
        for (i, r) in row.iter_mut().enumerate() {
            *r = la[t * n + i] + lb[t * n + i];
        }
        let norm = logsumexp(&row);
        for (i, &r) in row.iter().enumerate() {
            let g = (r - norm).exp();
            stats.obs[i * m + seq[t]] += g;
            if t == 0 {
                stats.start[i] += g;
            }
        }
        if t + 1 < t_len {
            let le = lt.b(seq[t + 1]);
            for i in 0..n {
                for j in 0..n {
                    let lx = la[t * n + i] + lt.log_a[i * n + j] + le[j] + lb[(t + 1) * n + j] - ll;
                    stats.trans[i * n + j] += lx.exp();
                }
            }
        }
    }
    Ok(())
}

/// Normalises `counts` into `row`, keeping `row` when the counts sum to 0.
/// Entries that were 0 stay 0 (as hmmlearn).
fn normalise_into(row: &mut [f64], counts: &[f64]) {
    let masked: Vec<f64> = row
        .iter()
        .zip(counts)
        .map(|(&old, &c)| if old == 0.0 { 0.0 } else { c.max(0.0) })
        .collect();
    let sum: f64 = masked.iter().sum();
    if sum > 0.0 {
        for (r, v) in row.iter_mut().zip(masked) {
            *r = v / sum;
        }
    }
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

    /// Total log-likelihood `Σ_seq ln P(seq)` (hmmlearn's `score`) by the
    /// scaled forward algorithm (log space for a sequence that underflows).
    /// `-inf` when some sequence has probability 0.
    pub fn log_likelihood(&self, seqs: &[Vec<usize>]) -> Result<f64> {
        self.validate()?;
        self.check_seqs(seqs)?;
        let tb = Tables::new(self);
        let mut lt: Option<LogTables> = None;
        let n = tb.n;
        let (mut prev, mut cur) = (vec![0.0; n], vec![0.0; n]);
        let mut total = 0.0;
        for seq in seqs {
            let ll = match fast_log_likelihood(&tb, seq)
                .or_else(|| scaled_log_likelihood(&tb, seq, &mut prev, &mut cur))
            {
                Some(ll) => ll,
                None => {
                    let lt = lt.get_or_insert_with(|| tb.logs());
                    let la = log_forward(lt, seq);
                    logsumexp(&la[(seq.len() - 1) * n..])
                }
            };
            total += ll;
        }
        Ok(total)
    }

    /// Scaled forward pass of one sequence (see [`Forward`]).
    /// [`HmmError::ZeroProbability`] if the sequence is impossible.
    pub fn forward(&self, seq: &[usize]) -> Result<Forward> {
        self.validate()?;
        self.check_seq(0, seq)?;
        let tb = Tables::new(self);
        let n = tb.n;
        let t_len = seq.len();
        let (mut alpha, mut c) = (Vec::new(), Vec::new());
        let (alpha, log_scale) = if scaled_forward(&tb, seq, &mut alpha, &mut c) {
            (alpha, c.iter().map(|x| x.ln()).collect::<Vec<f64>>())
        } else {
            let la = log_forward(&tb.logs(), seq);
            let mut alpha = vec![0.0; t_len * n];
            let mut log_scale = vec![0.0; t_len];
            let mut prev_norm = 0.0;
            for t in 0..t_len {
                let row = &la[t * n..(t + 1) * n];
                let norm = logsumexp(row);
                if norm == f64::NEG_INFINITY {
                    return Err(HmmError::ZeroProbability { seq: 0, pos: t });
                }
                for (a, &l) in alpha[t * n..(t + 1) * n].iter_mut().zip(row) {
                    *a = (l - norm).exp();
                }
                log_scale[t] = norm - prev_norm;
                prev_norm = norm;
            }
            (alpha, log_scale)
        };
        let log_likelihood = log_scale.iter().sum();
        Ok(Forward {
            alpha: Array2::from_shape_vec((t_len, n), alpha)
                .map_err(|e| HmmError::Shape(e.to_string()))?,
            log_scale: Array1::from(log_scale),
            log_likelihood,
        })
    }

    /// Scaled backward pass (T x N) for `seq` and its forward pass `fwd`:
    /// `beta[t][i] = P(o_t+1.. | z_t = i) / P(o_t+1.. | o_0..t)`, `beta[T-1] = 1`,
    /// so that `alpha * beta` are the posteriors.
    pub fn backward(&self, seq: &[usize], fwd: &Forward) -> Result<Array2<f64>> {
        self.validate()?;
        self.check_seq(0, seq)?;
        let tb = Tables::new(self);
        let n = tb.n;
        let t_len = seq.len();
        if fwd.log_scale.len() != t_len || fwd.alpha.dim() != (t_len, n) {
            return Err(HmmError::Shape(format!(
                "the forward pass is for {} steps and {} states, the sequence has {t_len} steps and the model {n} states",
                fwd.log_scale.len(),
                fwd.alpha.ncols()
            )));
        }
        let mut beta = vec![0.0; t_len * n];
        beta[(t_len - 1) * n..].iter_mut().for_each(|b| *b = 1.0);
        let scaled_ok = fwd.log_scale.iter().all(|&l| l >= MIN_SUM.ln());
        if scaled_ok {
            let mut tmp = vec![0.0; n];
            for t in (0..t_len - 1).rev() {
                let inv_c = (-fwd.log_scale[t + 1]).exp();
                let (head, tail) = beta.split_at_mut((t + 1) * n);
                for ((x, &b), &bn) in tmp.iter_mut().zip(tb.b(seq[t + 1])).zip(&tail[..n]) {
                    *x = b * bn * inv_c;
                }
                for (bt, arow) in head[t * n..].iter_mut().zip(tb.a.chunks_exact(n)) {
                    *bt = arow.iter().zip(&tmp).map(|(a, x)| a * x).sum();
                }
            }
        } else {
            let lt = tb.logs();
            let mut logb = vec![0.0; t_len * n];
            let mut buf = vec![0.0; n];
            for t in (0..t_len - 1).rev() {
                let (head, tail) = logb.split_at_mut((t + 1) * n);
                let le = lt.b(seq[t + 1]);
                for (i, x) in head[t * n..].iter_mut().enumerate() {
                    for (j, bv) in buf.iter_mut().enumerate() {
                        *bv = lt.log_a[i * n + j] + le[j] + tail[j];
                    }
                    *x = logsumexp(&buf) - fwd.log_scale[t + 1];
                }
            }
            for (b, l) in beta.iter_mut().zip(&logb) {
                *b = l.exp();
            }
        }
        Array2::from_shape_vec((t_len, n), beta).map_err(|e| HmmError::Shape(e.to_string()))
    }

    /// Posterior state marginals `P(z_t = i | O)` (T x N; hmmlearn's
    /// `predict_proba`).
    pub fn posteriors(&self, seq: &[usize]) -> Result<Array2<f64>> {
        self.validate()?;
        self.check_seq(0, seq)?;
        let tb = Tables::new(self);
        let n = tb.n;
        let t_len = seq.len();
        let mut w = Work::new(n);
        let mut out = vec![0.0; t_len * n];
        if scaled_forward(&tb, seq, &mut w.alpha, &mut w.c) {
            w.beta_next.iter_mut().for_each(|b| *b = 1.0);
            fill_gamma(
                &w.alpha[(t_len - 1) * n..],
                &w.beta_next,
                &mut out[(t_len - 1) * n..],
            );
            for t in (0..t_len.saturating_sub(1)).rev() {
                let inv_c = 1.0 / w.c[t + 1];
                for ((x, &b), &bn) in w.tmp.iter_mut().zip(tb.b(seq[t + 1])).zip(&w.beta_next) {
                    *x = b * bn * inv_c;
                }
                for (bt, arow) in w.beta.iter_mut().zip(tb.a.chunks_exact(n)) {
                    *bt = arow.iter().zip(&w.tmp).map(|(a, x)| a * x).sum();
                }
                fill_gamma(
                    &w.alpha[t * n..(t + 1) * n],
                    &w.beta,
                    &mut out[t * n..(t + 1) * n],
                );
                std::mem::swap(&mut w.beta, &mut w.beta_next);
            }
        } else {
            let lt = tb.logs();
            let la = log_forward(&lt, seq);
            if logsumexp(&la[(t_len - 1) * n..]) == f64::NEG_INFINITY {
                return Err(HmmError::ZeroProbability {
                    seq: 0,
                    pos: first_impossible(&la, n),
                });
            }
            let lb = log_backward(&lt, seq);
            let mut row = vec![0.0; n];
            for t in 0..t_len {
                for (i, r) in row.iter_mut().enumerate() {
                    *r = la[t * n + i] + lb[t * n + i];
                }
                let norm = logsumexp(&row);
                for (o, &r) in out[t * n..(t + 1) * n].iter_mut().zip(&row) {
                    *o = (r - norm).exp();
                }
            }
        }
        Array2::from_shape_vec((t_len, n), out).map_err(|e| HmmError::Shape(e.to_string()))
    }

    /// The most probable state at each step on its own (argmax of the
    /// posteriors, first maximum on ties: hmmlearn's `algorithm="map"`).
    pub fn posterior_decode(&self, seq: &[usize]) -> Result<Vec<usize>> {
        let p = self.posteriors(seq)?;
        Ok(p.rows()
            .into_iter()
            .map(|r| {
                let v: Vec<f64> = r.iter().copied().collect();
                first_argmax(&v)
            })
            .collect())
    }

    /// The most likely state path and its joint log-probability
    /// `ln P(path, O)`: hmmlearn's `decode(algorithm="viterbi")`, ties
    /// included (see the module notes).
    pub fn viterbi(&self, seq: &[usize]) -> Result<(Vec<usize>, f64)> {
        self.validate()?;
        self.check_seq(0, seq)?;
        let lt = Tables::new(self).logs();
        Ok(match lt.n {
            0..=256 => viterbi_any::<u8>(&lt, seq),
            257..=65536 => viterbi_any::<u16>(&lt, seq),
            _ => viterbi_any::<u32>(&lt, seq),
        })
    }

    /// Viterbi with the whole trellis kept (for a step-by-step view of short
    /// sequences). Same path and log-probability as [`Hmm::viterbi`].
    pub fn viterbi_trellis(&self, seq: &[usize]) -> Result<Trellis> {
        self.validate()?;
        self.check_seq(0, seq)?;
        let lt = Tables::new(self).logs();
        let n = lt.n;
        let t_len = seq.len();
        let mut delta = vec![0.0; t_len * n];
        let mut psi = vec![0usize; t_len * n];
        for ((x, &p), &b) in delta.iter_mut().zip(&lt.log_pi).zip(lt.b(seq[0])) {
            *x = p + b;
        }
        for t in 1..t_len {
            let (done, rest) = delta.split_at_mut(t * n);
            viterbi_step(
                n,
                &lt.log_at,
                &done[(t - 1) * n..],
                lt.b(seq[t]),
                &mut rest[..n],
                &mut psi[t * n..(t + 1) * n],
            );
        }
        let (path, log_prob) = backtrack(n, &psi, &delta[(t_len - 1) * n..]);
        Ok(Trellis {
            delta: Array2::from_shape_vec((t_len, n), delta)
                .map_err(|e| HmmError::Shape(e.to_string()))?,
            psi: Array2::from_shape_vec((t_len, n), psi)
                .map_err(|e| HmmError::Shape(e.to_string()))?,
            path,
            log_prob,
        })
    }

    /// The forward algorithm in log space with every step kept (for a
    /// step-by-step view). Its log-likelihood equals [`Hmm::log_likelihood`].
    pub fn forward_trellis(&self, seq: &[usize]) -> Result<ForwardTrellis> {
        self.validate()?;
        self.check_seq(0, seq)?;
        let lt = Tables::new(self).logs();
        let n = lt.n;
        let la = log_forward(&lt, seq);
        let log_likelihood = logsumexp(&la[(seq.len() - 1) * n..]);
        Ok(ForwardTrellis {
            log_alpha: Array2::from_shape_vec((seq.len(), n), la)
                .map_err(|e| HmmError::Shape(e.to_string()))?,
            log_likelihood,
        })
    }

    /// Baum–Welch (EM) from this model. Returns the fitted model and the
    /// history of total log-likelihoods, one per iteration, each of the model
    /// BEFORE that iteration's update (hmmlearn's `monitor_.history`), each
    /// also sent to `progress.report(iter, n_iter, "log-likelihood", ll)`.
    /// Stops after `n_iter` iterations or when the gain over the previous
    /// iteration is `< tol` (hmmlearn's rule; its defaults are `n_iter = 10`,
    /// `tol = 1e-2`; a `tol` of `-inf` runs all iterations).
    ///
    /// Errors: invalid model, `n_iter = 0`, NaN `tol`, no/empty sequences, a
    /// symbol out of range, a sequence of probability 0 under the current
    /// model, cancellation.
    pub fn baum_welch(
        &self,
        seqs: &[Vec<usize>],
        n_iter: usize,
        tol: f64,
        progress: &mut Progress<'_>,
    ) -> Result<(Hmm, Vec<f64>)> {
        self.validate()?;
        if n_iter == 0 {
            return Err(HmmError::InvalidParam {
                name: "n_iter",
                message: "must be >= 1, got 0".into(),
            });
        }
        if tol.is_nan() {
            return Err(HmmError::InvalidParam {
                name: "tol",
                message: "must be a number, got NaN".into(),
            });
        }
        self.check_seqs(seqs)?;
        let n = self.n_states();
        let m = self.n_symbols();
        let mut model = self.clone();
        let mut history: Vec<f64> = Vec::with_capacity(n_iter);
        let mut w = Work::new(n);
        for iter in 1..=n_iter {
            let tb = Tables::new(&model);
            let lt = tb.logs();
            let mut stats = Stats::new(n, m);
            for (k, seq) in seqs.iter().enumerate() {
                accumulate(&tb, &lt, k, seq, &mut w, &mut stats)?;
            }
            // M-step.
            let mut pi: Vec<f64> = model.startprob.iter().copied().collect();
            normalise_into(&mut pi, &stats.start);
            let mut a: Vec<f64> = model.transmat.iter().copied().collect();
            for (row, counts) in a.chunks_exact_mut(n).zip(stats.trans.chunks_exact(n)) {
                normalise_into(row, counts);
            }
            let mut b: Vec<f64> = model.emissionprob.iter().copied().collect();
            for (row, counts) in b.chunks_exact_mut(m).zip(stats.obs.chunks_exact(m)) {
                normalise_into(row, counts);
            }
            model = Hmm {
                startprob: Array1::from(pi),
                transmat: Array2::from_shape_vec((n, n), a)
                    .map_err(|e| HmmError::Shape(e.to_string()))?,
                emissionprob: Array2::from_shape_vec((n, m), b)
                    .map_err(|e| HmmError::Shape(e.to_string()))?,
            };
            let ll = stats.log_likelihood;
            history.push(ll);
            progress.report(iter, n_iter, "log-likelihood", ll)?;
            if let [.., before, last] = history.as_slice() {
                if last - before < tol {
                    break;
                }
            }
        }
        Ok((model, history))
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

/// `out = normalise(alpha * beta)`.
#[inline]
fn fill_gamma(alpha: &[f64], beta: &[f64], out: &mut [f64]) {
    let mut sum = 0.0;
    for ((o, &a), &b) in out.iter_mut().zip(alpha).zip(beta) {
        *o = a * b;
        sum += *o;
    }
    if sum > 0.0 {
        let inv = 1.0 / sum;
        out.iter_mut().for_each(|o| *o *= inv);
    }
}

/// Supervised estimate from labelled sequences: counts of start states,
/// transitions and emissions, each plus `smoothing` (additive / Laplace
/// smoothing; 0 = maximum likelihood), normalised per row. A row with no
/// count at all (a state never seen, smoothing 0) is uniform.
///
/// Errors: no sequences, an empty sequence, `obs[k]` and `states[k]` of
/// different lengths, a symbol `>= n_symbols` or state `>= n_states`,
/// `n_states` or `n_symbols` of 0, a negative or non-finite `smoothing`.
pub fn fit_supervised(
    seqs_obs: &[Vec<usize>],
    seqs_states: &[Vec<usize>],
    n_states: usize,
    n_symbols: usize,
    smoothing: f64,
) -> Result<Hmm> {
    if !(smoothing.is_finite() && smoothing >= 0.0) {
        return Err(HmmError::InvalidParam {
            name: "smoothing",
            message: format!("must be a finite number >= 0, got {smoothing}"),
        });
    }
    if n_states == 0 || n_symbols == 0 {
        return Err(HmmError::InvalidParam {
            name: if n_states == 0 {
                "n_states"
            } else {
                "n_symbols"
            },
            message: "must be >= 1, got 0".into(),
        });
    }
    if seqs_obs.is_empty() {
        return Err(HmmError::NoSequences);
    }
    if seqs_obs.len() != seqs_states.len() {
        return Err(HmmError::Shape(format!(
            "{} observation sequences but {} state sequences",
            seqs_obs.len(),
            seqs_states.len()
        )));
    }
    let (n, m) = (n_states, n_symbols);
    let mut start = vec![smoothing; n];
    let mut trans = vec![smoothing; n * n];
    let mut emit = vec![smoothing; n * m];
    for (k, (obs, states)) in seqs_obs.iter().zip(seqs_states).enumerate() {
        if obs.is_empty() {
            return Err(HmmError::EmptySequence { seq: k });
        }
        if obs.len() != states.len() {
            return Err(HmmError::Shape(format!(
                "sequence {k}: {} observations but {} states",
                obs.len(),
                states.len()
            )));
        }
        for (pos, (&o, &z)) in obs.iter().zip(states).enumerate() {
            if o >= m {
                return Err(HmmError::SymbolOutOfRange {
                    seq: k,
                    pos,
                    symbol: o,
                    n_symbols: m,
                });
            }
            if z >= n {
                return Err(HmmError::StateOutOfRange {
                    seq: k,
                    pos,
                    state: z,
                    n_states: n,
                });
            }
            if pos == 0 {
                start[z] += 1.0;
            } else {
                trans[states[pos - 1] * n + z] += 1.0;
            }
            emit[z * m + o] += 1.0;
        }
    }
    fn norm(row: &mut [f64]) {
        let s: f64 = row.iter().sum();
        let len = row.len() as f64;
        for v in row.iter_mut() {
            *v = if s > 0.0 { *v / s } else { 1.0 / len };
        }
    }
    norm(&mut start);
    trans.chunks_exact_mut(n).for_each(norm);
    emit.chunks_exact_mut(m).for_each(norm);
    Hmm::new(
        Array1::from(start),
        Array2::from_shape_vec((n, n), trans).map_err(|e| HmmError::Shape(e.to_string()))?,
        Array2::from_shape_vec((n, m), emit).map_err(|e| HmmError::Shape(e.to_string()))?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn casino() -> Hmm {
        Hmm::new(
            array![0.5, 0.5],
            array![[0.95, 0.05], [0.1, 0.9]],
            array![
                [
                    1.0 / 6.0,
                    1.0 / 6.0,
                    1.0 / 6.0,
                    1.0 / 6.0,
                    1.0 / 6.0,
                    1.0 / 6.0
                ],
                [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]
            ],
        )
        .unwrap()
    }

    /// Random valid model with entries bounded away from 0.
    fn random_model(n: usize, m: usize, seed: u64) -> Hmm {
        let mut r = rng(seed);
        let mut row = |k: usize| -> Vec<f64> {
            let v: Vec<f64> = (0..k).map(|_| r.gen_range(0.05..1.0)).collect();
            let s: f64 = v.iter().sum();
            v.into_iter().map(|x| x / s).collect()
        };
        let pi = row(n);
        let a: Vec<f64> = (0..n).flat_map(|_| row(n)).collect();
        let b: Vec<f64> = (0..n).flat_map(|_| row(m)).collect();
        Hmm::new(
            Array1::from(pi),
            Array2::from_shape_vec((n, n), a).unwrap(),
            Array2::from_shape_vec((n, m), b).unwrap(),
        )
        .unwrap()
    }

    /// Brute force over all paths: (log P(O), best path, its log-prob).
    fn brute(h: &Hmm, seq: &[usize]) -> (f64, Vec<usize>, f64) {
        let n = h.n_states();
        let t_len = seq.len();
        let mut total = 0.0;
        let mut best = (f64::NEG_INFINITY, vec![]);
        for code in 0..n.pow(t_len as u32) {
            let mut path = vec![0; t_len];
            let mut c = code;
            for p in path.iter_mut() {
                *p = c % n;
                c /= n;
            }
            let mut pr = h.startprob[path[0]] * h.emissionprob[[path[0], seq[0]]];
            for t in 1..t_len {
                pr *= h.transmat[[path[t - 1], path[t]]] * h.emissionprob[[path[t], seq[t]]];
            }
            total += pr;
            if pr.ln() > best.0 {
                best = (pr.ln(), path);
            }
        }
        (total.ln(), best.1, best.0)
    }

    #[test]
    fn matches_brute_force() {
        for seed in 0..20 {
            let h = random_model(3, 4, seed);
            let (_, obs) = h.sample(6, seed + 100).unwrap();
            let (ll, path, lp) = brute(&h, &obs);
            let ours = h.log_likelihood(std::slice::from_ref(&obs)).unwrap();
            assert!((ours - ll).abs() < 1e-10, "{ours} vs {ll}");
            let (vp, vlp) = h.viterbi(&obs).unwrap();
            assert_eq!(vp, path);
            assert!((vlp - lp).abs() < 1e-10);
            let ft = h.forward_trellis(&obs).unwrap();
            assert!((ft.log_likelihood - ll).abs() < 1e-10);
            let tr = h.viterbi_trellis(&obs).unwrap();
            assert_eq!(tr.path, vp);
            assert_eq!(tr.log_prob, vlp);
        }
    }

    #[test]
    fn posteriors_sum_to_one_and_match_forward_backward() {
        let h = random_model(4, 5, 3);
        let (_, obs) = h.sample(50, 9).unwrap();
        let p = h.posteriors(&obs).unwrap();
        for r in p.rows() {
            assert!((r.sum() - 1.0).abs() < 1e-12);
        }
        let f = h.forward(&obs).unwrap();
        let b = h.backward(&obs, &f).unwrap();
        let g = &f.alpha * &b;
        for (x, y) in g.iter().zip(p.iter()) {
            assert!((x - y).abs() < 1e-12);
        }
        assert!(
            (f.log_likelihood - h.log_likelihood(std::slice::from_ref(&obs)).unwrap()).abs()
                < 1e-12
        );
        // Brute-force posterior at t = 2 on a short prefix.
        let short = &obs[..5];
        let ps = h.posteriors(short).unwrap();
        let n = h.n_states();
        let mut marg = vec![0.0; n];
        for code in 0..n.pow(5) {
            let mut path = [0; 5];
            let mut c = code;
            for q in path.iter_mut() {
                *q = c % n;
                c /= n;
            }
            let mut pr = h.startprob[path[0]] * h.emissionprob[[path[0], short[0]]];
            for t in 1..5 {
                pr *= h.transmat[[path[t - 1], path[t]]] * h.emissionprob[[path[t], short[t]]];
            }
            marg[path[2]] += pr;
        }
        let s: f64 = marg.iter().sum();
        for i in 0..n {
            assert!((ps[[2, i]] - marg[i] / s).abs() < 1e-12);
        }
    }

    #[test]
    fn long_sequence_is_stable() {
        let h = casino();
        let (_, obs) = h.sample(1_000_000, 1).unwrap();
        let ll = h.log_likelihood(std::slice::from_ref(&obs)).unwrap();
        assert!(ll.is_finite() && ll < 0.0);
        // Per-step average close to the entropy rate (between ln(1/6) and ~ln(1/4)).
        let per = ll / 1e6;
        assert!(per < -1.5 && per > -1.9, "{per}");
        let (path, lp) = h.viterbi(&obs).unwrap();
        assert_eq!(path.len(), 1_000_000);
        assert!(lp.is_finite() && lp < ll);
    }

    #[test]
    fn underflow_falls_back_to_log_space() {
        // Emission probabilities of 1e-200: two steps underflow the scaled pass.
        let h = Hmm::new(
            array![1.0, 0.0],
            array![[0.5, 0.5], [0.5, 0.5]],
            array![[1.0 - 1e-200, 1e-200], [1.0 - 1e-200, 1e-200]],
        )
        .unwrap();
        let seq = vec![1, 1, 1, 0];
        let ll = h.log_likelihood(std::slice::from_ref(&seq)).unwrap();
        assert!((ll - 3.0 * (1e-200f64).ln()).abs() < 1e-9, "{ll}");
        let f = h.forward(&seq).unwrap();
        assert!((f.log_likelihood - ll).abs() < 1e-9);
        let p = h.posteriors(&seq).unwrap();
        assert!((p[[0, 0]] - 1.0).abs() < 1e-12);
        assert!((p[[2, 1]] - 0.5).abs() < 1e-12);
        let b = h.backward(&seq, &f).unwrap();
        let g = &f.alpha * &b;
        for (x, y) in g.iter().zip(p.iter()) {
            assert!((x - y).abs() < 1e-9);
        }
    }

    #[test]
    fn impossible_sequence() {
        let h = Hmm::new(
            array![1.0, 0.0],
            array![[1.0, 0.0], [0.0, 1.0]],
            array![[1.0, 0.0], [0.0, 1.0]],
        )
        .unwrap();
        let seq = vec![0, 0, 1];
        assert_eq!(
            h.log_likelihood(std::slice::from_ref(&seq)).unwrap(),
            f64::NEG_INFINITY
        );
        assert_eq!(
            h.posteriors(&seq).unwrap_err(),
            HmmError::ZeroProbability { seq: 0, pos: 2 }
        );
        assert_eq!(
            h.forward(&seq).unwrap_err(),
            HmmError::ZeroProbability { seq: 0, pos: 2 }
        );
        let err = h
            .baum_welch(&[vec![0], seq], 5, 0.0, &mut Progress::none())
            .unwrap_err();
        assert_eq!(err, HmmError::ZeroProbability { seq: 1, pos: 2 });
        let (_, lp) = h.viterbi(&[0, 0, 1]).unwrap();
        assert_eq!(lp, f64::NEG_INFINITY);
    }

    #[test]
    fn validation_messages() {
        let e = Hmm::new(
            array![0.5, 0.5],
            array![[0.9, 0.1], [0.5, 0.47]],
            array![[1.0], [1.0]],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "transmat row 1 sums to 0.97, expected 1 (within 1e-6)"
        );
        let e = Hmm::new(
            array![0.6, 0.5],
            array![[0.9, 0.1], [0.5, 0.5]],
            array![[1.0], [1.0]],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "startprob sums to 1.1, expected 1 (within 1e-6)"
        );
        let e = Hmm::new(
            array![0.5, 0.5],
            array![[0.9, 0.1], [0.5, 0.5]],
            array![[f64::NAN, 1.0], [1.0, 0.0]],
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("emissionprob row 0, entry 0: NaN"),
            "{e}"
        );
        let e = Hmm::new(array![0.5, 0.5], array![[1.0]], array![[1.0], [1.0]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "transmat is 1 x 1, expected 2 x 2 (startprob has 2 states)"
        );
        let h = casino();
        let e = h.log_likelihood(&[vec![0, 1], vec![2, 6, 1]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sequence 1, position 1: symbol 6 is out of range (the model has 6 symbols, 0..=5)"
        );
        assert_eq!(
            h.viterbi(&[]).unwrap_err(),
            HmmError::EmptySequence { seq: 0 }
        );
        assert_eq!(short_num(0.9700000000000001), "0.97");
        assert_eq!(short_num(1.0000001), "1.0000001");
        assert_eq!(short_num(2.5e-7), "2.5e-7");
    }

    #[test]
    fn baum_welch_history_never_decreases() {
        for seed in 0..40u64 {
            let n = 2 + (seed % 3) as usize;
            let m = 3 + (seed % 5) as usize;
            let truth = random_model(n, m, seed);
            let seqs: Vec<Vec<usize>> = (0..3)
                .map(|k| truth.sample(30 + 20 * k, seed * 7 + k as u64).unwrap().1)
                .collect();
            let init = random_model(n, m, seed + 1000);
            let mut seen = Vec::new();
            let mut sink = |s: crate::algos::core::Step| {
                seen.push(s.value);
                true
            };
            let (fitted, hist) = init
                .baum_welch(&seqs, 60, f64::NEG_INFINITY, &mut Progress::new(&mut sink))
                .unwrap();
            assert_eq!(hist.len(), 60);
            assert_eq!(seen, hist);
            for w in hist.windows(2) {
                assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "seed {seed}: {hist:?}");
            }
            fitted.validate().unwrap();
            let ll = fitted.log_likelihood(&seqs).unwrap();
            assert!(ll >= hist[hist.len() - 1] - 1e-9);
        }
    }

    #[test]
    fn baum_welch_stops_on_tol_and_cancels() {
        let h = casino();
        let (_, obs) = h.sample(500, 4).unwrap();
        let init = random_model(2, 6, 5);
        let (_, hist) = init
            .baum_welch(
                std::slice::from_ref(&obs),
                1000,
                1e-2,
                &mut Progress::none(),
            )
            .unwrap();
        assert!(hist.len() < 1000);
        let k = hist.len();
        assert!(hist[k - 1] - hist[k - 2] < 1e-2);
        for w in hist[..k - 1].windows(2) {
            assert!(w[1] - w[0] >= 1e-2);
        }
        let mut count = 0;
        let mut sink = |_s: crate::algos::core::Step| {
            count += 1;
            count < 3
        };
        let e = init
            .baum_welch(&[obs], 10, 0.0, &mut Progress::new(&mut sink))
            .unwrap_err();
        assert_eq!(e, HmmError::Cancelled);
    }

    #[test]
    fn lazy_scaling_matches_normalised_scaling() {
        for (n, seed) in [(2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (8, 6)] {
            let h = random_model(n, 7, seed);
            let (_, o) = h.sample(5_000, seed).unwrap();
            let tb = Tables::new(&h);
            let (mut p, mut c) = (vec![0.0; n], vec![0.0; n]);
            let a = fast_log_likelihood(&tb, &o).unwrap();
            let b = scaled_log_likelihood(&tb, &o, &mut p, &mut c).unwrap();
            assert!((a - b).abs() <= 1e-10 * b.abs(), "{a} {b}");
        }
        // Steps of probability 1e-200 are rescaled in time...
        let h = Hmm::new(
            array![1.0, 0.0],
            array![[0.5, 0.5], [0.5, 0.5]],
            array![[1.0 - 1e-200, 1e-200], [1.0 - 1e-200, 1e-200]],
        )
        .unwrap();
        let ll = fast_log_likelihood(&Tables::new(&h), &[1, 1, 1, 0]).unwrap();
        assert!((ll - 3.0 * (1e-200f64).ln()).abs() < 1e-9);
        // ... but 1e-99 then 1e-160 would fall below 1e-250: the caller falls back.
        let e = [1.0 - 1e-99 - 1e-160, 1e-99, 1e-160];
        let h = Hmm::new(
            array![0.5, 0.5],
            array![[0.5, 0.5], [0.5, 0.5]],
            array![e, e],
        )
        .unwrap();
        assert_eq!(fast_log_likelihood(&Tables::new(&h), &[1, 2, 0]), None);
        let ll = h.log_likelihood(&[vec![1, 2, 0]]).unwrap();
        assert!(
            (ll - (1e-99f64).ln() - (1e-160f64).ln()).abs() < 1e-9,
            "{ll}"
        );
    }

    #[test]
    fn log_space_e_step_matches_scaled() {
        let h = random_model(3, 4, 11);
        let seqs: Vec<Vec<usize>> = (0..3).map(|k| h.sample(40, k).unwrap().1).collect();
        let tb = Tables::new(&h);
        let lt = tb.logs();
        let mut s1 = Stats::new(3, 4);
        let mut s2 = Stats::new(3, 4);
        let mut w = Work::new(3);
        for (k, s) in seqs.iter().enumerate() {
            accumulate(&tb, &lt, k, s, &mut w, &mut s1).unwrap();
            accumulate_log(&lt, 4, k, s, &mut s2).unwrap();
        }
        assert!((s1.log_likelihood - s2.log_likelihood).abs() < 1e-9);
        for (a, b) in s1
            .start
            .iter()
            .chain(&s1.trans)
            .chain(&s1.obs)
            .zip(s2.start.iter().chain(&s2.trans).chain(&s2.obs))
        {
            assert!((a - b).abs() < 1e-9, "{a} {b}");
        }
    }

    #[test]
    fn viterbi_fixed_and_dynamic_agree_with_ties() {
        // Identical states give exact ties everywhere: hmmlearn's rule gives
        // the first state at the end and the last state elsewhere.
        let h = Hmm::new(
            array![0.25, 0.25, 0.25, 0.25],
            Array2::from_elem((4, 4), 0.25),
            Array2::from_elem((4, 3), 1.0 / 3.0),
        )
        .unwrap();
        let seq = vec![0, 1, 2, 0];
        let (p, _) = h.viterbi(&seq).unwrap();
        assert_eq!(p, vec![3, 3, 3, 0]);
        let lt = Tables::new(&h).logs();
        assert_eq!(viterbi_dyn::<u8>(&lt, &seq).0, p);
        for seed in 0..10 {
            let h = random_model(4, 5, seed);
            let (_, o) = h.sample(200, seed).unwrap();
            let lt = Tables::new(&h).logs();
            assert_eq!(viterbi_dyn::<u32>(&lt, &o), viterbi_fixed::<4, u8>(&lt, &o));
        }
    }

    #[test]
    fn supervised_fit_counts() {
        let obs = vec![vec![0, 1, 1], vec![1, 0]];
        let states = vec![vec![0, 0, 1], vec![1, 1]];
        let h = fit_supervised(&obs, &states, 2, 2, 0.0).unwrap();
        assert_eq!(h.startprob, array![0.5, 0.5]);
        assert_eq!(h.transmat, array![[0.5, 0.5], [0.0, 1.0]]);
        assert_eq!(h.emissionprob, array![[0.5, 0.5], [1.0 / 3.0, 2.0 / 3.0]]);
        let h = fit_supervised(&obs, &states, 3, 2, 1.0).unwrap();
        assert_eq!(h.startprob, array![2.0 / 5.0, 2.0 / 5.0, 1.0 / 5.0]);
        assert_eq!(h.transmat.row(2).to_vec(), vec![1.0 / 3.0; 3]);
        let e = fit_supervised(&obs, &[vec![0, 0, 5], vec![1, 1]], 2, 2, 0.0).unwrap_err();
        assert_eq!(
            e,
            HmmError::StateOutOfRange {
                seq: 0,
                pos: 2,
                state: 5,
                n_states: 2
            }
        );
    }

    #[test]
    fn sampling_is_deterministic_and_recovers_the_model() {
        let h = casino();
        let a = h.sample(100, 7).unwrap();
        assert_eq!(a, h.sample(100, 7).unwrap());
        assert_ne!(a, h.sample(100, 8).unwrap());
        let (z, o) = h.sample(200_000, 3).unwrap();
        let fit = fit_supervised(&[o], &[z], 2, 6, 0.0).unwrap();
        assert!((fit.transmat[[0, 1]] - 0.05).abs() < 0.005);
        assert!((fit.emissionprob[[1, 5]] - 0.5).abs() < 0.01);
    }
}
