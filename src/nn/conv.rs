//! Convolution by im2col + GEMM, and 2×2 max-pooling.
//!
//! im2col lays every receptive field out as one row of a matrix
//! `cols [n·ho·wo, c·kh·kw]`, so the convolution is one matrix product with
//! the weights reshaped to `[o, c·kh·kw]`. Backward: `dW = gᵀ·cols`,
//! `dcols = g·W`, and col2im adds each row of `dcols` back onto the pixels it
//! came from (overlapping windows add up).

use ndarray::{Array2, ArrayD, IxDyn};

use super::{NnError, Tensor};

/// Shapes of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub o: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride: usize,
    pub pad: usize,
    pub ho: usize,
    pub wo: usize,
}

impl Geometry {
    pub fn new(x: &[usize], w: &[usize], stride: usize, pad: usize) -> Result<Geometry, NnError> {
        let bad = |m: String| NnError::Shape(format!("conv2d: {m}"));
        let [n, c, h, wd] = *x else {
            return Err(bad(format!("input {x:?} is not [n, c, h, w]")));
        };
        let [o, c2, kh, kw] = *w else {
            return Err(bad(format!("weight {w:?} is not [out, in, kh, kw]")));
        };
        if c != c2 {
            return Err(bad(format!("input has {c} channels, weight expects {c2}")));
        }
        if stride == 0 {
            return Err(NnError::param("stride", "must be at least 1"));
        }
        if kh == 0 || kw == 0 || h + 2 * pad < kh || wd + 2 * pad < kw {
            return Err(bad(format!(
                "kernel {kh}×{kw} does not fit a {h}×{wd} input with padding {pad}"
            )));
        }
        Ok(Geometry {
            n,
            c,
            h,
            w: wd,
            o,
            kh,
            kw,
            stride,
            pad,
            ho: (h + 2 * pad - kh) / stride + 1,
            wo: (wd + 2 * pad - kw) / stride + 1,
        })
    }

    /// For output position (oy or ox) and kernel offset, the input coordinate
    /// (None in the zero padding).
    #[inline]
    fn src(&self, out: usize, k: usize, size: usize) -> Option<usize> {
        let p = out * self.stride + k;
        if p < self.pad || p - self.pad >= size {
            None
        } else {
            Some(p - self.pad)
        }
    }
}

/// `[n, c, h, w] → [n·ho·wo, c·kh·kw]`.
pub fn im2col(x: &Tensor, g: &Geometry) -> Result<Array2<f32>, NnError> {
    let xs = x.as_standard_layout();
    let xs = xs
        .as_slice()
        .ok_or_else(|| NnError::Shape("conv2d: input not contiguous".into()))?;
    let ckk = g.c * g.kh * g.kw;
    let rows = g.n * g.ho * g.wo;
    let mut cols = vec![0f32; rows * ckk];
    let mut r = 0;
    for n in 0..g.n {
        for oy in 0..g.ho {
            for ox in 0..g.wo {
                let row = &mut cols[r * ckk..(r + 1) * ckk];
                let mut k = 0;
                for c in 0..g.c {
                    let base = (n * g.c + c) * g.h * g.w;
                    for ky in 0..g.kh {
                        let sy = g.src(oy, ky, g.h);
                        for kx in 0..g.kw {
                            if let (Some(sy), Some(sx)) = (sy, g.src(ox, kx, g.w)) {
                                row[k] = xs[base + sy * g.w + sx];
                            }
                            k += 1;
                        }
                    }
                }
                r += 1;
            }
        }
    }
    Array2::from_shape_vec((rows, ckk), cols).map_err(|e| NnError::Shape(e.to_string()))
}

/// Adds the rows of `dcols [n·ho·wo, c·kh·kw]` back into `[n, c, h, w]`.
pub fn col2im(dcols: &Array2<f32>, g: &Geometry) -> Tensor {
    let mut dx = vec![0f32; g.n * g.c * g.h * g.w];
    let ckk = g.c * g.kh * g.kw;
    let std = dcols.as_standard_layout();
    let Some(d) = std.as_slice() else {
        return ArrayD::zeros(IxDyn(&[g.n, g.c, g.h, g.w]));
    };
    let mut r = 0;
    for n in 0..g.n {
        for oy in 0..g.ho {
            for ox in 0..g.wo {
                let row = &d[r * ckk..(r + 1) * ckk];
                let mut k = 0;
                for c in 0..g.c {
                    let base = (n * g.c + c) * g.h * g.w;
                    for ky in 0..g.kh {
                        let sy = g.src(oy, ky, g.h);
                        for kx in 0..g.kw {
                            if let (Some(sy), Some(sx)) = (sy, g.src(ox, kx, g.w)) {
                                dx[base + sy * g.w + sx] += row[k];
                            }
                            k += 1;
                        }
                    }
                }
                r += 1;
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&[g.n, g.c, g.h, g.w]), dx)
        .unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[g.n, g.c, g.h, g.w])))
}

/// `[n·ho·wo, o] → [n, o, ho, wo]`.
pub fn rows_to_nchw(y2: &Array2<f32>, g: &Geometry) -> Tensor {
    let s = g.ho * g.wo;
    let mut out = vec![0f32; g.n * g.o * s];
    for (r, row) in y2.rows().into_iter().enumerate() {
        let (n, p) = (r / s, r % s);
        for (o, &v) in row.iter().enumerate() {
            out[(n * g.o + o) * s + p] = v;
        }
    }
    ArrayD::from_shape_vec(IxDyn(&[g.n, g.o, g.ho, g.wo]), out)
        .unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[g.n, g.o, g.ho, g.wo])))
}

/// `[n, o, ho, wo] → [n·ho·wo, o]`.
pub fn nchw_to_rows(t: &Tensor, g: &Geometry) -> Result<Array2<f32>, NnError> {
    let s = g.ho * g.wo;
    let st = t.as_standard_layout();
    let src = st
        .as_slice()
        .ok_or_else(|| NnError::Shape("conv2d: gradient not contiguous".into()))?;
    if src.len() != g.n * g.o * s {
        return Err(NnError::Shape("conv2d: gradient of the wrong size".into()));
    }
    let mut out = vec![0f32; g.n * s * g.o];
    for n in 0..g.n {
        for o in 0..g.o {
            let plane = &src[(n * g.o + o) * s..(n * g.o + o + 1) * s];
            for (p, &v) in plane.iter().enumerate() {
                out[(n * s + p) * g.o + o] = v;
            }
        }
    }
    Array2::from_shape_vec((g.n * s, g.o), out).map_err(|e| NnError::Shape(e.to_string()))
}

/// 2×2 max-pool, stride 2: the output and, for each output element, the
/// flat index of the input element that won (first of equals).
pub fn max_pool2(x: &Tensor) -> Result<(Tensor, Vec<usize>), NnError> {
    let [n, c, h, w] = *x.shape() else {
        return Err(NnError::Shape(format!(
            "max_pool2: input {:?} is not [n, c, h, w]",
            x.shape()
        )));
    };
    let (ho, wo) = (h / 2, w / 2);
    if ho == 0 || wo == 0 {
        return Err(NnError::Shape(format!(
            "max_pool2: a {h}×{w} input is too small for a 2×2 window"
        )));
    }
    let xs = x.as_standard_layout();
    let xs = xs
        .as_slice()
        .ok_or_else(|| NnError::Shape("max_pool2: input not contiguous".into()))?;
    let mut out = Vec::with_capacity(n * c * ho * wo);
    let mut arg = Vec::with_capacity(n * c * ho * wo);
    for plane in 0..n * c {
        let base = plane * h * w;
        for oy in 0..ho {
            for ox in 0..wo {
                let i0 = base + 2 * oy * w + 2 * ox;
                let mut best = i0;
                for i in [i0 + 1, i0 + w, i0 + w + 1] {
                    if xs[i] > xs[best] {
                        best = i;
                    }
                }
                out.push(xs[best]);
                arg.push(best);
            }
        }
    }
    let y = ArrayD::from_shape_vec(IxDyn(&[n, c, ho, wo]), out)
        .map_err(|e| NnError::Shape(e.to_string()))?;
    Ok((y, arg))
}
