//! One standardisation kernel for the four norms.
//!
//! A tensor in row-major order is viewed as `[a, g, b]`; group `j` is every
//! element `(i, j, k)`, and it is standardised with its own mean and biased
//! variance. The norms differ only in that view (for `[n, c, s]` inputs, `s`
//! = product of the spatial axes):
//!
//! | norm | view `[a, g, b]` | one group = |
//! |---|---|---|
//! | batch-norm, `[n, f]` | `[n, f, 1]` | one feature over the batch |
//! | batch-norm, `[n, c, s]` | `[n, c, s]` | one channel over batch and space |
//! | layer-norm over the last axis `f` | `[1, rows, f]` | one row |
//! | instance-norm | `[1, n·c, s]` | one channel of one sample |
//! | group-norm with `G` groups | `[1, n·G, (c/G)·s]` | `c/G` channels of one sample |
//!
//! Backward of `x̂ = (x − μ)/σ` with σ = √(var + ε), per group of `m` elements:
//! `dx = (1/σ)·(g − mean(g) − x̂·mean(g ⊙ x̂))`.

use super::{NnError, Tensor};

/// The `[a, g, b]` view described in the module doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Groups {
    pub a: usize,
    pub g: usize,
    pub b: usize,
}

impl Groups {
    /// One group per channel (axis 1; for a matrix, per column): batch-norm
    /// statistics and every per-channel affine.
    pub fn channels(shape: &[usize]) -> Result<Groups, NnError> {
        match shape {
            [n, f] => Ok(Groups { a: *n, g: *f, b: 1 }),
            [n, c, rest @ ..] if !rest.is_empty() => Ok(Groups {
                a: *n,
                g: *c,
                b: rest.iter().product(),
            }),
            _ => Err(NnError::Shape(format!(
                "per-channel statistics need [n, c, ...], got {shape:?}"
            ))),
        }
    }

    /// One group per position of the last axis (the affine of layer-norm).
    pub fn last_axis(shape: &[usize]) -> Result<Groups, NnError> {
        let f = *shape
            .last()
            .ok_or_else(|| NnError::Shape("layer-norm of a scalar".into()))?;
        let len: usize = shape.iter().product();
        Ok(Groups {
            a: len / f.max(1),
            g: f,
            b: 1,
        })
    }

    /// One group per row of the last axis (layer-norm statistics).
    pub fn rows(shape: &[usize]) -> Result<Groups, NnError> {
        let f = *shape
            .last()
            .ok_or_else(|| NnError::Shape("layer-norm of a scalar".into()))?;
        let len: usize = shape.iter().product();
        Ok(Groups {
            a: 1,
            g: len / f.max(1),
            b: f,
        })
    }

    /// One group per (sample, channel-group); `n_groups = c` is
    /// instance-norm, `n_groups = 1` normalises each sample as a whole.
    pub fn per_sample(shape: &[usize], n_groups: usize) -> Result<Groups, NnError> {
        let [n, c, rest @ ..] = shape else {
            return Err(NnError::Shape(format!(
                "instance/group-norm need [n, c, ...], got {shape:?}"
            )));
        };
        if n_groups == 0 || !c.is_multiple_of(n_groups) {
            return Err(NnError::param(
                "groups",
                format!("{n_groups} groups do not divide {c} channels"),
            ));
        }
        let s: usize = rest.iter().product();
        Ok(Groups {
            a: 1,
            g: n * n_groups,
            b: (c / n_groups) * s,
        })
    }

    pub fn check(&self, len: usize) -> Result<(), NnError> {
        if self.a * self.g * self.b != len {
            return Err(NnError::Shape(format!(
                "groups {}×{}×{} for {len} elements",
                self.a, self.g, self.b
            )));
        }
        Ok(())
    }

    /// Elements per group.
    pub fn members(&self) -> usize {
        self.a * self.b
    }

    /// Calls `f(group, &mut element)` for every element of a row-major slice.
    #[inline]
    pub fn for_each_mut(&self, s: &mut [f32], mut f: impl FnMut(usize, &mut f32)) {
        let mut k = 0;
        for _ in 0..self.a {
            for j in 0..self.g {
                for v in &mut s[k..k + self.b] {
                    f(j, v);
                }
                k += self.b;
            }
        }
    }

    /// Calls `f(group, flat index)` for every element.
    #[inline]
    pub fn for_each_index(&self, mut f: impl FnMut(usize, usize)) {
        let mut k = 0;
        for _ in 0..self.a {
            for j in 0..self.g {
                for _ in 0..self.b {
                    f(j, k);
                    k += 1;
                }
            }
        }
    }
}

/// Returns `(x̂, mean, biased var, 1/σ)`.
#[allow(clippy::type_complexity)]
pub fn standardize(
    x: &Tensor,
    groups: &Groups,
    eps: f32,
) -> Result<(Tensor, Vec<f32>, Vec<f32>, Vec<f32>), NnError> {
    let mut y = x.as_standard_layout().into_owned();
    let m = groups.members().max(1) as f64;
    let mut sum = vec![0f64; groups.g];
    let s = y
        .as_slice_mut()
        .ok_or_else(|| NnError::Shape("standardize: not contiguous".into()))?;
    groups.for_each_mut(s, |j, v| sum[j] += *v as f64);
    let mean: Vec<f64> = sum.iter().map(|t| t / m).collect();
    let mut sq = vec![0f64; groups.g];
    groups.for_each_mut(s, |j, v| sq[j] += (*v as f64 - mean[j]).powi(2));
    let var: Vec<f64> = sq.iter().map(|t| t / m).collect();
    let inv: Vec<f32> = var
        .iter()
        .map(|v| (1.0 / (v + eps as f64).sqrt()) as f32)
        .collect();
    let mean32: Vec<f32> = mean.iter().map(|&v| v as f32).collect();
    groups.for_each_mut(s, |j, v| *v = (*v - mean32[j]) * inv[j]);
    Ok((y, mean32, var.iter().map(|&v| v as f32).collect(), inv))
}

/// Gradient of [`standardize`] given the output gradient `g` and output `xhat`.
pub fn standardize_backward(
    g: &Tensor,
    xhat: &Tensor,
    groups: &Groups,
    inv_std: &[f32],
) -> Result<Tensor, NnError> {
    let mut d = g.as_standard_layout().into_owned();
    let xh = xhat
        .as_slice()
        .ok_or_else(|| NnError::Shape("standardize backward: not contiguous".into()))?;
    let m = groups.members().max(1) as f32;
    let mut mg = vec![0f32; groups.g];
    let mut mgx = vec![0f32; groups.g];
    let ds = d
        .as_slice_mut()
        .ok_or_else(|| NnError::Shape("standardize backward: not contiguous".into()))?;
    groups.for_each_index(|j, k| {
        mg[j] += ds[k];
        mgx[j] += ds[k] * xh[k];
    });
    for j in 0..groups.g {
        mg[j] /= m;
        mgx[j] /= m;
    }
    groups.for_each_index(|j, k| {
        ds[k] = inv_std[j] * (ds[k] - mg[j] - xh[k] * mgx[j]);
    });
    Ok(d)
}
