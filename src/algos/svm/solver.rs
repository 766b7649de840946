//! The SMO solver of libsvm (its `Solver`): the dual
//!
//! ```text
//! min_a  ½ aᵀQa + pᵀa   s.t.  yᵀa = 0,  0 ≤ a_i ≤ C,   y_i = ±1
//! ```
//!
//! with the second-order working-set selection (WSS 3), shrinking and
//! gradient reconstruction, and the bias `rho`. C-SVC is `p = −e` with
//! `Q_ij = y_i y_j K(x_i, x_j)` ([`SvcQ`]); ε-SVR (`svr.rs`) is the same
//! solver on `2n` variables with its own rows of `Q` (libsvm's `SVR_Q`).
//! Where the rows come from is behind [`QMatrix`].

use super::cache::Cache;
use super::kernel::KData;
use crate::algos::core::AlgoError;

/// The rows of `Q` the solver reads, in the solver's current order (it
/// swaps positions when shrinking).
pub(super) trait QMatrix {
    /// Row `i` of `Q`: at least its first `len` values.
    fn row(&mut self, i: usize, len: usize) -> &[f32];
    /// Rows `i` and `j` of `Q` at once, at least `len` values each.
    fn rows2(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]);
    /// Swaps positions `i` and `j`.
    fn swap_index(&mut self, i: usize, j: usize);
}

/// C-SVC's `Q`: kernel rows times labels from [`KData`], kept in the LRU
/// [`Cache`] (libsvm's `SVC_Q`).
pub(super) struct SvcQ {
    kd: KData,
    cache: Cache,
}

impl QMatrix for SvcQ {
    #[inline]
    fn row(&mut self, i: usize, len: usize) -> &[f32] {
        self.cache.ensure(&mut self.kd, i, len);
        &self.cache.rows[i]
    }

    #[inline]
    fn rows2(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        self.cache.ensure(&mut self.kd, i, len);
        self.cache.ensure(&mut self.kd, j, len);
        if self.cache.rows[i].len() < len {
            // Cannot happen (the cache always holds two full rows); stay safe.
            self.cache.ensure(&mut self.kd, i, len);
        }
        (&self.cache.rows[i], &self.cache.rows[j])
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.cache.swap_index(i, j);
        self.kd.swap(i, j);
    }
}

const TAU: f64 = 1e-12;
const LOWER: u8 = 0;
const UPPER: u8 = 1;
const FREE: u8 = 2;

pub(super) struct Solver<Q> {
    q: Q,
    /// Labels `±1`, linear term and diagonal `Q_ii`, in the current order.
    y: Vec<i8>,
    p: Vec<f64>,
    qd: Vec<f64>,
    l: usize,
    active_size: usize,
    g: Vec<f64>,
    g_bar: Vec<f64>,
    alpha: Vec<f64>,
    status: Vec<u8>,
    active_set: Vec<usize>,
    c: f64,
    eps: f64,
    unshrink: bool,
    /// Dual objective tracked step by step (exact up to rounding even while
    /// variables are shrunk; used for the progress heartbeats).
    running_obj: f64,
}

pub(super) struct Solution {
    /// `y_i alpha_i` in the problem's original row order.
    pub(super) coef: Vec<f64>,
    pub(super) rho: f64,
    pub(super) obj: f64,
    /// The step-by-step objective (equal to `obj` up to rounding; checked
    /// by a test).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) running_obj: f64,
    pub(super) iterations: usize,
    pub(super) reached_max_iter: bool,
}

impl Solver<SvcQ> {
    /// C-SVC: `p = −e`, `alpha = 0`.
    pub(super) fn new(kd: KData, c: f64, eps: f64, cache_mb: f64) -> Solver<SvcQ> {
        let l = kd.y.len();
        let (y, qd) = (kd.y.clone(), kd.qd.clone());
        let q = SvcQ {
            cache: Cache::new(l, cache_mb),
            kd,
        };
        Solver::with_q(q, y, vec![-1.0; l], qd, c, eps)
    }
}

impl<Q: QMatrix> Solver<Q> {
    /// The problem with rows `q`, labels `y`, linear term `p` and diagonal
    /// `qd`, from `alpha = 0`.
    pub(super) fn with_q(
        q: Q,
        y: Vec<i8>,
        p: Vec<f64>,
        qd: Vec<f64>,
        c: f64,
        eps: f64,
    ) -> Solver<Q> {
        let l = y.len();
        Solver {
            q,
            y,
            // alpha = 0: G = p, G_bar = 0.
            g: p.clone(),
            p,
            qd,
            l,
            active_size: l,
            g_bar: vec![0.0; l],
            alpha: vec![0.0; l],
            status: vec![LOWER; l],
            active_set: (0..l).collect(),
            c,
            eps,
            unshrink: false,
            running_obj: 0.0,
        }
    }

    fn update_status(&mut self, i: usize) {
        self.status[i] = if self.alpha[i] >= self.c {
            UPPER
        } else if self.alpha[i] <= 0.0 {
            LOWER
        } else {
            FREE
        };
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.q.swap_index(i, j);
        self.y.swap(i, j);
        self.p.swap(i, j);
        self.qd.swap(i, j);
        self.g.swap(i, j);
        self.status.swap(i, j);
        self.alpha.swap(i, j);
        self.active_set.swap(i, j);
        self.g_bar.swap(i, j);
    }

    /// Dual objective from the gradient (libsvm's `obj`,
    /// `Σ a_i (G_i + p_i) / 2`; needs the whole gradient, i.e. nothing
    /// shrunk).
    fn objective(&self) -> f64 {
        let v: f64 = self
            .alpha
            .iter()
            .zip(&self.g)
            .zip(&self.p)
            .map(|((a, g), p)| a * (g + p))
            .sum();
        v / 2.0
    }

    fn reconstruct_gradient(&mut self) {
        let (l, active) = (self.l, self.active_size);
        if active == l {
            return;
        }
        for j in active..l {
            self.g[j] = self.g_bar[j] + self.p[j];
        }
        let nr_free = self.status[..active].iter().filter(|&&s| s == FREE).count();
        if nr_free * l > 2 * active * (l - active) {
            for i in active..l {
                let qi = &self.q.row(i, active)[..active];
                let mut add = 0.0;
                for ((&q, &st), &a) in qi.iter().zip(&self.status).zip(&self.alpha) {
                    if st == FREE {
                        add += a * f64::from(q);
                    }
                }
                self.g[i] += add;
            }
        } else {
            for i in 0..active {
                if self.status[i] == FREE {
                    let qi = &self.q.row(i, l)[active..l];
                    let ai = self.alpha[i];
                    for (gj, &q) in self.g[active..l].iter_mut().zip(qi) {
                        *gj += ai * f64::from(q);
                    }
                }
            }
        }
    }

    /// WSS 3 of Fan, Chen & Lin; None when optimal within `eps`.
    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        let active = self.active_size;
        let mut gmax = f64::NEG_INFINITY;
        let mut gmax2 = f64::NEG_INFINITY;
        let mut gmax_idx = None;
        for t in 0..active {
            if self.y[t] == 1 {
                if self.status[t] != UPPER && -self.g[t] >= gmax {
                    gmax = -self.g[t];
                    gmax_idx = Some(t);
                }
            } else if self.status[t] != LOWER && self.g[t] >= gmax {
                gmax = self.g[t];
                gmax_idx = Some(t);
            }
        }
        let i = gmax_idx?;
        let qi = &self.q.row(i, active)[..active];
        let yi = f64::from(self.y[i]);
        let qd_i = self.qd[i];
        let mut gmin_idx = None;
        let mut obj_diff_min = f64::INFINITY;
        let cols = self.y[..active]
            .iter()
            .zip(&self.status[..active])
            .zip(&self.g[..active])
            .zip(self.qd[..active].iter().zip(qi));
        for (j, (((&yj, &st), &gj), (&qd_j, &q))) in cols.enumerate() {
            let (grad_diff, quad) = if yj == 1 {
                if st == LOWER {
                    continue;
                }
                if gj >= gmax2 {
                    gmax2 = gj;
                }
                (gmax + gj, qd_i + qd_j - 2.0 * yi * f64::from(q))
            } else {
                if st == UPPER {
                    continue;
                }
                if -gj >= gmax2 {
                    gmax2 = -gj;
                }
                (gmax - gj, qd_i + qd_j + 2.0 * yi * f64::from(q))
            };
            if grad_diff > 0.0 {
                let obj_diff = if quad > 0.0 {
                    -(grad_diff * grad_diff) / quad
                } else {
                    -(grad_diff * grad_diff) / TAU
                };
                if obj_diff <= obj_diff_min {
                    gmin_idx = Some(j);
                    obj_diff_min = obj_diff;
                }
            }
        }
        let j = gmin_idx?;
        if gmax + gmax2 < self.eps {
            return None;
        }
        Some((i, j))
    }

    fn be_shrunk(&self, i: usize, gmax1: f64, gmax2: f64) -> bool {
        let pos = self.y[i] == 1;
        match self.status[i] {
            UPPER => -self.g[i] > if pos { gmax1 } else { gmax2 },
            LOWER => self.g[i] > if pos { gmax2 } else { gmax1 },
            _ => false,
        }
    }

    fn do_shrinking(&mut self) {
        let mut gmax1 = f64::NEG_INFINITY; // max { -y_i grad_i | i in I_up }
        let mut gmax2 = f64::NEG_INFINITY; // max { y_i grad_i | i in I_low }
        for i in 0..self.active_size {
            let g = self.g[i];
            let st = self.status[i];
            if self.y[i] == 1 {
                if st != UPPER && -g >= gmax1 {
                    gmax1 = -g;
                }
                if st != LOWER && g >= gmax2 {
                    gmax2 = g;
                }
            } else {
                if st != UPPER && -g >= gmax2 {
                    gmax2 = -g;
                }
                if st != LOWER && g >= gmax1 {
                    gmax1 = g;
                }
            }
        }
        if !self.unshrink && gmax1 + gmax2 <= self.eps * 10.0 {
            self.unshrink = true;
            self.reconstruct_gradient();
            self.active_size = self.l;
        }
        let mut i = 0;
        while i < self.active_size {
            if self.be_shrunk(i, gmax1, gmax2) {
                self.active_size -= 1;
                while self.active_size > i {
                    if !self.be_shrunk(self.active_size, gmax1, gmax2) {
                        self.swap_index(i, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            i += 1;
        }
    }

    fn calculate_rho(&self) -> f64 {
        let mut nr_free = 0usize;
        let (mut ub, mut lb, mut sum_free) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for i in 0..self.active_size {
            let pos = self.y[i] == 1;
            let yg = if pos { self.g[i] } else { -self.g[i] };
            match self.status[i] {
                UPPER => {
                    if pos {
                        lb = lb.max(yg);
                    } else {
                        ub = ub.min(yg);
                    }
                }
                LOWER => {
                    if pos {
                        ub = ub.min(yg);
                    } else {
                        lb = lb.max(yg);
                    }
                }
                _ => {
                    nr_free += 1;
                    sum_free += yg;
                }
            }
        }
        if nr_free > 0 {
            sum_free / nr_free as f64
        } else {
            (ub + lb) / 2.0
        }
    }

    /// The two-variable update of libsvm (bounds handled as there).
    fn update_pair(&mut self, i: usize, j: usize) {
        let active = self.active_size;
        let c = self.c;
        let qd = &self.qd;
        let (qi, qj) = self.q.rows2(i, j, active);
        let (qi, qj) = (&qi[..active], &qj[..active]);
        let alpha = &mut self.alpha;
        let g = &mut self.g;
        let (old_ai, old_aj) = (alpha[i], alpha[j]);
        let qij = f64::from(qi[j]);
        if self.y[i] != self.y[j] {
            let mut quad = qd[i] + qd[j] + 2.0 * qij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (-g[i] - g[j]) / quad;
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > 0.0 {
                // C_i - C_j = 0
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = c - diff;
                }
            } else if alpha[j] > c {
                alpha[j] = c;
                alpha[i] = c + diff;
            }
        } else {
            let mut quad = qd[i] + qd[j] - 2.0 * qij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (g[i] - g[j]) / quad;
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > c {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = sum - c;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > c {
                if alpha[j] > c {
                    alpha[j] = c;
                    alpha[i] = sum - c;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        let dai = alpha[i] - old_ai;
        let daj = alpha[j] - old_aj;
        // f(a + d) - f(a) = g·d + ½ dᵀQd over the two changed coordinates
        // (g_i, g_j are exact: i and j are active).
        self.running_obj += g[i] * dai
            + g[j] * daj
            + 0.5 * (qd[i] * dai * dai + qd[j] * daj * daj)
            + qij * dai * daj;
        for ((gk, &a), &b) in g[..active].iter_mut().zip(qi).zip(qj) {
            *gk += f64::from(a) * dai + f64::from(b) * daj;
        }

        let ui = self.status[i] == UPPER;
        let uj = self.status[j] == UPPER;
        self.update_status(i);
        self.update_status(j);
        let l = self.l;
        for (k, was_upper) in [(i, ui), (j, uj)] {
            if was_upper != (self.status[k] == UPPER) {
                let qk = &self.q.row(k, l)[..l];
                let s = if was_upper { -c } else { c };
                for (gb, &q) in self.g_bar.iter_mut().zip(qk) {
                    *gb += s * f64::from(q);
                }
            }
        }
    }

    /// libsvm's `Solver::Solve` (`C_i = C`, from `alpha = 0`).
    /// `beat(obj)` is called every 1000 iterations; false cancels.
    pub(super) fn solve(
        mut self,
        shrinking: bool,
        max_iter: usize,
        beat: &mut dyn FnMut(f64) -> bool,
    ) -> Result<Solution, AlgoError> {
        let l = self.l;
        let mut iter = 0usize;
        let mut counter = l.min(1000) + 1;
        let mut reached_max_iter = false;
        loop {
            if iter >= max_iter {
                reached_max_iter = true;
                break;
            }
            counter -= 1;
            if counter == 0 {
                counter = l.min(1000);
                if shrinking {
                    self.do_shrinking();
                }
            }
            let (i, j) = match self.select_working_set() {
                Some(p) => p,
                None => {
                    self.reconstruct_gradient();
                    self.active_size = l;
                    match self.select_working_set() {
                        Some(p) => {
                            counter = 1;
                            p
                        }
                        None => break,
                    }
                }
            };
            iter += 1;
            if iter.is_multiple_of(1000) && !beat(self.running_obj) {
                return Err(AlgoError::Cancelled);
            }
            self.update_pair(i, j);
        }
        if self.active_size < l {
            self.reconstruct_gradient();
            self.active_size = l;
        }
        let rho = self.calculate_rho();
        let obj = self.objective();
        let mut coef = vec![0.0; l];
        for k in 0..l {
            coef[self.active_set[k]] = self.alpha[k] * f64::from(self.y[k]);
        }
        Ok(Solution {
            coef,
            rho,
            obj,
            running_obj: self.running_obj,
            iterations: iter,
            reached_max_iter,
        })
    }
}
