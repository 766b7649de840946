//! Inference on one sentence: forward–backward (scaled per position, with a
//! log-space fallback) for `log Z` and the marginals, and Viterbi decoding.

pub(super) fn log_sum_exp(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = v.clone().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Scratch buffers for one sentence's forward-backward.
///
/// Two passes compute the same quantities:
/// * [`Lattice::scaled_pass`] (used first): probabilities scaled per position,
///   `psi_t(j) = exp(e_t(j) - max_j e_t)`, `M(i, j) = exp(T(i, j) - max T)`,
///   `ah_t = (ah_{t-1} M) .* psi_t / s_t` normalised to sum 1, `bh` likewise, and
///   `log Z = sum_t (ln s_t + max e_t) + (n - 1) max T`; marginals are
///   `ah_t(j) bh_t(j)`. O(L) exponentials and one logarithm per token.
/// * [`Lattice::log_pass`] (fallback when a scale factor `s_t` is not a normal
///   positive number, i.e. the dynamic range of the weights exceeds what `f64`
///   holds): the recursions on log values, `alpha_t(j) = e_t(j) + log sum_i
///   exp(alpha_{t-1}(i) + T(i, j))`, each sum taken as `m + log sum_i exp(. - m)`
///   and, if that under- or overflows, by a full log-sum-exp.
pub(super) struct Lattice {
    pub(super) l: usize,
    /// Transition scores (L x L), their maximum, and `exp(T - max T)`.
    pub(super) trans: Vec<f64>,
    pub(super) tmax: f64,
    pub(super) exp_trans: Vec<f64>,
    /// Emission scores (n x L).
    pub(super) emit: Vec<f64>,
    /// Log pass: log alpha and log beta (n x L).
    pub(super) alpha: Vec<f64>,
    pub(super) beta: Vec<f64>,
    /// Scaled pass: psi, scaled alpha and beta (n x L), scale factors (n).
    pub(super) psi: Vec<f64>,
    pub(super) ah: Vec<f64>,
    pub(super) bh: Vec<f64>,
    pub(super) scale: Vec<f64>,
    /// Whether the last pass was the scaled one.
    pub(super) scaled: bool,
    pub(super) tmp: Vec<f64>,
}

impl Lattice {
    pub(super) fn new(l: usize, max_len: usize, trans: Vec<f64>) -> Lattice {
        let tmax = trans.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp_trans = trans.iter().map(|v| (v - tmax).exp()).collect();
        let nl = max_len * l;
        Lattice {
            l,
            trans,
            tmax,
            exp_trans,
            emit: vec![0.0; nl],
            alpha: vec![0.0; nl],
            beta: vec![0.0; nl],
            psi: vec![0.0; nl],
            ah: vec![0.0; nl],
            bh: vec![0.0; nl],
            scale: vec![0.0; max_len],
            scaled: false,
            tmp: vec![0.0; l],
        }
    }

    /// Forward-backward over the first `n` rows of `emit`; returns log Z.
    pub(super) fn run(&mut self, n: usize) -> f64 {
        match self.scaled_pass(n) {
            Some(log_z) => {
                self.scaled = true;
                log_z
            }
            None => {
                self.scaled = false;
                self.log_pass(n)
            }
        }
    }

    /// `p(y_t = y | x)` after [`Lattice::run`].
    pub(super) fn marginals_at(&self, t: usize, log_z: f64, out: &mut [f64]) {
        let l = self.l;
        let r = t * l..(t + 1) * l;
        if self.scaled {
            for ((o, a), b) in out.iter_mut().zip(&self.ah[r.clone()]).zip(&self.bh[r]) {
                *o = a * b;
            }
        } else {
            for ((o, a), b) in out
                .iter_mut()
                .zip(&self.alpha[r.clone()])
                .zip(&self.beta[r])
            {
                *o = (a + b - log_z).exp();
            }
        }
    }

    /// The scaled pass; `None` if a scale factor is not a normal positive number.
    pub(super) fn scaled_pass(&mut self, n: usize) -> Option<f64> {
        let l = self.l;
        if !self.tmax.is_finite() {
            return None;
        }
        let mut log_z = (n as f64 - 1.0) * self.tmax;
        for t in 0..n {
            let e = &self.emit[t * l..(t + 1) * l];
            let m = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !m.is_finite() {
                return None;
            }
            log_z += m;
            let psi = &mut self.psi[t * l..(t + 1) * l];
            for (p, &ev) in psi.iter_mut().zip(e) {
                *p = (ev - m).exp();
            }
            let (before, rest) = self.ah.split_at_mut(t * l);
            let cur = &mut rest[..l];
            if t == 0 {
                cur.copy_from_slice(psi);
            } else {
                let prev = &before[(t - 1) * l..];
                cur.fill(0.0);
                for (i, &a) in prev.iter().enumerate() {
                    let row = &self.exp_trans[i * l..(i + 1) * l];
                    for (c, &mv) in cur.iter_mut().zip(row) {
                        *c += a * mv;
                    }
                }
                for (c, &p) in cur.iter_mut().zip(psi.iter()) {
                    *c *= p;
                }
            }
            let s: f64 = cur.iter().sum();
            if !s.is_normal() {
                return None;
            }
            let inv = 1.0 / s;
            for c in cur.iter_mut() {
                *c *= inv;
            }
            self.scale[t] = s;
            log_z += s.ln();
        }
        self.bh[(n - 1) * l..n * l].fill(1.0);
        for t in (0..n.saturating_sub(1)).rev() {
            let (head, next) = self.bh.split_at_mut((t + 1) * l);
            let cur = &mut head[t * l..];
            let next = &next[..l];
            let psi = &self.psi[(t + 1) * l..(t + 2) * l];
            let inv = 1.0 / self.scale[t + 1];
            for ((v, &p), &b) in self.tmp.iter_mut().zip(psi).zip(next) {
                *v = p * b * inv;
            }
            for (i, c) in cur.iter_mut().enumerate() {
                let row = &self.exp_trans[i * l..(i + 1) * l];
                *c = row.iter().zip(&self.tmp).map(|(a, b)| a * b).sum();
            }
            if cur.iter().any(|v| !v.is_finite()) {
                return None;
            }
        }
        Some(log_z)
    }

    /// The log-space pass (see the type docs); fills alpha and beta, returns log Z.
    pub(super) fn log_pass(&mut self, n: usize) -> f64 {
        let l = self.l;
        let tmax = self.tmax;
        self.alpha[..l].copy_from_slice(&self.emit[..l]);
        for t in 1..n {
            let (prev, cur) = self.alpha[(t - 1) * l..(t + 1) * l].split_at_mut(l);
            let m = prev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (u, &p) in self.tmp.iter_mut().zip(prev.iter()) {
                *u = (p - m).exp();
            }
            let emit = &self.emit[t * l..(t + 1) * l];
            for j in 0..l {
                let mut s = 0.0;
                for i in 0..l {
                    s += self.tmp[i] * self.exp_trans[i * l + j];
                }
                cur[j] = emit[j]
                    + if s.is_normal() && tmax.is_finite() {
                        m + tmax + s.ln()
                    } else {
                        log_sum_exp((0..l).map(|i| prev[i] + self.trans[i * l + j]))
                    };
            }
        }
        let last = &self.alpha[(n - 1) * l..n * l];
        let log_z = log_sum_exp(last.iter().copied());
        self.beta[(n - 1) * l..n * l].fill(0.0);
        for t in (0..n.saturating_sub(1)).rev() {
            let (cur, next) = self.beta[t * l..(t + 2) * l].split_at_mut(l);
            let emit = &self.emit[(t + 1) * l..(t + 2) * l];
            let mut m = f64::NEG_INFINITY;
            for j in 0..l {
                m = m.max(emit[j] + next[j]);
            }
            for j in 0..l {
                self.tmp[j] = (emit[j] + next[j] - m).exp();
            }
            for (i, c) in cur.iter_mut().enumerate() {
                let row = &self.exp_trans[i * l..(i + 1) * l];
                let s: f64 = row.iter().zip(&self.tmp).map(|(a, b)| a * b).sum();
                *c = if s.is_normal() && tmax.is_finite() {
                    m + tmax + s.ln()
                } else {
                    log_sum_exp((0..l).map(|j| self.trans[i * l + j] + emit[j] + next[j]))
                };
            }
        }
        log_z
    }

    /// Adds `p(y_{t-1} = i, y_t = j | x)` for every transition feature `(i, j)`
    /// (`pairs`) into `g` (after [`Lattice::run`]; `t >= 1`). `v` is scratch.
    pub(super) fn add_pair_marginals(
        &self,
        t: usize,
        log_z: f64,
        pairs: &[(u16, u16)],
        v: &mut [f64],
        g: &mut [f64],
    ) {
        let l = self.l;
        if self.scaled {
            // ah_{t-1}(i) M(i, j) psi_t(j) bh_t(j) / s_t
            let prev = &self.ah[(t - 1) * l..t * l];
            let inv = 1.0 / self.scale[t];
            let (psi, b) = (&self.psi[t * l..(t + 1) * l], &self.bh[t * l..(t + 1) * l]);
            for ((vj, &p), &bj) in v.iter_mut().zip(psi).zip(b) {
                *vj = p * bj * inv;
            }
            for (gk, &(i, j)) in g.iter_mut().zip(pairs) {
                let (i, j) = (i as usize, j as usize);
                *gk += prev[i] * self.exp_trans[i * l + j] * v[j];
            }
        } else {
            let prev = &self.alpha[(t - 1) * l..t * l];
            let (e, b) = (
                &self.emit[t * l..(t + 1) * l],
                &self.beta[t * l..(t + 1) * l],
            );
            for (gk, &(i, j)) in g.iter_mut().zip(pairs) {
                let (i, j) = (i as usize, j as usize);
                *gk += (prev[i] + self.trans[i * l + j] + e[j] + b[j] - log_z).exp();
            }
        }
    }
}

/// The highest-scoring label path (max-sum Viterbi) of one sentence of `n`
/// tokens: emission scores `e` (n x L), transition scores `trans` (L x L);
/// ties go to the lower label index. Empty for `n = 0`.
pub(super) fn viterbi(e: &[f64], trans: &[f64], n: usize, l: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mut delta = e[..l].to_vec();
    let mut next = vec![0.0; l];
    let mut back = vec![0usize; n * l];
    for t in 1..n {
        for j in 0..l {
            let mut best = 0;
            let mut best_v = f64::NEG_INFINITY;
            for (i, &d) in delta.iter().enumerate() {
                let v = d + trans[i * l + j];
                if v > best_v {
                    best_v = v;
                    best = i;
                }
            }
            next[j] = best_v + e[t * l + j];
            back[t * l + j] = best;
        }
        std::mem::swap(&mut delta, &mut next);
    }
    let mut y = 0;
    let mut best_v = f64::NEG_INFINITY;
    for (j, &d) in delta.iter().enumerate() {
        if d > best_v {
            best_v = d;
            y = j;
        }
    }
    let mut path = vec![0; n];
    for t in (0..n).rev() {
        path[t] = y;
        y = back[t * l + y];
    }
    path
}
