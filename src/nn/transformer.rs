//! A small Transformer encoder on the tape: token (and optional segment)
//! embeddings plus sinusoidal or learned positions, then blocks of
//! multi-head self-attention and a GELU feed-forward net, each wrapped in a
//! residual connection with layer normalisation after it (post-LN, as in
//! "Attention Is All You Need" and BERT) or before it (pre-LN, with a final
//! LayerNorm). Also the linear warm-up learning-rate schedule the post-LN
//! block is known to need. Built only from ops of [`Graph`], so every
//! gradient is the ops' own (checked in this module's tests).

use ndarray::{ArrayD, IxDyn};

use super::graph::{Graph, Var};
use super::layers::{Embedding, Layer, LayerNorm, Linear, MultiHeadAttention};
use super::params::{ParamStore, WeightInit};
use super::{NnError, Tensor};

/// Where each block's LayerNorm sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormPlacement {
    /// `x ← LN(x + f(x))` (the original Transformer, BERT).
    Post,
    /// `x ← x + f(LN(x))`, and one LayerNorm after the last block.
    Pre,
}

/// How positions enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positions {
    /// Fixed sines and cosines of geometrically spaced frequencies.
    Sinusoidal,
    /// One trained vector per position (BERT).
    Learned,
}

/// The shape of an encoder.
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderConfig {
    pub vocab: usize,
    /// Longest sequence the position table covers.
    pub max_len: usize,
    pub d_model: usize,
    pub heads: usize,
    pub d_ff: usize,
    pub layers: usize,
    pub norm: NormPlacement,
    pub positions: Positions,
    /// Number of segments (BERT's sentence A/B); 0 for none.
    pub segments: usize,
}

/// The sinusoidal position table `[max_len, d]`:
/// `PE[p, 2i] = sin(p / 10000^(2i/d))`, `PE[p, 2i+1] = cos(p / 10000^(2i/d))`.
pub fn sinusoidal_table(max_len: usize, d: usize) -> Tensor {
    ArrayD::from_shape_fn(IxDyn(&[max_len, d]), |ix| {
        let (p, j) = (ix[0] as f64, ix[1]);
        let i2 = (j - j % 2) as f64;
        let angle = p / 10000f64.powf(i2 / d as f64);
        if j % 2 == 0 {
            angle.sin() as f32
        } else {
            angle.cos() as f32
        }
    })
}

/// Linear warm-up: the learning rate grows from `base/warmup` at step 1 to
/// `base` at step `warmup`, then stays there (`warmup = 0`: always `base`).
/// Steps count from 1.
pub fn warmup_lr(base: f32, step: usize, warmup: usize) -> f32 {
    if warmup == 0 || step >= warmup {
        base
    } else {
        base * step.max(1) as f32 / warmup as f32
    }
}

/// GELU, the tanh form used by BERT and GPT:
/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
pub fn gelu(g: &mut Graph, x: Var) -> Result<Var, NnError> {
    let x2 = g.mul(x, x)?;
    let x3 = g.mul(x2, x)?;
    let c3 = g.scale(x3, 0.044715)?;
    let inner = g.add(x, c3)?;
    let inner = g.scale(inner, (2.0 / std::f32::consts::PI).sqrt())?;
    let t = g.tanh(inner)?;
    let one = g.constant(ArrayD::from_elem(IxDyn(&[1]), 1.0));
    let t1 = g.add(t, one)?;
    let y = g.mul(x, t1)?;
    g.scale(y, 0.5)
}

/// One encoder block: self-attention and a feed-forward net, each with a
/// residual connection and a LayerNorm.
#[derive(Debug, Clone)]
pub struct EncoderBlock {
    pub attn: MultiHeadAttention,
    pub ln1: LayerNorm,
    pub ln2: LayerNorm,
    pub ff1: Linear,
    pub ff2: Linear,
    pub norm: NormPlacement,
}

impl EncoderBlock {
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        d_model: usize,
        heads: usize,
        d_ff: usize,
        norm: NormPlacement,
    ) -> Result<EncoderBlock, NnError> {
        let init = WeightInit::GlorotUniform;
        Ok(EncoderBlock {
            attn: MultiHeadAttention::new(ps, &format!("{name}.attn"), d_model, heads)?,
            ln1: LayerNorm::new(ps, &format!("{name}.ln1"), d_model)?,
            ln2: LayerNorm::new(ps, &format!("{name}.ln2"), d_model)?,
            ff1: Linear::new(ps, &format!("{name}.ff1"), d_model, d_ff, init, true)?,
            ff2: Linear::new(ps, &format!("{name}.ff2"), d_ff, d_model, init, true)?,
            norm,
        })
    }

    fn feed_forward(&self, g: &mut Graph, ps: &mut ParamStore, x: Var) -> Result<Var, NnError> {
        let h = self.ff1.forward(g, ps, x)?;
        let h = gelu(g, h)?;
        self.ff2.forward(g, ps, h)
    }

    /// `x [b, t, d]` → `[b, t, d]` and the attention weights `[b·heads, t, t]`.
    /// `mask [b, t, t]`: 1 where a query may attend to a key.
    pub fn forward(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        x: Var,
        mask: Option<&Tensor>,
    ) -> Result<(Var, Var), NnError> {
        match self.norm {
            NormPlacement::Post => {
                let (a, w) = self.attn.forward_qkv(g, ps, x, x, mask)?;
                let x = g.add(x, a)?;
                let x = self.ln1.forward(g, ps, x)?;
                let f = self.feed_forward(g, ps, x)?;
                let x = g.add(x, f)?;
                Ok((self.ln2.forward(g, ps, x)?, w))
            }
            NormPlacement::Pre => {
                let h = self.ln1.forward(g, ps, x)?;
                let (a, w) = self.attn.forward_qkv(g, ps, h, h, mask)?;
                let x = g.add(x, a)?;
                let h = self.ln2.forward(g, ps, x)?;
                let f = self.feed_forward(g, ps, h)?;
                Ok((g.add(x, f)?, w))
            }
        }
    }
}

/// The three input embeddings of one forward pass and their sum (what the
/// BERT lab draws), each `[b, t, d]` (`segment` `None` without segments).
#[derive(Debug, Clone, Copy)]
pub struct InputParts {
    pub token: Var,
    pub position: Var,
    pub segment: Option<Var>,
    pub sum: Var,
}

/// What [`TransformerEncoder::forward`] returns.
#[derive(Debug, Clone)]
pub struct EncoderOutput {
    /// `[b, t, d]`.
    pub hidden: Var,
    /// Per block, the attention weights `[b·heads, t, t]`.
    pub attention: Vec<Var>,
    pub inputs: InputParts,
}

/// Embeddings, positions and a stack of [`EncoderBlock`]s.
#[derive(Debug, Clone)]
pub struct TransformerEncoder {
    pub config: EncoderConfig,
    pub tokens: Embedding,
    pub positions: Option<Embedding>,
    pub segments: Option<Embedding>,
    pub blocks: Vec<EncoderBlock>,
    /// Pre-LN only: the LayerNorm after the last block.
    pub final_ln: Option<LayerNorm>,
    /// Leave the position vectors out of the input (to measure what they
    /// do: without them self-attention cannot tell positions apart).
    pub positions_off: bool,
    sinusoids: Tensor,
}

impl TransformerEncoder {
    pub fn new(
        ps: &mut ParamStore,
        name: &str,
        config: EncoderConfig,
    ) -> Result<TransformerEncoder, NnError> {
        let c = &config;
        for (what, v) in [
            ("layers", c.layers),
            ("d_model", c.d_model),
            ("d_ff", c.d_ff),
            ("heads", c.heads),
            ("max_len", c.max_len),
            ("vocab", c.vocab),
        ] {
            if v == 0 {
                return Err(NnError::param(what, "must be at least 1, got 0"));
            }
        }
        if !c.d_model.is_multiple_of(c.heads) {
            return Err(NnError::param(
                "heads",
                format!(
                    "{} heads do not divide d_model = {} (each head gets d_model / heads features)",
                    c.heads, c.d_model
                ),
            ));
        }
        if c.positions == Positions::Sinusoidal && !c.d_model.is_multiple_of(2) {
            return Err(NnError::param(
                "d_model",
                format!(
                    "sinusoidal positions pair a sine with a cosine: d_model must be even, got {}",
                    c.d_model
                ),
            ));
        }
        let tokens = Embedding::new(ps, &format!("{name}.tok"), c.vocab, c.d_model)?;
        let positions = match c.positions {
            Positions::Learned => Some(Embedding::new(
                ps,
                &format!("{name}.pos"),
                c.max_len,
                c.d_model,
            )?),
            Positions::Sinusoidal => None,
        };
        let segments = if c.segments > 0 {
            Some(Embedding::new(
                ps,
                &format!("{name}.seg"),
                c.segments,
                c.d_model,
            )?)
        } else {
            None
        };
        let blocks = (0..c.layers)
            .map(|i| {
                EncoderBlock::new(
                    ps,
                    &format!("{name}.block{}", i + 1),
                    c.d_model,
                    c.heads,
                    c.d_ff,
                    c.norm,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let final_ln = match c.norm {
            NormPlacement::Pre => Some(LayerNorm::new(ps, &format!("{name}.ln_f"), c.d_model)?),
            NormPlacement::Post => None,
        };
        let sinusoids = sinusoidal_table(c.max_len, c.d_model);
        Ok(TransformerEncoder {
            config,
            tokens,
            positions,
            segments,
            blocks,
            final_ln,
            positions_off: false,
            sinusoids,
        })
    }

    /// The position table `[max_len, d]` as it is now (sinusoids, or the
    /// learned vectors).
    pub fn position_table(&self, ps: &ParamStore) -> Result<Tensor, NnError> {
        match &self.positions {
            Some(p) => Ok(ps.value(p.table)?.clone()),
            None => Ok(self.sinusoids.clone()),
        }
    }

    /// `ids [b, t]` (row-major), optional `segment_ids` of the same length,
    /// optional key mask `[b, t, t]` (padding). The scale `√d` of the token
    /// embeddings is left out: the table starts at N(0, 1), already the size
    /// of the position vectors.
    pub fn forward(
        &self,
        g: &mut Graph,
        ps: &mut ParamStore,
        ids: &[usize],
        batch: usize,
        segment_ids: Option<&[usize]>,
        mask: Option<&Tensor>,
    ) -> Result<EncoderOutput, NnError> {
        if batch == 0 || ids.is_empty() || !ids.len().is_multiple_of(batch) {
            return Err(NnError::Shape(format!(
                "encoder: {} ids do not split into {batch} sequences",
                ids.len()
            )));
        }
        let t = ids.len() / batch;
        if t > self.config.max_len {
            return Err(NnError::param(
                "max_len",
                format!(
                    "a sequence of {t} tokens is longer than the position table ({} positions)",
                    self.config.max_len
                ),
            ));
        }
        let d = self.config.d_model;
        let token = self.tokens.lookup_batch(g, ps, ids, batch)?;
        let position = match &self.positions {
            Some(p) => {
                let pos: Vec<usize> = (0..t).collect();
                p.lookup(g, ps, &pos)?
            }
            None => {
                let table = self
                    .sinusoids
                    .slice(ndarray::s![0..t, ..])
                    .to_owned()
                    .into_dyn();
                g.constant(table)
            }
        };
        let position = if self.positions_off {
            g.scale(position, 0.0)?
        } else {
            position
        };
        let position = g.reshape(position, &[1, t, d])?;
        let mut sum = g.add(token, position)?;
        let segment = match (&self.segments, segment_ids) {
            (Some(e), Some(s)) => {
                if s.len() != ids.len() {
                    return Err(NnError::Shape(format!(
                        "encoder: {} segment ids for {} tokens",
                        s.len(),
                        ids.len()
                    )));
                }
                let v = e.lookup_batch(g, ps, s, batch)?;
                sum = g.add(sum, v)?;
                Some(v)
            }
            (None, Some(_)) => {
                return Err(NnError::Shape(
                    "encoder: segment ids for a model without segments".into(),
                ))
            }
            _ => None,
        };
        let mut x = sum;
        let mut attention = Vec::with_capacity(self.blocks.len());
        for b in &self.blocks {
            let (y, w) = b.forward(g, ps, x, mask)?;
            attention.push(w);
            x = y;
        }
        if let Some(ln) = &self.final_ln {
            x = ln.forward(g, ps, x)?;
        }
        Ok(EncoderOutput {
            hidden: x,
            attention,
            inputs: InputParts {
                token,
                position,
                segment,
                sum,
            },
        })
    }
}

/// A key-padding mask `[b, t, t]` from each sequence's length: query `i` of
/// sequence `s` may attend to key `j` when `j < lens[s]`.
pub fn padding_mask(lens: &[usize], t: usize) -> Tensor {
    ArrayD::from_shape_fn(IxDyn(&[lens.len(), t, t]), |ix| {
        if ix[2] < lens[ix[0]] {
            1.0
        } else {
            0.0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::params::std_normal;

    fn randn(shape: &[usize], seed: u64) -> Tensor {
        let mut rng = crate::algos::rng(seed);
        let n: usize = shape.iter().product();
        ArrayD::from_shape_vec(
            IxDyn(shape),
            (0..n).map(|_| std_normal(&mut rng) as f32).collect(),
        )
        .unwrap()
    }

    /// Largest |analytic − numeric| / (1e-3·max(|a|,|n|) + 2e-3·scale) over
    /// the input and every trainable parameter, for `Σ f(x)·r` (the same
    /// tolerance as the engine's gradient checks).
    fn worst_ratio(
        x: &Tensor,
        ps: &mut ParamStore,
        f: &dyn Fn(&mut Graph, &mut ParamStore, Var) -> Var,
    ) -> f64 {
        let eval = |x: &Tensor, ps: &mut ParamStore, r: &Tensor| -> f64 {
            let mut g = Graph::new(7);
            let v = g.input(x.clone());
            let out = f(&mut g, ps, v);
            g.value(out)
                .unwrap()
                .iter()
                .zip(r)
                .map(|(&a, &b)| a as f64 * b as f64)
                .sum()
        };
        let mut g = Graph::new(7);
        let v = g.input(x.clone());
        let out = f(&mut g, ps, v);
        let r = randn(&g.shape(out).unwrap(), 99);
        ps.zero_grad();
        g.backward_with(out, r.clone(), ps).unwrap();
        let gx = g
            .grad(v)
            .cloned()
            .unwrap_or_else(|| Tensor::zeros(x.raw_dim()));
        let h = 4e-3f32;
        let judge = |analytic: &[f32], numeric: &[f64]| -> f64 {
            let scale = numeric.iter().fold(5e-2f64, |m, v| m.max(v.abs()));
            analytic.iter().zip(numeric).fold(0f64, |w, (&a, &n)| {
                let a = a as f64;
                let tol = 1e-3 * a.abs().max(n.abs()) + 2e-3 * scale;
                w.max((a - n).abs() / tol)
            })
        };
        let mut num = Vec::new();
        for k in 0..x.len() {
            let mut xp = x.clone();
            let mut xm = x.clone();
            let (p, m) = {
                let sp = xp.as_slice_mut().unwrap();
                let sm = xm.as_slice_mut().unwrap();
                sp[k] += h;
                sm[k] -= h;
                (sp[k], sm[k])
            };
            num.push((eval(&xp, ps, &r) - eval(&xm, ps, &r)) / (p - m) as f64);
        }
        let mut worst = judge(gx.as_slice().unwrap(), &num);
        let ids: Vec<_> = ps.ids().collect();
        for id in ids {
            if !ps.param(id).unwrap().trainable {
                continue;
            }
            let analytic = ps.grad(id).unwrap().clone();
            // A key bias adds q·b to every score of a query alike, which the
            // softmax ignores: its true gradient is 0 and a finite difference
            // of it is rounding noise. Check that it is (nearly) 0 instead.
            if ps.param(id).unwrap().name.ends_with(".k.bias") {
                assert!(analytic.iter().all(|v| v.abs() < 1e-5), "{analytic}");
                continue;
            }
            let mut num = Vec::new();
            for k in 0..analytic.len() {
                let orig = ps.value(id).unwrap().as_slice().unwrap()[k];
                ps.param_mut(id).unwrap().value.as_slice_mut().unwrap()[k] = orig + h;
                let p = ps.value(id).unwrap().as_slice().unwrap()[k];
                let fp = eval(x, ps, &r);
                ps.param_mut(id).unwrap().value.as_slice_mut().unwrap()[k] = orig - h;
                let m = ps.value(id).unwrap().as_slice().unwrap()[k];
                let fm = eval(x, ps, &r);
                ps.param_mut(id).unwrap().value.as_slice_mut().unwrap()[k] = orig;
                num.push((fp - fm) / (p - m) as f64);
            }
            let w = judge(analytic.as_slice().unwrap(), &num);
            if w > 1.0 {
                eprintln!("{}: ratio {w}", ps.param(id).unwrap().name);
            }
            worst = worst.max(w);
        }
        worst
    }

    #[test]
    fn gelu_matches_its_formula_and_its_gradient_checks() {
        let x = randn(&[3, 5], 1).mapv(|v| 2.0 * v);
        let mut g = Graph::new(0);
        let v = g.input(x.clone());
        let y = gelu(&mut g, v).unwrap();
        for (&a, &b) in x.iter().zip(g.value(y).unwrap()) {
            let a = a as f64;
            let want = 0.5
                * a
                * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (a + 0.044715 * a.powi(3))).tanh());
            assert!((b as f64 - want).abs() < 1e-5, "{a}: {b} vs {want}");
        }
        // GELU(0) = 0, GELU(x) → x for large x, → 0 for very negative x.
        let mut ps = ParamStore::new(0);
        let w = worst_ratio(&x, &mut ps, &|g, _, x| gelu(g, x).unwrap());
        assert!(w <= 1.0, "gelu gradient off: {w}");
    }

    fn tiny(norm: NormPlacement, positions: Positions, segments: usize) -> EncoderConfig {
        EncoderConfig {
            vocab: 6,
            max_len: 5,
            d_model: 4,
            heads: 2,
            d_ff: 6,
            layers: 2,
            norm,
            positions,
            segments,
        }
    }

    /// Every parameter of a two-block encoder (both placements of the
    /// LayerNorm, both kinds of positions, segments and a padding mask)
    /// against central differences. The input is a scale on the token
    /// embeddings, so the input gradient is checked too.
    #[test]
    fn encoder_gradients_check_for_both_norm_placements() {
        for (norm, pos, seg) in [
            (NormPlacement::Post, Positions::Sinusoidal, 0),
            (NormPlacement::Pre, Positions::Learned, 2),
        ] {
            let mut ps = ParamStore::new(3);
            let enc = TransformerEncoder::new(&mut ps, "enc", tiny(norm, pos, seg)).unwrap();
            // Layer-norm gains and biases away from 1 and 0.
            let ids_all: Vec<_> = ps.ids().collect();
            for (k, id) in ids_all.into_iter().enumerate() {
                let p = ps.param_mut(id).unwrap();
                let noise = randn(p.value.shape(), 50 + k as u64);
                p.value.scaled_add(0.3, &noise);
            }
            let ids = [1usize, 4, 2, 0, 5, 3, 3, 1];
            let segs = [0usize, 0, 1, 1, 0, 1, 1, 1];
            let mask = padding_mask(&[4, 3], 4);
            let scale = randn(&[2, 4, 4], 5).mapv(|v| 1.0 + 0.2 * v);
            let f = |g: &mut Graph, ps: &mut ParamStore, s: Var| -> Var {
                let out = enc
                    .forward(g, ps, &ids, 2, (seg > 0).then_some(&segs[..]), Some(&mask))
                    .unwrap();
                g.mul(out.hidden, s).unwrap()
            };
            let w = worst_ratio(&scale, &mut ps, &f);
            assert!(w <= 1.0, "{norm:?} {pos:?}: worst gradient error ratio {w}");
        }
    }

    #[test]
    fn attention_respects_padding_and_shapes_are_reported() {
        let mut ps = ParamStore::new(0);
        let enc = TransformerEncoder::new(
            &mut ps,
            "enc",
            tiny(NormPlacement::Post, Positions::Sinusoidal, 0),
        )
        .unwrap();
        let mut g = Graph::new(0);
        let out = enc
            .forward(
                &mut g,
                &mut ps,
                &[1, 2, 3, 1, 2, 0],
                2,
                None,
                Some(&padding_mask(&[3, 2], 3)),
            )
            .unwrap();
        assert_eq!(g.shape(out.hidden).unwrap(), vec![2, 3, 4]);
        let w = g.value(out.attention[0]).unwrap();
        assert_eq!(w.shape(), &[4, 3, 3]);
        // Sequence 2 (heads 3 and 4) puts no weight on its padded key.
        for h in 2..4 {
            for q in 0..3 {
                assert!(w[[h, q, 2]] < 1e-6);
                let row: f32 = (0..3).map(|k| w[[h, q, k]]).sum();
                assert!((row - 1.0).abs() < 1e-5);
            }
        }
        let e = enc
            .forward(&mut g, &mut ps, &[1; 12], 2, None, None)
            .unwrap_err();
        assert!(
            e.to_string().contains("longer than the position table"),
            "{e}"
        );
        let mut c = tiny(NormPlacement::Pre, Positions::Sinusoidal, 0);
        c.heads = 3;
        let e = TransformerEncoder::new(&mut ps, "x", c).unwrap_err();
        assert!(
            e.to_string().contains("3 heads do not divide d_model = 4"),
            "{e}"
        );
    }

    #[test]
    fn sinusoids_and_warm_up_follow_their_formulas() {
        let pe = sinusoidal_table(50, 8);
        assert_eq!(pe[[0, 0]], 0.0);
        assert_eq!(pe[[0, 1]], 1.0);
        assert!((pe[[3, 0]] - 3f32.sin()).abs() < 1e-6);
        assert!((pe[[7, 5]] - (7.0 / 10000f64.powf(4.0 / 8.0)).cos() as f32).abs() < 1e-6);
        assert!(pe.iter().all(|v| v.abs() <= 1.0));
        assert_eq!(warmup_lr(1.0, 1, 4), 0.25);
        assert_eq!(warmup_lr(1.0, 2, 4), 0.5);
        assert_eq!(warmup_lr(1.0, 4, 4), 1.0);
        assert_eq!(warmup_lr(1.0, 40, 4), 1.0);
        assert_eq!(warmup_lr(0.5, 1, 0), 0.5);
    }
}
