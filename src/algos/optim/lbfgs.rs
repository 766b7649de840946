//! Limited-memory BFGS for smooth unconstrained minimisation, shared by every
//! model trained by L-BFGS (logistic regression, the linear-chain CRF).
//!
//! [`minimize`] minimises `f: R^n -> R` from a start point, given a closure that
//! writes the gradient at `x` and returns `f(x)`, and calls a per-iteration
//! callback (progress reporting; returning an error, e.g.
//! [`AlgoError::Cancelled`], stops the run and is passed on).
//!
//! # Algorithm
//! * **Direction**: the two-loop recursion (Nocedal & Wright, *Numerical
//!   Optimization*, 2nd ed., Alg. 7.4 and 7.5; Liu & Nocedal 1989) over the last
//!   `memory` pairs `s = x_{k+1} - x_k`, `y = g_{k+1} - g_k`, with
//!   `H_0 = (s.y / y.y) I` from the newest pair. Pairs with `s.y <= eps * y.y` are
//!   skipped (L-BFGS-B's rule).
//! * **Line search**: Moré & Thuente (1994, ACM TOMS 20(3)), a port of MINPACK-2
//!   `dcsrch`/`dcstep` as used by L-BFGS-B. On success the step satisfies the
//!   strong Wolfe conditions with the constants of [`LineSearchOptions`]; when the
//!   search can only warn (rounding, interval too small) its last point is
//!   accepted if it lowers the objective, as L-BFGS-B does. At most
//!   `line_search.max_evals` evaluations per search. The first step of a fresh
//!   memory is `1 / ||d||`, later ones 1 (as in L-BFGS-B and libLBFGS). A step
//!   that makes `f` or its slope non-finite is pulled back towards the best
//!   point so far.
//! * **Failures**: a failed line search empties the memory and retries from
//!   steepest descent; a failure from steepest descent ends the run (stop reason
//!   [`Stop::LineSearch`], the last accepted point is returned, not an error).
//!
//! # Stopping (the first test that holds)
//! Before each iteration (so also at the start point):
//! 1. `max_i |g_i| <= gtol` (scipy's `pgtol`) → [`Stop::Gradient`];
//! 2. `||g||_2 / max(1, ||x||_2) <= epsilon` (libLBFGS's `epsilon`) →
//!    [`Stop::Epsilon`].
//!
//! After iteration `k` (the callback runs first):
//! 3. `(f_{k-1} - f_k) / max(|f_{k-1}|, |f_k|, 1) <= ftol` (scipy's `factr * eps`;
//!    scikit-learn uses `64 eps`) → [`Stop::Ftol`];
//! 4. if `past > 0` and `k >= past`: `(f_{k-past} - f_k) / |f_k| < delta`
//!    (libLBFGS's `past`/`delta`, CRFsuite's `period`/`delta`) → [`Stop::Delta`];
//! 5. `k == max_iter` (iterations, not evaluations) → [`Stop::MaxIter`].
//!
//! A non-finite objective at the start point is an error.
//!
//! # Presets
//! [`Options::default`] (and [`LineSearchOptions::MINPACK2`]) are scipy's
//! L-BFGS-B constants as scikit-learn uses them; [`Options::crfsuite`] (with
//! [`LineSearchOptions::LIBLBFGS`]) those of CRFsuite's libLBFGS. The two
//! implementations differ in details (libLBFGS stores every pair, its Moré–Thuente
//! is the original MINPACK `cstep`), so runs follow close, not identical, paths.

use crate::algos::core::AlgoError;

/// Largest accepted memory (pairs kept); more only costs memory.
pub const MAX_MEMORY: usize = 1000;

/// Upper bound on a line-search step.
const LS_STPMAX: f64 = 1e10;

/// Constants of the Moré–Thuente line search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineSearchOptions {
    /// Sufficient decrease: `f(a) <= f(0) + ftol a f'(0)` (0 < ftol < gtol).
    pub ftol: f64,
    /// Curvature: `|f'(a)| <= gtol |f'(0)|` (ftol < gtol < 1).
    pub gtol: f64,
    /// Relative width of the bracketing interval below which the search stops.
    pub xtol: f64,
    /// Evaluations allowed per line search (>= 1).
    pub max_evals: usize,
}

impl LineSearchOptions {
    /// L-BFGS-B (scipy) with scikit-learn's `maxls = 50`.
    pub const MINPACK2: LineSearchOptions = LineSearchOptions {
        ftol: 1e-3,
        gtol: 0.9,
        xtol: 0.1,
        max_evals: 50,
    };
    /// libLBFGS's defaults with CRFsuite's `max_linesearch = 20`.
    pub const LIBLBFGS: LineSearchOptions = LineSearchOptions {
        ftol: 1e-4,
        gtol: 0.9,
        xtol: 1e-16,
        max_evals: 20,
    };
}

impl Default for LineSearchOptions {
    fn default() -> Self {
        LineSearchOptions::MINPACK2
    }
}

/// Settings of [`minimize`]; see the module docs for the stopping tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Correction pairs kept (1..=[`MAX_MEMORY`]).
    pub memory: usize,
    /// Maximum number of iterations (>= 1).
    pub max_iter: usize,
    /// Stop when `max_i |g_i| <= gtol` (>= 0).
    pub gtol: f64,
    /// Stop when the relative decrease of one iteration is `<= ftol` (>= 0).
    pub ftol: f64,
    /// Stop when `||g|| / max(1, ||x||) <= epsilon` (>= 0; 0 = only at g = 0).
    pub epsilon: f64,
    /// Window of the `delta` test in iterations; 0 turns it off.
    pub past: usize,
    /// Stop when `(f_{k-past} - f_k) / |f_k| < delta` (>= 0).
    pub delta: f64,
    pub line_search: LineSearchOptions,
}

impl Default for Options {
    /// scikit-learn's L-BFGS: memory 10, 1000 iterations, `gtol = 1e-6`
    /// (stricter than scikit-learn's `tol = 1e-4`), `ftol = 64 eps`, no
    /// `epsilon`/`delta` tests, MINPACK-2 line search.
    fn default() -> Self {
        Options {
            memory: 10,
            max_iter: 1000,
            gtol: 1e-6,
            ftol: 64.0 * f64::EPSILON,
            epsilon: 0.0,
            past: 0,
            delta: 0.0,
            line_search: LineSearchOptions::MINPACK2,
        }
    }
}

impl Options {
    /// CRFsuite's L-BFGS defaults (`num_memories = 6`, `epsilon = 1e-5`,
    /// `period = 10`, `delta = 1e-5`, `max_linesearch = 20`, libLBFGS line-search
    /// constants). The `gtol` and `ftol` tests are off (0), as in libLBFGS.
    pub fn crfsuite(max_iter: usize) -> Options {
        Options {
            memory: 6,
            max_iter,
            gtol: 0.0,
            ftol: 0.0,
            epsilon: 1e-5,
            past: 10,
            delta: 1e-5,
            line_search: LineSearchOptions::LIBLBFGS,
        }
    }

    /// Validates every range (the error names the field).
    pub fn check(&self) -> Result<(), AlgoError> {
        if self.memory == 0 || self.memory > MAX_MEMORY {
            return Err(AlgoError::param(
                "memory",
                format!("must be in 1..={MAX_MEMORY}, got {}", self.memory),
            ));
        }
        if self.max_iter == 0 {
            return Err(AlgoError::param("max_iter", "must be >= 1, got 0"));
        }
        for (name, v) in [
            ("gtol", self.gtol),
            ("ftol", self.ftol),
            ("epsilon", self.epsilon),
            ("delta", self.delta),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(AlgoError::param(
                    name,
                    format!("must be a finite number >= 0, got {v}"),
                ));
            }
        }
        let ls = &self.line_search;
        if !(ls.ftol > 0.0 && ls.ftol < ls.gtol && ls.gtol < 1.0) {
            return Err(AlgoError::param(
                "line_search",
                format!(
                    "needs 0 < ftol < gtol < 1, got ftol = {}, gtol = {}",
                    ls.ftol, ls.gtol
                ),
            ));
        }
        if !(ls.xtol.is_finite() && ls.xtol >= 0.0) || ls.max_evals == 0 {
            return Err(AlgoError::param(
                "line_search",
                format!(
                    "needs xtol >= 0 and max_evals >= 1, got xtol = {}, max_evals = {}",
                    ls.xtol, ls.max_evals
                ),
            ));
        }
        Ok(())
    }
}

/// Why [`minimize`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `max |g_i| <= gtol`.
    Gradient,
    /// `||g|| / max(1, ||x||) <= epsilon`.
    Epsilon,
    /// One iteration's relative decrease `<= ftol`.
    Ftol,
    /// The relative decrease over `past` iterations `< delta`.
    Delta,
    /// `max_iter` iterations done.
    MaxIter,
    /// No acceptable step even along steepest descent (numerical limit).
    LineSearch,
}

/// The state after one iteration, handed to the callback.
#[derive(Debug, Clone, Copy)]
pub struct Iteration<'a> {
    /// 1-based iteration just finished.
    pub iter: usize,
    /// Objective at `x`.
    pub f: f64,
    pub x: &'a [f64],
    pub g: &'a [f64],
    /// Objective evaluations so far (the start point included).
    pub evaluations: usize,
}

/// The result of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The last accepted point.
    pub x: Vec<f64>,
    /// `f(x)`.
    pub f: f64,
    /// The gradient at `x`.
    pub g: Vec<f64>,
    /// Iterations done.
    pub iterations: usize,
    /// Objective evaluations (the start point included).
    pub evaluations: usize,
    pub stop: Stop,
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(u, v)| u * v).sum()
}

pub(crate) fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum LsTask {
    /// Evaluate f and f' at the new `stp`.
    Fg,
    /// Sufficient decrease and curvature conditions hold.
    Conv,
    /// No progress possible (rounding, xtol, bounds); `stp` is the last point.
    Warn,
}

/// State of `dcsrch` after its START call.
struct Dcsrch {
    gtol: f64,
    xtol: f64,
    stpmin: f64,
    stpmax: f64,
    brackt: bool,
    stage: u8,
    finit: f64,
    ginit: f64,
    gtest: f64,
    width: f64,
    width1: f64,
    stx: f64,
    fx: f64,
    gx: f64,
    sty: f64,
    fy: f64,
    gy: f64,
    stmin: f64,
    stmax: f64,
}

impl Dcsrch {
    /// The START call: `f`, `g` are the value and derivative at step 0
    /// (`g < 0`), `stp` the first trial step.
    fn start(stp: f64, f: f64, g: f64, opts: &LineSearchOptions) -> Dcsrch {
        let (stpmin, stpmax) = (0.0, LS_STPMAX);
        let width = stpmax - stpmin;
        Dcsrch {
            gtol: opts.gtol,
            xtol: opts.xtol,
            stpmin,
            stpmax,
            brackt: false,
            stage: 1,
            finit: f,
            ginit: g,
            gtest: opts.ftol * g,
            width,
            width1: width / 0.5,
            stx: 0.0,
            fx: f,
            gx: g,
            sty: 0.0,
            fy: f,
            gy: g,
            stmin: 0.0,
            stmax: stp + 4.0 * stp,
        }
    }

    /// One dcsrch call with f and f' at `stp`; updates `stp` to the next trial.
    fn iterate(&mut self, stp: &mut f64, f: f64, g: f64) -> LsTask {
        const P5: f64 = 0.5;
        const P66: f64 = 0.66;
        const XTRAPL: f64 = 1.1;
        const XTRAPU: f64 = 4.0;
        let ftest = self.finit + *stp * self.gtest;
        if self.stage == 1 && f <= ftest && g >= 0.0 {
            self.stage = 2;
        }
        let mut warn = false;
        if self.brackt && (*stp <= self.stmin || *stp >= self.stmax) {
            warn = true; // rounding errors prevent progress
        }
        if self.brackt && self.stmax - self.stmin <= self.xtol * self.stmax {
            warn = true; // xtol test satisfied
        }
        if *stp == self.stpmax && f <= ftest && g <= self.gtest {
            warn = true; // stp = stpmax
        }
        if *stp == self.stpmin && (f > ftest || g >= self.gtest) {
            warn = true; // stp = stpmin
        }
        if f <= ftest && g.abs() <= self.gtol * (-self.ginit) {
            return LsTask::Conv;
        }
        if warn {
            return LsTask::Warn;
        }
        if self.stage == 1 && f <= self.fx && f > ftest {
            // Use the modified function psi(stp) = f(stp) - f(0) - ftol stp f'(0).
            let mut st = StepState {
                stx: self.stx,
                fx: self.fx - self.stx * self.gtest,
                dx: self.gx - self.gtest,
                sty: self.sty,
                fy: self.fy - self.sty * self.gtest,
                dy: self.gy - self.gtest,
                brackt: self.brackt,
            };
            *stp = dcstep(
                &mut st,
                *stp,
                f - *stp * self.gtest,
                g - self.gtest,
                self.stmin,
                self.stmax,
            );
            self.stx = st.stx;
            self.sty = st.sty;
            self.brackt = st.brackt;
            self.fx = st.fx + self.stx * self.gtest;
            self.fy = st.fy + self.sty * self.gtest;
            self.gx = st.dx + self.gtest;
            self.gy = st.dy + self.gtest;
        } else {
            let mut st = StepState {
                stx: self.stx,
                fx: self.fx,
                dx: self.gx,
                sty: self.sty,
                fy: self.fy,
                dy: self.gy,
                brackt: self.brackt,
            };
            *stp = dcstep(&mut st, *stp, f, g, self.stmin, self.stmax);
            self.stx = st.stx;
            self.fx = st.fx;
            self.gx = st.dx;
            self.sty = st.sty;
            self.fy = st.fy;
            self.gy = st.dy;
            self.brackt = st.brackt;
        }
        if self.brackt {
            if (self.sty - self.stx).abs() >= P66 * self.width1 {
                *stp = self.stx + P5 * (self.sty - self.stx);
            }
            self.width1 = self.width;
            self.width = (self.sty - self.stx).abs();
            self.stmin = self.stx.min(self.sty);
            self.stmax = self.stx.max(self.sty);
        } else {
            self.stmin = *stp + XTRAPL * (*stp - self.stx);
            self.stmax = *stp + XTRAPU * (*stp - self.stx);
        }
        *stp = stp.clamp(self.stpmin, self.stpmax);
        if self.brackt
            && (*stp <= self.stmin
                || *stp >= self.stmax
                || self.stmax - self.stmin <= self.xtol * self.stmax)
        {
            *stp = self.stx;
        }
        LsTask::Fg
    }
}

/// The interval endpoints dcstep updates.
struct StepState {
    stx: f64,
    fx: f64,
    dx: f64,
    sty: f64,
    fy: f64,
    dy: f64,
    brackt: bool,
}

fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// MINPACK-2 dcstep: safeguarded cubic/quadratic step; updates the interval and
/// returns the new trial step.
fn dcstep(st: &mut StepState, stp: f64, fp: f64, dp: f64, stpmin: f64, stpmax: f64) -> f64 {
    let (stx, fx, dx, sty, fy, dy) = (st.stx, st.fx, st.dx, st.sty, st.fy, st.dy);
    let sgnd = sign(dp) * sign(dx);
    let stpf;
    if fp > fx {
        // Case 1: higher function value; the minimum is bracketed.
        let theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp;
        let s = theta.abs().max(dx.abs()).max(dp.abs());
        let mut gamma = s * ((theta / s).powi(2) - (dx / s) * (dp / s)).sqrt();
        if stp < stx {
            gamma = -gamma;
        }
        let p = (gamma - dx) + theta;
        let q = ((gamma - dx) + gamma) + dp;
        let r = p / q;
        let stpc = stx + r * (stp - stx);
        let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx);
        stpf = if (stpc - stx).abs() <= (stpq - stx).abs() {
            stpc
        } else {
            stpc + (stpq - stpc) / 2.0
        };
        st.brackt = true;
    } else if sgnd < 0.0 {
        // Case 2: lower value, derivatives of opposite sign; bracketed.
        let theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp;
        let s = theta.abs().max(dx.abs()).max(dp.abs());
        let mut gamma = s * ((theta / s).powi(2) - (dx / s) * (dp / s)).sqrt();
        if stp > stx {
            gamma = -gamma;
        }
        let p = (gamma - dp) + theta;
        let q = ((gamma - dp) + gamma) + dx;
        let r = p / q;
        let stpc = stp + r * (stx - stp);
        let stpq = stp + (dp / (dp - dx)) * (stx - stp);
        stpf = if (stpc - stp).abs() > (stpq - stp).abs() {
            stpc
        } else {
            stpq
        };
        st.brackt = true;
    } else if dp.abs() < dx.abs() {
        // Case 3: lower value, same-sign derivatives, |derivative| decreases.
        let theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp;
        let s = theta.abs().max(dx.abs()).max(dp.abs());
        let mut gamma = s * ((theta / s).powi(2) - (dx / s) * (dp / s)).max(0.0).sqrt();
        if stp > stx {
            gamma = -gamma;
        }
        let p = (gamma - dp) + theta;
        let q = (gamma + (dx - dp)) + gamma;
        let r = p / q;
        let stpc = if r < 0.0 && gamma != 0.0 {
            stp + r * (stx - stp)
        } else if stp > stx {
            stpmax
        } else {
            stpmin
        };
        let stpq = stp + (dp / (dp - dx)) * (stx - stp);
        if st.brackt {
            let mut f = if (stpc - stp).abs() < (stpq - stp).abs() {
                stpc
            } else {
                stpq
            };
            if stp > stx {
                f = f.min(stp + P66_STEP * (sty - stp));
            } else {
                f = f.max(stp + P66_STEP * (sty - stp));
            }
            stpf = f;
        } else {
            let f = if (stpc - stp).abs() > (stpq - stp).abs() {
                stpc
            } else {
                stpq
            };
            stpf = f.clamp(stpmin, stpmax);
        }
    } else {
        // Case 4: lower value, same-sign derivatives, |derivative| does not decrease.
        stpf = if st.brackt {
            let theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp;
            let s = theta.abs().max(dy.abs()).max(dp.abs());
            let mut gamma = s * ((theta / s).powi(2) - (dy / s) * (dp / s)).sqrt();
            if stp > sty {
                gamma = -gamma;
            }
            let p = (gamma - dp) + theta;
            let q = ((gamma - dp) + gamma) + dy;
            let r = p / q;
            stp + r * (sty - stp)
        } else if stp > stx {
            stpmax
        } else {
            stpmin
        };
    }
    // Update the interval that contains a minimiser.
    if fp > fx {
        st.sty = stp;
        st.fy = fp;
        st.dy = dp;
    } else {
        if sgnd < 0.0 {
            st.sty = stx;
            st.fy = fx;
            st.dy = dx;
        }
        st.stx = stp;
        st.fx = fp;
        st.dx = dp;
    }
    stpf
}

const P66_STEP: f64 = 0.66;

/// Searches along `dir` from `x` (value `f0`, slope `gd0 < 0`). On success
/// `x_new`, `g_new` hold the accepted point and its gradient and the value is
/// returned; `None` if no acceptable step was found.
#[allow(clippy::too_many_arguments)]
fn line_search<F>(
    eval: &mut F,
    opts: &LineSearchOptions,
    evals: &mut usize,
    x: &[f64],
    f0: f64,
    dir: &[f64],
    gd0: f64,
    stp0: f64,
    x_new: &mut [f64],
    g_new: &mut [f64],
) -> Result<Option<f64>, AlgoError>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<f64, AlgoError>,
{
    let mut ls = Dcsrch::start(stp0, f0, gd0, opts);
    let mut stp = stp0;
    for _ in 0..opts.max_evals {
        for ((xn, xi), di) in x_new.iter_mut().zip(x).zip(dir) {
            *xn = xi + stp * di;
        }
        let f = eval(x_new, g_new)?;
        *evals += 1;
        let dg = dot(g_new, dir);
        if !(f.is_finite() && dg.is_finite()) {
            // Overflow far out: step back towards the best point so far.
            stp = ls.stx + 0.1 * (stp - ls.stx);
            continue;
        }
        match ls.iterate(&mut stp, f, dg) {
            LsTask::Conv => return Ok(Some(f)),
            LsTask::Warn => return Ok(if f < f0 { Some(f) } else { None }),
            LsTask::Fg => {
                if !(stp.is_finite() && stp > 0.0) {
                    return Ok(None);
                }
            }
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------
// L-BFGS
// ---------------------------------------------------------------------------

/// The last `m` correction pairs, oldest first; buffers are reused.
struct History {
    m: usize,
    s: std::collections::VecDeque<Vec<f64>>,
    y: std::collections::VecDeque<Vec<f64>>,
    rho: std::collections::VecDeque<f64>,
    alpha: Vec<f64>,
    spare: Vec<(Vec<f64>, Vec<f64>)>,
}

impl History {
    fn new(m: usize) -> History {
        History {
            m,
            s: Default::default(),
            y: Default::default(),
            rho: Default::default(),
            alpha: vec![0.0; m],
            spare: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.s.is_empty()
    }

    fn clear(&mut self) {
        while let (Some(s), Some(y)) = (self.s.pop_front(), self.y.pop_front()) {
            self.spare.push((s, y));
        }
        self.s.clear();
        self.y.clear();
        self.rho.clear();
    }

    /// Stores `s = x1 - x0`, `y = g1 - g0` unless the curvature `s.y` is not
    /// safely positive (L-BFGS-B's rule: skip if `s.y <= eps * y.y`).
    fn push(&mut self, x0: &[f64], x1: &[f64], g0: &[f64], g1: &[f64]) {
        let d = x0.len();
        let (mut s, mut y) = if self.s.len() == self.m {
            match (self.s.pop_front(), self.y.pop_front()) {
                (Some(s), Some(y)) => {
                    self.rho.pop_front();
                    (s, y)
                }
                _ => (vec![0.0; d], vec![0.0; d]),
            }
        } else {
            self.spare
                .pop()
                .unwrap_or_else(|| (vec![0.0; d], vec![0.0; d]))
        };
        for i in 0..d {
            s[i] = x1[i] - x0[i];
            y[i] = g1[i] - g0[i];
        }
        let sy = dot(&s, &y);
        let yy = dot(&y, &y);
        if sy > f64::EPSILON * yy && sy > 0.0 {
            self.s.push_back(s);
            self.y.push_back(y);
            self.rho.push_back(1.0 / sy);
        } else {
            self.spare.push((s, y));
        }
    }

    /// Two-loop recursion: `dir = -H g`, with `H0 = (s.y / y.y) I`.
    fn direction(&mut self, g: &[f64], dir: &mut [f64]) {
        dir.copy_from_slice(g);
        let len = self.s.len();
        for i in (0..len).rev() {
            let a = self.rho[i] * dot(&self.s[i], dir);
            self.alpha[i] = a;
            axpy(-a, &self.y[i], dir);
        }
        if let (Some(s), Some(y)) = (self.s.back(), self.y.back()) {
            let gamma = dot(s, y) / dot(y, y);
            for v in dir.iter_mut() {
                *v *= gamma;
            }
        }
        for i in 0..len {
            let beta = self.rho[i] * dot(&self.y[i], dir);
            axpy(self.alpha[i] - beta, &self.s[i], dir);
        }
        for v in dir.iter_mut() {
            *v = -*v;
        }
    }
}

/// Minimises `f` from `x0` (see the module docs).
///
/// `eval(x, g)` writes the gradient at `x` into `g` (same length) and returns
/// `f(x)`; its errors are passed on. `on_iter` runs after every iteration; an
/// error from it (e.g. [`AlgoError::Cancelled`] from `Progress::report`) stops the
/// run and is returned.
pub fn minimize<F, C>(
    x0: Vec<f64>,
    opts: &Options,
    mut eval: F,
    mut on_iter: C,
) -> Result<Minimum, AlgoError>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<f64, AlgoError>,
    C: FnMut(&Iteration<'_>) -> Result<(), AlgoError>,
{
    opts.check()?;
    let d = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; d];
    let mut x_new = vec![0.0; d];
    let mut g_new = vec![0.0; d];
    let mut dir = vec![0.0; d];
    let mut f = eval(&x, &mut g)?;
    let mut evals = 1;
    if !f.is_finite() {
        return Err(AlgoError::Failed(
            "the objective is not finite at the starting point".into(),
        ));
    }
    // f_{k-past}, ..., f_{k-1} for the delta test (ring buffer, f_0 first).
    let mut past_f = vec![f; opts.past];
    let mut mem = History::new(opts.memory);
    let mut iter = 0;
    let stop = loop {
        if iter >= opts.max_iter {
            break Stop::MaxIter;
        }
        if max_abs(&g) <= opts.gtol {
            break Stop::Gradient;
        }
        if dot(&g, &g).sqrt() / dot(&x, &x).sqrt().max(1.0) <= opts.epsilon {
            break Stop::Epsilon;
        }
        mem.direction(&g, &mut dir);
        let mut gd = dot(&g, &dir);
        if !(gd < 0.0 && gd.is_finite()) {
            // Not a descent direction (should not happen with s.y > 0): restart.
            mem.clear();
            for (di, gi) in dir.iter_mut().zip(&g) {
                *di = -gi;
            }
            gd = -dot(&g, &g);
            if !(gd < 0.0 && gd.is_finite()) {
                break Stop::LineSearch;
            }
        }
        let stp0 = if mem.is_empty() {
            (1.0 / dot(&dir, &dir).sqrt()).min(LS_STPMAX)
        } else {
            1.0
        };
        let found = line_search(
            &mut eval,
            &opts.line_search,
            &mut evals,
            &x,
            f,
            &dir,
            gd,
            stp0,
            &mut x_new,
            &mut g_new,
        )?;
        let f_new = match found {
            Some(f_new) => f_new,
            None if mem.is_empty() => break Stop::LineSearch,
            None => {
                mem.clear();
                continue;
            }
        };
        mem.push(&x, &x_new, &g, &g_new);
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let f_old = f;
        f = f_new;
        iter += 1;
        on_iter(&Iteration {
            iter,
            f,
            x: &x,
            g: &g,
            evaluations: evals,
        })?;
        if f_old - f <= opts.ftol * f_old.abs().max(f.abs()).max(1.0) {
            break Stop::Ftol;
        }
        if opts.past > 0 {
            let slot = iter % opts.past;
            if iter >= opts.past && (past_f[slot] - f) / f.abs() < opts.delta {
                break Stop::Delta;
            }
            past_f[slot] = f;
        }
    };
    Ok(Minimum {
        x,
        f,
        g,
        iterations: iter,
        evaluations: evals,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &Iteration<'_>) -> Result<(), AlgoError> {
        Ok(())
    }

    /// Rosenbrock in `n` dimensions, minimum 0 at (1, ..., 1).
    fn rosenbrock(x: &[f64], g: &mut [f64]) -> Result<f64, AlgoError> {
        let n = x.len();
        g.fill(0.0);
        let mut f = 0.0;
        for i in 0..n - 1 {
            let a = x[i + 1] - x[i] * x[i];
            let b = 1.0 - x[i];
            f += 100.0 * a * a + b * b;
            g[i] += -400.0 * a * x[i] - 2.0 * b;
            g[i + 1] += 200.0 * a;
        }
        Ok(f)
    }

    #[test]
    fn minimises_rosenbrock_with_both_presets() {
        for opts in [
            Options {
                gtol: 1e-8,
                ftol: 0.0,
                ..Options::default()
            },
            Options {
                epsilon: 1e-10,
                past: 0,
                ..Options::crfsuite(1000)
            },
        ] {
            let m = minimize(vec![-1.2, 1.0, -1.2, 1.0], &opts, rosenbrock, none).unwrap();
            assert!(m.f < 1e-12, "{m:?}");
            for v in &m.x {
                assert!((v - 1.0).abs() < 1e-5, "{m:?}");
            }
            assert!(matches!(m.stop, Stop::Gradient | Stop::Epsilon), "{m:?}");
        }
    }

    #[test]
    fn quadratic_is_solved_exactly_and_reports_each_iteration() {
        // f = sum_i (i+1)/2 (x_i - i)^2
        let quad = |x: &[f64], g: &mut [f64]| -> Result<f64, AlgoError> {
            let mut f = 0.0;
            for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                let c = (i + 1) as f64;
                f += 0.5 * c * (xi - i as f64).powi(2);
                *gi = c * (xi - i as f64);
            }
            Ok(f)
        };
        let mut seen = Vec::new();
        let m = minimize(vec![0.0; 5], &Options::default(), quad, |it| {
            seen.push((it.iter, it.f));
            Ok(())
        })
        .unwrap();
        assert_eq!(m.stop, Stop::Gradient);
        assert_eq!(seen.len(), m.iterations);
        assert!(seen
            .windows(2)
            .all(|w| w[1].1 <= w[0].1 && w[1].0 == w[0].0 + 1));
        for (i, v) in m.x.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-6);
        }
        assert!(m.evaluations > m.iterations);
    }

    #[test]
    fn stops_at_max_iter_and_on_callback_error() {
        let opts = Options {
            max_iter: 3,
            gtol: 0.0,
            ftol: 0.0,
            ..Options::default()
        };
        let m = minimize(vec![-1.2, 1.0], &opts, rosenbrock, none).unwrap();
        assert_eq!((m.iterations, m.stop), (3, Stop::MaxIter));
        let mut calls = 0;
        let r = minimize(vec![-1.2, 1.0], &Options::default(), rosenbrock, |_| {
            calls += 1;
            if calls == 2 {
                Err(AlgoError::Cancelled)
            } else {
                Ok(())
            }
        });
        assert_eq!(r, Err(AlgoError::Cancelled));
        assert_eq!(calls, 2);
    }

    #[test]
    fn delta_test_compares_with_the_value_past_iterations_ago() {
        // f(x) = 1 + 1e-9 x^2: every iteration lowers f by a tiny relative amount,
        // so the test fires at the first chance, k = past = 2.
        let flat = |x: &[f64], g: &mut [f64]| -> Result<f64, AlgoError> {
            g[0] = 2e-9 * x[0];
            Ok(1.0 + 1e-9 * x[0] * x[0])
        };
        let opts = Options {
            gtol: 0.0,
            ftol: 0.0,
            epsilon: 0.0,
            past: 2,
            delta: 1e-3,
            ..Options::default()
        };
        let m = minimize(vec![10.0], &opts, flat, none).unwrap();
        assert_eq!(m.stop, Stop::Delta);
        assert_eq!(m.iterations, 2);
    }

    #[test]
    fn errors_are_passed_on_and_options_checked() {
        let r = minimize(vec![0.0], &Options::default(), |_, _| Ok(f64::NAN), none);
        assert!(matches!(r, Err(AlgoError::Failed(_))));
        let r = minimize(
            vec![0.0],
            &Options::default(),
            |_, _| Err(AlgoError::Failed("boom".into())),
            none,
        );
        assert_eq!(r, Err(AlgoError::Failed("boom".into())));
        for (bad, name) in [
            (
                Options {
                    memory: 0,
                    ..Options::default()
                },
                "memory",
            ),
            (
                Options {
                    max_iter: 0,
                    ..Options::default()
                },
                "max_iter",
            ),
            (
                Options {
                    delta: -1.0,
                    ..Options::default()
                },
                "delta",
            ),
            (
                Options {
                    line_search: LineSearchOptions {
                        ftol: 0.95,
                        ..LineSearchOptions::MINPACK2
                    },
                    ..Options::default()
                },
                "line_search",
            ),
        ] {
            match bad.check() {
                Err(AlgoError::InvalidParam { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn zero_gradient_at_start_stops_at_once() {
        let m = minimize(
            vec![0.0; 3],
            &Options::default(),
            |x, g| {
                g.fill(0.0);
                Ok(dot(x, x))
            },
            none,
        )
        .unwrap();
        assert_eq!(
            (m.iterations, m.evaluations, m.stop),
            (0, 1, Stop::Gradient)
        );
    }
}
