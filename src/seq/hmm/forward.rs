//! Forward and backward passes, posteriors and the log-likelihood: scaled
//! (Rabiner's normalised alpha and beta), with lazy scaling for a few fixed
//! state counts, and a log-space fallback for sequences that underflow.

use ndarray::{Array1, Array2};

use super::{first_argmax, logsumexp, Hmm, HmmError, LogTables, Result, Tables, MIN_SUM};

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

/// Forward trellis in log space for a step-by-step view.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardTrellis {
    /// T x N, `log_alpha[[t, i]] = ln P(o_0..t, z_t = i)` (unnormalised).
    pub log_alpha: Array2<f64>,
    /// `ln P(O) = logsumexp(log_alpha[T-1])`.
    pub log_likelihood: f64,
}

/// Reusable buffers of the scaled passes.
pub(super) struct Work {
    pub(super) alpha: Vec<f64>,
    /// Normalisers c_t.
    pub(super) c: Vec<f64>,
    pub(super) beta: Vec<f64>,
    pub(super) beta_next: Vec<f64>,
    pub(super) tmp: Vec<f64>,
    pub(super) gamma: Vec<f64>,
}

impl Work {
    pub(super) fn new(n: usize) -> Work {
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
pub(super) fn scaled_forward(
    tb: &Tables,
    seq: &[usize],
    alpha: &mut Vec<f64>,
    c: &mut Vec<f64>,
) -> bool {
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
pub(super) struct LogSum {
    prod: f64,
    logs: f64,
}

impl LogSum {
    pub(super) fn new() -> LogSum {
        LogSum {
            prod: 1.0,
            logs: 0.0,
        }
    }
    #[inline(always)]
    pub(super) fn add(&mut self, c: f64) {
        let p = self.prod * c;
        if p > 1e-290 {
            self.prod = p;
        } else {
            self.logs += self.prod.ln() + c.ln();
            self.prod = 1.0;
        }
    }
    pub(super) fn value(self) -> f64 {
        self.logs + self.prod.ln()
    }
}

/// Log-likelihood by the scaled forward pass keeping two rows only; `None`
/// on underflow.
pub(super) fn scaled_log_likelihood(
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

pub(super) fn fast_log_likelihood(tb: &Tables, seq: &[usize]) -> Option<f64> {
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
pub(super) fn log_forward(lt: &LogTables, seq: &[usize]) -> Vec<f64> {
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
pub(super) fn log_backward(lt: &LogTables, seq: &[usize]) -> Vec<f64> {
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
pub(super) fn first_impossible(la: &[f64], n: usize) -> usize {
    la.chunks_exact(n)
        .position(|row| row.iter().all(|&x| x == f64::NEG_INFINITY))
        .unwrap_or(0)
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

impl Hmm {
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
}
