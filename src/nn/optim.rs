//! Optimisers: SGD (with momentum, optionally Nesterov) and Adam (with L2
//! weight decay coupled into the gradient, or decoupled as in AdamW).
//!
//! Weight decay touches only parameters marked `decay` (weights, not biases or
//! norm parameters). Buffers are never touched.

use ndarray::Zip;

use super::params::ParamStore;
use super::{NnError, Tensor};

/// One update of every trainable parameter from its accumulated gradient.
pub trait Optimizer {
    fn step(&mut self, ps: &mut ParamStore) -> Result<(), NnError>;
    fn learning_rate(&self) -> f32;
    fn set_learning_rate(&mut self, lr: f32);
}

fn check_lr(lr: f32) -> Result<(), NnError> {
    if !lr.is_finite() || lr <= 0.0 {
        return Err(NnError::param(
            "learning_rate",
            format!("must be a positive number, got {lr}"),
        ));
    }
    Ok(())
}

fn check_unit(name: &str, v: f32) -> Result<(), NnError> {
    if !(0.0..1.0).contains(&v) {
        return Err(NnError::param(name, format!("must be in [0, 1), got {v}")));
    }
    Ok(())
}

fn check_decay(wd: f32) -> Result<(), NnError> {
    if !wd.is_finite() || wd < 0.0 {
        return Err(NnError::param(
            "weight_decay",
            format!("must be 0 or positive, got {wd}"),
        ));
    }
    Ok(())
}

/// Plain or momentum SGD: `v ← μv + g; θ ← θ − lr·v` (Nesterov:
/// `θ ← θ − lr·(g + μv)`), with `g` including `weight_decay·θ`.
#[derive(Debug, Clone)]
pub struct Sgd {
    pub lr: f32,
    pub momentum: f32,
    pub nesterov: bool,
    pub weight_decay: f32,
    velocity: Vec<Option<Tensor>>,
}

impl Sgd {
    pub fn new(lr: f32, momentum: f32, nesterov: bool, weight_decay: f32) -> Result<Sgd, NnError> {
        check_lr(lr)?;
        check_unit("momentum", momentum)?;
        check_decay(weight_decay)?;
        Ok(Sgd {
            lr,
            momentum,
            nesterov,
            weight_decay,
            velocity: Vec::new(),
        })
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, ps: &mut ParamStore) -> Result<(), NnError> {
        let params = ps.params_mut();
        self.velocity.resize_with(params.len(), || None);
        for (p, vel) in params.iter_mut().zip(&mut self.velocity) {
            if !p.trainable {
                continue;
            }
            let mut g = p.grad.clone();
            if p.decay && self.weight_decay > 0.0 {
                g.scaled_add(self.weight_decay, &p.value);
            }
            if self.momentum > 0.0 {
                let v = vel.get_or_insert_with(|| Tensor::zeros(g.raw_dim()));
                Zip::from(&mut *v)
                    .and(&g)
                    .for_each(|v, &g| *v = self.momentum * *v + g);
                if self.nesterov {
                    g.scaled_add(self.momentum, v);
                } else {
                    g.assign(v);
                }
            }
            p.value.scaled_add(-self.lr, &g);
        }
        Ok(())
    }
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
}

/// Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − lr·m̂/(√v̂ + ε)` with bias-corrected `m̂, v̂`.
/// `weight_decay` adds `λθ` to `g` (L2), or with `decoupled` shrinks
/// `θ ← θ − lr·λθ` outside the moments (AdamW).
#[derive(Debug, Clone)]
pub struct Adam {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    pub decoupled: bool,
    t: i32,
    m: Vec<Option<Tensor>>,
    v: Vec<Option<Tensor>>,
}

impl Adam {
    /// Adam with the usual defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: f32) -> Result<Adam, NnError> {
        Adam::with(lr, 0.9, 0.999, 1e-8, 0.0, false)
    }

    pub fn with(
        lr: f32,
        beta1: f32,
        beta2: f32,
        eps: f32,
        weight_decay: f32,
        decoupled: bool,
    ) -> Result<Adam, NnError> {
        check_lr(lr)?;
        check_unit("beta1", beta1)?;
        check_unit("beta2", beta2)?;
        if !eps.is_finite() || eps <= 0.0 {
            return Err(NnError::param(
                "eps",
                format!("must be positive, got {eps}"),
            ));
        }
        check_decay(weight_decay)?;
        Ok(Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            decoupled,
            t: 0,
            m: Vec::new(),
            v: Vec::new(),
        })
    }
}

impl Optimizer for Adam {
    fn step(&mut self, ps: &mut ParamStore) -> Result<(), NnError> {
        self.t = self.t.saturating_add(1);
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        // Step size with both bias corrections folded in (as scikit-learn).
        let lr_t = self.lr * c2.sqrt() / c1;
        let eps_t = self.eps * c2.sqrt();
        let params = ps.params_mut();
        self.m.resize_with(params.len(), || None);
        self.v.resize_with(params.len(), || None);
        for ((p, m), v) in params.iter_mut().zip(&mut self.m).zip(&mut self.v) {
            if !p.trainable {
                continue;
            }
            let m = m.get_or_insert_with(|| Tensor::zeros(p.value.raw_dim()));
            let v = v.get_or_insert_with(|| Tensor::zeros(p.value.raw_dim()));
            let wd = if p.decay { self.weight_decay } else { 0.0 };
            let (coupled, decoupled) = if self.decoupled { (0.0, wd) } else { (wd, 0.0) };
            let lr = self.lr;
            Zip::from(&mut p.value)
                .and(&p.grad)
                .and(&mut *m)
                .and(&mut *v)
                .for_each(|w, &g, m, v| {
                    let g = g + coupled * *w;
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *w -= lr * decoupled * *w;
                    *w -= lr_t * *m / (v.sqrt() + eps_t);
                });
        }
        Ok(())
    }
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
}
