//! Viterbi decoding in log space with hmmlearn's tie rules: back-pointers
//! stored in the smallest integer type that holds N, fixed-length loops for
//! small N, and the whole trellis for a step-by-step view.

use ndarray::Array2;

use super::{first_argmax, Hmm, HmmError, LogTables, Result, Tables};

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

/// Storage for Viterbi back-pointers: the smallest unsigned type that holds N.
pub(super) trait PsiIndex: Copy + Default {
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

pub(super) fn viterbi_dyn<P: PsiIndex>(lt: &LogTables, seq: &[usize]) -> (Vec<usize>, f64) {
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

pub(super) fn viterbi_fixed<const N: usize, P: PsiIndex>(
    lt: &LogTables,
    seq: &[usize],
) -> (Vec<usize>, f64) {
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

impl Hmm {
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
}
