//! Learning: supervised counts ([`fit_supervised`]) and Baum–Welch
//! ([`Hmm::baum_welch`]), whose E-step reuses the scaled passes of `forward`
//! (log space on underflow).

use ndarray::{Array1, Array2};

use super::forward::{first_impossible, log_backward, log_forward, scaled_forward, LogSum, Work};
use super::{logsumexp, Hmm, HmmError, LogTables, Result, Tables};
use crate::algos::core::Progress;

/// Expected counts gathered by the E-step.
pub(super) struct Stats {
    pub(super) start: Vec<f64>,
    pub(super) trans: Vec<f64>,
    /// N x M row-major.
    pub(super) obs: Vec<f64>,
    pub(super) log_likelihood: f64,
}

impl Stats {
    pub(super) fn new(n: usize, m: usize) -> Stats {
        Stats {
            start: vec![0.0; n],
            trans: vec![0.0; n * n],
            obs: vec![0.0; n * m],
            log_likelihood: 0.0,
        }
    }
}

/// Adds one sequence's expected counts to `stats` (scaled passes, log space
/// on underflow).
pub(super) fn accumulate(
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
pub(super) fn accumulate_log(
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
