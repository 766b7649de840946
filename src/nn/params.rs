//! Parameters by stable name, their gradients, and seeded initialisation.
//!
//! Every parameter is drawn from its own stream `crate::algos::rng(seed ^
//! fnv1a(name))`, so its initial value depends only on the store's seed, its
//! name, shape and initialiser — not on the order in which layers were built.
//! The same seed gives bit-identical parameters. Iteration (optimisers,
//! gradient norms, listings) is in name order.

use std::collections::BTreeMap;

use ndarray::{ArrayD, IxDyn};
use rand::Rng as _;

use super::{NnError, Tensor};
use crate::algos::Rng;

/// Index of a parameter in its [`ParamStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(pub(crate) usize);

/// How a tensor's initial values are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    Zeros,
    Ones,
    Constant(f32),
    /// Normal with this mean and standard deviation.
    Normal {
        mean: f32,
        std: f32,
    },
    /// Uniform on `[low, high)`.
    Uniform {
        low: f32,
        high: f32,
    },
}

/// The weight initialisers a lab can choose; turned into an [`Init`] once the
/// layer's fan-in and fan-out are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightInit {
    /// Glorot/Xavier uniform: `U(±√(6/(fan_in+fan_out)))` (keeps the variance
    /// of activations and gradients for tanh/linear units).
    #[default]
    GlorotUniform,
    /// Glorot/Xavier normal: `N(0, 2/(fan_in+fan_out))`.
    GlorotNormal,
    /// He/Kaiming normal: `N(0, 2/fan_in)` (for ReLU).
    HeNormal,
    /// He/Kaiming uniform: `U(±√(6/fan_in))`.
    HeUniform,
    /// `N(0, 1)`, whatever the fan: activations blow up or die with depth.
    StdNormal,
    /// All zeros: every unit of a layer stays identical (symmetry never breaks).
    Zeros,
}

impl WeightInit {
    pub fn init(self, fan_in: usize, fan_out: usize) -> Init {
        let (fi, fo) = (fan_in.max(1) as f32, fan_out.max(1) as f32);
        match self {
            WeightInit::GlorotUniform => {
                let b = (6.0 / (fi + fo)).sqrt();
                Init::Uniform { low: -b, high: b }
            }
            WeightInit::GlorotNormal => Init::Normal {
                mean: 0.0,
                std: (2.0 / (fi + fo)).sqrt(),
            },
            WeightInit::HeNormal => Init::Normal {
                mean: 0.0,
                std: (2.0 / fi).sqrt(),
            },
            WeightInit::HeUniform => {
                let b = (6.0 / fi).sqrt();
                Init::Uniform { low: -b, high: b }
            }
            WeightInit::StdNormal => Init::Normal {
                mean: 0.0,
                std: 1.0,
            },
            WeightInit::Zeros => Init::Zeros,
        }
    }

    /// Parses `glorot`, `glorot-normal`, `he`, `he-uniform`, `normal`, `zeros`.
    pub fn parse(s: &str) -> Result<WeightInit, NnError> {
        Ok(match s {
            "glorot" | "xavier" | "glorot-uniform" | "xavier-uniform" => WeightInit::GlorotUniform,
            "glorot-normal" | "xavier-normal" => WeightInit::GlorotNormal,
            "he" | "kaiming" | "he-normal" => WeightInit::HeNormal,
            "he-uniform" | "kaiming-uniform" => WeightInit::HeUniform,
            "normal" | "std-normal" => WeightInit::StdNormal,
            "zeros" => WeightInit::Zeros,
            o => {
                return Err(NnError::param(
                    "init",
                    format!(
                        "`{o}`: expected glorot, glorot-normal, he, he-uniform, normal or zeros"
                    ),
                ))
            }
        })
    }
}

/// One named tensor with its gradient.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub value: Tensor,
    pub grad: Tensor,
    /// False for buffers (batch-norm running statistics): no gradient, not
    /// touched by optimisers.
    pub trainable: bool,
    /// Whether L2 / weight decay applies (weights yes; biases and norm
    /// parameters no, as in scikit-learn's MLP).
    pub decay: bool,
}

/// All parameters of a model, by stable name.
#[derive(Debug, Clone)]
pub struct ParamStore {
    seed: u64,
    params: Vec<Param>,
    by_name: BTreeMap<String, usize>,
}

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A standard normal draw (Box–Muller).
pub(crate) fn std_normal(rng: &mut Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn draw(init: Init, shape: &[usize], rng: &mut Rng) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = match init {
        Init::Zeros => vec![0.0; n],
        Init::Ones => vec![1.0; n],
        Init::Constant(c) => vec![c; n],
        Init::Normal { mean, std } => (0..n)
            .map(|_| (mean as f64 + std as f64 * std_normal(rng)) as f32)
            .collect(),
        Init::Uniform { low, high } => (0..n)
            .map(|_| rng.gen_range(low as f64..high as f64) as f32)
            .collect(),
    };
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap_or_else(|_| ArrayD::zeros(IxDyn(shape)))
}

impl ParamStore {
    pub fn new(seed: u64) -> ParamStore {
        ParamStore {
            seed,
            params: Vec::new(),
            by_name: BTreeMap::new(),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn insert(&mut self, p: Param) -> Result<ParamId, NnError> {
        if self.by_name.contains_key(&p.name) {
            return Err(NnError::Shape(format!(
                "parameter `{}` is defined twice",
                p.name
            )));
        }
        if p.value.is_empty() {
            return Err(NnError::param(
                &p.name,
                format!("shape {:?} has no elements", p.value.shape()),
            ));
        }
        let id = ParamId(self.params.len());
        self.by_name.insert(p.name.clone(), id.0);
        self.params.push(p);
        Ok(id)
    }

    /// A trainable parameter, drawn from its own seeded stream.
    pub fn add(
        &mut self,
        name: &str,
        shape: &[usize],
        init: Init,
        decay: bool,
    ) -> Result<ParamId, NnError> {
        if let Init::Uniform { low, high } = init {
            if low.partial_cmp(&high) != Some(std::cmp::Ordering::Less) {
                return Err(NnError::param(
                    name,
                    format!("empty uniform range [{low}, {high})"),
                ));
            }
        }
        let mut rng = crate::algos::rng(self.seed ^ fnv1a(name));
        let value = draw(init, shape, &mut rng);
        self.insert(Param {
            name: name.to_string(),
            grad: ArrayD::zeros(value.raw_dim()),
            value,
            trainable: true,
            decay,
        })
    }

    /// A non-trainable buffer (e.g. running statistics).
    pub fn add_buffer(&mut self, name: &str, value: Tensor) -> Result<ParamId, NnError> {
        self.insert(Param {
            name: name.to_string(),
            grad: ArrayD::zeros(IxDyn(&[0])),
            value,
            trainable: false,
            decay: false,
        })
    }

    pub fn get(&self, name: &str) -> Option<ParamId> {
        self.by_name.get(name).map(|&i| ParamId(i))
    }

    pub fn param(&self, id: ParamId) -> Result<&Param, NnError> {
        self.params
            .get(id.0)
            .ok_or_else(|| NnError::Shape(format!("no parameter #{} in this store", id.0)))
    }

    pub fn param_mut(&mut self, id: ParamId) -> Result<&mut Param, NnError> {
        self.params
            .get_mut(id.0)
            .ok_or_else(|| NnError::Shape(format!("no parameter #{} in this store", id.0)))
    }

    pub fn value(&self, id: ParamId) -> Result<&Tensor, NnError> {
        Ok(&self.param(id)?.value)
    }

    pub fn grad(&self, id: ParamId) -> Result<&Tensor, NnError> {
        Ok(&self.param(id)?.grad)
    }

    pub(crate) fn add_grad(&mut self, id: ParamId, g: &Tensor) -> Result<(), NnError> {
        let p = self.param_mut(id)?;
        if !p.trainable {
            return Ok(());
        }
        if p.grad.shape() != g.shape() {
            return Err(NnError::Shape(format!(
                "gradient {:?} for `{}` {:?}",
                g.shape(),
                p.name,
                p.grad.shape()
            )));
        }
        p.grad += g;
        Ok(())
    }

    /// Set every gradient to zero.
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.grad.fill(0.0);
        }
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Ids in name order.
    pub fn ids(&self) -> impl Iterator<Item = ParamId> + '_ {
        self.by_name.values().map(|&i| ParamId(i))
    }

    /// Parameters in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Param> + '_ {
        self.by_name.values().map(move |&i| &self.params[i])
    }

    /// Number of trainable scalars.
    pub fn n_trainable(&self) -> usize {
        self.params
            .iter()
            .filter(|p| p.trainable)
            .map(|p| p.value.len())
            .sum()
    }

    /// `(name, ‖grad‖₂)` of every trainable parameter, in name order: read
    /// after `backward` to see vanishing or exploding gradients per layer.
    pub fn grad_norms(&self) -> Vec<(String, f32)> {
        self.iter()
            .filter(|p| p.trainable)
            .map(|p| {
                let n = p
                    .grad
                    .iter()
                    .map(|&g| (g as f64).powi(2))
                    .sum::<f64>()
                    .sqrt();
                (p.name.clone(), n as f32)
            })
            .collect()
    }

    /// Global gradient-norm clipping: the norm of all trainable gradients
    /// together; when it exceeds `max`, every gradient is scaled by
    /// `max / norm`. Returns the norm before clipping.
    pub fn clip_grad_norm(&mut self, max: f64) -> f64 {
        let total: f64 = self
            .params
            .iter()
            .filter(|p| p.trainable)
            .map(|p| {
                p.grad
                    .iter()
                    .map(|&g| f64::from(g) * f64::from(g))
                    .sum::<f64>()
            })
            .sum::<f64>()
            .sqrt();
        if total > max {
            let f = (max / total) as f32;
            for p in &mut self.params {
                p.grad.mapv_inplace(|g| g * f);
            }
        }
        total
    }

    /// Sum over decayed parameters of ‖W‖².
    pub fn decayed_sq_norm(&self) -> f64 {
        self.params
            .iter()
            .filter(|p| p.trainable && p.decay)
            .map(|p| p.value.iter().map(|&v| (v as f64).powi(2)).sum::<f64>())
            .sum()
    }

    pub(crate) fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
