//! Contrastive losses composed from the tape's ops (their gradients follow
//! from those ops' backward passes, each gradient-checked; the values are
//! checked against NumPy in `tests/reference/make_contrastive_reference.py`).
//!
//! - [`nt_xent`]: SimCLR's normalised-temperature cross-entropy over a batch
//!   of `2n` embeddings where rows `i` and `i + n` are two views of the same
//!   example. Each row's positive is its twin; the other `2n − 2` rows are its
//!   negatives. With `negatives = false` only the positive-pair term is kept
//!   (`−cos(z_i, z_twin)/τ`), which a constant embedding minimises: collapse.
//! - [`clip_loss`]: CLIP's symmetric InfoNCE between two towers: row `i` of
//!   `a` should match row `i` of `b` among all rows of `b`, and vice versa.

use ndarray::{ArrayD, IxDyn};

use super::graph::{Graph, Var};
use super::NnError;

/// Cosine-similarity logits `(u · vᵀ) / τ` of two `[n, d]` batches after
/// unit-normalising their rows.
pub fn cosine_logits(g: &mut Graph, a: Var, b: Var, tau: f32) -> Result<Var, NnError> {
    check_tau(tau)?;
    let ua = g.l2_normalize(a)?;
    let ub = g.l2_normalize(b)?;
    let ubt = g.transpose(ub, 0, 1)?;
    let s = g.matmul(ua, ubt)?;
    g.scale(s, 1.0 / tau)
}

fn check_tau(tau: f32) -> Result<(), NnError> {
    if !(tau.is_finite() && tau > 0.0) {
        return Err(NnError::param(
            "temperature",
            format!("must be a positive number, got {tau}"),
        ));
    }
    Ok(())
}

/// NT-Xent of `z` `[2n, d]` (rows `i` and `i + n` are a positive pair):
/// the mean over all `2n` anchors of
/// `−s(i, twin) + log Σ_{k ≠ i} exp s(i, k)`, `s = cos / τ`. With
/// `negatives = false`: the mean of `−s(i, twin)` alone.
pub fn nt_xent(g: &mut Graph, z: Var, tau: f32, negatives: bool) -> Result<Var, NnError> {
    check_tau(tau)?;
    let shape = g.shape(z)?;
    let m = match shape.as_slice() {
        [m, _] if *m >= 2 && m % 2 == 0 => *m,
        _ => {
            return Err(NnError::Shape(format!(
                "nt_xent: expected [2n, d] with n ≥ 1, got {shape:?}"
            )))
        }
    };
    let n = m / 2;
    let twin: Vec<usize> = (0..m).map(|i| (i + n) % m).collect();
    if negatives {
        let s = cosine_logits(g, z, z, tau)?;
        // An anchor is not its own negative: −∞ (a large negative) on the diagonal.
        let mut mask = ArrayD::<f32>::zeros(IxDyn(&[m, m]));
        for i in 0..m {
            mask[[i, i]] = -1e9;
        }
        let mask = g.constant(mask);
        let s = g.add(s, mask)?;
        g.cross_entropy(s, &twin, 0.0)
    } else {
        let u = g.l2_normalize(z)?;
        let ut = g.gather(u, &twin)?;
        let prod = g.mul(u, ut)?;
        let total = g.sum(prod)?;
        g.scale(total, -1.0 / (tau * m as f32))
    }
}

/// CLIP's symmetric contrastive loss for paired `[n, d]` batches `a`, `b`:
/// the mean of the cross-entropy of `a → b` (rows of the logits) and of
/// `b → a` (columns), each with the matching row as the target.
pub fn clip_loss(g: &mut Graph, a: Var, b: Var, tau: f32) -> Result<Var, NnError> {
    let n = g.shape(a)?.first().copied().unwrap_or(0);
    let s = cosine_logits(g, a, b, tau)?;
    let targets: Vec<usize> = (0..n).collect();
    let l1 = g.cross_entropy(s, &targets, 0.0)?;
    let st = g.transpose(s, 0, 1)?;
    let l2 = g.cross_entropy(st, &targets, 0.0)?;
    let both = g.add(l1, l2)?;
    g.scale(both, 0.5)
}
