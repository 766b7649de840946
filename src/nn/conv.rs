//! Convolution by im2col + GEMM, and 2×2 max-pooling.
//!
//! im2col lays the receptive fields out as the columns of a matrix
//! `colsᵀ [c·kh·kw, n·ho·wo]` (one row per kernel tap, filled by slice copies),
//! so the convolution is one matrix product `W [o, c·kh·kw] · colsᵀ`.
//! Backward: `dW = g·cols`, `dcolsᵀ = Wᵀ·g`, and col2im adds every entry of
//! `dcolsᵀ` back onto the pixel it came from (overlapping windows add up).

use std::cell::RefCell;

use ndarray::{Array2, ArrayD, IxDyn};

use super::{NnError, Tensor};

thread_local! {
    /// Spare im2col-sized buffers. A training step allocates and frees
    /// megabyte-sized column matrices; recycling them avoids the allocator
    /// handing the pages back to the kernel and faulting them in again each
    /// step (that churn cost ~15 % of a CNN epoch).
    static POOL: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// A zeroed buffer of `len`, recycled if one is spare.
pub(crate) fn take_zeroed(len: usize) -> Vec<f32> {
    let recycled = POOL.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.iter().position(|b| b.capacity() >= len)?;
        Some(p.swap_remove(i))
    });
    match recycled {
        Some(mut v) => {
            v.clear();
            v.resize(len, 0.0);
            v
        }
        None => vec![0.0; len],
    }
}

/// Returns a buffer for reuse (at most a few are kept).
pub(crate) fn give(v: Vec<f32>) {
    // Small buffers are cheap to allocate; huge ones are not worth keeping.
    if v.capacity() < 4096 || v.capacity() > 16 << 20 {
        return;
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < 8 {
            p.push(v);
        }
    });
}

/// Recycles a matrix's storage.
pub(crate) fn give_array(a: Array2<f32>) {
    let (v, _) = a.into_raw_vec_and_offset();
    give(v);
}

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
}

/// Valid output range `lo..hi` along one axis for kernel offset `k`: the
/// outputs whose input coordinate `o·stride + k − pad` lies in `0..size`.
#[inline]
fn valid(out: usize, k: usize, size: usize, stride: usize, pad: usize) -> (usize, usize) {
    // o·s + k ≥ pad  ⇔  o ≥ ceil((pad − k)/s)
    let lo = if k >= pad {
        0
    } else {
        (pad - k).div_ceil(stride)
    };
    // o·s + k − pad ≤ size − 1  ⇔  o ≤ (size − 1 + pad − k)/s
    let hi = if size + pad > k {
        ((size - 1 + pad - k) / stride + 1).min(out)
    } else {
        0
    };
    (lo.min(hi), hi)
}

/// `[n, c, h, w] → colsᵀ [c·kh·kw, n·ho·wo]`: row `(c, ky, kx)` holds, for
/// every output position, the input pixel under that kernel tap (0 in the
/// padding). With stride 1 each output row segment is one slice copy.
pub fn im2col(x: &Tensor, g: &Geometry) -> Result<Array2<f32>, NnError> {
    let xs = x.as_standard_layout();
    let xs = xs
        .as_slice()
        .ok_or_else(|| NnError::Shape("conv2d: input not contiguous".into()))?;
    let ckk = g.c * g.kh * g.kw;
    let s = g.ho * g.wo;
    let cols_n = g.n * s;
    let mut cols = take_zeroed(ckk * cols_n);
    for c in 0..g.c {
        for ky in 0..g.kh {
            let (oy0, oy1) = valid(g.ho, ky, g.h, g.stride, g.pad);
            for kx in 0..g.kw {
                let (ox0, ox1) = valid(g.wo, kx, g.w, g.stride, g.pad);
                let row = (c * g.kh + ky) * g.kw + kx;
                let dst = &mut cols[row * cols_n..(row + 1) * cols_n];
                for n in 0..g.n {
                    let base = (n * g.c + c) * g.h * g.w;
                    for oy in oy0..oy1 {
                        let sy = oy * g.stride + ky - g.pad;
                        let d0 = n * s + oy * g.wo;
                        let src0 = base + sy * g.w;
                        if g.stride == 1 {
                            let sx0 = ox0 + kx - g.pad;
                            dst[d0 + ox0..d0 + ox1]
                                .copy_from_slice(&xs[src0 + sx0..src0 + sx0 + (ox1 - ox0)]);
                        } else {
                            for ox in ox0..ox1 {
                                dst[d0 + ox] = xs[src0 + ox * g.stride + kx - g.pad];
                            }
                        }
                    }
                }
            }
        }
    }
    Array2::from_shape_vec((ckk, cols_n), cols).map_err(|e| NnError::Shape(e.to_string()))
}

/// Adds `dcolsᵀ [c·kh·kw, n·ho·wo]` back onto `[n, c, h, w]`.
pub fn col2im(dcols: &Array2<f32>, g: &Geometry) -> Tensor {
    let shape = [g.n, g.c, g.h, g.w];
    let mut dx = vec![0f32; g.n * g.c * g.h * g.w];
    let std = dcols.as_standard_layout();
    let Some(d) = std.as_slice() else {
        return ArrayD::zeros(IxDyn(&shape));
    };
    let s = g.ho * g.wo;
    let cols_n = g.n * s;
    for c in 0..g.c {
        for ky in 0..g.kh {
            let (oy0, oy1) = valid(g.ho, ky, g.h, g.stride, g.pad);
            for kx in 0..g.kw {
                let (ox0, ox1) = valid(g.wo, kx, g.w, g.stride, g.pad);
                let row = (c * g.kh + ky) * g.kw + kx;
                let src = &d[row * cols_n..(row + 1) * cols_n];
                for n in 0..g.n {
                    let base = (n * g.c + c) * g.h * g.w;
                    for oy in oy0..oy1 {
                        let sy = oy * g.stride + ky - g.pad;
                        let s0 = n * s + oy * g.wo;
                        let d0 = base + sy * g.w;
                        if g.stride == 1 {
                            let sx0 = d0 + ox0 + kx - g.pad;
                            let len = ox1 - ox0;
                            for (d, v) in
                                dx[sx0..sx0 + len].iter_mut().zip(&src[s0 + ox0..s0 + ox1])
                            {
                                *d += v;
                            }
                        } else {
                            for ox in ox0..ox1 {
                                dx[d0 + ox * g.stride + kx - g.pad] += src[s0 + ox];
                            }
                        }
                    }
                }
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), dx).unwrap_or_else(|_| ArrayD::zeros(IxDyn(&shape)))
}

/// `[o, n·ho·wo] → [n, o, ho, wo]` (block copies).
pub fn ocols_to_nchw(y2: &Array2<f32>, g: &Geometry) -> Tensor {
    let shape = [g.n, g.o, g.ho, g.wo];
    let s = g.ho * g.wo;
    let std = y2.as_standard_layout();
    let Some(src) = std.as_slice() else {
        return ArrayD::zeros(IxDyn(&shape));
    };
    let mut out = vec![0f32; g.n * g.o * s];
    for o in 0..g.o {
        for n in 0..g.n {
            let from = o * g.n * s + n * s;
            let to = (n * g.o + o) * s;
            out[to..to + s].copy_from_slice(&src[from..from + s]);
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap_or_else(|_| ArrayD::zeros(IxDyn(&shape)))
}

/// `[n, o, ho, wo] → [o, n·ho·wo]`.
pub fn nchw_to_ocols(t: &Tensor, g: &Geometry) -> Result<Array2<f32>, NnError> {
    let s = g.ho * g.wo;
    let st = t.as_standard_layout();
    let src = st
        .as_slice()
        .ok_or_else(|| NnError::Shape("conv2d: gradient not contiguous".into()))?;
    if src.len() != g.n * g.o * s {
        return Err(NnError::Shape("conv2d: gradient of the wrong size".into()));
    }
    let mut out = vec![0f32; g.n * s * g.o];
    for o in 0..g.o {
        for n in 0..g.n {
            let to = o * g.n * s + n * s;
            let from = (n * g.o + o) * s;
            out[to..to + s].copy_from_slice(&src[from..from + s]);
        }
    }
    Array2::from_shape_vec((g.o, g.n * s), out).map_err(|e| NnError::Shape(e.to_string()))
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
